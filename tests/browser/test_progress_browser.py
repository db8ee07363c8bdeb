"""Progress that survives, in a real Chromium: a visited lesson stays counted on the home
map after a reload and in a new tab of the same browser; reset clears it for good;
whatever else sits in localStorage, or storage that refuses access, breaks nothing."""

from __future__ import annotations

import json

import pytest

from bnlib.course.registry import page_by_url
from bnlib.ui import progress
from bnlib.ui.progress_store import STORAGE_KEY, WIDGET_KEY
from tests.conftest import assert_no_exception, open_expander, wait_idle
from tests.support.gates import wait_until

pytestmark = pytest.mark.browser

TOTAL = len(progress.tracked())
LESSON = "batch-size"
# The store's script runs once the browser has loaded the page's scripts (plotly's among
# them); on a loaded 2-core machine that was seen to take 20 s after the run ended.
SLOW_MS = 120_000
GET = f"window.localStorage.getItem({json.dumps(STORAGE_KEY)})"


NO_GAP = """el => {
  const column = document.querySelector("[data-testid='stMain'] [data-testid='stVerticalBlock']");
  const shown = [...column.children].filter((c) => getComputedStyle(c).display !== "none");
  const hidden = !shown.some((c) => c.contains(el));
  const gap = column.getBoundingClientRect().bottom - shown.at(-1).getBoundingClientRect().bottom;
  return { hidden, gap };
}"""


def visited_line(n: int) -> str:
    return f"{n} of {TOTAL} pages visited."


def open_home(pg, base: str, visited: int) -> None:
    """Open the home page and wait until its map counts `visited` pages."""
    pg.set_default_timeout(SLOW_MS)
    pg.goto(f"{base}/")
    main = pg.locator("[data-testid='stMain']")
    main.get_by_text(visited_line(visited), exact=False).wait_for()
    wait_idle(pg)
    assert_no_exception(pg)


def wait_main_text(pg, text: str) -> None:
    """Wait for `text` in the main column; on a timeout say what the page and the
    browser's copy showed instead (one CI run lost a Reset press: this tells why next time)."""
    main = pg.locator("[data-testid='stMain']")
    try:
        main.get_by_text(text).wait_for()
    except Exception as exc:
        state = pg.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
        counts = [line for line in main.inner_text().splitlines() if "pages visited" in line]
        raise AssertionError(
            f"{text!r} not shown: script {state}, main says {counts}, stored {stored(pg)}"
        ) from exc


def stored(pg):
    text = pg.evaluate(f"() => {GET}")
    return None if text is None else json.loads(text)


def wait_stored(pg, fragment: str) -> None:
    """Wait until the browser's copy mentions `fragment` (written after the page's run)."""
    pg.wait_for_function(f"() => ({GET} || '').includes({json.dumps(fragment)})")


def card_mark(pg, url_path: str) -> str:
    """The progress words on one card of the home map."""
    blurb = page_by_url(url_path).blurb
    return pg.locator("[data-testid='stMain']").get_by_text(blurb, exact=False).inner_text()


def wait_card(pg, url_path: str, ending: str) -> None:
    """Wait until the card of `url_path` ends with `ending`. The cards come after the
    summary line on the page, so the line can be new while they are still being redrawn
    (seen under two CPU hogs)."""
    last = [""]

    def says() -> bool:
        last[0] = card_mark(pg, url_path)
        return last[0].endswith(ending)

    try:
        wait_until(says, f"the {url_path} card says {ending!r}", timeout=SLOW_MS / 1000)
    except AssertionError as err:
        raise AssertionError(f"{err}; it says {last[0]!r}") from None


def test_visit_survives_reload_and_new_tab_and_reset_clears_it(app_server, page):
    page.set_default_timeout(SLOW_MS)
    page.goto(f"{app_server}/{LESSON}")
    page.locator("h1").get_by_text(page_by_url(LESSON).title).wait_for()
    wait_stored(page, LESSON)
    assert stored(page) == {"v": 1, "visited": [LESSON], "passed": []}
    # the store draws nothing and leaves no gap: the page's column ends where its last
    # visible box ends (a hidden box would still cost a 16 px gap)
    box = page.locator(f".st-key-{WIDGET_KEY}")
    assert box.count() == 1
    layout = box.evaluate(NO_GAP)
    assert layout["hidden"] and layout["gap"] <= 0, layout  # (a chart may overhang: < 0)

    open_home(page, app_server, 1)  # a new session: the browser's copy brought the visit
    wait_card(page, LESSON, "visited")
    page.reload()
    page.locator("[data-testid='stMain']").get_by_text(visited_line(1)).wait_for()
    assert_no_exception(page)

    tab = page.context.new_page()
    open_home(tab, app_server, 1)
    wait_card(tab, LESSON, "visited")
    tab.close()  # an open tab keeps its own session's progress (see progress_store)

    wait_idle(page)  # a learner presses on a page at rest
    sidebar = page.locator("[data-testid='stSidebar']")
    open_expander(sidebar.locator("summary", has_text="Your progress"))
    sidebar.get_by_role("button", name="Reset progress").click()
    wait_main_text(page, visited_line(0))
    # the browser's copy loses the lesson too (the home page itself is not counted)
    page.wait_for_function(f"() => !({GET} || '').includes({json.dumps(LESSON)})")
    page.reload()
    wait_idle(page)
    page.locator("[data-testid='stMain']").get_by_text(visited_line(0)).wait_for()
    assert LESSON not in (stored(page) or {"visited": []})["visited"]
    assert_no_exception(page)


