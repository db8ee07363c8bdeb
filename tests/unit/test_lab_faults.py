"""The training lab's engine side under load and faults (issue 7), without a browser:

- 8 concurrent requests on a queue of 2 slots: queued in order, positions 1..6 shown to the
  waiting ones, never more than 2 training, all complete or cancel, no error;
- Stop: the worker exits within 1 s of the cancel event, even in the largest allowed stack;
- a job whose session went away (orphaned) is stopped and frees its slot; a reconnect
  (adopt) within the grace period keeps it;
- divergence is recorded per run; every limit gives a clear ValueError, never a crash.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from bnlib.lab import config as C
from bnlib.lab.config import TrainConfig
from bnlib.lab.jobs import SLOTS_ENV, Job, TrainingQueue, default_capacity
from bnlib.ui.lab_session import SessionJobs

TINY = TrainConfig(depth=1, width=8, steps=20)


def _wait(pred, timeout: float, poll: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(poll)
    return pred()


def _thread_cpu_s(thread: threading.Thread) -> float:
    """CPU seconds (user + system) used so far by one thread of this process (Linux)."""
    path = f"/proc/self/task/{thread.native_id}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    queue = TrainingQueue(capacity=2)
    long = TINY.replace(steps=400)  # the first two keep their slots while we look
    jobs = [Job([long, long.replace(norm="bn_before")], [0], ["A", "B"], queue) for _ in range(8)]
    peak = [0]
    stop_sampling = threading.Event()

    def sample():
        while not stop_sampling.is_set():
            peak[0] = max(peak[0], queue.running)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for j in jobs:
        j.start()
    try:
        assert _wait(
            lambda: queue.running == 2 and sum(j.queue_position > 0 for j in jobs) == 6, 20
        )
        waiting = [j for j in jobs if j.state == "waiting"]
        assert sorted(j.queue_position for j in waiting) == [1, 2, 3, 4, 5, 6]
        by_pos = sorted(waiting, key=lambda j: j.queue_position)
        # the last two in line give up while waiting: they never take a slot
        for j in by_pos[-2:]:
            j.stop()
        assert all(j.thread.join(120) is None and j.state == "done" for j in jobs)
    finally:
        stop_sampling.set()
        sampler.join(5)
    assert peak[0] <= 2, f"{peak[0]} jobs trained at once on 2 slots"
    assert queue.running == 0 and queue.position(jobs[0].id) == 0
    for j in jobs:
        assert j.error is None, j.error
    cancelled = [j for j in jobs if j.result.cancelled]
    finished = [j for j in jobs if not j.result.cancelled]
    assert len(cancelled) == 2 and all(not j.result.runs for j in cancelled)
    assert len(finished) == 6
    assert all(r.status == "finished" for j in finished for r in j.result.runs)


# --- Stop ------------------------------------------------------------------------------------
BIG = TrainConfig(depth=C.MAX_DEPTH, width=C.MAX_WIDTH, batch_size=C.MAX_BATCH, steps=50)


@pytest.mark.parametrize(
    ("name", "configs", "seeds", "stop_after"),
    [
        ("default preset", [TrainConfig(), TrainConfig(norm="bn_before")], [0, 1, 2], 1.0),
        ("max depth/width/batch, setting up", [BIG, BIG.replace(norm="bn_before")], [0], 0.3),
        ("max depth/width/batch, training", [BIG, BIG.replace(norm="bn_before")], [0], 2.5),
    ],
)
def test_stop_ends_the_worker_within_a_second(name, configs, seeds, stop_after):
    job = Job(configs, seeds, ["A", "B"][: len(configs)]).start()
    time.sleep(stop_after)
    assert job.running, f"{name}: finished before it could be stopped"
    cpu0, t0 = _thread_cpu_s(job.thread), time.monotonic()
    job.stop()
    cpu = _cpu_until_exit(job.thread, 30) - cpu0
    job.thread.join(5)
    wall = job.ended_at - t0
    assert job.state == "done" and job.result.cancelled and job.error is None
    # The worker's own CPU time after the event is the work Stop still costs; wall time
    # also counts waiting for a core on a busy machine, so it gets a wider bound.
    assert cpu < 1.0, f"{name}: worker used {cpu:.2f} s of CPU after Stop"
    assert wall < 3.0, f"{name}: worker exited {wall:.2f} s after Stop"
    assert all(r.status == "cancelled" for r in job.result.runs)


def _cpu_until_exit(thread: threading.Thread, timeout: float) -> float:
    """The thread's CPU seconds at its last reading before it exited."""
    last = _thread_cpu_s(thread)
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        try:
            last = _thread_cpu_s(thread)
        except (OSError, ValueError, IndexError):  # the thread just went away
            break
        time.sleep(0.005)
    return last


