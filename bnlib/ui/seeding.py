"""The seed control every experiment shares: a visible seed (kept in the URL) and a
"New sample" button that moves it on by one, so any view can be reproduced from its link."""

from __future__ import annotations

import streamlit as st

from bnlib.settings import Setting
from bnlib.ui.widgets import number_bind


def _bump(key: str, s: Setting) -> None:
    # runs as a callback, before the widget is drawn again: the only time its state may change
    value = int(st.session_state.get(key, s.default)) + 1
    hi = int(s.max) if s.max is not None else value
    st.session_state[key] = value if value <= hi else int(s.min or 0)


def seed_control(s: Setting, container=None) -> int:
    """A number input for the seed plus a "New sample" button; returns the seed."""
    box = container if container is not None else st
    left, right = box.columns([2, 3], vertical_alignment="bottom")
    seed = left.number_input(
        s.label or "Seed",
        min_value=int(s.min or 0),
        max_value=int(s.max) if s.max is not None else None,
        value=int(s.default),
        step=1,
        key=s.key,
        help=s.help or "The same seed always draws the same sample.",
        bind=number_bind(s),  # "query-params", except for a link value it would crash on
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
