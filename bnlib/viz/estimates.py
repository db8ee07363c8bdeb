"""Lesson 3 (batch size): a grid of batch histograms, batch estimates against batch size.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    axis_update,
    bin_values,
    cell,
    grid_figure,
    on,
    vline,
)
from bnlib.viz.theme import styled


def batch_grid_figure(
    batches: np.ndarray, pop_mean: float, bins: int = 12, cols: int = 4, height: int = 440
) -> go.Figure:
    """Small histograms, one per batch (batches: (B, m)), stacked as rows of one plot on a
    common x range ("batch 1: mean ..." at the left of each row), with each batch's mean
    (grey tick) against the population mean (purple line).

    One axis pair instead of a grid of B subplots: a browser redraws a 12-cell grid several
    times slower, on every slider move. Bar heights are scaled so the tallest bar of all
    batches fills 85% of a row; each bar's count is in its customdata (and its hover).
    `cols` is kept for callers of the former grid layout and no longer used.
    """
    del cols
    batches = np.asarray(batches, dtype=np.float64)
    b = batches.shape[0]
    lo, hi = float(batches.min()), float(batches.max())
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    rng = (lo - pad, hi + pad)
    binned = [bin_values(batches[i], bins, rng) for i in range(b)]
    peak = max(1, max(int(h.counts.max()) for h in binned))
    base = np.arange(b)[::-1].astype(np.float64)  # batch 1 on top
    traces = []
    for i, h in enumerate(binned):
        traces.append(
            go.Bar(
                x=h.centers,
                y=0.85 * h.counts / peak,
                base=base[i],
                width=h.widths,
                customdata=h.counts,
                marker=dict(color=theme.RAW, line=dict(width=0)),
                opacity=0.85,
                name=f"batch {i + 1}",
                showlegend=False,
                hovertemplate="%{x:.3g}: %{customdata}<extra>batch " + str(i + 1) + "</extra>",
            )
        )
    means = batches.mean(axis=1)
    traces.append(
        go.Scatter(
            x=means,
            y=base + 0.42,
            mode="markers",
            marker=dict(symbol="line-ns", size=26, line=dict(width=2, color=theme.BATCH)),
            name="batch mean",
            hovertemplate="batch mean %{x:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    fig = go.Figure(traces)
    fig.update_layout(
        barmode="overlay",
        shapes=[vline(float(pop_mean), ("x", "y"), theme.POPULATION)],
        xaxis=dict(range=list(rng), title_text="value"),
        yaxis=dict(
            range=[-0.1, b],
            tickvals=base + 0.42,
            ticktext=[f"batch {i + 1}: mean {means[i]:.2f}" for i in range(b)],
            showgrid=False,
            zeroline=False,
        ),
    )
    return styled(fig, "", height)


def estimate_scatter_figure(
    sizes: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    pop_mean: float,
    pop_var: float,
    mean_se: np.ndarray,
    var_se: np.ndarray,
    seed: int = 0,
    height: int = 380,
) -> go.Figure:
    """Estimated mean (left) and variance (right) of many batches against batch size (log x).

    sizes: (S,); means, variances: (S, B); *_se: (S,) standard errors (the 1/sqrt(m) curves,
    drawn as population ± 1 s.e. for the mean; for the variance, which cannot go below 0,
    as ± 1 s.e. on a log scale: population ×÷ exp(s.e. / population)). It does not depend
    on the batch size chosen on the page, so that slider does not redraw it.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    variances = np.asarray(variances, dtype=np.float64)
    jitter = np.exp(np.random.default_rng(seed).uniform(-0.08, 0.08, means.shape))
    xs = sizes[:, None] * jitter
    fig = grid_figure(1, 2, titles=["batch mean μ_B", "batch variance σ²_B (biased)"], hspace=0.08)
    grid = np.geomspace(sizes.min(), sizes.max(), 80)
    se_m = np.interp(np.log(grid), np.log(sizes), np.asarray(mean_se))
    se_v = np.interp(np.log(grid), np.log(sizes), np.asarray(var_se))
    traces = []
    for col, est, pop, se, label in (
        (1, means, pop_mean, se_m, "mean"),
        (2, variances, pop_var, se_v, "variance"),
    ):
        ax = cell(1, col, 2)
        traces.append(on(go.Scatter(
            x=xs.ravel(), y=est.ravel(), mode="markers", name="one batch",
            marker=dict(color=theme.BATCH, size=5, opacity=0.6), showlegend=col == 1,
            hovertemplate="m=%{x:.0f}: %{y:.3f}<extra></extra>",
        ), ax))  # fmt: skip
        if col == 1:
            edges, name = (pop - se, pop + se), "population ± σ/√m"
        else:  # a variance is never negative: ± 1 s.e. on a log scale, pop ×÷ e^(se/pop)
            edges = theme.positive_band(np.full_like(se, pop), se)
            name = "σ²: ± 1 s.e. on a log scale (stays above 0)"
        for i, edge in enumerate(edges):
            traces.append(on(go.Scatter(
                x=grid, y=edge, mode="lines",
                line=dict(color=theme.NORMALIZED, dash="dash" if col == 1 else "dot", width=2),
                name=name, showlegend=i == 0, legendgroup=name, hoverinfo="skip",
            ), ax))  # fmt: skip
        traces.append(on(go.Scatter(
            x=[grid[0], grid[-1]], y=[pop, pop], mode="lines",
            line=dict(color=theme.POPULATION, width=2),
            name="population value", showlegend=col == 1,
            hovertemplate=f"population {label}: {pop:.3f}<extra></extra>",
        ), ax))  # fmt: skip
        axis_update(fig, ax, x=dict(type="log", title_text="batch size m"))
    fig.add_traces(traces)
    return styled(fig, "", height, legend=True)


def window_figure(res, m: int, height: int = 340) -> go.Figure:
    """Error of a mean pooled over the last k batches (bnlib.lessons.estimates.WindowError):
    measured (dots), and its two parts, noise falling and staleness rising with k."""
    fig = go.Figure()
    k = res.windows
    fig.add_trace(
        go.Scatter(x=k, y=res.noise, mode="lines", line=dict(color=theme.BATCH, dash="dash"),
                   name=f"noise: σ/√(k·{m})")
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=k, y=res.stale, mode="lines",
                   line=dict(color=theme.POPULATION, dash="dot"), name="staleness: drift·(k−1)/2")
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=k, y=res.measured, mode="lines+markers", line=dict(color=theme.RUNNING),
                   name="measured error (RMS)")
    )  # fmt: skip
    fig.update_xaxes(type="log", title_text="batches pooled, k", tickvals=list(k),
                     ticktext=[str(int(v)) for v in k])  # fmt: skip
    fig.update_yaxes(title_text="error of the mean (spreads)", rangemode="tozero")
    return theme.layout(fig, None, height, legend=True)
