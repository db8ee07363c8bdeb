"""Lesson 9: one BN unit as an adaptive filter on a stream of numbers; your own CSV."""

import zlib

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.signals import SIGNALS, sample
from bnlib.data.csvdata import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_MB,
    CsvProblem,
    Table,
    md_escape,
    normalize_table,
    read_table,
)
from bnlib.data.paths import ASSETS
from bnlib.lessons.adaptive import (
    column_summary,
    normalize_columns,
    rare_event_levels,
    slow_share,
    streaming_normalize,
    two_level_closed_form,
    two_level_measured,
)
from bnlib.settings import Setting
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.adaptive import columns_figure, drift_figure, signal_figure

URL = "signal-processing"
EXAMPLES = ASSETS / "examples"
KINDS = ("two_level", "constant", "rare_events", "drifting", "multi_sensor", "pixels")
LABELS = {
    "two_level": "Two-level (on/off)",
    "constant": "Constant",
    "rare_events": "Rare events",
    "drifting": "Drifting baseline",
    "multi_sensor": "Three sensors, three scales",
    "pixels": "Pixels: 0–255 vs 0–1",
}
SIGNAL = Setting("l9_signal", "choice", "two_level", "Signal", choices=KINDS)
P = Setting(
    "l9_p", "float", 0.2, "Share of time at the high level, p", min=0.05, max=0.95, step=0.05
)
MOMENTUM = Setting(
    "l9_momentum",
    "choice",
    0.3,
    "Momentum (PyTorch convention)",
    choices=(0.01, 0.03, 0.1, 0.3, 0.5, 0.9),
)
CHUNK = Setting("l9_chunk", "choice", 10, "Batch size while streaming", choices=(5, 10, 20, 50))
SEED = Setting("l9_seed", "int", 0, "Seed", min=0, max=1_000_000)
EXAMPLE = Setting(
    "l9_example",
    "choice",
    "none",
    "Or try an example file",
    choices=("none", "sensors.csv", "messy.csv"),
)
SETTINGS = (SIGNAL, P, MOMENTUM, CHUNK, SEED, EXAMPLE)
N = 1000