# --- a closed tab ----------------------------------------------------------------------------
def test_an_orphaned_job_stops_and_frees_its_slot():
    queue = TrainingQueue(capacity=1)
    job = Job([TINY.replace(steps=5000)], [0], ["A"], queue).start()
    assert _wait(lambda: job.state == "training", 20)
    nxt = Job([TINY], [0], ["A"], queue).start()  # waits behind it
    assert _wait(lambda: nxt.queue_position == 1, 10)
    holder = SessionJobs()
    holder.add(job)
    t0 = time.monotonic()
    job.orphan(grace_s=0.3)  # (a short grace period, to keep the test quick)
    holder.orphan_all()  # what Streamlit's on_release does; the first timer is kept
    assert _wait(lambda: job.state == "done", 10)
    assert job.abandoned and job.result.cancelled
    assert job.ended_at - t0 < 0.3 + 1.5  # grace period + Stop
    assert _wait(lambda: nxt.state == "done", 30), "the freed slot was not handed on"
    assert not nxt.result.cancelled and nxt.error is None


def test_a_reconnecting_session_keeps_its_job():
    # long enough to outlast the test however fast the trainer gets; it is stopped below
    job = Job([TINY.replace(steps=C.MAX_STEPS)], [0], ["A"]).start()
    assert _wait(lambda: job.state == "training", 20)
    job.orphan(grace_s=0.5)
    time.sleep(0.1)
    SessionJobs().add(job)  # the session came back: its next script run adopts the job
    time.sleep(0.8)
    assert job.running and not job.abandoned
    job.stop()
    job.thread.join(10)
    assert job.state == "done" and not job.abandoned


def test_orphaning_a_finished_job_does_nothing():
    job = Job([TINY], [0], ["A"]).start()
    job.thread.join(30)
    job.orphan(grace_s=0.01)
    time.sleep(0.05)
    assert not job.abandoned and not job.result.cancelled


# --- divergence, per run ---------------------------------------------------------------------
def test_divergence_is_recorded_for_the_diverging_runs_only():
    a = TrainConfig(depth=3, width=32, steps=40, lr=C.MAX_LR, init="large_gaussian",
                    standardize=False)  # fmt: skip
    b = a.replace(lr=0.01)
    job = Job([a, b], [0, 1], ["A", "B"]).start()
    job.thread.join(60)
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
    job.thread.join(30)
    assert job.state == "done" and job.error and "at most" in job.error


def test_every_limit_at_once_trains():
    """depth max, width max, lr max, the smallest batch: accepted and training (then stopped)."""
    cfg = TrainConfig(depth=C.MAX_DEPTH, width=C.MAX_WIDTH, lr=C.MAX_LR, batch_size=2, steps=30)
    job = Job([cfg, cfg.replace(norm="bn_before")], [0], ["A", "B"]).start()
    job.thread.join(120)
    assert job.state == "done" and job.error is None
    assert {r.status for r in job.result.runs} <= {"finished", "diverged"}
    assert all(r.steps_done >= 1 for r in job.result.runs)
