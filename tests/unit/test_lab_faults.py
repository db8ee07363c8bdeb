"""The training lab's engine side under load and faults (issue 7), without a browser:

- 8 concurrent requests on a queue of 2 slots: queued in arrival order, positions 1..6
  shown to the waiting ones, never more than 2 training, all complete or cancel, no error;
- Stop: no training step after the stop event, and well under a second of the worker's CPU,
  even in the largest allowed stack, mid-setup or mid-training;
- a job whose session went away (orphaned) is stopped and frees its slot; a reconnect
  (adopt) within the grace period keeps it;

Every job here that must still be running when the test looks is held by a gate
(tests/support/gates.py) at a known step: nothing depends on how fast the machine is.
- divergence is recorded per run; every limit gives a clear ValueError, never a crash.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from bnlib.lab import config as C
from bnlib.lab.config import TrainConfig
from bnlib.lab.jobs import SLOTS_ENV, Job, TrainingQueue, default_capacity
from bnlib.ui.lab_session import SessionJobs
from tests.support.gates import WAIT_S, StepGate, wait_until

TINY = TrainConfig(depth=1, width=8, steps=20)


# --- capacity --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (" 1 ", 1), ("0", None), ("-2", None), ("two", None), ("1e9x", None), ("", None)],
)
def test_slots_setting(monkeypatch, raw, expected):
    monkeypatch.setenv(SLOTS_ENV, raw)
    assert default_capacity() == (expected or max(1, os.cpu_count() or 1))
    assert TrainingQueue().capacity == default_capacity()


# --- 8 concurrent requests -------------------------------------------------------------------
def test_eight_concurrent_requests_queue_show_positions_and_all_finish():
    gate = StepGate()  # every job that gets a slot is held after its first step
    queue = TrainingQueue(capacity=2, gate=gate)
    jobs = [Job([TINY, TINY.replace(norm="bn_before")], [0], ["A", "B"], queue) for _ in range(8)]
    for j in jobs:
        j.start()
    gate.wait_held(2)  # two train, and stay training while we look
    wait_until(lambda: queue.waiting == 6, "six jobs waiting in line")
    assert queue.running == 2 and gate.held == 2
    assert sorted(j.state for j in jobs) == ["training"] * 2 + ["waiting"] * 6
    waiting = [j for j in jobs if j.state == "waiting"]
    assert sorted(j.queue_position for j in waiting) == [1, 2, 3, 4, 5, 6]
    by_pos = sorted(waiting, key=lambda j: j.queue_position)
    # the last two in line give up while waiting: they never take a slot
    for j in by_pos[-2:]:
        j.stop()
    for j in by_pos[-2:]:
        j.thread.join(WAIT_S)
        assert j.state == "done" and j.result.cancelled and not j.result.runs
    assert [j.queue_position for j in by_pos[:4]] == [1, 2, 3, 4]
    # one more step each: the two training jobs finish one by one, never more than 2 at once
    peak = [0]
    gate_calls = gate.steps

    def watch(progress, cancel):
        peak[0] = max(peak[0], queue.running)
        gate(progress, cancel)

    queue.gate = watch
    for j in jobs:
        j.gate = watch
    gate.open()
    for j in jobs:
        j.thread.join(WAIT_S)
    assert gate.steps > gate_calls
    assert 1 <= peak[0] <= 2, f"{peak[0]} jobs trained at once on 2 slots"
    assert queue.running == 0 and queue.waiting == 0
    for j in jobs:
        assert j.state == "done" and j.error is None, j.error
    finished = [j for j in jobs if not j.result.cancelled]
    assert len(finished) == 6
    assert all(r.status == "finished" for j in finished for r in j.result.runs)


def test_the_queue_hands_slots_on_in_arrival_order():
    gate = StepGate()
    queue = TrainingQueue(capacity=1, gate=gate)
    first = Job([TINY], [0], ["A"], queue).start()
    gate.wait_held(1)
    later = []
    for n in range(1, 4):  # start them one at a time so arrival order is known
        later.append(Job([TINY], [0], ["A"], queue).start())
        wait_until(lambda n=n: queue.waiting == n, f"{n} waiting")
    assert [j.queue_position for j in later] == [1, 2, 3]
    order = []
    for j in [first, *later]:
        wait_until(lambda j=j: j.state == "training" and gate.held == 1, "the next one trains")
        assert all(k.state == "waiting" for k in later if k is not j and k not in order)
        order.append(j)
        j.stop()
        j.thread.join(WAIT_S)
    assert order == [first, *later]


# --- Stop ------------------------------------------------------------------------------------
# Stop's contract is about work, not seconds: once the stop event is set the worker takes
# no further training step, and the CPU its thread still burns (load can't inflate that
# much, unlike wall time) is well under a second, however large the stack.
BIG = TrainConfig(depth=C.MAX_DEPTH, width=C.MAX_WIDTH, batch_size=C.MAX_BATCH, steps=50)
STOP_CPU_S = 1.0


class StopOnCheck(threading.Event):
    """A stop event that sets itself the `n`-th time the worker looks at it, noting the
    worker's CPU time then: a Stop that lands at a known point in the stack's setup."""

    def __init__(self, n: int):
        super().__init__()
        self.n, self.checks, self.cpu_at_set = n, 0, None

    def is_set(self) -> bool:
        if not super().is_set():
            self.checks += 1
            if self.checks >= self.n:
                self.cpu_at_set = time.thread_time()
                self.set()
        return super().is_set()


@pytest.mark.parametrize(
    ("name", "configs", "seeds", "steps_before"),
    [
        ("default preset", [TrainConfig(), TrainConfig(norm="bn_before")], [0, 1, 2], 5),
        ("max depth/width/batch, training", [BIG, BIG.replace(norm="bn_before")], [0], 2),
    ],
)
def test_stop_mid_training_takes_no_further_step(name, configs, seeds, steps_before):
    gate = StepGate(allow=steps_before - 1)  # held right after step `steps_before`
    job = Job(configs, seeds, ["A", "B"][: len(configs)], gate=gate).start()
    gate.wait_held(1)
    runs = len(configs) * len(seeds)
    assert job.state == "training" and job.progress.steps_done == steps_before * runs
    job.stop()
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.result.cancelled and job.error is None, name
    assert job.progress.steps_done == steps_before * runs, f"{name}: trained on after Stop"
    assert all(len(r.train_loss) == steps_before for r in job.result.runs)
    assert all(r.status == "cancelled" for r in job.result.runs)
    cpu = job.worker_cpu_s - gate.cpu_at_release[job.thread.ident]
    assert cpu < STOP_CPU_S, f"{name}: the worker used {cpu:.2f} s of CPU after Stop"


@pytest.mark.parametrize("checks", [1, 10, 100])
def test_stop_while_the_largest_stack_is_set_up(checks):
    """Drawing a 20 x 512 stack's weights takes seconds: Stop lands between layers."""
    cancel = StopOnCheck(checks)
    job = Job([BIG, BIG.replace(norm="bn_before")], [0], ["A", "B"], cancel=cancel).start()
    job.thread.join(WAIT_S)
    assert cancel.cpu_at_set is not None, "the worker never looked at its stop event"
    assert job.state == "done" and job.result.cancelled and job.error is None
    assert job.progress.steps_done == 0
    assert all(r.status == "cancelled" and not r.train_loss for r in job.result.runs)
    cpu = job.worker_cpu_s - cancel.cpu_at_set
    assert cpu < STOP_CPU_S, f"the worker used {cpu:.2f} s of CPU after Stop"


