"""Figure builders for lessons 7-9 and the reference page.

Arrays and options in, a plotly Figure out; nothing here calls streamlit. Histograms are
binned with numpy and drawn as bars; long time series are thinned before drawing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnlib.viz import theme as pal
from bnlib.viz.common import cell, grid_figure, on

MAX_POINTS = 2000  # per trace: more points than pixels only slows the browser


def binned(values: np.ndarray, bins: int = 60, lo: float | None = None, hi: float | None = None):
    """(centers, widths, share) of a histogram, share summing to 1 over the finite values."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    lo = float(v.min()) if lo is None else lo
    hi = float(v.max()) if hi is None else hi
    if hi <= lo:  # a constant: one narrow bar
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    return (edges[:-1] + edges[1:]) / 2, np.diff(edges), counts / v.size


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most max_points evenly spaced samples out of n."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def _bars(values, color, name, bins=60, lo=None, hi=None, showlegend=True, opacity=0.85):
    x, w, share = binned(values, bins, lo, hi)
    return go.Bar(
        x=x,
        y=share,
        width=w,
        marker_color=color,
        opacity=opacity,
        name=name,
        showlegend=showlegend,
        hovertemplate="%{x:.2f}: %{y:.1%}<extra>" + name + "</extra>",
    )


def _layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    """theme.layout with the legend in a row at the foot of the figure: above the plot it
    ran into the subplot titles."""
    return pal.layout(fig, title, height, legend=True, bargap=0, barmode="overlay")


# --- lesson 7: placement -------------------------------------------------------------


def placement_figure(
    received_before: np.ndarray,
    received_after: np.ndarray,
    out_before: np.ndarray,
    out_after: np.ndarray,
    act: str,
    saturation_edge: float | None = None,
    bins: int = 60,
) -> go.Figure:
    """2x2 histograms: what the nonlinearity receives (top) and what the block emits (bottom),
    for BN before the activation (left) and after it (right). Flat tails shaded."""
    # a hand-laid grid and shapes as dicts: make_subplots + add_vrect(row=, col=) made up
    # most of this figure's ~45 ms build time
    fig = grid_figure(
        2,
        2,
        titles=[
            f"BN before {act}: {act} receives BN(z)",
            f"BN after {act}: {act} receives z",
            f"block output {act}(BN(z))",
            f"block output BN({act}(z))",
        ],
        hspace=0.06,
        vspace=0.18,
        share_y="rows",
    )
    top = np.concatenate([np.ravel(received_before), np.ravel(received_after)])
    lo, hi = np.percentile(top, [0.5, 99.5])
    lo, hi = min(lo, -4.0), max(hi, 4.0)
    bottom = np.concatenate([np.ravel(out_before), np.ravel(out_after)])
    blo, bhi = np.percentile(bottom, [0.5, 99.5])
    traces = [
        (_bars(np.clip(received_before, lo, hi), pal.WITH_BN, "BN before", bins, lo, hi), 1, 1),
        (_bars(np.clip(received_after, lo, hi), pal.NO_BN, "BN after", bins, lo, hi), 1, 2),
        (
            _bars(np.clip(out_before, blo, bhi), pal.WITH_BN, "BN before", bins, blo, bhi, False),
            2,
            1,
        ),
        (_bars(np.clip(out_after, blo, bhi), pal.NO_BN, "BN after", bins, blo, bhi, False), 2, 2),
    ]
    fig.add_traces([on(t, cell(r, c, 2)) for t, r, c in traces])
    tails = []
    if saturation_edge is not None:
        tails = [(lo, -saturation_edge), (saturation_edge, hi)]
    elif act == "relu":
        tails = [(lo, 0.0)]
    shapes = []
    for col in (1, 2):
        xr, yr = cell(1, col, 2)
        for x0, x1 in tails:
            if x1 > x0:
                shapes.append(
                    dict(type="rect", xref=xr, yref=f"{yr} domain", x0=x0, x1=x1, y0=0, y1=1,
                         fillcolor=pal.SATURATED, line=dict(width=0), layer="below")
                )  # fmt: skip
    fig.update_layout(
        shapes=shapes,
        xaxis_range=[lo, hi],
        xaxis2_range=[lo, hi],
        xaxis3_title_text="value",
        xaxis4_title_text="value",
        yaxis_tickformat=".0%",
        yaxis_title_text="share",
        yaxis3_tickformat=".0%",
        yaxis3_title_text="share",
        yaxis2_tickformat=".0%",
        yaxis4_tickformat=".0%",
    )
    return _layout(fig, 560)


# --- lesson 8: convolutions ----------------------------------------------------------


def _mosaic(arr: np.ndarray) -> np.ndarray:
    """(k, h, w) images side by side, one NaN column between them (drawn as a gap):
    (h, k * (w + 1) - 1), each image flipped so its row 0 is at the top."""
    k, h, w = arr.shape
    out = np.full((h, k * (w + 1) - 1), np.nan)
    for c in range(k):
        out[:, c * (w + 1) : c * (w + 1) + w] = arr[c][::-1]
    return out