@st.cache_data(show_spinner=False)
def signal_view(kind: str, p: float, momentum: float, chunk: int, seed: int) -> dict:
    """Arrays and numbers for one signal: everything the figure and the metrics need."""
    if kind == "two_level":
        x = sample(kind, N, seed, p=p)
        y = normalize_columns(x)
        return {"x": x, "y": y, "measured": two_level_measured(x, y)}
    if kind == "drifting":
        x = sample(kind, 2 * N, seed)
        y_stream, rmean, _ = streaming_normalize(x, chunk, momentum)
        y_whole = normalize_columns(x)
        warm = min(len(x) // 4, int(5 * chunk / momentum))
        return {
            "x": x,
            "rmean": rmean,
            "y_whole": y_whole,
            "y_stream": y_stream,
            "slow_whole": slow_share(y_whole, 200, warm),
            "slow_stream": slow_share(y_stream, 200, warm),
        }
    if kind == "pixels":
        raw = sample(kind, N, seed)
        x = np.column_stack([raw, raw / 255.0])  # the same image, two conventions
        y = normalize_columns(x)
        tiny = normalize_columns(x, eps=1e-12)
        return {
            "x": x,
            "y": y,
            "gap": float(np.abs(y[:, 0] - y[:, 1]).max()),
            "gap_tiny_eps": float(np.abs(tiny[:, 0] - tiny[:, 1]).max()),
        }
    x = sample(kind, N, seed)
    y = normalize_columns(x)
    view = {"x": x, "y": y, "summary": column_summary(x, y)}
    if kind == "rare_events":
        view["levels"] = rare_event_levels(x, y)
    return view


@st.cache_data(show_spinner=False, max_entries=8)
def parse_upload(data: bytes) -> Table:
    return read_table(data)


@st.cache_data(show_spinner=False, max_entries=8)
def normalized(table: Table):
    return normalize_table(table)


header(URL)
link_notices(SETTINGS)

st.markdown(
    """
Forget networks for a moment. One BN unit watches a stream of numbers, say a sensor, and
rescales it by the stream's own mean and spread. That makes it an **adaptive** filter: it
needs no setting for the sensor's units or range, because it measures them. Below, the
n = 1000 time steps of each signal play the role of the batch.
"""
)
st.latex(
    r"y_t = \frac{x_t - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad \mu, \sigma^2 \text{ over the record}"
)


def two_level_text(view: dict, p: float) -> None:
    hi, lo = two_level_closed_form(p)
    m_hi, m_lo = view["measured"]
    st.latex(
        r"x \in \{0, 1\},\ P(x{=}1) = p \;\Rightarrow\; "
        r"y_{\text{high}} = +\sqrt{\tfrac{1-p}{p}},\quad y_{\text{low}} = -\sqrt{\tfrac{p}{1-p}}"
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("High level, measured", f"{nf.fixed(m_hi, 4)}")
    c2.metric("High level, formula", f"{nf.fixed(hi, 4)}")
    c3.metric("Low level, measured", f"{nf.fixed(m_lo, 4)}")
    c4.metric("Low level, formula", f"{nf.fixed(lo, 4)}")
    st.markdown(
        f"""
Mean p = {nf.fixed(p, 2)}, biased variance p(1 − p) = {nf.fixed(p * (1 - p), 4)}. With the two levels on
for equal time (p = 0.5) they become exactly −1 and +1. The rarer the high level, the
taller it gets: at p = {nf.fixed(p, 2)} it sits {nf.fixed(hi, 2)} standard deviations up. The last digits
differ from the formula because of eps (1e-5), which the formula leaves out.
"""
    )


def drifting_text(view: dict, momentum: float, chunk: int) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Slow share, whole-record statistics", f"{view['slow_whole']:.0%}")
    c2.metric("Slow share, running statistics", f"{view['slow_stream']:.0%}")
    c3.metric("Memory of the running mean", f"≈ {nf.fixed(chunk / momentum, 0)} steps")
    st.markdown(
        f"""
Normalizing with the statistics of the whole record only rescales the drift: the slow
wander still carries {view["slow_whole"]:.0%} of the output's variance ("slow share": the
part a 200-step moving average keeps). Streaming instead, in batches of {chunk} with
momentum {momentum}, the running mean follows the baseline (green line) and subtracting it
leaves the quick fluctuations: a **high-pass filter**. Its memory is about batch / momentum
= {nf.fixed(chunk / momentum, 0)} steps; lower the momentum and the mean lags behind, so more drift
leaks through. The first few hundred steps are a warm-up: running statistics start at 0 and 1.
"""
    )


def pixels_text(view: dict) -> None:
    c1, c2 = st.columns(2)
    c1.metric("Max gap between the two outputs (eps = 1e-5)", f"{nf.sci(view['gap'], 1)}")
    c2.metric("Same, with eps = 1e-12", f"{nf.sci(view['gap_tiny_eps'], 1)}")
    st.markdown(
        f"""
The same image stored as 0–255 or as 0–1 gives the same output, because dividing x by 255
divides its mean and its standard deviation by 255 too. The two lines in the bottom panel
lie on top of each other. The gap of {nf.sci(view["gap"], 0)} comes from eps alone: next to a
variance of about 0.15 (0–1 scale) eps = 1e-5 is not quite nothing, next to about 10,000
(0–255 scale) it is. Shrink eps and the gap falls to {nf.sci(view["gap_tiny_eps"], 0)}.
"""
    )


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


@st.fragment
def explorer() -> None:
    c1, c2, c3 = st.columns(3)
    kind = setting_widget(SIGNAL, c1, format_func=LABELS.get)
    p = momentum = chunk = None
    if kind == "two_level":
        p = setting_widget(P, c2)
    if kind == "drifting":
        momentum = setting_widget(MOMENTUM, c2)
        chunk = setting_widget(CHUNK, c3)
    seed = seed_control(SEED, c1 if kind in ("two_level", "drifting") else c2)
    st.caption(SIGNALS[kind].description)
    view = signal_view(
        kind,
        float(p or P.default),
        float(momentum or MOMENTUM.default),
        int(chunk or CHUNK.default),
        seed,
    )
    if kind == "drifting":
        fig_args = (drift_figure, view["x"], view["rmean"], view["y_whole"], view["y_stream"])
        alt = (
            f"A drifting signal with its running mean, and two normalized versions: whole-record "
            f"statistics keep the drift ({view['slow_whole']:.0%} slow), running statistics "
            f"remove it ({view['slow_stream']:.0%} slow)."
        )
    else:
        names = (
            ["temperature", "pressure", "current"]
            if kind == "multi_sensor"
            else ["0–255", "0–1"]
            if kind == "pixels"
            else [LABELS[kind]]
        )
        fig_args = (signal_figure, view["x"], view["y"], names)
        alt = f"{LABELS[kind]}: the input over {len(view['x'])} time steps above its BN output."
    chart(*fig_args, key="l9_chart", alt=alt)
    if kind == "two_level":
        two_level_text(view, float(p))
    elif kind == "drifting":
        drifting_text(view, float(momentum), int(chunk))
    elif kind == "pixels":
        pixels_text(view)
    elif kind == "constant":
        st.metric("Largest |output|", f"{nf.fixed(np.abs(view['y']).max(), 1)}")
        st.markdown(
            """
Every value equals the mean, so every centred value is exactly 0, and 0 divided by
sqrt(0 + eps) is still 0. A feature that never changes carries no information, and BN
turns it into silence. Without eps the division would be 0 / 0.
"""
        )
    elif kind == "rare_events":
        lv = view["levels"]
        c1, c2 = st.columns(2)
        c1.metric(
            "Baseline", f"{nf.fixed(lv['baseline_in'], 2)} → {nf.fixed(lv['baseline_out'], 2)}"
        )
        c2.metric("Spikes", f"{nf.fixed(lv['spike_in'], 2)} → {nf.fixed(lv['spike_out'], 2)}")
        st.markdown(
            f"""
Spikes fill {lv["share"]:.1%} of the record. The quiet baseline carries almost all the
weight of the mean, so it lands just below 0, and the spread is small, so each spike
comes out about {nf.fixed(lv["spike_out"], 0)} standard deviations high. A rare event gets
magnified; a frequent one would not stand out as much.
"""
        )
    elif kind == "multi_sensor":
        summary_table(view, ["temperature (~20)", "pressure (~1013)", "current (~0.01)"])
        s = view["summary"]
        var_c = float(s["std_in"][2] ** 2)
        st.markdown(
            f"""
Three sensors whose raw values differ by a factor of 100,000 come out centred on 0, and
temperature and pressure with spread 1. The current does not: its variance,
{nf.sci(var_c, 1)}, is smaller than eps = 1e-5, so eps dominates the denominator and the spread
comes out at {nf.fixed(s["std_out"][2], 2)} (it is sqrt(var / (var + eps))). eps is meant to be
negligible; for tiny signals it is not. Measuring the current in milliamps (variance 4),
or a smaller eps, fixes it.
"""
        )


explorer()

st.header("Your own data")
st.markdown(
    f"""
Upload a CSV file: first row with column names, one column per signal, one row per time
step. Each numeric column is normalized on its own, over all rows. Limits: {MAX_MB} MB,
the first {MAX_COLUMNS} numeric columns; text columns are skipped.
"""
)


@st.fragment
def own_data() -> None:
    c1, c2 = st.columns([3, 2])
    up = c1.file_uploader(
        "CSV file (UTF-8)",
        key="l9_upload",
        max_upload_size=MAX_MB,
        help=f"A .csv file saved as UTF-8 text, up to {MAX_MB} MB.",
    )
    with c2:
        st.download_button(
            "Download an example CSV",
            data=(EXAMPLES / "sensors.csv").read_bytes(),
            file_name="sensors.csv",
            mime="text/csv",
            key="l9_download",
            icon=":material/download:",
            on_click="ignore",
        )
        example = setting_widget(EXAMPLE, disabled=up is not None)
    if up is not None:
        name = up.name
        if up.size > MAX_BYTES:  # the widget enforces this too; say it plainly here
            st.error(
                f"'{md_escape(name)}' is {nf.fixed(up.size / 1e6, 1)} MB; the limit is {MAX_MB} MB."
            )
            return
        data = up.getvalue()
    elif example != "none":
        name, data = example, (EXAMPLES / example).read_bytes()
    else:
        st.info("Upload a file, or pick an example to see what the result looks like.")
        return
    try:
        table = parse_upload(data)
        out, rows = normalized(table)
    except CsvProblem as exc:
        # a file name is shown as text, not markdown; column names are escaped in csvdata
        st.error(f"Could not use '{md_escape(name)}': {exc}", icon=":material/error:")
        return
    except Exception as exc:  # a file we did not foresee: a message, never a traceback
        st.error(
            f"Could not read '{md_escape(name)}' as a CSV table ({type(exc).__name__}). Check that it is "
            "comma-separated UTF-8 text with a header row.",
            icon=":material/error:",
        )
        return
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


own_data()

code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import BatchNorm

bn = BatchNorm(1, momentum=0.3)
for chunk in np.split(stream, len(stream) // 10):      # batches of 10 steps
    bn.train()(chunk.reshape(-1, 1))                     # update running stats
    y = bn.eval()(chunk.reshape(-1, 1))                  # high-passed output
""",
    """
import torch

bn = torch.nn.BatchNorm1d(1, momentum=0.3)
for chunk in stream.split(10):
    bn.train(); bn(chunk.view(-1, 1))
    bn.eval();  y = bn(chunk.view(-1, 1))
""",
    """
import keras

bn = keras.layers.BatchNormalization(momentum=0.7)     # Keras: 1 - PyTorch's 0.3
for chunk in chunks:
    bn(chunk, training=True)
    y = bn(chunk, training=False)
""",
)

check_yourself(URL)
next_lesson(URL)
