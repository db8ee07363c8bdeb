"""The seed control every experiment shares: a visible seed (kept in the URL) and a
"New sample" button that moves it on by one, so any view can be reproduced from its link."""

from __future__ import annotations

import contextlib

import streamlit as st

from bnlib.settings import Setting


def _bump(key: str, s: Setting) -> None:
    # runs as a callback, before the widget is drawn again: the only time its state may change
    value = int(st.session_state.get(key, s.default)) + 1
    hi = int(s.max) if s.max is not None else value
    st.session_state[key] = value if value <= hi else int(s.min or 0)


def _drop_unusable_link_value(s: Setting) -> None:
    """Remove a link value the seed input cannot take before the input reads it.

    Streamlit 1.67's integer number_input crashes the page on ?seed=inf, -inf or 1e400
    (int(float("inf")) raises OverflowError, which its URL binding does not catch), so
    such values must never reach it. Anything s.parse refuses is dropped, which is what
    the binding does with every other bad value; link_notices still reports it (it reads
    the sidebar's snapshot of the query).
    """
    try:
        raw = st.query_params.get_all(s.key)
    except Exception:  # pragma: no cover - no session (bare script)
        return
    if not raw:
        return
    try:
        s.parse(raw[-1])
        return
    except ValueError:
        pass
    del st.query_params[s.key]
    # The binding seeds from the query as it was when the page loaded, not from
    # st.query_params, so the value must go from there too (streamlit 1.67 internals;
    # tests/app/test_bad_links.py fails if this stops working).
    with contextlib.suppress(Exception):
        from streamlit.runtime.state.session_state_proxy import get_session_state

        with get_session_state().query_params() as qp:
            qp._initial_query_params.pop(s.key, None)


def seed_control(s: Setting, container=None) -> int:
    """A number input for the seed plus a "New sample" button; returns the seed."""
    box = container if container is not None else st
    _drop_unusable_link_value(s)
    left, right = box.columns([2, 3], vertical_alignment="bottom")
    seed = left.number_input(
        s.label or "Seed",
        min_value=int(s.min or 0),
        max_value=int(s.max) if s.max is not None else None,
        value=int(s.default),
        step=1,
        key=s.key,
        help=s.help or "The same seed always draws the same sample.",
        bind="query-params",
        persist_state="session",
    )
    right.button(
        "New sample",
        key=f"{s.key}_new",
        icon=":material/casino:",
        on_click=_bump,
        args=(s.key, s),
    )
    return int(seed)
