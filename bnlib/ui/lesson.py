"""Shared pieces of a lesson page: header, code tabs, next-lesson link."""

from __future__ import annotations

import streamlit as st

from bnlib.ui import progress
from bnlib.ui.registry import next_page, page_by_url


def header(url_path: str, subtitle: str | None = None) -> None:
    """Title from the registry; records the visit."""
    spec = page_by_url(url_path)
    st.title(spec.title)
    if subtitle or spec.blurb:
        st.caption(subtitle or spec.blurb)
    progress.mark_visited(url_path)


def code_tabs(numpy_code: str, torch_code: str, keras_code: str | None = None) -> None:
    """The same idea as code, one tab per framework."""
    names = ["NumPy (bnlib)", "PyTorch"] + (["Keras"] if keras_code else [])
    tabs = st.tabs(names)
    for tab, code in zip(tabs, [numpy_code, torch_code, keras_code], strict=False):
        with tab:
            st.code(code.strip(), language="python")


def next_lesson(url_path: str) -> None:
    nxt = next_page(url_path)
    if nxt is None:
        return
    st.divider()
    st.page_link(nxt.path, label=f"Next: {nxt.title}", icon=":material/arrow_forward:")
