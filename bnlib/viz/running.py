"""Lesson 5 and the reference page: running statistics, their companions, momentum's weights.

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
    on,
)
from bnlib.viz.theme import histogram_layout, styled


def running_stats_figure(
    batch_mean: np.ndarray,
    running_mean: np.ndarray,
    pop_mean: np.ndarray,
    batch_var: np.ndarray,
    running_var: np.ndarray,
    running_var_biased: np.ndarray,
    pop_var: np.ndarray,
    height: int = 380,
) -> go.Figure:
    """A stream of batches: grey dots per batch statistic, the running average as a line, the
    population value dashed. Left: mean; right: variance, with the running average of the
    unbiased batch variance (what PyTorch stores) and of the biased one (what BN divides by)."""
    t = np.arange(1, len(batch_mean) + 1)
    fig = grid_figure(1, 2, titles=["mean", "variance"], hspace=0.08)
    left, right = cell(1, 1, 2), cell(1, 2, 2)

    def dots(v, show):
        return go.Scatter(
            x=t,
            y=v,
            mode="markers",
            marker=dict(color=theme.BATCH, size=5, opacity=0.7),
            name="one batch's statistic",
            showlegend=show,
            hovertemplate="batch %{x}: %{y:.3f}<extra></extra>",
        )

    def line(v, color, name, dash=None, show=True):
        return go.Scatter(
            x=t,
            y=v,
            mode="lines",
            line=dict(color=color, width=2.5, dash=dash),
            name=name,
            showlegend=show,
            hovertemplate="batch %{x}: %{y:.3f}<extra>" + name + "</extra>",
        )

    fig.add_traces(
        [
            on(dots(batch_mean, True), left),
            on(line(pop_mean, theme.POPULATION, "population value", "dash"), left),
            on(line(running_mean, theme.RUNNING, "running average"), left),
            on(dots(batch_var, False), right),
            on(line(pop_var, theme.POPULATION, "population value", "dash", False), right),
            on(
                line(
                    running_var,
                    theme.RUNNING,
                    "running_var (unbiased, as PyTorch stores it)",
                    None,
                    False,
                ),
                right,
            ),
            on(
                line(running_var_biased, theme.RAW, "running average of the biased σ²_B", "dot"),
                right,
            ),
        ]
    )
    axis_update(fig, left, x=dict(title_text="training batch"))
    axis_update(fig, right, x=dict(title_text="training batch"))
    return styled(fig, "", height, legend=True)


def companions_figure(
    train_outputs: np.ndarray, eval_output: float, x0: float, height: int = 260
) -> go.Figure:
    """The same sample x0 in several batches: its BN output in training mode (one dot per
    batch of companions) and in eval mode (one fixed value)."""
    train_outputs = np.asarray(train_outputs, dtype=np.float64)
    k = np.arange(1, len(train_outputs) + 1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=k,
            y=train_outputs,
            mode="markers+lines",
            name="training mode (batch statistics)",
            marker=dict(color=theme.NO_BN, size=10),
            line=dict(color=theme.band(theme.NO_BN, 0.4)),
            hovertemplate="companions #%{x}: %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=k,
            y=np.full(len(k), float(eval_output)),
            mode="markers+lines",
            name="eval mode (running statistics)",
            marker=dict(color=theme.WITH_BN, size=10, symbol="diamond"),
            line=dict(color=theme.WITH_BN),
            hovertemplate="companions #%{x}: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="batch of companions", dtick=1)
    fig.update_yaxes(title_text=f"BN output for x = {x0:g}")
    return styled(fig, "", height, legend=True)


def momentum_weights_figure(torch_momentum: float, batches: int = 40) -> go.Figure:
    """How much each past batch counts in the running average: momentum * (1 - momentum)^k
    for the batch k steps ago (PyTorch's convention)."""
    k = np.arange(batches)
    w = torch_momentum * (1.0 - torch_momentum) ** k
    fig = go.Figure(
        go.Bar(
            x=k,
            y=w,
            marker_color=theme.RUNNING,
            name="weight",
            hovertemplate="%{x} batches ago: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="batches ago (0 = the newest)")
    fig.update_yaxes(title_text="weight in running_mean", rangemode="tozero")
    return histogram_layout(fig, 300)
