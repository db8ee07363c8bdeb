"""The training lab page under AppTest: presets, a tiny comparison from Train to results."""

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.lab.config import PRESETS

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/training_lab.py"


def _open():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_page_renders_with_defaults():
    at = _open()
    assert at.title[0].value == "Training lab"
    assert at.selectbox(key="a_norm").value == "none"
    assert at.selectbox(key="b_norm").value == "bn_before"
    assert any("Device:" in c.value for c in at.caption)
    assert any("at most" in c.value and "steps" in c.value for c in at.caption)  # limits stated


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_applies(name):
    at = _open()
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception, at.exception
    a, b = PRESETS[name].configs()
    assert at.selectbox(key="a_activation").value == a.activation
    assert at.session_state["a_batch_size"] == a.batch_size


def test_linked_fields_follow_a_and_can_be_unlinked():
    at = _open()
    at.slider(key="a_depth").set_value(4).run()
    assert "b_depth" not in [w.key for w in at.slider]
    at.multiselect(key="unlinked").set_value(["norm", "depth"]).run()
    assert at.slider(key="b_depth").value == 4  # starts from A's value
    assert not at.exception


def test_invalid_settings_show_an_error_not_a_traceback():
    at = _open()
    at.selectbox(key="a_norm").set_value("group").run()
    at.select_slider(key="a_width").set_value(100).run()
    # width 100 with 4 groups is fine; 7 groups is not reachable from the page, so use depth
    at.number_input(key="a_steps").set_value(0).run()
    at.number_input(key="a_epochs").set_value(200).run()
    at.select_slider(key="a_batch_size").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert not at.exception
    assert at.error and "steps" in at.error[0].value


def test_tiny_comparison_trains_and_shows_results():
    at = _open()
    at.multiselect(key="unlinked").set_value(["norm"]).run()
    at.slider(key="a_depth").set_value(1).run()
    at.select_slider(key="a_width").set_value(16).run()
    at.number_input(key="a_steps").set_value(30).run()
    at.number_input(key="seeds").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert not at.exception, at.exception
    job = at.session_state["lab_job"]
    deadline = time.time() + 90
    while job.state != "done" and time.time() < deadline:
        time.sleep(0.2)
    assert job.state == "done" and job.error is None
    at.run()
    assert not at.exception, at.exception
    assert [r.status for r in job.result.runs] == ["finished"] * 4
    assert at.get("progress"), "progress bar missing"
    charts = _charts(at)
    titles = " ".join(c["layout"]["title"]["text"] for c in charts)
    assert "Training loss" in titles and "percentile band" in titles
    table = at.dataframe[0].value
    assert list(table["config"]) == ["A", "B"] and (table["seeds"] == 2).all()
    assert {b.label for b in at.get("download_button")} == {"Download CSV", "Download JSON"}


def test_stop_button_cancels_a_running_job():
    at = _open()
    at.number_input(key="a_steps").set_value(5000).run()
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    assert job.running
    at.button(key="lab_stop").click().run()
    deadline = time.time() + 30
    while job.state != "done" and time.time() < deadline:
        time.sleep(0.1)
    assert job.state == "done"
    at.run()
    assert not at.exception
    assert job.result.cancelled
    assert any("Stopped" in w.value for w in at.warning)
