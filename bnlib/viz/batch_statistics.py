"""Lesson 2 (batch statistics): the four steps, features before and after, what eps does.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    bin_values,
    cell,
    fmt,
    grid_figure,
    histogram_trace,
    on,
    vline,
)
from bnlib.viz.theme import styled


def four_steps_figure(
    raw: np.ndarray, centered: np.ndarray, scaled: np.ndarray, bins: int = 30, height: int = 320
) -> go.Figure:
    """Three histograms side by side: raw x, x - mu_B, and x_hat. Each panel has its own x axis,
    so the shape is comparable while the numbers on the axis change."""
    fig = grid_figure(1, 3, titles=["1. raw x", "2. centred: x − μ_B", "3. scaled: x̂"], hspace=0.06)
    shapes = []
    for col, data, color, name in (
        (1, raw, theme.RAW, "raw"),
        (2, centered, theme.CENTERED, "centred"),
        (3, scaled, theme.NORMALIZED, "normalized"),
    ):
        ax = cell(1, col, 3)
        fig.add_trace(on(histogram_trace(bin_values(data, bins), color, name), ax))
        shapes.append(vline(float(np.mean(data)), ax, theme.POPULATION, "dash"))
    fig.update_layout(shapes=shapes, yaxis_title_text="count")
    return styled(fig, "", height)


def features_figure(
    raw: np.ndarray, normalized: np.ndarray, names: Sequence[str], bins: int = 25, height: int = 360
) -> go.Figure:
    """Several features before and after BN. raw, normalized: (m, F). One row per feature:
    raw on the left (shared axis, so the different centres show), normalized on the right."""
    raw = np.asarray(raw, dtype=np.float64)
    normalized = np.asarray(normalized, dtype=np.float64)
    f = raw.shape[1]
    if normalized.shape != raw.shape or len(names) != f:
        raise ValueError("raw, normalized and names must describe the same features")
    # two panels, each with the features as stacked rows (bars on a per-row base): the same
    # picture as a features x 2 grid of subplots, at a third of the axes to redraw
    fig = grid_figure(
        1, 2, col_titles=["before BN (one shared axis)", "after BN (one shared axis)"],
        hspace=0.06, share_y="rows",
    )  # fmt: skip
    r_rng = (float(raw.min()), float(raw.max()))
    n_rng = (float(normalized.min()), float(normalized.max()))
    hists = [
        [bin_values(raw[:, i], bins, r_rng) for i in range(f)],
        [bin_values(normalized[:, i], bins, n_rng) for i in range(f)],
    ]
    peak = max(1, max(int(h.counts.max()) for col in hists for h in col))
    base = np.arange(f)[::-1].astype(np.float64)  # feature 1 on top
    traces = []
    for col, color in ((0, theme.RAW), (1, theme.NORMALIZED)):
        for i, h in enumerate(hists[col]):
            t = histogram_trace(h, color, names[i])
            t.update(y=0.85 * h.counts / peak, base=base[i], customdata=h.counts)
            t.hovertemplate = "%{x:.3g}: %{customdata}<extra>" + names[i] + "</extra>"
            traces.append(on(t, cell(1, col + 1, 2)))
    fig.add_traces(traces)
    fig.update_layout(
        barmode="overlay",
        yaxis=dict(
            range=[-0.1, f], tickvals=base + 0.42, ticktext=list(names), showgrid=False,
            zeroline=False,
        ),
        yaxis2=dict(range=[-0.1, f], showgrid=False, zeroline=False),
    )  # fmt: skip
    return styled(fig, "", height)


def eps_effect_figure(
    var: float, eps_grid: np.ndarray, current_eps: float, height: int = 280
) -> go.Figure:
    """Output std sqrt(var / (var + eps)) as a function of eps (log axis), current eps marked."""
    eps_grid = np.asarray(eps_grid, dtype=np.float64)
    out_std = np.sqrt(var / (var + eps_grid))
    cur = float(np.sqrt(var / (var + current_eps)))
    fig = go.Figure(
        go.Scatter(
            x=eps_grid,
            y=out_std,
            mode="lines",
            line=dict(color=theme.NORMALIZED, width=2),
            name="output std",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[current_eps],
            y=[cur],
            mode="markers",
            marker=dict(color=theme.OUTPUT, size=11),
            name="your eps",
        )
    )
    fig.update_xaxes(type="log", title_text="eps")
    fig.update_yaxes(range=[-0.02, 1.05], title_text="std of x̂")
    return styled(fig, f"Std of x̂ for a batch variance of {fmt(var)}", height)


def bowl_figure(raw, normalized, height: int = 380) -> go.Figure:
    """Two panels, weight space at the same scale: the loss contours and the gradient
    descent path for raw inputs (a long thin bowl: the path zig-zags across it and crawls
    along it) and for normalized inputs (a round bowl: straight to the bottom).
    `raw` and `normalized` are bnlib.lessons.batch_statistics.Bowl results."""
    titles = [
        f"Raw inputs: {raw.steps_to_1pct} steps",
        f"Normalized inputs: {normalized.steps_to_1pct} steps",
    ]
    fig = grid_figure(1, 2, titles=titles, hspace=0.12)
    grid = np.linspace(-3.0, 3.0, 81)
    w1, w2 = np.meshgrid(grid, grid)
    for col, b, color, name in (
        (1, raw, theme.NO_BN, "raw inputs"),
        (2, normalized, theme.WITH_BN, "normalized inputs"),
    ):
        ax = cell(1, col, 2)
        loss = 0.5 * (b.curvature[0] * w1**2 + b.curvature[1] * w2**2)
        fig.add_trace(
            on(
                go.Contour(
                    x=grid,
                    y=grid,
                    z=loss,
                    contours=dict(coloring="lines", start=0.25, end=12.25, size=1.5),
                    line=dict(width=1),
                    colorscale=[[0, theme.BATCH], [1, theme.BATCH]],
                    showscale=False,
                    hoverinfo="skip",
                    name="loss contours",
                    showlegend=col == 1,
                ),
                ax,
            )
        )
        fig.add_trace(
            on(
                go.Scatter(
                    x=b.path[:, 0],
                    y=b.path[:, 1],
                    mode="lines+markers",
                    line=dict(color=color, width=2),
                    marker=dict(size=5),
                    name=f"{len(b.path) - 1} gradient steps, {name}",
                ),
                ax,
            )
        )
        # equal scales (a round bowl looks round); the plot area shrinks, not the range
        fig.layout["xaxis" + ax[0][1:]].update(
            range=[-3, 3], title_text="weight 1", constrain="domain"
        )
        fig.layout["yaxis" + ax[1][1:]].update(
            range=[-3, 3],
            title_text="weight 2" if col == 1 else None,
            scaleanchor=ax[0],
            scaleratio=1,
            constrain="domain",
        )
    return theme.layout(fig, None, height, legend=False)
