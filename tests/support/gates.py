"""Gates for the lab's training jobs: the test decides when a job takes its next step.

A gate is called by a job's worker after every training step with the job's progress and
its stop event (bnlib.lab.jobs.Gate). It may block; it returns at once when the job is
stopped, so Stop, a closed tab and a cancelled wait can be tested at a known step, with
no sleeps and no guesses about how fast the machine is.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

GATE_ENV = "BNLAB_TEST_GATE_DIR"  # read by tests/support/gated_serve.py, nothing else
WAIT_S = 120.0  # a failure guard for waits on a state, never a speed assertion


class StepGate:
    """Lets `allow` steps through (in all), then holds every worker until `allow()`ed more
    or `open()`ed. Counts the workers held now, and notes each worker's CPU time at the
    moment it was let go (to measure what Stop costs after that moment)."""

    def __init__(self, allow: int = 0):
        self._cond = threading.Condition()
        self._permits = allow
        self._open = False
        self.held = 0
        self.steps = 0  # steps that reached the gate
        self.cpu_at_release: dict[int, float] = {}  # thread id -> thread CPU seconds

    def __call__(self, progress, cancel: threading.Event) -> None:
        with self._cond:
            self.steps += 1
            if not (self._open or self._permits > 0 or cancel.is_set()):
                self.held += 1
                self._cond.notify_all()
                while not (self._open or self._permits > 0 or cancel.is_set()):
                    # a stop event can't notify this condition: look at it often
                    self._cond.wait(0.01)
                self.held -= 1
            if self._permits > 0 and not self._open and not cancel.is_set():
                self._permits -= 1
            self.cpu_at_release[threading.get_ident()] = time.thread_time()
            self._cond.notify_all()

    def allow(self, n: int = 1) -> None:
        with self._cond:
            self._permits += n
            self._cond.notify_all()

    def open(self) -> None:
        with self._cond:
            self._open = True
            self._cond.notify_all()

    def wait_held(self, n: int = 1, timeout: float = WAIT_S) -> None:
        """Block until at least `n` workers are held here."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.held >= n, timeout):
                raise AssertionError(f"{n} job(s) never reached the gate ({self.held} held)")


class FileGate:
    """For a server in another process: holds a job once it has done `N` run-steps, where
    N is the number in the file `hold_at` in `folder`; no file, no holding. Tests write
    and remove the file (tests/support/gated_serve.py installs this gate)."""

    def __init__(self, folder: str | Path):
        self.file = Path(folder) / "hold_at"

    def _limit(self) -> float:
        try:
            return float(self.file.read_text().strip() or "inf")
        except (OSError, ValueError):
            return float("inf")

    def __call__(self, progress, cancel: threading.Event) -> None:
        while progress.steps_done >= self._limit() and not cancel.wait(0.05):
            pass


def wait_until(pred, what: str, timeout: float = WAIT_S, poll: float = 0.02) -> None:
    """Wait for a state (not for time): fail with `what` if it never comes."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(poll)


class ServerGate:
    """The test's side of a FileGate in a served app: hold every job of that server once it
    has done `n` run-steps, or release them all."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.file = self.folder / "hold_at"

    def hold_at(self, n: int) -> None:
        tmp = self.folder / "hold_at.tmp"
        tmp.write_text(str(int(n)))
        tmp.replace(self.file)  # atomic: a job never reads half a number

    def release(self) -> None:
        self.file.unlink(missing_ok=True)
