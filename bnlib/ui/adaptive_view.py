"""Lesson 9's Streamlit side: cached runs, the words and metrics under each signal, the CSV.

The page (pages/lesson_09_signal_processing.py) keeps the widgets' layout; this module draws
what follows from them. Words come from assets/lessons/signal-processing.md at the reader's
level (bnlib.ui.lesson.prose), with {{name}} placeholders filled from the current run.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.data.csvdata import MAX_BYTES, MAX_MB, CsvProblem, Table, md_escape, read_table
from bnlib.data.csvdata import normalize_table as _normalize_table
from bnlib.lessons import adaptive
from bnlib.lessons.adaptive import LABELS
from bnlib.ui.charts import chart
from bnlib.ui.lesson import prose
from bnlib.viz.adaptive import columns_figure, drift_figure, signal_figure

URL = "signal-processing"


@st.cache_data(show_spinner=False)
def signal_view(kind: str, p: float, momentum: float, chunk: int, seed: int) -> dict:
    """Arrays and numbers for one signal: everything the figure and the metrics need."""
    return adaptive.signal_view(kind, p, momentum, chunk, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def parse_upload(data: bytes) -> Table:
    return read_table(data)


@st.cache_data(show_spinner=False, max_entries=8)
def normalized(table: Table):
    return _normalize_table(table)


def signal_chart(kind: str, view: dict) -> None:
    """The signal above its BN output (the drifting one with its two normalizations)."""
    if kind == "drifting":
        fig_args = (drift_figure, view["x"], view["rmean"], view["y_whole"], view["y_stream"])
        alt = (
            f"A drifting signal with its running mean, and two normalized versions: whole-record "
            f"statistics keep the drift ({view['slow_whole']:.0%} slow), running statistics "
            f"remove it ({view['slow_stream']:.0%} slow)."
        )
    else:
        fig_args = (signal_figure, view["x"], view["y"], adaptive.trace_names(kind))
        alt = f"{LABELS[kind]}: the input over {len(view['x'])} time steps above its BN output."
    chart(*fig_args, key="l9_chart", alt=alt)


def two_level_text(view: dict, p: float) -> None:
    hi, lo = adaptive.two_level_closed_form(p)
    m_hi, m_lo = view["measured"]
    prose(URL, "two-level-formula")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("High level, measured", f"{nf.fixed(m_hi, 4)}")
    c2.metric("High level, formula", f"{nf.fixed(hi, 4)}")
    c3.metric("Low level, measured", f"{nf.fixed(m_lo, 4)}")
    c4.metric("Low level, formula", f"{nf.fixed(lo, 4)}")
    prose(URL, "two-level", p=nf.fixed(p, 2), var=nf.fixed(p * (1 - p), 4), hi=nf.fixed(hi, 2))


def drifting_text(view: dict, momentum: float, chunk: int) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Slow share, whole-record statistics", f"{view['slow_whole']:.0%}")
    c2.metric("Slow share, running statistics", f"{view['slow_stream']:.0%}")
    c3.metric("Memory of the running mean", f"≈ {nf.fixed(chunk / momentum, 0)} steps")
    prose(
        URL,
        "drifting",
        slow_whole=f"{view['slow_whole']:.0%}",
        chunk=chunk,
        momentum=momentum,
        memory=nf.fixed(chunk / momentum, 0),
    )


def pixels_text(view: dict) -> None:
    c1, c2 = st.columns(2)
    c1.metric("Max gap between the two outputs (eps = 1e-5)", f"{nf.sci(view['gap'], 1)}")
    c2.metric("Same, with eps = 1e-12", f"{nf.sci(view['gap_tiny_eps'], 1)}")
    prose(URL, "pixels", gap=nf.sci(view["gap"], 0), gap_tiny=nf.sci(view["gap_tiny_eps"], 0))


def summary_table(view: dict, names: list[str]) -> None:
    s = view["summary"]
    st.dataframe(
        {
            "signal": names,
            "mean before": s["mean_in"],
            "std before": s["std_in"],
            "mean after": np.round(s["mean_out"], 6) + 0.0,
            "std after": np.round(s["std_out"], 6),
        },
        hide_index=True,
    )


def signal_result(kind: str, view: dict, p, momentum, chunk) -> None:
    """The metrics and the words under the chart of one signal."""
    if kind == "two_level":
        two_level_text(view, float(p))
    elif kind == "drifting":
        drifting_text(view, float(momentum), int(chunk))
    elif kind == "pixels":
        pixels_text(view)
    elif kind == "constant":
        st.metric("Largest |output|", f"{nf.fixed(np.abs(view['y']).max(), 1)}")
        prose(URL, "constant")
    elif kind == "rare_events":
        lv_ = view["levels"]
        c1, c2 = st.columns(2)
        c1.metric(
            "Baseline", f"{nf.fixed(lv_['baseline_in'], 2)} → {nf.fixed(lv_['baseline_out'], 2)}"
        )
        c2.metric("Spikes", f"{nf.fixed(lv_['spike_in'], 2)} → {nf.fixed(lv_['spike_out'], 2)}")
        prose(
            URL, "rare-events", share=f"{lv_['share']:.1%}", spike_out=nf.fixed(lv_["spike_out"], 0)
        )
    elif kind == "multi_sensor":
        summary_table(view, ["temperature (~20)", "pressure (~1013)", "current (~0.01)"])
        s = view["summary"]
        var_c = float(s["std_in"][2] ** 2)
        prose(URL, "multi-sensor", var_c=nf.sci(var_c, 1), std_c=nf.fixed(s["std_out"][2], 2))


def read_upload(up, example: str, examples: Path):
    """(name, table, normalized values, table rows) for the uploaded file, else the chosen
    example; None after saying why (no file, too large, unreadable)."""
    if up is not None:
        name = up.name
        if up.size > MAX_BYTES:  # the widget enforces this too; say it plainly here
            st.error(
                f"'{md_escape(name)}' is {nf.fixed(up.size / 1e6, 1)} MB; the limit is {MAX_MB} MB."
            )
            return None
        data = up.getvalue()
    elif example != "none":
        name, data = example, (examples / example).read_bytes()
    else:
        st.info("Upload a file, or pick an example to see what the result looks like.")
        return None
    try:
        table = parse_upload(data)
        out, rows = normalized(table)
    except CsvProblem as exc:
        # a file name is shown as text, not markdown; column names are escaped in csvdata
        st.error(f"Could not use '{md_escape(name)}': {exc}", icon=":material/error:")
        return None
    except Exception as exc:  # a file we did not foresee: a message, never a traceback
        st.error(
            f"Could not read '{md_escape(name)}' as a CSV table ({type(exc).__name__}). Check that it is "
            "comma-separated UTF-8 text with a header row.",
            icon=":material/error:",
        )
        return None
    return name, table, out, rows


def show_upload(name: str, table: Table, out, rows) -> None:
    """The notes about a read table, its normalized rows and a chart of chosen columns."""
    for note in table.notes:
        st.warning(note, icon=":material/warning:")
    n_rows, n_cols = table.shape
    st.success(
        f"'{md_escape(name)}': {n_rows} rows, {n_cols} numeric column(s) normalized.",
        icon=":material/check_circle:",
    )
    st.dataframe(rows, hide_index=True, key="l9_table")
    shown = st.multiselect(
        "Columns to draw (up to 6)",
        list(table.names),
        default=list(table.names[:4]),
        max_selections=6,
        key=f"l9_cols_{zlib.crc32('|'.join(table.names).encode()) & 0xFFFF}",
    )
    if shown:
        idx = [table.names.index(s) for s in shown]
        chart(
            columns_figure,
            shown,
            table.values[:, idx],
            out[:, idx],
            key="l9_csv_chart",
            alt=f"{len(shown)} column(s) of '{name}' by row, as uploaded and after BN.",
        )
