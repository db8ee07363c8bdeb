"""The training lab page at its limits and with a diverging run (issue 7), under AppTest."""

from __future__ import annotations

import re
import time

from streamlit.testing.v1 import AppTest

from bnlib.lab import config as C
from bnlib.ui.registry import ROOT

APP = str(ROOT / "app.py")
PAGE = "pages/training_lab.py"


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _wait_done(job, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while job.state != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state == "done", f"job still {job.state} after {timeout} s"


def test_every_limit_on_the_page_trains_and_stops_cleanly():
    at = _open()
    at.slider(key="a_depth").set_value(C.MAX_DEPTH).run()
    at.select_slider(key="a_width").set_value(C.MAX_WIDTH).run()
    at.select_slider(key="a_lr").set_value(C.MAX_LR).run()
    batch = at.select_slider(key="a_batch_size")
    assert min(batch.options, key=float) == "2"  # batch 1 is not offered (BN needs 2)
    batch.set_value(2).run()
    at.number_input(key="a_steps").set_value(C.MAX_STEPS).run()
    at.number_input(key="seeds").set_value(C.MAX_SEEDS).run()
    at.button(key="lab_train").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    job = at.session_state["lab_job"]
    assert job.running and job.configs[0].depth == C.MAX_DEPTH
    time.sleep(1.0)
    at.button(key="lab_stop").click().run()
    _wait_done(job, 10)
    at.run()
    assert not at.exception, at.exception
    assert job.result.cancelled and job.error is None
    assert any("Stopped" in w.value for w in at.warning)


def test_beyond_a_limit_the_page_says_what_is_wrong():
    at = _open()
    at.number_input(key="a_steps").set_value(0).run()  # use epochs
    at.number_input(key="a_epochs").set_value(C.MAX_EPOCHS).run()
    at.select_slider(key="a_batch_size").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert not at.exception
    assert "lab_job" not in at.session_state
    assert at.error and "limit of 20000" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_divergence_is_shown_for_the_diverging_runs_only():
    at = _open()
    at.multiselect(key="unlinked").set_value(["norm", "lr"]).run()
    at.slider(key="a_depth").set_value(3).run()
    at.select_slider(key="a_width").set_value(32).run()
    at.selectbox(key="a_init").set_value("large_gaussian").run()
    at.checkbox(key="a_standardize").uncheck().run()
    at.number_input(key="a_steps").set_value(40).run()
    at.number_input(key="seeds").set_value(2).run()
    at.select_slider(key="a_lr").set_value(C.MAX_LR).run()
    at.select_slider(key="b_lr").set_value(0.01).run()
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    _wait_done(job, 60)
    at.run()
    assert not at.exception, at.exception
    notes = [w.value for w in at.warning if "diverged" in w.value]
    assert len(notes) == 2, notes
    for seed, note in enumerate(sorted(notes)):
        assert re.match(rf"A, seed {seed}: diverged at step \d+ ", note), note
    assert not any(n.startswith("B") for n in notes)
    assert {r.status for r in job.result.runs if r.label == "B"} == {"finished"}
