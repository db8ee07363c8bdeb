"""The sidebar every page shares: expertise level, progress, and a note on the app."""

from __future__ import annotations

import streamlit as st

from bnlib.ui import level as lv
from bnlib.ui.course_map import render_progress_sidebar
from bnlib.ui.widgets import snapshot_query


def render_sidebar() -> None:
    # First, before any bound widget can drop a malformed link value.
    snapshot_query()
    with st.sidebar:
        st.segmented_control(
            "Explain things at the level of",
            lv.LEVELS,
            default=lv.DEFAULT_LEVEL,
            format_func=lv.label,
            key=lv.LEVEL_KEY,
            bind="query-params",  # a shared link keeps the level it was written for
            persist_state="session",
            required=True,
            help="Beginners get more explanations and 'why' boxes; experts get lean text.",
        )
        render_progress_sidebar()
        st.caption(
            "Batch Norm Lab: an interactive course on batch normalization. "
            "Every number on these pages is computed live by `bnlib`, "
            "whose core is tested against PyTorch."
        )
