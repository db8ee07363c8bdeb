"""Widgets made from bnlib.settings.Setting: keyed, mirrored in the URL, kept across pages.

Usage in a page (declare once at module level, then read the values):

    S_BATCH = Setting("bs_batch", "int", 32, "Batch size", min=2, max=256)
    register(S_BATCH)
    link_notices([S_BATCH])          # before the widgets: see below
    m = setting_widget(S_BATCH)

Why link_notices must come before the widgets: when a bound widget is created,
streamlit (1.67, session_state._seed_widget_from_url) silently drops a URL value it
cannot use and removes the parameter from st.query_params. The sidebar takes a snapshot
of the query at the start of every run (``snapshot_query``), so link_notices also works
after the widgets, as long as the app's sidebar ran first.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable

import streamlit as st

from bnlib.settings import Setting, parse_query

_SNAPSHOT_KEY = "_link_query_snapshot"


def _all_params() -> dict:
    """The URL query; a repeated parameter (a multiselect's) as the list of its values."""
    qp = st.query_params
    out = {}
    for k in qp:
        values = qp.get_all(k)
        out[k] = values if len(values) > 1 else (values[0] if values else "")
    return out


def snapshot_query() -> None:
    """Remember this run's URL query before any bound widget can clean it up."""
    with contextlib.suppress(Exception):  # no session (bare script): nothing to keep
        st.session_state[_SNAPSHOT_KEY] = _all_params()


def _query() -> dict:
    try:
        current = _all_params()
    except Exception:  # pragma: no cover - query params unavailable outside a session
        return {}
    snap = st.session_state.get(_SNAPSHOT_KEY) or {}
    return {**current, **snap}


def setting_widget(s: Setting, container=None, label: str | None = None, **extra):
    """Render the widget for setting `s` and return its value.

    The widget's key is the setting's key; its value is bound to the URL query parameter
    of the same name (so a copied link reproduces the view) and persists for the session.
    float/int -> slider, bool -> toggle, numeric choices -> select_slider,
    other choices -> selectbox, text -> text_input (cut to the setting's max length),
    multi -> multiselect. For a number input use number_widget.
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
    if s.kind == "multi":
        return box.multiselect(text, options=list(s.choices), default=list(s.default), **common)
    if s.kind in ("float", "int"):
        cast = float if s.kind == "float" else int
        step = s.step if s.step is not None else None
        value = box.slider(
            text,
            min_value=cast(s.min),
            max_value=cast(s.max),
            value=cast(s.default),
            step=cast(step) if step is not None else None,
            **common,
        )
        # A link with ?key=-0 gives -0.0, which numpy rejects as a scale ("scale < 0"
        # in rng.normal) although 0.0 is allowed: adding 0.0 turns it into 0.0.
        return value + 0.0 if isinstance(value, float) else value
    if s.kind == "bool":
        return box.toggle(text, value=bool(s.default), **common)
    if s.kind == "text":
        return box.text_input(text, value=s.default, max_chars=s.max_len, **common)
    options = list(s.choices)
    labelled = "format_func" in extra
    if labelled:
        # A bound widget would write the label it shows into the URL ("1e-8" for 1e-08,
        # "Uniform" for "uniform"), which the setting does not read back: not bound, the
        # URL keeps the value's own text, as labelled_widget does.
        seed_from_link([s])
        del common["bind"]
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in options):
        value = box.select_slider(text, options=options, value=s.default, **common)
    else:
        value = box.selectbox(text, options=options, index=options.index(s.default), **common)
    if labelled:
        _mirror(s, value)
    return value


def number_widget(s: Setting, container=None, label: str | None = None, **extra):
    """A number input for an int or float setting, bound to the URL like setting_widget.

    streamlit 1.67's int number_input raises OverflowError on a link value such as
    ``inf`` or ``1e400`` (int(float("inf")) in NumberInputSerde.deserialize, which the
    URL seeding does not catch). Such a value is out of range for the setting anyway, so
    for that one run the widget is drawn unbound and the parameter is removed from the
    URL: the widget keeps its default, link_notices reports it, and from the next run on
    the widget is bound again.
    """
    box = container if container is not None else st
    cast = int if s.kind == "int" else float
    return box.number_input(
        label or s.label or s.key,
        min_value=cast(s.min) if s.min is not None else None,
        max_value=cast(s.max) if s.max is not None else None,
        value=cast(s.default),
        step=cast(s.step) if s.step is not None else cast(1),
        key=s.key,
        help=s.help or None,
        bind=number_bind(s),
        persist_state="session",
        **extra,
    )


def number_bind(s: Setting):
    """The `bind` for an int number input of setting `s`: "query-params", or None (and
    the parameter removed from the URL) for the one run whose link value is infinite,
    which streamlit 1.67 cannot turn into an int (see number_widget)."""
    raw = _query().get(s.key)
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    try:
        unusable = s.kind == "int" and isinstance(raw, str) and math.isinf(float(raw))
    except ValueError:
        unusable = False
    if not unusable:
        return "query-params"
    with contextlib.suppress(KeyError):
        del st.query_params[s.key]
    return None


def link_notices(settings: Iterable[Setting], container=None) -> list[str]:
    """Show a small notice for each link parameter that was malformed or out of range.

    The notice names the setting and the default used; the URL's text itself is never
    shown (so nothing from a link can be rendered as markdown or HTML). Returns the
    notices, for tests.
    """
    _, notices = parse_query(list(settings), _query())
    box = container if container is not None else st
    for n in notices:
        box.caption(f":material/link_off: {n}")
    return notices


def labelled_widget(s: Setting, labels: dict, container=None, label: str | None = None, **extra):
    """A choice setting as a selectbox (a multi setting as a multiselect) that shows
    readable names (`labels`: option id -> name) while the URL keeps the ids.

    A bound widget writes the text it displays into the URL (streamlit 1.67: the
    format_func output), which would turn ``?a_norm=bn_before`` into the label and break
    every saved link. So this widget is not bound: its first draw in a session takes the
    link's value (checked by the setting; a bad one is dropped, and link_notices says
    so), and every draw writes the value's id back into st.query_params, or removes the
    parameter at the default. Not drawn, it keeps its value (persist_state) and its
    parameter stays in the URL as it was.
    """
    box = container if container is not None else st
    seed_from_link([s])
    options = list(s.choices)
    common = dict(
        key=s.key,
        help=s.help or None,
        format_func=lambda v: labels.get(v, str(v)),
        persist_state="session",
        **extra,
    )
    text = label or s.label or s.key
    if s.kind == "multi":
        value = box.multiselect(text, options=options, default=list(s.default), **common)
    else:
        value = box.selectbox(text, options=options, index=options.index(s.default), **common)
    _mirror(s, tuple(value) if s.kind == "multi" else value)
    return value


def seed_from_link(settings: Iterable[Setting]) -> None:
    """Give each setting of a labelled_widget the link's value before anything reads
    st.session_state, once per session (a later draw keeps what the learner chose). Call it
    at the top of a page whose layout depends on such values."""
    for s in settings:
        if s.key in st.session_state:
            continue
        raw = _query().get(s.key)
        if raw is None:
            continue
        try:
            value = s.parse(raw)
        except (ValueError, TypeError, OverflowError):  # link_notices says so
            with contextlib.suppress(KeyError):
                del st.query_params[s.key]
            continue
        st.session_state[s.key] = list(value) if s.kind == "multi" else value


def _mirror(s: Setting, value) -> None:
    """Write `value`'s URL text for setting `s` into st.query_params (none at the default),
    only when it differs from what is there, so an unchanged run sends nothing."""
    want = None if value == s.default else s.encode(value)
    want = [want] if isinstance(want, str) else want
    have = st.query_params.get_all(s.key) or None
    if want == have:
        return
    if want is None:
        del st.query_params[s.key]
    else:
        st.query_params[s.key] = want
