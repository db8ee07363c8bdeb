"""The one seed control (bnlib/ui/seeding.py) in a real Chromium: a link's seed shows on
the control, "New sample" moves it on (in the page, on the control and in the link), and
the popover's number box edits it."""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser


def test_seed_from_link_new_sample_and_popover(app_server, page):
    page.goto(f"{app_server}/batch-statistics?l2_seed=7")
    seed = page.get_by_role("button", name="Seed 7")
    seed.wait_for()
    wait_idle(page)
    page.locator(".st-key-l2_seed_new").get_by_role("button").click()
    page.get_by_role("button", name="Seed 8").wait_for()
    page.wait_for_url("**l2_seed=8**")
    wait_idle(page)
    page.get_by_role("button", name="Seed 8").click()  # open the popover
    box = page.locator(".st-key-l2_seed input")
    box.wait_for()
    assert box.input_value() == "8"
    box.fill("42")
    box.press("Enter")
    page.wait_for_url("**l2_seed=42**")
    assert_no_exception(page)
