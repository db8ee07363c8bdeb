"""Lesson 9: one BN unit as an adaptive filter on a stream of numbers; your own CSV.

Words: assets/lessons/signal-processing.md; signals and settings: bnlib/lessons/adaptive.py;
figures: bnlib/viz/adaptive.py; cached runs, metrics and the CSV: bnlib/ui/adaptive_view.py.
"""

import streamlit as st

from bnlib.core.signals import SIGNALS
from bnlib.data.csvdata import MAX_COLUMNS, MAX_MB
from bnlib.data.paths import ASSETS
from bnlib.lessons.adaptive import (
    CHUNK,
    EXAMPLE,
    LABELS,
    MOMENTUM,
    SEED,
    SETTINGS,
    SIGNAL,
    P,
)
from bnlib.lessons.adaptive_code import KERAS, NUMPY, TORCH
from bnlib.ui.adaptive_view import (
    read_upload,
    show_upload,
    signal_chart,
    signal_result,
    signal_view,
)
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget

URL = "signal-processing"
EXAMPLES = ASSETS / "examples"

header(URL)
link_notices(SETTINGS)
prose(URL, "intro")


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
    signal_chart(kind, view)
    signal_result(kind, view, p, momentum, chunk)


explorer()

st.header("Your own data")
prose(URL, "own-data", max_mb=MAX_MB, max_columns=MAX_COLUMNS)


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
    loaded = read_upload(up, example, EXAMPLES)
    if loaded is not None:
        show_upload(*loaded)


own_data()

code_tabs(NUMPY, TORCH, KERAS)

check_yourself(URL)
next_lesson(URL)
