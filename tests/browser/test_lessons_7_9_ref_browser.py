"""Lessons 7, 8, 9 and the reference page in a real Chromium: each loads, a slider moved by
keyboard redraws its chart, a CSV goes through the real upload widget, nothing crashes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import assert_no_exception, chart_data, press_slider, wait_idle
from tests.conftest import chart_changed as changed
from tests.conftest import open_chart_page as open_page

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_placement_slider_redraws(app_server, page):
    before = open_page(page, app_server, "placement", "l7_chart")
    press_slider(page, "l7_shift", times=2)  # bias offset 0 -> 1
    changed(page, "l7_chart", before)
    page.locator(".st-key-l7_shift [data-testid='stSliderThumbValue']").get_by_text(
        "1.00"
    ).wait_for()
    wait_idle(page)
    assert "l7_shift=1" in page.url  # the setting is mirrored in the link
    page.get_by_text("Max |BN(z + b) - BN(z)|").wait_for()
    assert_no_exception(page)


def test_convolutions_select_slider_redraws(app_server, page):
    before = open_page(page, app_server, "convolutions", "l8_maps")
    hist = chart_data(page, "l8_hist")
    press_slider(page, "l8_batch")  # 32 -> 64 images
    changed(page, "l8_hist", hist)
    changed(page, "l8_maps", before)
    wait_idle(page)
    page.get_by_text("64 × 8 × 8 = 4096 values").wait_for()
    assert_no_exception(page)


def test_signal_slider_and_real_upload(app_server, page, tmp_path):
    before = open_page(page, app_server, "signal-processing", "l9_chart")
    press_slider(page, "l9_p")  # p 0.20 -> 0.25
    changed(page, "l9_chart", before)
    wait_idle(page)
    page.get_by_text("1.7321").first.wait_for()  # sqrt(0.75 / 0.25), next to the measured one
    assert_no_exception(page)

    # a good file through the real widget
    uploader = page.locator(".st-key-l9_upload input[type=file]")
    uploader.set_input_files(str(ROOT / "assets" / "examples" / "sensors.csv"))
    page.get_by_text("'sensors.csv': 400 rows, 7 numeric column(s) normalized.").wait_for()
    page.locator(".st-key-l9_csv_chart .js-plotly-plot").wait_for()
    assert_no_exception(page)

    # a bad one: Latin-1 text
    bad = tmp_path / "latin.csv"
    bad.write_bytes("name,value\ncafé,1\nthé,2\n".encode("latin-1"))
    uploader.set_input_files(str(bad))
    page.get_by_text("is not UTF-8 text").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    if os.environ.get("BNLAB_SCREENSHOTS"):
        page.screenshot(path=os.environ["BNLAB_SCREENSHOTS"], full_page=True)


def test_reference_converter(app_server, page):
    before = open_page(page, app_server, "reference", "ref_chart")
    keras = page.locator(".st-key-ref_keras input")
    keras.fill("0.99")
    keras.press("Enter")
    changed(page, "ref_chart", before)
    wait_idle(page)
    page.get_by_text("PyTorch 0.01 ⇔ Keras 0.99").wait_for()
    assert page.locator(".st-key-ref_torch input").input_value() == "0.0100"
    assert_no_exception(page)