def feature_maps_figure(
    images: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    channel_name: str,
) -> go.Figure:
    """Rows: input digits, one channel's map before BN, the same after BN; one image per column.

    images (k, H, W); before, after (k, h, w). Each row shares one colour scale. Each row is
    one heatmap of the k images side by side (3 traces on 3 axes, not 3k: a grid of 3k
    subplots costs the browser several times more to draw on every slider move).
    """
    fig = grid_figure(
        3, 1, row_titles=["input", f"{channel_name}: before BN", "after BN"], vspace=0.06
    )
    rows = (
        (images, "Greys", 0.0, float(images.max()) or 1.0),
        (before, "RdBu_r", *_symmetric(before)),
        (after, "RdBu_r", *_symmetric(after)),
    )
    for r, (arr, scale, zmin, zmax) in enumerate(rows, start=1):
        xr, yr = cell(r, 1, 1)
        fig.add_trace(
            go.Heatmap(
                z=np.round(_mosaic(np.asarray(arr, dtype=np.float64)), 4),
                colorscale=scale,
                zmin=zmin,
                zmax=zmax,
                showscale=r > 1,
                colorbar=dict(len=0.28, y=[0, 0.83, 0.5, 0.15][r], thickness=10),
                hovertemplate="%{z:.2f}<extra></extra>",
                hoverongaps=False,
                xaxis=xr,
                yaxis=yr,
            )
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(**pal.LAYOUT, height=430)
    fig.update_layout(margin=dict(l=10, r=40, t=20, b=10))
    return fig


def _symmetric(a: np.ndarray) -> tuple[float, float]:
    m = float(np.max(np.abs(a))) or 1.0
    return -m, m


def channel_histograms_figure(
    before: np.ndarray, after: np.ndarray, names: Sequence[str], bins: int = 50
) -> go.Figure:
    """Per-channel histograms of feature-map values, pooled over (N, H, W), before and after BN.

    before, after: (N, C, H, W).
    """
    c = before.shape[1]
    fig = make_subplots(
        rows=2,
        cols=c,
        shared_yaxes=True,
        vertical_spacing=0.2,
        horizontal_spacing=0.03,
        subplot_titles=[*names, *([""] * c)],
    )
    blo, bhi = float(before.min()), float(before.max())
    alo, ahi = float(after.min()), float(after.max())
    for j in range(c):
        fig.add_trace(_bars(before[:, j], pal.RAW, "before BN", bins, blo, bhi, j == 0), 1, j + 1)
        fig.add_trace(
            _bars(after[:, j], pal.NORMALIZED, "after BN", bins, alo, ahi, j == 0), 2, j + 1
        )
    fig.update_xaxes(range=[blo, bhi], row=1)
    fig.update_xaxes(range=[alo, ahi], row=2)
    fig.update_yaxes(tickformat=".0%", col=1)
    return _layout(fig, 420)


# --- lesson 9: signals ---------------------------------------------------------------


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
    colors = pal.SEQUENCE
    traces = []
    for j in range(k):
        color = pal.RAW if k == 1 else colors[(j + 2) % len(colors)]
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
        out_color = pal.NORMALIZED if k == 1 else color
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
    return _layout(fig, 240 + 150 * k)


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
        go.Scatter(x=idx, y=x[idx], mode="lines", name="input", line=dict(color=pal.RAW, width=1)),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=idx,
            y=running_mean[idx],
            mode="lines",
            name="running mean",
            line=dict(color=pal.RUNNING, width=2.5),
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
            line=dict(color=pal.BATCH, width=1),
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
            line=dict(color=pal.NORMALIZED, width=1),
        ),
        2,
        1,
    )
    fig.update_xaxes(title_text="time step", row=2)
    return _layout(fig, 520)


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
                line=dict(color=pal.RAW, width=1),
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
                line=dict(color=pal.NORMALIZED, width=1),
                name="after BN",
                showlegend=j == 0,
                connectgaps=False,
            ),
            j + 1,
            2,
        )
    fig.update_xaxes(title_text="row", row=k)
    return _layout(fig, 120 + 170 * k)


# --- reference: momentum ------------------------------------------------------------


def momentum_weights_figure(torch_momentum: float, batches: int = 40) -> go.Figure:
    """How much each past batch counts in the running average: momentum * (1 - momentum)^k
    for the batch k steps ago (PyTorch's convention)."""
    k = np.arange(batches)
    w = torch_momentum * (1.0 - torch_momentum) ** k
    fig = go.Figure(
        go.Bar(
            x=k,
            y=w,
            marker_color=pal.RUNNING,
            name="weight",
            hovertemplate="%{x} batches ago: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="batches ago (0 = the newest)")
    fig.update_yaxes(title_text="weight in running_mean", rangemode="tozero")
    return _layout(fig, 300)
