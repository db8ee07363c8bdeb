"""Every page registered in the navigation runs without an exception (found automatically)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.course.registry import PAGES, ROOT, available_pages

APP = str(ROOT / "app.py")


def test_registry_is_consistent():
    urls = [p.url_path for p in PAGES]
    assert len(urls) == len(set(urls)), "url_path values must be unique"
    assert all("/" not in u for u in urls)
    assert PAGES[0].url_path == "home"


def test_every_registered_page_exists():
    missing = [p.path for p in PAGES if not p.exists]
    assert not missing, f"registered pages without a file: {missing}"


@pytest.mark.parametrize("spec", available_pages(), ids=lambda p: p.url_path)
def test_page_runs_without_exception(spec):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    if spec.url_path != "home":
        at.switch_page(spec.path).run()
    assert not at.exception, f"{spec.path}: {at.exception}"
    # nothing rendered as an error box either
    assert not at.error, f"{spec.path} shows st.error: {[e.value for e in at.error]}"
