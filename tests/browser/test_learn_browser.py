"""Shared links in a real browser: opening a URL with settings reproduces the view.

Uses the shared fixtures from tests/conftest.py: `app_server` (base URL of a live app)
and `page` (a Playwright page driving /usr/bin/chromium).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SEED = ".st-key-quiz_seed input[type='range']"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)


@pytest.fixture
def warm(app_server, page):
    """Load the entry page once, so app.py's st.navigation has run in this server.

    (A fresh server that first receives a deep link runs the page in streamlit's old
    pages/-directory mode; test_first_visit_deep_link_goes_through_app_py covers that.)
    """
    _open(page, app_server)
    return app_server


def test_quiz_link_reproduces_seed_and_length(warm, page):
    _open(page, f"{warm}/quiz?quiz_seed=7&quiz_n=5")
    thumb = page.locator(SEED)
    thumb.wait_for(state="attached", timeout=30_000)
    assert thumb.input_value() == "7"
    page.get_by_text("Question 5", exact=True).wait_for(timeout=30_000)
    assert page.get_by_text("Question 6", exact=True).count() == 0
    assert "quiz_seed=7" in page.url


def test_glossary_search_link_shows_the_search(warm, page):
    _open(page, f"{warm}/glossary?glossary_q=momentum")
    box = page.locator(".st-key-glossary_q input")
    box.wait_for(timeout=30_000)
    assert box.input_value() == "momentum"
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("The weight of the running-average update", exact=False).wait_for()
    assert main.get_by_text("A small constant (1e-5", exact=False).count() == 0


def test_bad_link_values_fall_back_with_a_notice_and_are_never_html(warm, page):
    app_server = warm
    evil = "<img src=x id=injected onerror=alert(1)>"
    _open(page, f"{app_server}/quiz?quiz_seed=abc&quiz_n={quote(evil)}")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("was ignored", exact=False).first.wait_for(timeout=30_000)
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
    assert main.get_by_text("divide zero by zero", exact=False).count() == 0
    _open(page, f"{app_server}/quiz")
    assert sidebar.get_by_text("Your progress", exact=False).count() == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_first_visit_deep_link_goes_through_app_py(page):
    """A colleague opens a shared link on a server nobody has visited yet.

    Streamlit 1.67 decides at the first run whether the app uses the old pages/
    directory mode (PagesManager.uses_pages_directory: true when a folder named pages
    sits next to the main script) and only st.navigation turns that off. So a first
    request for /quiz runs pages/quiz.py alone: no sidebar, no expertise selector,
    file names as navigation. This needs its own fresh server.
    """
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1",
           "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        _open(page, f"{base}/quiz?quiz_seed=7")
        page.locator(SEED).wait_for(state="attached", timeout=30_000)
        assert page.locator(SEED).input_value() == "7"
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Your progress", exact=False).wait_for(timeout=10_000)
        assert sidebar.get_by_text("Expert", exact=True).count() == 1
    finally:
        proc.terminate()
        proc.wait(timeout=20)
