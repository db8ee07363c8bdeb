"""Tie a training-lab job to the browser session that started it.

Streamlit clears a session's session-scoped caches the moment its WebSocket goes away
(a closed tab, a lost connection) and calls their ``on_release`` hook. The holder below is
such a cache entry: releasing it orphans the session's jobs, and a job left orphaned for
``bnlib.lab.jobs.ORPHAN_GRACE_S`` seconds stops and frees its training slot. When the
session reconnects in time, its next script run (any page: app.py calls ``keep_alive``)
builds a fresh holder and adopts the job again.

No torch import here (app.py calls this on every page); jobs are used through their
``running`` / ``orphan()`` / ``adopt()`` members only.
"""

from __future__ import annotations

import threading

import streamlit as st

JOB_KEY = "lab_job"  # where pages/training_lab.py keeps the session's job


class SessionJobs:
    """The running jobs of one browser session."""

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: list = []

    def add(self, job) -> None:
        with self._lock:
            self._jobs = [j for j in self._jobs if j.running and j is not job] + [job]
        job.adopt()

    def orphan_all(self) -> None:
        with self._lock:
            jobs, self._jobs = self._jobs, []
        for j in jobs:
            j.orphan()


def _release(holder: SessionJobs) -> None:
    holder.orphan_all()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _holder() -> SessionJobs:
    return SessionJobs()


def track(job) -> None:
    """Record `job` as belonging to the current session (call it where the job starts)."""
    _holder().add(job)


def keep_alive() -> None:
    """Adopt this session's running job again (after a reconnect); cheap, call every run."""
    job = st.session_state.get(JOB_KEY)
    if job is not None and getattr(job, "running", False):
        _holder().add(job)