def test_a_stored_pass_shows_on_the_map(app_server, page):
    page.set_default_timeout(SLOW_MS)
    page.goto(f"{app_server}/_stcore/health")  # the app's origin, without starting a session
    record = {"v": 1, "visited": [], "passed": ["gamma-beta"]}
    page.evaluate(
        f"r => window.localStorage.setItem({json.dumps(STORAGE_KEY)}, r)", json.dumps(record)
    )
    page.goto(f"{app_server}/")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text(f"1 of {TOTAL} checks passed").wait_for()
    main.get_by_text(visited_line(1), exact=False).wait_for()
    wait_card(page, "gamma-beta", "check passed")
    assert_no_exception(page)


GARBAGE = [
    "not json {",
    json.dumps({"v": 1, "visited": ["no-such-page", 7, None], "passed": "gamma-beta"}),
    json.dumps({"v": 99, "visited": [LESSON]}),
    json.dumps(["batch-size"] * 4000),  # too long to be ours
]


@pytest.mark.parametrize("junk", GARBAGE, ids=["not-json", "foreign", "other-version", "huge"])
def test_garbage_in_storage_is_ignored(app_server, page, junk):
    page.goto(f"{app_server}/_stcore/health")  # the app's origin, without starting a session
    page.evaluate(f"j => window.localStorage.setItem({json.dumps(STORAGE_KEY)}, j)", junk)
    open_home(page, app_server, 0)
    assert page.get_by_text("BidiComponent Error").count() == 0
    # the session then stores as usual, over the junk
    wait_stored(page, '{"v":1,')
    assert stored(page) == {"v": 1, "visited": ["home"], "passed": []}


BLOCKED = """
for (const name of ["getItem", "setItem", "removeItem"]) {
  const real = Storage.prototype[name];
  Storage.prototype[name] = function (key, ...rest) {
    if (key === __KEY__) throw new DOMException("storage is blocked", "SecurityError");
    return real.call(this, key, ...rest);
  };
}
""".replace("__KEY__", json.dumps(STORAGE_KEY))


def test_blocked_storage_keeps_progress_for_the_session(app_server, page):
    page.set_default_timeout(SLOW_MS)
    page.add_init_script(BLOCKED)
    page.goto(f"{app_server}/{LESSON}")
    page.locator("h1").get_by_text(page_by_url(LESSON).title).wait_for()
    wait_idle(page)
    # back home inside the same session (a link, not a reload): the visit counts
    page.locator("[data-testid='stSidebarNav']").get_by_text("Welcome").click()
    page.locator("[data-testid='stMain']").get_by_text(visited_line(1), exact=False).wait_for()
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("BidiComponent Error").count() == 0
    assert STORAGE_KEY not in page.evaluate("() => Object.keys(window.localStorage)")


def test_two_open_tabs_add_up_instead_of_overwriting(app_server, page):
    """Tab A started before tab B visited a lesson; A's next write keeps B's lesson."""
    page.set_default_timeout(SLOW_MS)
    open_home(page, app_server, 0)  # tab A: a session that has read the (empty) copy
    wait_stored(page, '"home"')
    other = page.context.new_page()
    other.set_default_timeout(SLOW_MS)
    other.goto(f"{app_server}/{LESSON}")  # tab B
    wait_stored(other, LESSON)
    other.close()
    # tab A moves on inside its own session, which has not heard of B's lesson
    page.locator("[data-testid='stSidebarNav']").get_by_text(
        page_by_url("gamma-beta").title
    ).click()
    page.wait_for_function(
        f"() => ['{LESSON}', 'gamma-beta'].every(u => ({GET} || '').includes(u))"
    )
    # and A took B's lesson in: its sidebar counts both
    page.locator("[data-testid='stSidebar']").get_by_text("2 of", exact=False).wait_for(
        state="attached"
    )
    assert_no_exception(page)
