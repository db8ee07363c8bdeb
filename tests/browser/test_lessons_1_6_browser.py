"""Lessons 1-6 in a real Chromium: each loads, a slider moved by keyboard redraws its chart,
and no exception box appears."""

from __future__ import annotations

import time

import pytest

from tests.conftest import assert_no_exception, press_slider, wait_idle
from tests.support.gates import WAIT_S

pytestmark = pytest.mark.browser

# url_path, slider key, arrow key, chart key the slider drives, text that must be on the page
CASES = [
    ("covariate-shift", "l1_step", "ArrowLeft", "l1_bands", "Without BN"),
    ("batch-statistics", "l2_batch", "ArrowRight", "l2_four_steps", "1. raw x"),
    ("batch-size", "l3_batch", "ArrowRight", "l3_grid", "batch 1: mean"),
    ("gamma-beta", "l4_gamma_a", "ArrowRight", "l4_chart", "normalized x̂"),
    ("train-vs-inference", "l5_momentum", "ArrowRight", "l5_stream", "running average"),
    ("gradient-flow", "l6_batch", "ArrowRight", "l6_paths", "through μ_B"),
]


def chart_svg(page, chart_key: str) -> str:
    return page.locator(f".st-key-{chart_key} .main-svg").first.inner_html()


def wait_changed(read, before: str, timeout: float = WAIT_S) -> str:
    """Poll `read` until it differs from `before` (the timeout is a failure guard)."""
    deadline = time.monotonic() + timeout
    now = read()
    while now == before and time.monotonic() < deadline:
        time.sleep(0.1)
        now = read()
    return now


@pytest.mark.parametrize(
    ("url", "slider", "key_name", "chart", "text"), CASES, ids=[c[0] for c in CASES]
)
def test_lesson_slider_redraws_chart(app_server, page, url, slider, key_name, chart, text):
    page.goto(f"{app_server}/{url}")
    page.locator(f".st-key-{chart} [data-testid='stPlotlyChart']").wait_for()
    page.get_by_text(text).first.wait_for()
    wait_idle(page)
    assert page.get_by_text("Page not found").count() == 0  # deep links open their page
    assert_no_exception(page)
    thumb = page.locator(f".st-key-{slider} [data-testid='stSliderThumbValue']")
    value_before = thumb.inner_text()
    before = chart_svg(page, chart)

    press_slider(page, slider, key_name)
    after = wait_changed(lambda: chart_svg(page, chart), before)
    assert after != before, f"{url}: chart did not change after {key_name} on {slider}"
    assert thumb.inner_text() != value_before
    assert f"{slider}=" in page.url  # the new value is mirrored in the link
    wait_idle(page)
    assert_no_exception(page)
