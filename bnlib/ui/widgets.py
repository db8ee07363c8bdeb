"""Widgets made from bnlib.settings.Setting: keyed, mirrored in the URL, kept across pages."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from bnlib.settings import Setting, parse_query


def setting_widget(s: Setting, container=None, label: str | None = None, **extra):
    """Render the widget for setting `s` and return its value.

    The widget's key is the setting's key; its value is bound to the URL query parameter
    of the same name (so a copied link reproduces the view) and persists for the session.
    """
    box = container if container is not None else st
    common = dict(
        key=s.key,
        help=s.help or None,
        bind="query-params",
        persist_state="session",
        **extra,
    )
    text = label or s.label or s.key
    if s.kind in ("float", "int"):
        cast = float if s.kind == "float" else int
        step = s.step if s.step is not None else None
        return box.slider(
            text,
            min_value=cast(s.min),
            max_value=cast(s.max),
            value=cast(s.default),
            step=cast(step) if step is not None else None,
            **common,
        )
    if s.kind == "bool":
        return box.toggle(text, value=bool(s.default), **common)
    options = list(s.choices)
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in options):
        return box.select_slider(text, options=options, value=s.default, **common)
    return box.selectbox(text, options=options, index=options.index(s.default), **common)


def link_notices(settings: Iterable[Setting]) -> list[str]:
    """Show a small notice for link parameters that were malformed or out of range."""
    try:
        query = st.query_params.to_dict()
    except Exception:  # pragma: no cover - query params unavailable outside a session
        return []
    _, notices = parse_query(list(settings), query)
    for n in notices:
        st.caption(f":material/link_off: {n}")
    return notices
