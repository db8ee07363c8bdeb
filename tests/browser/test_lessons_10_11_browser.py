"""Lessons 10, 11 and 12 in a real Chromium: each loads, a slider moved by keyboard redraws
its chart and lands in the link, an experiment runs from its button, nothing crashes."""

from __future__ import annotations

import pytest

from tests.conftest import assert_no_exception, press_slider, wait_idle
from tests.conftest import chart_changed as changed
from tests.conftest import open_chart_page as open_page
from tests.support.gates import WAIT_S

pytestmark = pytest.mark.browser
# Failure guard for the buttons that train on the page (35 s on an idle 2-core machine
# with the rest of the suite running beside it): generous, never a speed limit.
TRAINING_MS = 3 * WAIT_S * 1000


def test_alternatives_draws_its_block_and_leaves_online_norm_to_lesson_11(app_server, page):
    open_page(page, app_server, "alternatives", "l10_block")
    assert page.locator(".st-key-l10_online").count() == 0
    assert page.locator(".st-key-l10_sweep_on_btn button").count() == 1
    assert_no_exception(page)


def test_non_random_batches_online_slider_redraws(app_server, page):
    before = open_page(page, app_server, "non-random-batches", "l10_online")
    press_slider(page, "l10_drift", times=2)  # drift 1.00 -> 1.50
    changed(page, "l10_online", before)
    page.locator(".st-key-l10_drift [data-testid='stSliderThumbValue']").get_by_text(
        "1.50"
    ).wait_for()
    wait_idle(page)
    page.wait_for_url("**l10_drift=1.5**")  # the URL may follow a moment later
    assert_no_exception(page)


def test_non_random_batches_one_class_batches_run(app_server, page):
    open_page(page, app_server, "non-random-batches", "l10_online")
    page.locator(".st-key-l10_single_on_btn button").click()
    page.locator(".st-key-l10_single .js-plotly-plot").first.wait_for(timeout=TRAINING_MS)
    wait_idle(page, timeout=TRAINING_MS)
    page.get_by_text("Batch renorm", exact=True).first.wait_for()
    assert_no_exception(page)


def test_why_noise_slider_redraws_and_landscape_runs(app_server, page):
    before = open_page(page, app_server, "why-it-works", "l11_band")
    press_slider(page, "l11_noise", times=1)  # 0.50 -> 0.75
    changed(page, "l11_band", before)
    wait_idle(page)
    page.wait_for_url("**l11_noise=0.75**")
    page.locator(".st-key-l11_land_on_btn button").click()
    page.locator(".st-key-l11_landscape .js-plotly-plot").first.wait_for(timeout=TRAINING_MS)
    wait_idle(page, timeout=TRAINING_MS)
    page.get_by_text("Gradient change", exact=True).wait_for()
    assert_no_exception(page)
