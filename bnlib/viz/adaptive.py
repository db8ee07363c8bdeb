"""Lesson 9 (BN as signal processing): a signal before and after, drift, columns of a table.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnlib.viz import theme
from bnlib.viz.common import (
    cell,
    grid_figure,
    thin,
)
from bnlib.viz.theme import histogram_layout


def signal_figure(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    title_in: str = "input",
    title_out: str = "after BN",
) -> go.Figure:
    """Input over time (one panel per column, each on its own scale) above the BN output
    (all columns on one shared scale). x, y: (n,) or (n, k)."""
    x2 = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    k = x2.shape[1]
    idx = thin(x2.shape[0])
    t = idx
    titles = [f"{title_in}: {n}" if k > 1 else title_in for n in names] + [title_out]
    fig = grid_figure(
        k + 1, 1, titles=titles, vspace=0.08 if k == 1 else 0.06, share_x="all", title_size=16
    )
    colors = theme.SEQUENCE
    traces = []
    for j in range(k):
        color = theme.RAW if k == 1 else colors[(j + 2) % len(colors)]
        # SVG lines, not WebGL: at <= MAX_POINTS points one path is cheap, while a WebGL
        # context per chart is slow to set up on machines without a GPU
        traces.append(
            go.Scatter(
                x=t,
                y=x2[idx, j],
                mode="lines",
                line=dict(color=color, width=1.2),
                name=names[j],
                showlegend=False,
                xaxis=cell(j + 1, 1, 1)[0],
                yaxis=cell(j + 1, 1, 1)[1],
            )
        )
        out_color = theme.NORMALIZED if k == 1 else color
        traces.append(
            go.Scatter(
                x=t,
                y=y2[idx, j],
                mode="lines",
                line=dict(color=out_color, width=1.2),
                name=names[j],
                showlegend=k > 1,
                xaxis=cell(k + 1, 1, 1)[0],
                yaxis=cell(k + 1, 1, 1)[1],
            )
        )
    fig.add_traces(traces)
    fig.layout[cell(k + 1, 1, 1)[0].replace("x", "xaxis")].title.text = "time step"
    return histogram_layout(fig, 240 + 150 * k)


def drift_figure(
    x: np.ndarray,
    running_mean: np.ndarray,
    y_whole: np.ndarray,
    y_stream: np.ndarray,
) -> go.Figure:
    """Top: a drifting input with the running mean that tracks it. Bottom: normalized with
    the statistics of the whole record (drift stays) and with running statistics while
    streaming (drift removed)."""
    n = len(x)
    idx = thin(n)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=(
            "input and its running mean",
            "normalized: whole-record statistics vs running statistics",
        ),
    )
    fig.add_trace(
        go.Scatter(
            x=idx, y=x[idx], mode="lines", name="input", line=dict(color=theme.RAW, width=1)
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=idx,
            y=running_mean[idx],
            mode="lines",
            name="running mean",
            line=dict(color=theme.RUNNING, width=2.5),
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=idx,
            y=y_whole[idx],
            mode="lines",
            name="whole-record statistics",
            line=dict(color=theme.BATCH, width=1),
        ),
        2,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=idx,
            y=y_stream[idx],
            mode="lines",
            name="running statistics",
            line=dict(color=theme.NORMALIZED, width=1),
        ),
        2,
        1,
    )
    fig.update_xaxes(title_text="time step", row=2)
    return histogram_layout(fig, 520)


def columns_figure(
    names: Sequence[str], raw: np.ndarray, out: np.ndarray, max_rows: int = 6
) -> go.Figure:
    """One row per column (at most max_rows): raw values (left) and after BN (right), by row
    number. raw, out: (n, k); NaN cells are drawn as gaps."""
    k = min(raw.shape[1], max_rows)
    idx = thin(raw.shape[0])
    titles = []
    for j in range(k):
        titles += [f"{names[j]}: as uploaded", f"{names[j]}: after BN"]
    fig = make_subplots(
        rows=k,
        cols=2,
        shared_xaxes=True,
        vertical_spacing=0.35 / max(k, 1) + 0.02,
        horizontal_spacing=0.07,
        subplot_titles=titles,
    )
    for j in range(k):
        fig.add_trace(
            go.Scatter(
                x=idx,
                y=raw[idx, j],
                mode="lines",
                line=dict(color=theme.RAW, width=1),
                name="as uploaded",
                showlegend=j == 0,
                connectgaps=False,
            ),
            j + 1,
            1,
        )
        fig.add_trace(
            go.Scatter(
                x=idx,
                y=out[idx, j],
                mode="lines",
                line=dict(color=theme.NORMALIZED, width=1),
                name="after BN",
                showlegend=j == 0,
                connectgaps=False,
            ),
            j + 1,
            2,
        )
    fig.update_xaxes(title_text="row", row=k)
    return histogram_layout(fig, 120 + 170 * k)
