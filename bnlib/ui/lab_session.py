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
from streamlit.runtime.scriptrunner import get_script_run_ctx

JOB_KEY = "lab_job"  # where pages/training_lab.py keeps the session's job


def _connected(session_id: str) -> bool:
    """Is this browser session still connected to the server?"""
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


class SessionJobs:
    """The running jobs of one browser session (`session_id`: None outside a server)."""

    def __init__(self, session_id: str | None = None):
        self._lock = threading.Lock()
        self._jobs: list = []
        self.session_id = session_id

    def add(self, job) -> None:
        with self._lock:
            self._jobs = [j for j in self._jobs if j.running and j is not job] + [job]
        job.adopt()

    def orphan_all(self) -> None:
        with self._lock:
            jobs, self._jobs = self._jobs, []
        sid = self.session_id
        # Any client may clear every cache, which releases every session's holder too:
        # when the grace period is over, a job whose session is still connected goes on.
        still_here = None if sid is None else (lambda: _connected(sid))
        for j in jobs:
            j.orphan(still_here=still_here)


def _release(holder: SessionJobs) -> None:
    holder.orphan_all()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _holder() -> SessionJobs:
    ctx = get_script_run_ctx()
    return SessionJobs(ctx.session_id if ctx is not None else None)


def track(job) -> None:
    """Record `job` as belonging to the current session (call it where the job starts)."""
    _holder().add(job)


def keep_alive() -> None:
    """Adopt this session's running job again (after a reconnect); cheap, call every run."""
    job = st.session_state.get(JOB_KEY)
    if job is not None and getattr(job, "running", False):
        _holder().add(job)
