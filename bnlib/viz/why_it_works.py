"""Lesson 12 (why it works): accuracy curves, noisy BN's bands, the loss landscape.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnlib.viz import theme
from bnlib.viz.theme import histogram_layout

SERIES_COLORS = {"No BN": theme.NO_BN, "BN": theme.WITH_BN, "BN + noise": theme.POPULATION}


def accuracy_curves_figure(
    eval_steps: np.ndarray, val_acc: Mapping[str, np.ndarray], height: int = 340
) -> go.Figure:
    """Validation accuracy (%) over training, one line per run label."""
    fig = go.Figure()
    for name, acc in val_acc.items():
        fig.add_trace(
            go.Scatter(
                x=eval_steps,
                y=100 * np.asarray(acc),
                mode="lines+markers",
                name=name,
                line_color=SERIES_COLORS.get(name, theme.ALT_NORM),
                hovertemplate="step %{x}: %{y:.1f}%<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="val accuracy (%)", range=[0, 100])
    return histogram_layout(fig, height)


def noise_band_figure(
    steps: np.ndarray, plain: np.ndarray, noisy: np.ndarray, height: int = 300
) -> go.Figure:
    """15th-85th percentile band of one unit after BN, without and with injected noise.
    plain, noisy: (T, 3) percentiles (15, 50, 85) per step."""
    fig = go.Figure()
    for arr, name, color in ((plain, "BN", theme.WITH_BN), (noisy, "BN + noise", theme.POPULATION)):
        arr = np.asarray(arr)
        fig.add_trace(
            go.Scatter(x=steps, y=arr[:, 2], mode="lines", line=dict(width=0), showlegend=False,
                       hoverinfo="skip")
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=arr[:, 0],
                mode="lines",
                fill="tonexty",
                fillcolor=theme.band(color, 0.3),
                line=dict(width=0),
                name=f"{name}: 15th-85th percentile",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(x=steps, y=arr[:, 1], mode="lines", line_color=color, name=f"{name}: median")
        )
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="unit's value")
    return histogram_layout(fig, height)


def _band(fig, x, lo, hi, color, name, row, col, showlegend):
    fig.add_trace(
        go.Scatter(x=x, y=hi, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip",
                   legendgroup=name),
        row, col,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lo,
            mode="lines",
            fill="tonexty",
            fillcolor=theme.band(color, 0.35),
            line=dict(width=1, color=color),
            name=name,
            legendgroup=name,
            showlegend=showlegend,
            hovertemplate="step %{x}<extra>" + name + "</extra>",
        ),
        row,
        col,
    )


def landscape_figure(
    probe_steps: np.ndarray,
    loss: Mapping[str, np.ndarray],
    grad_change: Mapping[str, np.ndarray],
    beta: Mapping[str, np.ndarray],
    height: int = 620,
) -> go.Figure:
    """Three panels over training steps, one colour per net: the band (min to max over
    eta) of L(w - eta g); the band of ||grad L(w - eta g) - grad L(w)||; and the effective
    beta-smoothness (one value per probe). loss, grad_change: label -> (P, E)."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.07,
        subplot_titles=(
            "Loss landscape: L(w − ηg) over the probed step sizes",
            "Gradient predictiveness: ‖∇L(w − ηg) − ∇L(w)‖",
            "Effective β-smoothness: max over η of gradient change / step length",
        ),
    )
    x = np.asarray(probe_steps)
    for name in loss:
        color = SERIES_COLORS.get(name, theme.ALT_NORM)
        lo, hi = np.nanmin(loss[name], 1), np.nanmax(loss[name], 1)
        _band(fig, x, lo, hi, color, name, 1, 1, True)
        gc = np.asarray(grad_change[name])
        _band(fig, x, np.nanmin(gc, 1), np.nanmax(gc, 1), color, name, 2, 1, False)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=beta[name],
                mode="lines",
                line_color=color,
                name=name,
                legendgroup=name,
                showlegend=False,
            ),
            3,
            1,
        )
    for row in (1, 2):  # values span orders of magnitude
        fig.update_yaxes(type="log", row=row, col=1)
    fig.update_yaxes(rangemode="tozero", row=3, col=1)
    fig.update_yaxes(title="loss", row=1, col=1)
    fig.update_xaxes(title="training step", row=3, col=1)
    fig.update_annotations(font_size=12, x=0, xanchor="left")
    histogram_layout(fig, height)
    fig.update_layout(margin=dict(t=80), legend=dict(y=1.06))  # legend clear of the titles
    return fig
