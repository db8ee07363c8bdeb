"""Progress and its browser copy under AppTest (no browser, so the store never answers):
the app runs as before, a reset asks the store to overwrite until it confirms, and a block passed on
an earlier visit says so."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bnlib.ui import progress

TIMEOUT = 60

STORE_PAGE = """
import streamlit as st
from bnlib.ui import progress, progress_store
progress.mark_visited("batch-size")
st.button("Reset", key="reset", on_click=progress.reset)
st.session_state["snap"] = progress.browser_snapshot()
progress_store.sync()
"""


def test_store_without_a_browser_changes_nothing():
    at = AppTest.from_string(STORE_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    snap = at.session_state["snap"]
    assert snap["synced"] is False and snap["replace"] is False  # never heard from a browser
    assert snap["visited"] == ["batch-size"] and snap["v"] == progress.STORAGE_VERSION


def test_a_reset_asks_for_an_overwrite_until_the_browser_confirms():
    at = AppTest.from_string(STORE_PAGE, default_timeout=TIMEOUT).run()
    at.button(key="reset").click().run()
    assert not at.exception
    snap = at.session_state["snap"]
    assert snap["replace"] is True and snap["synced"] is True  # a reset is not merged back
    assert snap["visited"] == ["batch-size"]  # the page ran again after the reset
    at.run()  # no browser has confirmed the overwrite: it is asked for again
    assert at.session_state["snap"]["replace"] is True
    progress_replaced(at)
    assert at.session_state["snap"]["replace"] is False  # confirmed: asked no more


def progress_replaced(at: AppTest) -> None:
    """What the store's "replaced" callback does, then a run."""
    at.session_state[progress._REPLACE] = False
    del at.session_state[progress._REPLACE]
    at.run()


BLOCK_PAGE = """
from bnlib.ui.quiz import check_yourself
check_yourself("why-it-works")
"""


def test_a_block_passed_earlier_says_so():
    at = AppTest.from_string(BLOCK_PAGE, default_timeout=TIMEOUT)
    at.session_state["_progress"] = {"visited": {"why-it-works"}, "passed": {"why-it-works"}}
    at.run()
    assert not at.exception
    assert any("passed this block on an earlier visit" in c.value for c in at.caption)
    fresh = AppTest.from_string(BLOCK_PAGE, default_timeout=TIMEOUT).run()
    assert not any("earlier visit" in c.value for c in fresh.caption)
