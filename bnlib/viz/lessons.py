"""Figure builders for lessons 1 to 6. Arrays in, plotly Figure (or DOT text) out; no st.* calls.

Colours come from bnlib.viz.palette only, so raw data is always orange, normalized data
blue, BN output green, batch statistics grey, population values purple.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme as palette
from bnlib.viz.common import (
    Binned,
    axis_update,
    bin_values,
    cell,
    fmt,
    grid_figure,
    hband,
    histogram_trace,
    on,
    styled,
    vline,
)

# --- Lesson 1: covariate shift --------------------------------------------------------------


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
        fillcolor=palette.band(color, 0.3),
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
        (1, band_no_bn, palette.NO_BN, "without BN"),
        (2, band_bn, palette.WITH_BN, "with BN"),
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
            hband(flat, lim, ax, palette.SATURATED),
            hband(-lim, -flat, ax, palette.SATURATED),
        ]
        shapes.append(vline(float(steps[current]), ax, palette.BATCH, "dot"))
        axis_update(fig, ax, x=dict(title_text="training step"), y=dict(range=[-lim, lim]))
    fig.update_layout(shapes=shapes, yaxis_title_text="sigmoid input z")
    fig.add_trace(  # a legend entry for the shading (as a note above, it hit the titles)
        go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=palette.SATURATED),
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
        (acc_no_bn, palette.NO_BN, "without BN"),
        (acc_bn, palette.WITH_BN, "with BN"),
    ):
        fig.add_trace(
            go.Scatter(
                x=steps, y=np.asarray(acc), mode="lines", line=dict(color=color, width=2), name=name
            )
        )
    fig.add_vline(x=float(steps[current]), line=dict(color=palette.BATCH, dash="dot"))
    fig.update_yaxes(range=[0, 1.02], title_text="held-out accuracy", tickformat=".0%")
    fig.update_xaxes(title_text="training step")
    return styled(fig, "Accuracy on held-out digits", height, legend=True)


# --- Lesson 2: batch statistics --------------------------------------------------------------


def four_steps_figure(
    raw: np.ndarray, centered: np.ndarray, scaled: np.ndarray, bins: int = 30, height: int = 320
) -> go.Figure:
    """Three histograms side by side: raw x, x - mu_B, and x_hat. Each panel has its own x axis,
    so the shape is comparable while the numbers on the axis change."""
    fig = grid_figure(1, 3, titles=["1. raw x", "2. centred: x − μ_B", "3. scaled: x̂"], hspace=0.06)
    shapes = []
    for col, data, color, name in (
        (1, raw, palette.RAW, "raw"),
        (2, centered, palette.CENTERED, "centred"),
        (3, scaled, palette.NORMALIZED, "normalized"),
    ):
        ax = cell(1, col, 3)
        fig.add_trace(on(histogram_trace(bin_values(data, bins), color, name), ax))
        shapes.append(vline(float(np.mean(data)), ax, palette.POPULATION, "dash"))
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
    for col, color in ((0, palette.RAW), (1, palette.NORMALIZED)):
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
            line=dict(color=palette.NORMALIZED, width=2),
            name="output std",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[current_eps],
            y=[cur],
            mode="markers",
            marker=dict(color=palette.OUTPUT, size=11),
            name="your eps",
        )
    )
    fig.update_xaxes(type="log", title_text="eps")
    fig.update_yaxes(range=[-0.02, 1.05], title_text="std of x̂")
    return styled(fig, f"Std of x̂ for a batch variance of {fmt(var)}", height)


# --- Lesson 3: batch size ---------------------------------------------------------------------


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
                marker=dict(color=palette.RAW, line=dict(width=0)),
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
            marker=dict(symbol="line-ns", size=26, line=dict(width=2, color=palette.BATCH)),
            name="batch mean",
            hovertemplate="batch mean %{x:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    fig = go.Figure(traces)
    fig.update_layout(
        barmode="overlay",
        shapes=[vline(float(pop_mean), ("x", "y"), palette.POPULATION)],
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
    highlight: int | None = None,
    seed: int = 0,
    height: int = 380,
) -> go.Figure:
    """Estimated mean (left) and variance (right) of many batches against batch size (log x).

    sizes: (S,); means, variances: (S, B); *_se: (S,) standard errors (the 1/sqrt(m) curves,
    drawn as population ± 1 s.e. for the mean; for the variance, which cannot go below 0,
    as ± 1 s.e. on a log scale: population ×÷ exp(s.e. / population)). highlight: the
    batch size chosen on the page.
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
    traces, shapes = [], []
    for col, est, pop, se, label in (
        (1, means, pop_mean, se_m, "mean"),
        (2, variances, pop_var, se_v, "variance"),
    ):
        ax = cell(1, col, 2)
        traces.append(on(go.Scatter(
            x=xs.ravel(), y=est.ravel(), mode="markers", name="one batch",
            marker=dict(color=palette.BATCH, size=5, opacity=0.6), showlegend=col == 1,
            hovertemplate="m=%{x:.0f}: %{y:.3f}<extra></extra>",
        ), ax))  # fmt: skip
        if col == 1:
            edges, name = (pop - se, pop + se), "population ± σ/√m"
        else:  # a variance is never negative: ± 1 s.e. on a log scale, pop ×÷ e^(se/pop)
            edges = palette.positive_band(np.full_like(se, pop), se)
            name = "σ²: ± 1 s.e. on a log scale (stays above 0)"
        for i, edge in enumerate(edges):
            traces.append(on(go.Scatter(
                x=grid, y=edge, mode="lines",
                line=dict(color=palette.NORMALIZED, dash="dash" if col == 1 else "dot", width=2),
                name=name, showlegend=i == 0, legendgroup=name, hoverinfo="skip",
            ), ax))  # fmt: skip
        traces.append(on(go.Scatter(
            x=[grid[0], grid[-1]], y=[pop, pop], mode="lines",
            line=dict(color=palette.POPULATION, width=2),
            name="population value", showlegend=col == 1,
            hovertemplate=f"population {label}: {pop:.3f}<extra></extra>",
        ), ax))  # fmt: skip
        if highlight is not None and sizes.min() <= highlight <= sizes.max():
            shapes.append(vline(float(highlight), ax, palette.OUTPUT))
        axis_update(fig, ax, x=dict(type="log", title_text="batch size m"))
    fig.add_traces(traces)
    fig.update_layout(shapes=shapes)
    return styled(fig, "", height, legend=True)


