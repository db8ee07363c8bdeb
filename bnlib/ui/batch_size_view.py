"""Lesson 3's second explorer: pooling statistics over more batches is steadier but stale
(bnlib.lessons.estimates.window_error)."""

from __future__ import annotations

import streamlit as st

from bnlib import format as nf
from bnlib.lessons.estimates import window_error
from bnlib.lessons.settings import L3_DRIFT
from bnlib.ui.charts import chart
from bnlib.ui.lesson import prose, words
from bnlib.ui.widgets import setting_widget
from bnlib.viz.estimates import window_figure

URL = "batch-size"
WINDOW_M = 8  # samples per batch in this explorer

cached_window_error = st.cache_data(show_spinner=False, max_entries=32)(window_error)


@st.fragment
def stale_window() -> None:
    prose(URL, "stale")
    drift = float(setting_widget(L3_DRIFT))
    res = cached_window_error(WINDOW_M, drift)
    chart(
        window_figure,
        res,
        WINDOW_M,
        key="l3_window",
        alt=f"Error of the mean against the number of batches pooled, batches of {WINDOW_M}, "
        f"drift {drift} per step: the noise falls, the staleness grows, the smallest error "
        f"is at {res.best} batches.",
    )
    one = float(res.measured[0])
    best = float(res.measured.min())
    st.caption(
        words(
            URL,
            "stale-caption",
            m=WINDOW_M,
            drift=nf.num(drift, 3),
            best=res.best,
            one=nf.fixed(one, 3),
            err=nf.fixed(best, 3),
            last=int(res.windows[-1]),
            err_last=nf.fixed(float(res.measured[-1]), 3),
        )
    )
