"""A shared link straight to a page opens that page, with no "Page not found" dialog.

This needs a server whose very first page load is the deep link, so it starts its own.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import assert_no_exception, free_port, start_streamlit, wait_healthy, wait_idle

pytestmark = pytest.mark.browser


def test_first_load_after_start_can_be_a_deep_link(browser, tmp_path):
    port = free_port()
    with open(tmp_path / "server.log", "w") as log:
        proc = start_streamlit(port, log=log)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, proc)
            context = browser.new_context()
            pg = context.new_page()
            pg.goto(base + "/reference")
            wait_idle(pg)
            pg.get_by_role("heading", name="Reference").first.wait_for()
            assert pg.get_by_text("Page not found").count() == 0
            assert_no_exception(pg)
            context.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
