"""A shared link straight to a page opens that page, with no "Page not found" dialog.

This needs a server whose very first page load is the deep link, so it starts its own.
"""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, running_app, wait_idle
from tests.support.gates import WAIT_S

pytestmark = pytest.mark.browser


def test_first_load_after_start_can_be_a_deep_link(browser, tmp_path):
    with running_app(tmp_path) as base:
        context = browser.new_context()
        pg = context.new_page()
        pg.set_default_timeout(WAIT_S * 1000)  # a failure guard for a cold first run
        # a shared quiz link is the first thing this server ever serves
        pg.goto(base + "/quiz?quiz_seed=7")
        wait_idle(pg)
        seed = pg.locator(".st-key-quiz_seed input[type='range']")
        seed.wait_for(state="attached")
        assert seed.input_value() == "7"
        assert pg.get_by_text("Page not found").count() == 0
        # app.py ran too: its sidebar (level selector, progress) is there
        sidebar = pg.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Your progress", exact=False).wait_for()
        sidebar.locator(".st-key-expertise button", has_text="Expert").wait_for()
        assert_no_exception(pg)
        context.close()