# --- Lesson 4: gamma and beta -----------------------------------------------------------------


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
            on(histogram_trace(bin_values(x[:, i], bins, rng), palette.RAW, f"{names[i]} x"), a1)
        )
        traces.append(
            on(
                histogram_trace(bin_values(x_hat[:, i], bins), palette.NORMALIZED, f"{names[i]} x̂"),
                a2,
            )
        )
        traces.append(
            on(histogram_trace(bin_values(y[:, i], bins, rng), palette.OUTPUT, f"{names[i]} y"), a3)
        )
        axis_update(fig, a1, x=dict(range=list(rng)))
        axis_update(fig, a3, x=dict(range=list(rng)))
    fig.add_traces(traces)
    styled(fig, "", height)
    fig.update_layout(margin_r=34)  # room for the row labels ("feature A") at the right edge
    return fig


# --- Lesson 5: training vs inference ----------------------------------------------------------


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
            marker=dict(color=palette.BATCH, size=5, opacity=0.7),
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
            on(line(pop_mean, palette.POPULATION, "population value", "dash"), left),
            on(line(running_mean, palette.RUNNING, "running average"), left),
            on(dots(batch_var, False), right),
            on(line(pop_var, palette.POPULATION, "population value", "dash", False), right),
            on(
                line(
                    running_var,
                    palette.RUNNING,
                    "running_var (unbiased, as PyTorch stores it)",
                    None,
                    False,
                ),
                right,
            ),
            on(
                line(running_var_biased, palette.RAW, "running average of the biased σ²_B", "dot"),
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
            marker=dict(color=palette.NO_BN, size=10),
            line=dict(color=palette.band(palette.NO_BN, 0.4)),
            hovertemplate="companions #%{x}: %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=k,
            y=np.full(len(k), float(eval_output)),
            mode="markers+lines",
            name="eval mode (running statistics)",
            marker=dict(color=palette.WITH_BN, size=10, symbol="diamond"),
            line=dict(color=palette.WITH_BN),
            hovertemplate="companions #%{x}: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="batch of companions", dtick=1)
    fig.update_yaxes(title_text=f"BN output for x = {x0:g}")
    return styled(fig, "", height, legend=True)


# --- Lesson 6: gradient flow ------------------------------------------------------------------


def gradient_paths_figure(
    dx_direct: np.ndarray,
    dx_via_var: np.ndarray,
    dx_via_mean: np.ndarray,
    dx: np.ndarray,
    height: int = 320,
) -> go.Figure:
    """dx of each sample split into its three paths (stacked bars) with the total as a dot."""
    dx = np.asarray(dx, dtype=np.float64).ravel()
    i = np.arange(1, len(dx) + 1)
    fig = go.Figure()
    for v, color, name in (
        (dx_direct, palette.NORMALIZED, "direct: dx̂ / √(σ² + ε)"),
        (dx_via_var, palette.RAW, "through σ²_B"),
        (dx_via_mean, palette.CENTERED, "through μ_B"),
    ):
        fig.add_trace(
            go.Bar(x=i, y=np.asarray(v, dtype=np.float64).ravel(), name=name, marker_color=color)
        )
    fig.add_trace(
        go.Scatter(
            x=i,
            y=dx,
            mode="markers",
            name="dx (sum of the three)",
            marker=dict(color=palette.OUTPUT, size=11, symbol="diamond"),
        )
    )
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title_text="sample i", dtick=1)
    fig.update_yaxes(title_text="contribution to dx_i")
    return styled(fig, "", height, legend=True)


