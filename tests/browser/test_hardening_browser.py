"""Hostile input in a real Chromium: links with bad or malicious settings, and bad CSV
files uploaded while another session keeps working. (The lab's queue under many sessions
is in test_lab_queue_browser.py.)
"""

from __future__ import annotations

import pytest

from tests.browser.test_lab_queue_browser import main_text
from tests.browser.test_lessons_7_9_ref_browser import changed, chart_data, open_page
from tests.conftest import assert_no_exception, press_slider, wait_idle
from tests.support.gates import WAIT_S

pytestmark = pytest.mark.browser


MARK = "ZZPWN"
LINKS = [
    f"/placement?l7_seed=inf&l7_bias=-0&l7_act=<script>{MARK}()</script>",
    f"/glossary?glossary_q=<img src=x onerror={MARK}()>",
    f"/quiz?quiz_seed=1e400&quiz_n=nan&quiz_seed=-1&{MARK}=<b>x</b>",
    f"/covariate-shift?l1_step=[{MARK}](javascript:alert(1))&l1_lr=" + "9" * 3000,
    f"/?unknown=%3Cscript%3E{MARK}()%3C/script%3E&embed=true",
]


@pytest.mark.parametrize("link", LINKS, ids=[link.split("?")[0] for link in LINKS])
def test_hostile_links_in_the_browser(app_server, page, link):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_server + link)
    wait_idle(page)
    page.locator("[data-testid='stMain'] h1").first.wait_for()
    assert_no_exception(page)
    assert page.get_by_text("Page not found").count() == 0
    injected = page.evaluate(
        "m => [...document.querySelectorAll('script, img[onerror], a[href^=\"javascript\"]')]"
        ".filter(e => e.outerHTML.includes(m)).length",
        MARK,
    )
    assert injected == 0 and not dialogs


# --- bad CSV files while another session keeps being served ------------------------------------
BAD_FILES = [
    ("empty.csv", b"", "empty"),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
    ("book.csv", b"PK\x03\x04" + bytes(200), "Excel"),
    ("utf16.csv", "a,b\n1,2\n3,4\n".encode("utf-16"), "UTF-16"),
    ("latin.csv", "name,value\ncafé,1\nthé,2\n".encode("latin-1"), "not UTF-8"),
    ("words.csv", b"name,city\nann,paris\nbob,rome\n", None),
    ("ragged.csv", b'a,b\n1,"2\n3,4,5,6\n', None),
    ("nul.csv", b"a,b\n1,\x00\n2,3\n", None),
    ("formulas.csv", b"a,b\n=1+1,2\n@SUM(1),3\n+4,5\n", None),
    ("extremes.csv", b"a,b\n1e308,1\n-1e308,2\ninf,3\nnan,4\n", None),
    (
        "wide.csv",
        (",".join(f"c{i}" for i in range(300)) + "\n" + "1," * 299 + "1\n").encode(),
        None,
    ),
    ("html.csv", f"<script>{MARK}()</script>,b\n1,2\n3,4\n".encode(), None),
]


def test_csv_upload_suite_while_another_session_is_served(app_server, browser):
    ctx1 = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx2 = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        up, other = ctx1.new_page(), ctx2.new_page()
        for pg in (up, other):
            pg.set_default_timeout(WAIT_S * 1000)  # a failure guard: two servers share 2 cores
        open_page(up, app_server, "signal-processing", "l9_chart")
        chart = open_page(other, app_server, "placement", "l7_chart")
        uploader = up.locator(".st-key-l9_upload input[type=file]")
        key = "ArrowRight"
        for i, (name, data, words) in enumerate(BAD_FILES):
            uploader.set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
            # meanwhile the other student's slider still redraws their chart
            press_slider(other, "l7_shift", key_name=key)
            chart = changed(other, "l7_chart", chart)
            key = "ArrowLeft" if i % 4 == 3 else key  # stay inside the slider's range
            up.locator(".st-key-l9_upload").get_by_text(name, exact=False).first.wait_for()
            wait_idle(up, timeout=WAIT_S * 1000)
            assert_no_exception(up)
            if words:
                up.get_by_text(words, exact=False).first.wait_for()
            text = main_text(up)
            assert "Traceback" not in text and f"<script>{MARK}" not in text.split(name)[0]
        wait_idle(other, timeout=WAIT_S * 1000)
        assert_no_exception(other)
        assert chart_data(other, "l7_chart")
    finally:
        ctx1.close()
        ctx2.close()