def test_stop_while_waiting_in_line_never_trains():
    gate = StepGate()
    queue = TrainingQueue(capacity=1, gate=gate)
    holder = Job([TINY], [0], ["A"], queue).start()
    gate.wait_held(1)
    waiter = Job([TINY], [0], ["A"], queue).start()
    wait_until(lambda: waiter.queue_position == 1, "the second job waits")
    waiter.stop()
    waiter.thread.join(WAIT_S)
    assert waiter.state == "done" and waiter.result.cancelled and not waiter.result.runs
    assert queue.waiting == 0 and queue.running == 1
    holder.stop()
    holder.thread.join(WAIT_S)
    assert queue.running == 0


# --- a closed tab ----------------------------------------------------------------------------
def test_an_orphaned_job_stops_and_frees_its_slot():
    gate = StepGate()
    queue = TrainingQueue(capacity=1)
    job = Job([TINY], [0], ["A"], queue, gate=gate).start()
    gate.wait_held(1)  # training, held after its first step
    nxt = Job([TINY], [0], ["A"], queue).start()  # waits behind it; no gate: runs to the end
    wait_until(lambda: nxt.queue_position == 1, "the second job waits")
    holder = SessionJobs()
    holder.add(job)
    job.orphan(grace_s=0.3)  # (a short grace period, to keep the test quick)
    holder.orphan_all()  # what Streamlit's on_release does; the first timer is kept
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.abandoned and job.result.cancelled
    assert job.progress.steps_done == 1, "the orphaned job trained on"
    nxt.thread.join(WAIT_S)
    assert nxt.state == "done", "the freed slot was not handed on"
    assert not nxt.result.cancelled and nxt.error is None
    assert all(r.status == "finished" for r in nxt.result.runs)


