"""A one-screen stand-in for a lesson page, used by bench_load.py when the real app has
no page with a slider yet: a slider sets the batch size, bnlib normalizes a batch, and a
Plotly chart and a readout redraw, inside a fragment like the lessons'."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from bnlib.core import batchnorm

st.set_page_config(page_title="Load probe", layout="wide")
st.title("Load probe")


@st.fragment
def probe() -> None:
    n = st.slider("Batch size", 2, 256, 32, key="probe_batch")
    rng = np.random.default_rng(n)
    x = rng.normal(3.0, 2.0, size=(n, 4))
    y, cache = batchnorm.forward(x)
    counts, edges = np.histogram(y[:, 0], bins=20)
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts))
    fig.update_layout(height=260, margin=dict(l=30, r=10, t=10, b=30))
    st.plotly_chart(fig, width="stretch")
    st.write(
        f"batch {n}: mean {cache.mean[0]:.3f}, var {cache.var[0]:.3f}, out std {y[:, 0].std():.3f}"
    )


probe()
