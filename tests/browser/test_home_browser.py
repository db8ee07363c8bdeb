"""The home page in a real Chromium: loads, its slider moves by keyboard, the readout follows."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bnlib.course.registry import available_pages
from tests.conftest import assert_no_exception, press_slider, wait_idle

pytestmark = pytest.mark.browser


def test_home_slider_moves_readout(app_server, page):
    page.goto(app_server + "/")
    page.get_by_text("Try it: eight samples").wait_for()
    wait_idle(page)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.wait_for()
    readout = page.get_by_text("Batch mean μ_B").first
    before = readout.inner_text()

    press_slider(page, "home_shift", times=5)
    thumb = page.locator(".st-key-home_shift [data-testid='stSliderThumbValue']")
    thumb.get_by_text("15.00").wait_for()  # five steps of 1.0 to the right
    # the readout follows: the sample mean of the batch moves by exactly +5
    page.get_by_text("Batch mean μ_B = 15.795").wait_for()
    after = page.get_by_text("Batch mean μ_B").first.inner_text()
    assert "Batch mean μ_B = 10.795" in before
    # the normalized statistics do not move (and float noise prints as 0, never -0)
    assert "After BN: mean 0.000, standard deviation 1.000" in after
    assert "-0.000" not in after
    assert "home_shift=15" in page.url  # the setting is mirrored in the link
    assert_no_exception(page)
    if len(available_pages()) > 1:  # Streamlit shows the navigation once there is a choice
        assert page.locator("[data-testid='stSidebarNav']").count() == 1


def test_the_level_travels_in_the_link_a_lesson_offers(app_server, page):
    page.goto(app_server + "/batch-statistics?l2_batch=32")
    link = page.locator("[data-testid='stCode']").last
    link.get_by_text("l2_batch=32", exact=False).wait_for()  # the page is drawn to its foot
    wait_idle(page)
    page.locator(".st-key-expertise button", has_text="Expert").click()
    page.wait_for_url("**expertise=Expert**")  # a bound widget writes the label it shows
    page.locator(".st-key-expertise button[aria-checked='true']", has_text="Expert").wait_for()
    try:
        link.get_by_text("expertise=Expert", exact=False).wait_for()
    except PlaywrightTimeout:
        notes = page.get_by_text("Expert note", exact=False).count()
        raise AssertionError(
            f"the link never took the level: it reads {link.inner_text()!r}, the URL is "
            f"{page.url}, {notes} expert notes on the page"
        ) from None
    text = link.inner_text()
    assert text.startswith(app_server + "/batch-statistics?") and "l2_batch=32" in text
    # the link reopens the lesson at that level in a fresh session
    fresh = page.context.browser.new_page()
    try:
        fresh.goto(text.strip())
        wait_idle(fresh)
        fresh.locator(".st-key-expertise button[aria-checked='true']", has_text="Expert").wait_for()
        fresh.get_by_text("Expert note", exact=False).first.wait_for()
        assert_no_exception(fresh)
    finally:
        fresh.close()
    assert_no_exception(page)


def test_home_has_a_name_too(app_server, page):
    """/home (what people type) opens the home page at "/", with no "Page not found"."""
    page.goto(app_server + "/home")
    page.get_by_text("Try it: eight samples").wait_for()
    wait_idle(page)
    page.wait_for_url(app_server + "/")
    assert page.get_by_text("Page not found").count() == 0
    assert_no_exception(page)
    # the hidden page is not listed: one "Welcome" entry in the navigation
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_text("Welcome", exact=True).count() == 1