# Graph colours are explicit and opaque: Graphviz knows no "rgba(...)" (it drew such fills
# black, under black text), and the theme must not decide the text colour either.
GRAPH_TEXT = "#1A1A1A"  # node labels, on the light tint of each node's colour
GRAPH_BACK = "#9C3D00"  # gradient labels: a dark vermillion (the backward pass)...
GRAPH_BACK_FILL = "#FBE6D9"  # ...on a light vermillion tag, legible on a light or dark page
GRAPH_EDGE = "#888888"  # forward arrows: a mid grey that shows on light and dark pages


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bn_graph_dot(values: Mapping[str, float] | None = None) -> str:
    """The BN computation graph as Graphviz DOT: forward edges solid, gradients flowing back
    dashed. values: optional scalars (mu, var, inv_std, dbeta, dgamma, dvar, dmu) shown in nodes.

    Every node is filled with an opaque light tint of its palette colour under dark text,
    and every gradient label sits on its own light tag, so the graph reads the same in
    Streamlit's light and dark themes (the page behind it is transparent)."""
    v = dict(values or {})

    def lab(name, key=None):
        if key and key in v:
            return f"{name}\\n{fmt(v[key])}"
        return name

    c_in, c_stat, c_norm, c_out = palette.RAW, palette.BATCH, palette.NORMALIZED, palette.OUTPUT
    nodes = [
        ("x", "x", c_in),
        ("mu", lab("μ_B\\n= mean(x)", "mu"), c_stat),
        ("xc", "x − μ_B", palette.CENTERED),
        ("var", lab("σ²_B\\n= mean((x − μ_B)²)", "var"), c_stat),
        ("inv", lab("1 / √(σ²_B + ε)", "inv_std"), c_stat),
        ("xhat", "x̂", c_norm),
        ("gamma", lab("γ  (learned)", "gamma"), c_out),
        ("beta", lab("β  (learned)", "beta"), c_out),
        ("y", "y = γ·x̂ + β", c_out),
    ]
    edges = [
        ("x", "mu"),
        ("x", "xc"),
        ("mu", "xc"),
        ("xc", "var"),
        ("var", "inv"),
        ("xc", "xhat"),
        ("inv", "xhat"),
        ("xhat", "y"),
        ("gamma", "y"),
        ("beta", "y"),
    ]
    back = [
        ("y", "beta", "dβ = Σ dy", "dbeta"),
        ("y", "gamma", "dγ = Σ dy·x̂", "dgamma"),
        ("xhat", "var", "dσ²", "dvar"),
        ("xc", "mu", "dμ", "dmu"),
    ]
    lines = [
        "digraph BN {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.2; ranksep=0.35;',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        f'  edge [color="{GRAPH_EDGE}", fontname="Helvetica", fontsize=10];',
    ]
    for key, label, color in nodes:
        fill = palette.mix(color, "#FFFFFF", 0.22)
        lines.append(
            f'  {key} [label="{label}", fillcolor="{fill}", color="{color}", '
            f'fontcolor="{GRAPH_TEXT}", penwidth=1.5];'
        )
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    for a, b, text, key in back:
        texts = [text] + ([fmt(v[key])] if key in v else [])
        rows = "".join(
            f'<TR><TD><FONT COLOR="{GRAPH_BACK}">{_html(t)}</FONT></TD></TR>' for t in texts
        )
        label = (
            f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="2" CELLSPACING="0" '
            f'BGCOLOR="{GRAPH_BACK_FILL}">{rows}</TABLE>>'
        )
        lines.append(
            f'  {a} -> {b} [style=dashed, color="{palette.NO_BN}", penwidth=1.3, '
            f"label={label}, constraint=false];"
        )
    lines.append("}")
    return "\n".join(lines)


def timing_figure(labels: Sequence[str], seconds: Sequence[float], height: int = 220) -> go.Figure:
    """Horizontal bars: time per backward pass, in milliseconds."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    fig = go.Figure(
        go.Bar(
            y=list(labels),
            x=ms,
            orientation="h",
            marker_color=[palette.OUTPUT, palette.RAW][: len(ms)]
            + [palette.BATCH] * max(0, len(ms) - 2),
            text=[f"{t:.2f} ms" for t in ms],
            textposition="auto",
        )
    )
    fig.update_xaxes(title_text="milliseconds per backward pass")
    return styled(fig, "", height)


__all__ = [
    "Binned",
    "accuracy_figure",
    "batch_grid_figure",
    "bn_graph_dot",
    "companions_figure",
    "eps_effect_figure",
    "estimate_scatter_figure",
    "features_figure",
    "four_steps_figure",
    "gamma_beta_figure",
    "gradient_paths_figure",
    "running_stats_figure",
    "shift_bands_figure",
    "timing_figure",
]
