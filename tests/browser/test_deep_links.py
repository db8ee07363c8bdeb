"""A shared link straight to a page opens that page, with no "Page not found" dialog.

This needs a server whose very first page load is the deep link, so it starts its own.
"""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, running_app, wait_idle

pytestmark = pytest.mark.browser


def test_first_load_after_start_can_be_a_deep_link(browser, tmp_path):
    with running_app(tmp_path) as base:
        context = browser.new_context()
        pg = context.new_page()
        # a shared quiz link is the first thing this server ever serves
        pg.goto(base + "/quiz?quiz_seed=7")
        wait_idle(pg)
        seed = pg.locator(".st-key-quiz_seed input[type='range']")
        seed.wait_for(state="attached")
        assert seed.input_value() == "7"
        assert pg.get_by_text("Page not found").count() == 0
        # app.py ran too: its sidebar (level selector, progress) is there
        sidebar = pg.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Your progress", exact=False).wait_for(timeout=10_000)
        sidebar.locator(".st-key-expertise button", has_text="Expert").wait_for(timeout=60_000)
        assert_no_exception(pg)
        context.close()
