"""Lesson 1 (covariate shift): activation bands over training, accuracy with and without BN.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    axis_update,
    cell,
    grid_figure,
    hband,
    on,
    vline,
)
from bnlib.viz.theme import styled


def _band_traces(steps, band, color, name):
    """15th-85th percentile band as a filled area, the median as a line. band: (K, 3)."""
    lo = go.Scatter(
        x=steps,
        y=band[:, 0],
        mode="lines",
        line=dict(width=0, color=color),
        showlegend=False,
        hoverinfo="skip",
        name=f"{name} 15th",
    )
    hi = go.Scatter(
        x=steps,
        y=band[:, 2],
        mode="lines",
        line=dict(width=0, color=color),
        fill="tonexty",
        fillcolor=theme.band(color, 0.3),
        name=f"{name}: 15th to 85th percentile",
        hovertemplate="step %{x}: 85th %{y:.2f}<extra></extra>",
    )
    mid = go.Scatter(
        x=steps,
        y=band[:, 1],
        mode="lines",
        line=dict(width=2, color=color),
        name=f"{name}: median",
        hovertemplate="step %{x}: median %{y:.2f}<extra></extra>",
    )
    return [lo, hi, mid]


def _slope_share(z: float) -> float:
    """sigmoid'(z) as a share of its peak 0.25."""
    s = 1.0 / (1.0 + np.exp(-z))
    return float(s * (1.0 - s) / 0.25)


def shift_bands_figure(
    steps: np.ndarray,
    band_no_bn: np.ndarray,
    band_bn: np.ndarray,
    current: int,
    flat: float = 2.0,
    height: int = 380,
) -> go.Figure:
    """Two panels side by side: the percentile band of one sigmoid input over training,
    without BN (left) and with BN (right). Shaded: |z| > flat, where the sigmoid's slope has
    fallen below sigmoid'(flat) / 0.25 of its peak (42% at flat = 2).

    steps: (K,); band_*: (K, 3) 15/50/85th percentiles; current: the step index to mark.
    """
    steps = np.asarray(steps)
    band_no_bn = np.asarray(band_no_bn, dtype=np.float64)
    band_bn = np.asarray(band_bn, dtype=np.float64)
    if band_no_bn.shape != (len(steps), 3) or band_bn.shape != (len(steps), 3):
        raise ValueError("bands must have shape (len(steps), 3)")
    current = int(np.clip(current, 0, len(steps) - 1))
    lim = max(flat + 1.5, float(np.abs(np.concatenate([band_no_bn, band_bn])).max()) * 1.1)
    fig = grid_figure(1, 2, titles=["Without BN", "With BN"], hspace=0.04, share_y="rows")
    shapes = []
    for col, band, color, name in (
        (1, band_no_bn, theme.NO_BN, "without BN"),
        (2, band_bn, theme.WITH_BN, "with BN"),
    ):
        ax = cell(1, col, 2)
        traces = _band_traces(steps, band, color, name)
        traces.append(
            go.Scatter(
                x=[steps[current]] * 3, y=band[current], mode="markers",
                marker=dict(color=color, size=8), showlegend=False,
                hovertemplate="%{y:.2f}<extra>at this step</extra>",
            )
        )  # fmt: skip
        fig.add_traces([on(t, ax) for t in traces])
        shapes += [
            hband(flat, lim, ax, theme.SATURATED),
            hband(-lim, -flat, ax, theme.SATURATED),
        ]
        shapes.append(vline(float(steps[current]), ax, theme.BATCH, "dot"))
        axis_update(fig, ax, x=dict(title_text="training step"), y=dict(range=[-lim, lim]))
    fig.update_layout(shapes=shapes, yaxis_title_text="sigmoid input z")
    fig.add_trace(  # a legend entry for the shading (as a note above, it hit the titles)
        go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=theme.SATURATED),
            name=f"low-slope zone, |z| > {flat:g} (slope under {_slope_share(flat):.0%} of its peak)",
        )
    )  # fmt: skip
    return styled(fig, "", height, legend=True)


def accuracy_figure(
    steps: np.ndarray, acc_no_bn: np.ndarray, acc_bn: np.ndarray, current: int, height: int = 280
) -> go.Figure:
    """Held-out accuracy over training for both runs, with the current step marked."""
    steps = np.asarray(steps)
    current = int(np.clip(current, 0, len(steps) - 1))
    fig = go.Figure()
    for acc, color, name in (
        (acc_no_bn, theme.NO_BN, "without BN"),
        (acc_bn, theme.WITH_BN, "with BN"),
    ):
        fig.add_trace(
            go.Scatter(
                x=steps, y=np.asarray(acc), mode="lines", line=dict(color=color, width=2), name=name
            )
        )
    fig.add_vline(x=float(steps[current]), line=dict(color=theme.BATCH, dash="dot"))
    fig.update_yaxes(range=[0, 1.02], title_text="held-out accuracy", tickformat=".0%")
    fig.update_xaxes(title_text="training step")
    return styled(fig, "Accuracy on held-out digits", height, legend=True)