def test_a_reconnecting_session_keeps_its_job():
    gate = StepGate()
    job = Job([TINY], [0], ["A"], gate=gate).start()
    gate.wait_held(1)
    job.orphan(grace_s=60)
    timer = job._orphan_timer
    assert timer is not None and timer.is_alive()
    SessionJobs().add(job)  # the session came back: its next script run adopts the job
    timer.join(WAIT_S)  # the cancelled timer's thread has ended without firing
    assert job._orphan_timer is None
    assert job.running and not job.abandoned and not job.cancel.is_set()
    gate.open()
    job.thread.join(WAIT_S)
    assert job.state == "done" and not job.abandoned and not job.result.cancelled


def test_an_orphan_that_times_out_is_marked_abandoned():
    gate = StepGate()
    job = Job([TINY], [0], ["A"], gate=gate).start()
    gate.wait_held(1)
    job.orphan(grace_s=0.01)
    timer = job._orphan_timer
    timer.join(WAIT_S)  # it fired: the job is being stopped
    job.thread.join(WAIT_S)
    assert job.abandoned and job.result.cancelled and job.state == "done"


def test_an_orphan_whose_session_is_still_connected_goes_on():
    """A client that clears every cache releases every session's job holder: when the
    grace period is over, a job whose session is still connected keeps training."""
    gate = StepGate()
    job = Job([TINY], [0], ["A"], gate=gate).start()
    gate.wait_held(1)
    job.orphan(grace_s=0.01, still_here=lambda: True)
    timer = job._orphan_timer
    timer.join(WAIT_S)  # it fired, and asked
    assert job._orphan_timer is None
    assert job.running and not job.abandoned and not job.cancel.is_set()
    gate.open()
    job.thread.join(WAIT_S)
    assert job.state == "done" and not job.result.cancelled


def test_orphaning_a_finished_job_does_nothing():
    job = Job([TINY], [0], ["A"]).start()
    job.thread.join(WAIT_S)
    job.orphan(grace_s=0.01)
    assert job._orphan_timer is None  # no timer was started for a job that has ended
    assert not job.abandoned and not job.result.cancelled


# --- divergence, per run ---------------------------------------------------------------------
def test_divergence_is_recorded_for_the_diverging_runs_only():
    a = TrainConfig(depth=3, width=32, steps=40, lr=C.MAX_LR, init="large_gaussian",
                    standardize=False)  # fmt: skip
    b = a.replace(lr=0.01)
    job = Job([a, b], [0, 1], ["A", "B"]).start()
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.error is None
    status = {(r.label, r.config.seed): r for r in job.result.runs}
    for seed in (0, 1):
        ra, rb = status["A", seed], status["B", seed]
        assert ra.status == "diverged" and 1 <= ra.diverged_at <= 40
        assert ra.message == f"diverged at step {ra.diverged_at}"
        assert rb.status == "finished" and len(rb.train_loss) == 40


# --- limits ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"depth": C.MAX_DEPTH + 1}, "depth must be in 1..20"),
        ({"depth": 0}, "depth must be in 1..20"),
        ({"width": C.MAX_WIDTH + 1}, "width must be in 1..512"),
        ({"batch_size": 1}, "Batch norm needs at least 2 samples"),
        ({"batch_size": C.MAX_BATCH + 1}, "batch_size must be in 2..1024"),
        ({"lr": C.MAX_LR * 1.001}, "lr must lie in [0.0001, 10]"),
        ({"lr": float("nan")}, "lr must lie in"),
        ({"lr": float("inf")}, "lr must lie in"),
        ({"steps": C.MAX_STEPS + 1}, "steps must be in 1..20000"),
        ({"steps": None, "epochs": C.MAX_EPOCHS, "batch_size": 2}, "more than the limit of 20000"),
        ({"depth": 2.5}, "depth must be a whole number"),
    ],
)
def test_beyond_a_limit_is_a_clear_message(change, words):
    with pytest.raises(ValueError) as info:
        Job([TINY.replace(**change)], [0], ["A"])
    assert words in str(info.value)
    assert "Traceback" not in str(info.value)


def test_too_many_seeds_is_a_clear_message_from_the_worker():
    job = Job([TINY], range(C.MAX_SEEDS + 1), ["A"]).start()
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.error and "at most" in job.error


def test_every_limit_at_once_trains():
    """depth max, width max, lr max, the smallest batch: accepted and training (then stopped)."""
    cfg = TrainConfig(depth=C.MAX_DEPTH, width=C.MAX_WIDTH, lr=C.MAX_LR, batch_size=2, steps=30)
    job = Job([cfg, cfg.replace(norm="bn_before")], [0], ["A", "B"]).start()
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.error is None
    assert {r.status for r in job.result.runs} <= {"finished", "diverged"}
    assert all(r.steps_done >= 1 for r in job.result.runs)
