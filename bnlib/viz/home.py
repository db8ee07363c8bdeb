"""Figures for the home page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme as palette


def before_after_strip(x: np.ndarray, y: np.ndarray, title: str = "") -> go.Figure:
    """Two rows of dots: a batch before (x) and after (y) normalization, samples joined."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}.")
    fig = go.Figure()
    for xi, yi in zip(x, y, strict=True):  # thin lines show where each sample goes
        fig.add_trace(
            go.Scatter(
                x=[xi, yi], y=[1, 0], mode="lines", hoverinfo="skip", showlegend=False,
                line=dict(color=palette.BATCH, width=1),
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x, y=np.ones_like(x), mode="markers", name="raw batch x",
            marker=dict(color=palette.RAW, size=13, line=dict(width=1, color="white")),
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=y, y=np.zeros_like(y), mode="markers", name="after BN (x̂)",
            marker=dict(color=palette.NORMALIZED, size=13, line=dict(width=1, color="white")),
        )
    )  # fmt: skip
    lo = float(min(x.min(), y.min(), -3))
    hi = float(max(x.max(), y.max(), 3))
    pad = 0.05 * (hi - lo)
    fig.update_layout(
        **palette.LAYOUT,
        title=title or None,
        height=260,
        xaxis=dict(range=[lo - pad, hi + pad], title="value", zeroline=True),
        yaxis=dict(
            tickvals=[0, 1], ticktext=["after BN", "raw"], range=[-0.5, 1.5], showgrid=False
        ),
        legend=palette.LEGEND_BELOW,
    )
    return fig
