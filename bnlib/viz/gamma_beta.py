"""Lesson 4: gamma and beta, the learned scale and shift.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    axis_update,
    bin_values,
    cell,
    fmt,
    grid_figure,
    histogram_trace,
    on,
)
from bnlib.viz.theme import styled


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))  # 1 / (1 + e^-z)


def gamma_beta_figure(
    x: np.ndarray,
    x_hat: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    bins: int = 25,
    height: int = 420,
) -> go.Figure:
    """Per feature (rows): raw x, normalized x̂, output y = γ x̂ + β. Arrays (m, F).
    Raw and output share one x axis per row, so "undo" shows the output landing on the input."""
    x, x_hat, y = (np.asarray(a, dtype=np.float64) for a in (x, x_hat, y))
    f = x.shape[1]
    fig = grid_figure(
        f, 3,
        col_titles=["input x (computed: μ_B, σ²_B)", "normalized x̂", "output y = γ·x̂ + β (learned: γ, β)"],
        row_titles=list(names), hspace=0.05, vspace=0.14,
    )  # fmt: skip
    traces = []
    for i in range(f):
        lo = float(min(x[:, i].min(), y[:, i].min()))
        hi = float(max(x[:, i].max(), y[:, i].max()))
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        rng = (lo - pad, hi + pad)
        a1, a2, a3 = (cell(i + 1, c, 3) for c in (1, 2, 3))
        traces.append(
            on(histogram_trace(bin_values(x[:, i], bins, rng), theme.RAW, f"{names[i]} x"), a1)
        )
        traces.append(
            on(
                histogram_trace(bin_values(x_hat[:, i], bins), theme.NORMALIZED, f"{names[i]} x̂"),
                a2,
            )
        )
        traces.append(
            on(histogram_trace(bin_values(y[:, i], bins, rng), theme.OUTPUT, f"{names[i]} y"), a3)
        )
        axis_update(fig, a1, x=dict(range=list(rng)))
        axis_update(fig, a3, x=dict(range=list(rng)))
    fig.add_traces(traces)
    styled(fig, "", height)
    fig.update_layout(margin_r=34)  # room for the row labels ("feature A") at the right edge
    return fig


def sigmoid_gamma_figure(
    x_hat: np.ndarray, gammas: Sequence[float], bins: int = 30, height: int = 320
) -> go.Figure:
    """Why γ matters to a sigmoid. Left: σ(γ·x̂) against x̂ for each γ, the batch's values
    marked on the curve (γ = 1 stays on the nearly straight middle, a large γ reaches the
    bends). Right: histograms of the outputs σ(γ·x̂) on 0..1."""
    x_hat = np.sort(np.asarray(x_hat, dtype=np.float64))
    fig = grid_figure(
        1, 2, titles=["σ(γ·x̂) against x̂: the batch on the curve", "outputs σ(γ·x̂)"], hspace=0.1
    )
    t = np.linspace(min(-3.0, x_hat.min()), max(3.0, x_hat.max()), 121)
    colors = (theme.NORMALIZED, theme.OUTPUT, theme.RAW)
    traces = []
    for i, g in enumerate(gammas):
        color, name = colors[i % len(colors)], f"γ = {fmt(g)}"
        traces.append(
            on(go.Scatter(x=t, y=sigmoid(g * t), mode="lines", line=dict(color=color, width=2),
                          name=name, legendgroup=name), cell(1, 1, 2))
        )  # fmt: skip
        traces.append(
            on(go.Scatter(x=x_hat, y=sigmoid(g * x_hat), mode="markers", showlegend=False,
                          marker=dict(color=color, size=5, opacity=0.6), name=f"{name}: batch",
                          legendgroup=name), cell(1, 1, 2))
        )  # fmt: skip
        hist = histogram_trace(bin_values(sigmoid(g * x_hat), bins, (0.0, 1.0)), color, name, 0.6)
        traces.append(on(hist, cell(1, 2, 2)))
    fig.add_traces(traces)
    axis_update(fig, cell(1, 1, 2), x=dict(title_text="x̂"), y=dict(range=[-0.02, 1.02]))
    axis_update(fig, cell(1, 2, 2), x=dict(range=[0.0, 1.0], title_text="σ(γ·x̂)"))
    styled(fig, "", height, legend=True)
    fig.update_layout(barmode="overlay")
    return fig
