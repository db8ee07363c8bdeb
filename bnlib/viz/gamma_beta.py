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
    grid_figure,
    histogram_trace,
    on,
)
from bnlib.viz.theme import styled


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
