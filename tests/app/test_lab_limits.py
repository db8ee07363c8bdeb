"""The training lab page at its limits and with a diverging run (issue 7), under AppTest."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from bnlib.course.registry import ROOT
from bnlib.lab import config as C
from tests.support.gates import WAIT_S

APP = str(ROOT / "app.py")
PAGE = "pages/training_lab.py"


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _wait_done(job) -> None:
    job.thread.join(WAIT_S)
    assert job.state == "done", f"job still {job.state}"


def test_every_limit_on_the_page_trains_and_stops_cleanly(lab_gate):
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
    lab_gate.wait_held(1)  # it took its first step at every limit, and is held there
    assert job.state == "training" and job.progress.steps_done == 2 * C.MAX_SEEDS
    at.button(key="lab_stop").click().run()
    _wait_done(job)
    at.run()
    assert not at.exception, at.exception
    assert job.result.cancelled and job.error is None
    assert job.progress.steps_done == 2 * C.MAX_SEEDS  # no step after Stop
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
    _wait_done(job)
    at.run()
    assert not at.exception, at.exception
    notes = [w.value for w in at.warning if "diverged" in w.value]
    assert len(notes) == 2, notes
    for seed, note in enumerate(sorted(notes)):
        assert re.match(rf"A, seed {seed}: diverged at step \d+ ", note), note
    assert not any(n.startswith("B") for n in notes)
    assert {r.status for r in job.result.runs if r.label == "B"} == {"finished"}


def test_a_comparison_over_the_servers_budget_is_refused_on_the_page(monkeypatch):
    from bnlib.lab.jobs import use_server_queue

    for name in ("BNLAB_JOB_MAX_MB", "BNLAB_JOB_MAX_CPU_S", "BNLAB_JOB_MAX_S"):
        monkeypatch.delenv(name, raising=False)
    old = use_server_queue(None)  # the queue the server makes, with its default budget
    try:
        at = _open()
        at.slider(key="a_depth").set_value(C.MAX_DEPTH).run()
        at.select_slider(key="a_width").set_value(C.MAX_WIDTH).run()
        at.select_slider(key="a_batch_size").set_value(C.MAX_BATCH).run()
        at.number_input(key="a_steps").set_value(C.MAX_STEPS).run()
        at.button(key="lab_train").click().run()
        assert not at.exception, at.exception
        assert "lab_job" not in at.session_state
        assert at.error and "lower the width, depth or batch size" in at.error[0].value
    finally:
        use_server_queue(old)


def test_one_training_per_session(lab_gate):
    """While this session's job trains, Train is disabled (a stale page that still sends a
    click gets its old job stopped and joined before a new one starts: pages/training_lab)."""
    at = _open()
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    lab_gate.wait_held(1)
    at.run()
    assert at.button(key="lab_train").disabled and not at.button(key="lab_stop").disabled
    at.button(key="lab_stop").click().run()
    job.thread.join(WAIT_S)
    at.run()
    assert not at.button(key="lab_train").disabled
