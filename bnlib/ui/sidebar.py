"""The sidebar every page shares."""

from __future__ import annotations

import streamlit as st


def render_sidebar() -> None:
    with st.sidebar:
        st.caption(
            "Batch Norm Lab: an interactive course on batch normalization. "
            "Every number on these pages is computed live by `bnlib`, "
            "whose core is tested against PyTorch."
        )
