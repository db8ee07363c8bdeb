"""The lesson map with progress marks: for the home page (full) and the sidebar (compact)."""

from __future__ import annotations

import streamlit as st

from bnlib.course.registry import PageSpec
from bnlib.ui import progress


def _line(spec: PageSpec) -> str:
    state = progress.status(spec.url_path)
    return f"{progress.MARKS[state]} {spec.title}"


def _link_or_text(spec: PageSpec, text: str, box) -> None:
    # Pages still being written are listed but not linked (st.page_link would fail).
    if spec.exists:
        box.page_link(spec.path, label=text, icon=spec.icon)
    else:
        box.markdown(f"{text} *(coming soon)*")


def render_course_map(columns: int = 3) -> None:
    """The course as a grid of cards, each with its progress state and a link."""
    visited, passed, total = progress.counts()
    st.progress(passed / total if total else 0.0, text=f"{passed} of {total} checks passed")
    st.caption(f"{visited} of {total} pages visited. ✓ check passed · • visited · ○ not yet")
    specs = progress.tracked()
    cols = st.columns(columns)
    for i, spec in enumerate(specs):
        with cols[i % columns], st.container(border=True):
            state = progress.status(spec.url_path)
            _link_or_text(spec, spec.title, st)
            st.caption(f"{spec.blurb}  \n{progress.MARKS[state]} {progress.MARK_WORDS[state]}")


def render_progress_sidebar() -> None:
    """Compact progress for the sidebar: counts, the list of marks, and a reset button."""
    visited, passed, total = progress.counts()
    with st.expander(f"Your progress: {passed}/{total} passed", expanded=False):
        st.caption("✓ check passed · • visited · ○ not yet")
        st.markdown("  \n".join(_line(s) for s in progress.tracked()))
        st.caption(f"{visited} of {total} pages visited. Kept in this browser only.")
        st.button(
            "Reset progress",
            key="progress_reset",
            on_click=progress.reset,
            icon=":material/restart_alt:",
            help="Forget which pages you visited and which checks you passed, in this tab and in what this browser remembers.",
        )
