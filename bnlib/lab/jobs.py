"""Background training for the page: a job (thread + stop event + live result) and a
server-wide queue that caps how many jobs train at once. No streamlit in here: the page
keeps its job in st.session_state and shares the queue of `server_queue()`.

The queue is a plain process-level object on purpose. Anything kept in a Streamlit cache
can be emptied by any client (a `clear_cache` message over the app's WebSocket), and an
emptied cache would hand out a fresh queue with every slot free while the old jobs still
train.

A job runs `gate(progress, cancel)` after every training step when it is given one (or
its queue has one). The app never sets a gate; tests use it to decide when a job moves
on, so they can look at a queue, press Stop or close a tab at a known step.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from bnlib.lab.budget import Budget, check
from bnlib.lab.config import TrainConfig, validate
from bnlib.lab.engine import Comparison, Progress, run_comparison

__all__ = [
    "ORPHAN_GRACE_S",
    "SLOTS_ENV",
    "Gate",
    "Job",
    "TrainingQueue",
    "cap_torch_threads",
    "curve_arrays",
    "default_capacity",
    "diag_arrays",
    "server_queue",
    "use_server_queue",
]

# Called by the worker after every step; it may block, and must return once `cancel` is set.
Gate = Callable[[Progress, threading.Event], None]

SLOTS_ENV = "BNLAB_LAB_SLOTS"  # trainings one process runs at once; default: its core count
ORPHAN_GRACE_S = 5.0  # a job whose browser session went away is stopped after this long


def default_capacity() -> int:
    """Training slots per process: $BNLAB_LAB_SLOTS if it is a whole number >= 1, else the
    number of cores (a malformed value is ignored rather than stopping the app)."""
    raw = os.environ.get(SLOTS_ENV, "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    return max(1, os.cpu_count() or 1)


def cap_torch_threads(n: int = 1) -> None:
    """Small nets gain nothing from more threads, and several users would fight over them."""
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


class TrainingQueue:
    """First come, first served; at most `capacity` jobs train at the same time."""

    def __init__(
        self, capacity: int | None = None, gate: Gate | None = None, budget: Budget | None = None
    ):
        self.capacity = max(1, capacity or default_capacity())
        self.gate = gate  # passed on to the jobs that train under this queue
        self.budget = budget  # what one job may cost here (None: no limit beyond the config's)
        self._cond = threading.Condition()
        self._waiting: list[int] = []  # job ids in arrival order
        self._running: set[int] = set()

    def acquire(self, job_id: int, cancel: threading.Event, poll_s: float = 0.1) -> bool:
        """Block until this job may train (True) or it was cancelled while waiting (False)."""
        with self._cond:
            self._waiting.append(job_id)
            try:
                while not (self._waiting[0] == job_id and len(self._running) < self.capacity):
                    if cancel.is_set():
                        return False
                    self._cond.wait(poll_s)
                self._running.add(job_id)
                return True
            finally:
                self._waiting.remove(job_id)
                self._cond.notify_all()

    def release(self, job_id: int) -> None:
        with self._cond:
            self._running.discard(job_id)
            self._cond.notify_all()

    def position(self, job_id: int) -> int:
        """1 = next in line, 0 = training now or not queued."""
        with self._cond:
            return self._waiting.index(job_id) + 1 if job_id in self._waiting else 0

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)


_server_queue: TrainingQueue | None = None
_server_lock = threading.Lock()


def server_queue() -> TrainingQueue:
    """The one queue of this process, shared by every session; made on first use."""
    global _server_queue
    with _server_lock:
        if _server_queue is None:
            _server_queue = TrainingQueue(budget=Budget.from_env())
        return _server_queue


def use_server_queue(queue: TrainingQueue | None) -> TrainingQueue | None:
    """Replace the process's queue (None: make a new one on next use); returns the old one.
    For entry points and tests that serve the app with a queue of their own."""
    global _server_queue
    with _server_lock:
        old, _server_queue = _server_queue, queue
        return old


class Job:
    """One comparison trained in a daemon thread. Read its fields from any thread."""

    _ids = iter(range(1, 1 << 62))

    def __init__(
        self,
        configs: Sequence[TrainConfig],
        seeds: Sequence[int],
        labels: Sequence[str],
        queue: TrainingQueue | None = None,
        gate: Gate | None = None,
        cancel: threading.Event | None = None,
    ):
        self.configs = [validate(c) for c in configs]  # raises ValueError before any thread
        self.seeds, self.labels = list(seeds), list(labels)
        self.queue = queue
        self.budget = getattr(queue, "budget", None)
        if self.budget is not None:
            self.estimate = check(self.configs, len(self.seeds), self.budget)  # or ValueError
        self.timed_out = False  # stopped by the server's wall-clock limit per job
        self._train_t0: float | None = None
        self.gate = gate if gate is not None else getattr(queue, "gate", None)
        self.id = next(Job._ids)
        self.cancel = cancel if cancel is not None else threading.Event()
        self.result = Comparison(runs=[])
        self.progress = Progress(0, 1, 0.0)
        self.state = "created"  # created | waiting | training | done
        self.error: str | None = None
        self.started_at = time.time()
        self.ended_at: float | None = None  # time.monotonic() when the worker exited
        self.worker_cpu_s: float | None = None  # CPU seconds the worker thread used in all
        self.abandoned = False  # stopped because its browser session went away
        self._orphan_timer: threading.Timer | None = None
        self._orphan_lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, daemon=True, name=f"bnlab-job-{self.id}")

    def start(self) -> Job:
        self.state = "waiting"
        self.thread.start()
        return self

    def stop(self) -> None:
        self.cancel.set()

    # A job belongs to one browser session. When Streamlit drops the session (the tab was
    # closed, its WebSocket went away) nobody can watch or stop the job any more, so the
    # page calls orphan(); unless the session comes back and adopt()s it within
    # `grace_s` (a network blip, a reconnect), the job is stopped and its slot freed.

    def orphan(
        self, grace_s: float = ORPHAN_GRACE_S, still_here: Callable[[], bool] | None = None
    ) -> None:
        """Stop this job in `grace_s` seconds unless adopted by then, or unless
        `still_here()` says then that its session is connected after all (a client that
        clears every cache releases every session's holder, though no tab went away)."""
        with self._orphan_lock:
            if not self.running or self._orphan_timer is not None:
                return
            timer = threading.Timer(grace_s, self._expire, args=(still_here,))
            timer.daemon = True
            self._orphan_timer = timer
            timer.start()

    def adopt(self) -> None:
        with self._orphan_lock:
            if self._orphan_timer is not None:
                self._orphan_timer.cancel()
                self._orphan_timer = None

    def _expire(self, still_here: Callable[[], bool] | None = None) -> None:
        with self._orphan_lock:
            if self._orphan_timer is None:  # adopted in the meantime
                return
            self._orphan_timer = None
            if still_here is not None and still_here():
                return
            if self.running:
                self.abandoned = True
                self.cancel.set()

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "training")

    @property
    def queue_position(self) -> int:
        return self.queue.position(self.id) if self.queue and self.state == "waiting" else 0

    def _on_progress(self, p: Progress) -> None:
        self.progress = p
        limit = self.budget.max_wall_s if self.budget is not None else None
        if limit is not None and time.monotonic() - self._train_t0 > limit:
            self.timed_out = True
            self.cancel.set()
        if self.gate is not None:
            self.gate(p, self.cancel)

    def _work(self) -> None:
        cap_torch_threads(1)
        got = True
        try:
            if self.queue is not None:
                got = self.queue.acquire(self.id, self.cancel)
            if not got:
                self.result.cancelled = True
                return
            self.state = "training"
            self._train_t0 = time.monotonic()
            run_comparison(
                self.configs,
                self.seeds,
                callback=self._on_progress,
                cancel=self.cancel,
                labels=self.labels,
                result=self.result,
            )
        except Exception as exc:  # shown to the learner as a message, never a traceback
            self.error = f"Training failed: {exc}"
        finally:
            if self.queue is not None and got:
                self.queue.release(self.id)
            self.worker_cpu_s = time.thread_time()
            self.ended_at = time.monotonic()
            self.state = "done"
            self.adopt()  # nothing left to stop


