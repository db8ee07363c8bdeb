"""Draw a figure builder's output with as little work per slider move as possible.

Measured (benchmarks/profile_pages.py, README "Lessons 1-11"): building a plotly Figure
is most of a fragment's server time, because every property set on a go.Figure goes
through plotly's validators (lesson 1's two-panel band chart: ~60 ms to build, ~4 ms to
turn the finished JSON back into a Figure without validation). So the finished, validated
figure is cached as plain JSON data keyed on the builder and its arguments; a slider value
seen before (moving back and forth, returning to a page) costs a few milliseconds.

In the browser the mode bar (zoom, pan, download: ~10 buttons) is left out of
slider-driven charts; hover still works, and the charts are small enough not to need zoom.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.caching.cache_errors import UnhashableParamError

CONFIG = {"displayModeBar": False}


@st.cache_data(max_entries=512, show_spinner=False)
def _spec(module: str, name: str, args: tuple, kwargs: dict) -> dict:
    builder = getattr(importlib.import_module(module), name)
    return builder(*args, **kwargs).to_plotly_json()


def cached_figure(builder: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """builder(*args, **kwargs), cached on its arguments (which must be hashable by
    st.cache_data; anything else is built each time). The builder must be pure."""
    module = importlib.import_module(builder.__module__)
    if getattr(module, builder.__name__, None) is not builder:  # a lambda or closure
        return builder(*args, **kwargs)
    try:
        spec = _spec(builder.__module__, builder.__name__, args, kwargs)
    except UnhashableParamError:
        return builder(*args, **kwargs)
    # validated when it was built; validating again would cost as much as building
    return go.Figure(spec, _validate=False)


def chart(
    builder: Callable[..., go.Figure],
    *args,
    key: str,
    alt: str,
    width: str = "stretch",
    **kwargs,
) -> None:
    """Build (cached) and draw one plotly figure without the mode bar."""
    st.plotly_chart(
        cached_figure(builder, *args, **kwargs), width=width, key=key, alt=alt, config=CONFIG
    )
