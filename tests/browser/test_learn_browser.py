"""Shared links in a real browser: opening a URL with settings reproduces the view.

Uses the shared fixtures from tests/conftest.py: `app_server` (base URL of a live app)
and `page` (a Playwright page driving /usr/bin/chromium).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.gates import WAIT_S, wait_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SEED = ".st-key-quiz_seed input[type='range']"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(IDLE)


@pytest.fixture
def warm(app_server):
    """The live app (a first visit by deep link is covered by test_deep_links.py)."""
    return app_server


def test_quiz_link_reproduces_seed_and_length(warm, page):
    _open(page, f"{warm}/quiz?quiz_seed=7&quiz_n=5")
    thumb = page.locator(SEED)
    thumb.wait_for(state="attached", timeout=WAIT_S * 1000)
    assert thumb.input_value() == "7"
    page.get_by_text("Question 5", exact=True).wait_for(timeout=WAIT_S * 1000)
    assert page.get_by_text("Question 6", exact=True).count() == 0
    assert "quiz_seed=7" in page.url


def test_glossary_search_link_shows_the_search(warm, page):
    _open(page, f"{warm}/glossary?glossary_q=momentum")
    box = page.locator(".st-key-glossary_q input")
    box.wait_for(timeout=WAIT_S * 1000)
    assert box.input_value() == "momentum"
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("The weight of the running-average update", exact=False).wait_for()
    assert main.get_by_text("A small constant (1e-5", exact=False).count() == 0


def test_bad_link_values_fall_back_with_a_notice_and_are_never_html(warm, page):
    app_server = warm
    evil = "<img src=x id=injected onerror=alert(1)>"
    _open(page, f"{app_server}/quiz?quiz_seed=abc&quiz_n={quote(evil)}")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("was ignored", exact=False).first.wait_for(timeout=WAIT_S * 1000)
    main.get_by_text("was ignored", exact=False).nth(1).wait_for()  # drawn one by one
    assert main.get_by_text("was ignored", exact=False).count() == 2
    assert page.locator(SEED).input_value() == "1"
    assert page.locator("#injected").count() == 0
    _open(page, f"{app_server}/glossary?glossary_q={quote(evil[:40])}")
    assert page.locator("#injected").count() == 0
    assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0


def test_sidebar_level_selector_is_on_every_page(warm, page):
    app_server = warm
    _open(page, f"{app_server}/glossary?glossary_q=epsilon")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Expert", exact=True).click()
    page.wait_for_selector(IDLE)
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("A small constant", exact=False).wait_for()
    # the beginner's long explanation goes away once the rerun for "Expert" lands
    main.get_by_text("divide zero by zero", exact=False).first.wait_for(state="detached")
    _open(page, f"{app_server}/quiz")
    assert sidebar.get_by_text("Your progress", exact=False).count() == 1


def test_a_glossary_term_opens_in_the_same_tab_and_session(warm, page):
    """A plain click on a lesson's glossary term goes to the glossary in this tab, with
    the term searched, and no page load (so the session and its state stay)."""
    _open(page, f"{warm}/batch-statistics")
    main = page.locator("[data-testid='stMain']")
    link = main.locator("a[href^='glossary?glossary_q=epsilon']").first
    link.wait_for(timeout=WAIT_S * 1000)
    # the listener comes with the page's last element; a click before it is a new tab
    page.wait_for_function("typeof window.__bnlabGlossaryClick === 'function'")
    page.evaluate("window.__sameDocument = true")  # gone if the click loaded a new page
    pages_before = len(page.context.pages)
    link.click()
    page.wait_for_url("**/glossary?glossary_q=epsilon*", timeout=WAIT_S * 1000)
    box = page.locator(".st-key-glossary_q input")
    box.wait_for(timeout=WAIT_S * 1000)
    wait_until(lambda: box.input_value() == "epsilon", "the glossary searches the term")
    assert page.evaluate("window.__sameDocument === true")
    assert len(page.context.pages) == pages_before
