"""Small widgets shared by lessons 1 to 6: a seed with a "New sample" button."""

from __future__ import annotations

import streamlit as st

from bnlib.settings import Setting
from bnlib.ui.widgets import setting_widget


def _bump(key: str, top: int) -> None:
    # runs as a callback, before the widget is drawn again, so the write is allowed
    st.session_state[key] = (int(st.session_state.get(key, 0)) + 1) % (top + 1)


def seed_controls(s: Setting, container=None) -> int:
    """The seed slider and a "New sample" button that moves it on by one; returns the seed."""
    box = container if container is not None else st
    left, right = box.columns([3, 1], vertical_alignment="bottom")
    with right:
        st.button(
            "New sample",
            key=f"{s.key}_new",
            icon=":material/casino:",
            on_click=_bump,
            args=(s.key, int(s.max)),
        )
    with left:
        return setting_widget(s)