# --- arrays for the figures (read while training: take snapshots, pad ragged runs) ---------


def _pad(rows: list[list[float]]) -> np.ndarray:
    n = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), n), np.nan)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def curve_arrays(result: Comparison, metric: str, max_points: int = 400) -> dict:
    """{label: (steps (T,), values (n_seeds, T))} for train_loss or an eval metric.

    Train loss is averaged over windows so at most `max_points` points are drawn.
    """
    out = {}
    for label, runs in result.by_label().items():
        if metric == "train_loss":
            vals = _pad([list(r.train_loss) for r in runs])
            if vals.shape[1] == 0:
                continue
            w = max(1, -(-vals.shape[1] // max_points))
            n = vals.shape[1] // w * w
            if n == 0:
                w, n = 1, vals.shape[1]
            with np.errstate(all="ignore"), _quiet():
                vals = np.nanmean(vals[:, :n].reshape(len(runs), -1, w), axis=2)
            steps = np.arange(1, n + 1).reshape(-1, w)[:, -1]
        else:
            rows = [list(getattr(r, metric)) for r in runs]
            step_rows = [list(r.eval_steps) for r in runs]
            vals = _pad(rows)
            longest = max(step_rows, key=len, default=[])
            steps = np.asarray(longest[: vals.shape[1]], dtype=float)
            vals = vals[:, : len(steps)]
        out[label] = (steps, vals)
    return out


def diag_arrays(result: Comparison, label: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps (T,), values (T, depth)) of one diagnostic, averaged over the label's seeds."""
    runs = result.by_label().get(label, [])
    mats = []
    steps: list[int] = []
    for r in runs:
        n = min(len(r.diag_steps), len(r.diag[name]))
        if n:
            mats.append(np.asarray(r.diag[name][:n], dtype=float))
            if n > len(steps):
                steps = list(r.diag_steps[:n])
    if not mats:
        return np.zeros(0), np.zeros((0, 0))
    t = len(steps)
    stack = np.full((len(mats), t, mats[0].shape[1]), np.nan)
    for i, m in enumerate(mats):
        stack[i, : len(m)] = m
    with np.errstate(all="ignore"), _quiet():
        return np.asarray(steps, dtype=float), np.nanmean(stack, axis=0)


class _quiet:
    """Silence numpy's 'mean of empty slice' for columns where every run has stopped."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)
