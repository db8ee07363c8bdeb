"""Per-browser-session progress: lessons visited, "check yourself" blocks passed."""

from __future__ import annotations

import streamlit as st

_KEY = "_progress"


def _state() -> dict[str, set[str]]:
    if _KEY not in st.session_state:
        st.session_state[_KEY] = {"visited": set(), "passed": set()}
    return st.session_state[_KEY]


def mark_visited(url_path: str) -> None:
    _state()["visited"].add(url_path)


def mark_passed(url_path: str) -> None:
    _state()["passed"].add(url_path)


def visited() -> set[str]:
    return set(_state()["visited"])


def passed() -> set[str]:
    return set(_state()["passed"])


def reset() -> None:
    st.session_state[_KEY] = {"visited": set(), "passed": set()}
