"""The seed control every experiment shares (issue 13: 'one seed control everywhere'): a
"New sample" button that moves the seed on by one, and the seed itself, small, in a
popover (kept in the URL), so any view can be reproduced from its link."""

from __future__ import annotations

import streamlit as st

from bnlib.settings import Setting
from bnlib.ui.widgets import number_bind


def _bump(key: str, s: Setting) -> None:
    # runs as a callback, before the widget is drawn again: the only time its state may change
    value = int(st.session_state.get(key, s.default)) + 1
    hi = int(s.max) if s.max is not None else value
    st.session_state[key] = value if value <= hi else int(s.min or 0)


def _current(s: Setting) -> int:
    """The seed the number box will show this run: its state, else the link's value (the
    box reads the link only when it is drawn, after the popover's label), else the default."""
    if s.key in st.session_state:
        return int(st.session_state[s.key])
    raw = st.query_params.get_all(s.key)
    if raw:
        try:
            return int(s.parse(raw))
        except (ValueError, OverflowError):
            pass  # the box falls back to the default too (and link_notices says so)
    return int(s.default)


def seed_control(s: Setting, container=None) -> int:
    """The one seed control of the app: a "New sample" button, and beside it the seed
    shown small, editable in a popover (a number box bound to the URL); returns the seed.

    A learner wants another sample, not a number; the number is there so that a copied
    link (or a teacher) can name the exact sample."""
    box = container if container is not None else st
    # in a column of the caller's: fill it; on the page's full width: keep to the left
    widths = [3, 2] if container is not None else [2, 1.4, 4.6]
    left, right = box.columns(widths, vertical_alignment="bottom")[:2]
    left.button(
        "New sample",
        key=f"{s.key}_new",
        icon=":material/casino:",
        on_click=_bump,
        args=(s.key, s),
        width="stretch",
    )
    shown = _current(s)
    with right.popover(f"Seed {shown}", width="stretch"):
        seed = st.number_input(
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
    return int(seed)
