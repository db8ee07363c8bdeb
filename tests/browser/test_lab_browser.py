"""The training lab in a real Chromium: Train -> progress and curves -> Stop -> no exception.

Starts its own server (a shared fixture on main may replace this one later).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server():
    if not Path(CHROMIUM).exists():
        if os.environ.get("BNLAB_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and browser tests are required here")
        pytest.skip(f"{CHROMIUM} is not installed")
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
           "--browser.gatherUsageStats=false"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("streamlit did not become healthy within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_train_shows_progress_and_curves_and_stop_works(lab_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # On a freshly started server the first direct visit to a sub-page can meet Streamlit's
    # "Page not found" dialog (the page list is only known after one run of app.py), so
    # open the main page once first.
    page.goto(lab_server + "/")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.goto(lab_server + "/training-lab")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    assert page.get_by_role("dialog").count() == 0
    train = page.locator(".st-key-lab_train button")
    train.wait_for()
    # A long run, so there is time to watch it and to stop it.
    steps = page.locator(".st-key-lab_steps_A input")
    steps.fill("6000")
    steps.press("Enter")
    page.wait_for_function("document.querySelector('.st-key-lab_steps_A input').value === '6000'")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    train.click()
    page.wait_for_selector("[data-testid='stProgress']")
    page.wait_for_selector("[data-testid='stPlotlyChart']")
    wait_moves = (
        "(t) => { const p = document.querySelector(\"[data-testid='stProgress']\");"
        " return p && p.innerText !== t; }"
    )
    # the progress text moves on while we wait
    first = page.locator("[data-testid='stProgress']").first.inner_text()
    page.wait_for_function(wait_moves, arg=first)
    # moving an unrelated widget reruns the script but must not end the training
    slider = page.locator(".st-key-lab_depth_A input[type=range]")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    second = page.locator("[data-testid='stProgress']").first.inner_text()
    page.wait_for_function(wait_moves, arg=second)
    assert page.locator(".st-key-lab_stop button").is_enabled()
    stop = page.locator(".st-key-lab_stop button")
    stop.click()
    page.get_by_text("Stopped.", exact=False).first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".st-key-lab_train button").is_enabled()
    page.close()
