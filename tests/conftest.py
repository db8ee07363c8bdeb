"""Shared fixtures: a live Streamlit server and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.gates import GATE_ENV, WAIT_S, ServerGate

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BNLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Reproducible property tests in CI; random exploration on developer machines.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{base_url} not healthy after {timeout}s")


GATES: dict[str, ServerGate] = {}  # base URL -> the gate of the jobs on that server


def start_streamlit(
    port: int,
    script: str | None = None,
    extra: list[str] | None = None,
    log=None,
    env: dict[str, str] | None = None,
    gated: bool = True,
):
    """Serve the app as `make run` does (`python -m bnlib.ui.serve`; for tests through the
    test-only tests/support/gated_serve.py, which adds a gate to the training queue and
    needs BNLAB_TEST_GATE_DIR; `gated=False` for benchmarks), or a script."""
    entry = "tests.support.gated_serve" if gated else "bnlib.ui.serve"
    launcher = ["-m", entry] if script is None else ["-m", "streamlit", "run", script]
    cmd = [
        sys.executable, *launcher,
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
        *(extra or []),
    ]  # fmt: skip
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )


def require_browser() -> None:
    """Skip without Chromium on a developer box; in CI (BNLAB_REQUIRE_BROWSER=1) fail instead."""
    if Path(CHROMIUM).exists():
        return
    msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("BNLAB_REQUIRE_BROWSER"):
        pytest.fail(msg)
    pytest.skip(msg)


@contextmanager
def running_app(log_dir: Path, env: dict[str, str] | None = None):
    """Start the app on a free loopback port; yield its base URL; stop it afterwards.
    Its jobs run free until a test holds them through GATES[base_url]."""
    port = free_port()
    gate = ServerGate(log_dir / f"gate-{port}")
    env = {**(env or {}), GATE_ENV: str(gate.folder)}
    with open(log_dir / f"streamlit-{port}.log", "w") as log:
        proc = start_streamlit(port, log=log, env=env)
        base = f"http://127.0.0.1:{port}"
        GATES[base] = gate
        try:
            wait_healthy(base, proc)
            yield base
        finally:
            GATES.pop(base, None)
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def lab_gate():
    """Pages started in this process (AppTest) train under a fresh queue whose jobs are held
    after each step until the test lets them go (tests/support/gates.StepGate)."""
    from bnlib.lab.jobs import TrainingQueue, use_server_queue
    from tests.support.gates import StepGate

    gate = StepGate()
    old = use_server_queue(TrainingQueue(capacity=2, gate=gate))
    try:
        yield gate
    finally:
        gate.open()  # whatever a test left held runs to its end or its Stop
        use_server_queue(old)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of the app (as `make run` starts it) for the whole test session."""
    require_browser()
    with running_app(tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.fixture
def server_gate(app_server):
    """Hold the shared server's jobs at a run-step of the test's choosing; released after."""
    gate = GATES[app_server]
    gate.release()
    try:
        yield gate
    finally:
        gate.release()


@pytest.fixture(scope="session")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page (its own Streamlit session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_S * 1000)  # a failure guard, generous for a loaded machine
    yield pg
    context.close()


def wait_idle(pg, timeout: float = WAIT_S * 1000) -> None:
    """Wait until the Streamlit script has finished running and the app's CSS is mounted.
    The style element (bnlib/ui/style.py) can arrive after the run has ended: Streamlit
    fetches its HTML element's code as a separate chunk on first use, and 1 first visit in
    26 was measured unstyled when the run ended (none in 60 with this wait)."""
    from bnlib.ui.style import MARKER  # here: importing streamlit costs every test process

    pg.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    pg.wait_for_function(
        "m => [...document.querySelectorAll('style')].some(s => s.textContent.includes(m))",
        arg=MARKER,
        timeout=timeout,
    )


def open_expander(summary) -> None:
    """Click an expander's summary and wait until it has finished opening. Streamlit animates
    the expander's height for about 0.7 s; a click on a widget inside it meanwhile was lost
    (measured: a selectbox focused but never opened in 15 of 18 tries, a sidebar button sent
    nothing about 1 time in 8), and none was lost in 15 tries after the animation."""
    summary.click()
    summary.page.wait_for_function(
        "d => d.open && d.style.overflow === '' && d.getAnimations().length === 0",
        arg=summary.evaluate_handle("el => el.closest('details')"),
    )


def assert_no_exception(pg) -> None:
    boxes = pg.locator("[data-testid='stException']")
    assert boxes.count() == 0, f"exception on page: {boxes.first.inner_text()[:500]}"


def slider_input(pg, key: str | None = None):
    """The keyboard-focusable input of a slider (by widget key, else the first slider)."""
    scope = f".st-key-{key} " if key else ""
    return pg.locator(f"{scope}[data-testid='stSlider'] input[type=range]").first


def press_slider(pg, key: str | None = None, key_name: str = "ArrowRight", times: int = 1):
    """Focus a slider and press an arrow key on it, as a keyboard user would."""
    inp = slider_input(pg, key)
    inp.focus()
    for _ in range(times):
        pg.keyboard.press(key_name)


def chart_data(pg, key: str) -> str:
    """The plotted numbers of a keyed plotly chart, as the browser holds them."""
    sel = f".st-key-{key} .js-plotly-plot"
    pg.locator(sel).first.wait_for()
    return pg.eval_on_selector(
        sel,
        # x, y, z may be plain arrays or plotly's typed-array objects: stringify either
        "el => el.data ? JSON.stringify(el.data.map(t => [t.x, t.y, t.z])) : ''",
    )


def chart_changed(pg, key: str, before: str, timeout_ms: float = WAIT_S * 1000) -> str:
    """Wait until the chart's data differs from `before`; return the new data."""
    deadline = time.monotonic() + timeout_ms / 1000  # a failure guard, not a speed limit
    while time.monotonic() < deadline:
        now = chart_data(pg, key)
        if now and now != before:  # "" while the chart is being replaced
            return now
        pg.wait_for_timeout(250)
    raise AssertionError(f"chart {key} did not change")


def open_chart_page(pg, base: str, url: str, chart_key: str) -> str:
    """Open a page by its link, wait for its chart, check no dialog or exception; its data."""
    pg.goto(f"{base}/{url}")
    pg.locator(f".st-key-{chart_key} .js-plotly-plot").first.wait_for()
    wait_idle(pg)
    assert pg.get_by_text("Page not found").count() == 0  # the link opened its page
    assert_no_exception(pg)
    return chart_data(pg, chart_key)
