"""Lessons 10 (alternatives) and 11 (non-random batches): which values each norm pools,
batch-size sweeps; one-class batches, online norm.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnlib.viz import theme
from bnlib.viz.common import (
    cell,
    grid_figure,
    on,
)
from bnlib.viz.theme import histogram_layout

# Cube faces: 12 triangles over the 8 corners (x, y, z bits of the corner index).
_I = (0, 0, 4, 4, 0, 0, 2, 2, 0, 0, 1, 1)
_J = (1, 3, 5, 7, 1, 5, 3, 7, 2, 6, 3, 7)
_K = (3, 2, 7, 6, 5, 4, 7, 6, 6, 4, 7, 5)


def _cubes(cells: np.ndarray, gap: float = 0.12):
    """Vertices and triangles of unit cubes at integer `cells` (K, 3), shrunk by `gap`."""
    corners = np.array([[(b >> 0) & 1, (b >> 1) & 1, (b >> 2) & 1] for b in range(8)], float)
    corners = gap / 2 + corners * (1 - gap)
    verts = (cells[:, None, :] + corners[None]).reshape(-1, 3)  # (8K, 3)
    off = (np.arange(len(cells)) * 8)[:, None]
    tri = [(np.array(t)[None, :] + off).ravel() for t in (_I, _J, _K)]
    return verts, tri


def norm_block_figure(mask: np.ndarray, title: str, height: int = 460) -> go.Figure:
    """The (N, C, H, W) block as cubes: N along x, C along y, H*W flattened along z.
    Cubes where `mask` (N, C, H, W) is True share one mean and variance (coloured)."""
    N, C, H, W = mask.shape
    flat = mask.reshape(N, C, H * W)
    idx = np.argwhere(np.ones_like(flat, dtype=bool)).astype(float)  # (N*C*HW, 3)
    on = flat.ravel()
    fig = go.Figure()
    for sel, color, opacity, name in (
        (~on, theme.BATCH, 0.12, "other statistics"),
        (on, theme.NORMALIZED, 0.9, "one mean and variance"),
    ):
        if not sel.any():
            continue
        v, (i, j, k) = _cubes(idx[sel])
        fig.add_trace(
            go.Mesh3d(
                x=v[:, 0],
                y=v[:, 1],
                z=v[:, 2],
                i=i,
                j=j,
                k=k,
                color=color,
                opacity=opacity,
                flatshading=True,
                name=f"{name} ({int(sel.sum())} values)",
                showlegend=True,
                hoverinfo="name",
            )
        )
    axis = dict(showbackground=False, showticklabels=False, ticks="")
    fig.update_layout(
        **{**theme.LAYOUT, "margin": dict(l=0, r=0, t=40, b=0)},
        height=height,
        title=dict(text=title, x=0, xanchor="left"),
        legend=dict(orientation="h", yanchor="bottom", y=0.0, x=0),
        scene=dict(
            xaxis=dict(title="N (samples)", **axis),
            yaxis=dict(title="C (channels)", **axis),
            zaxis=dict(title="H, W (positions)", **axis),
            aspectmode="data",
            camera=dict(eye=dict(x=1.6, y=-1.6, z=1.1)),
        ),
    )
    return fig


def batch_sweep_figure(
    batch_sizes: Sequence[int],
    error: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
    wu_he: Mapping[str, Sequence[float]],
    height: int = 380,
) -> go.Figure:
    """Left: validation error (%) against batch size from our runs. Right: Wu & He's
    ResNet-50 ImageNet top-1 error against images per GPU. Both x axes log 2."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Our runs: digits", "Wu & He: ImageNet"),  # short: fit a phone
        horizontal_spacing=0.12,
    )
    for norm, err in error.items():
        fig.add_trace(
            go.Scatter(
                x=list(batch_sizes),
                y=100 * np.asarray(err),
                mode="lines+markers",
                name=labels.get(norm, norm),
                line_color=theme.NORM_COLORS.get(norm, theme.ALT_NORM),
                hovertemplate="batch %{x}: %{y:.1f}% error<extra>"
                + labels.get(norm, norm)
                + "</extra>",
            ),
            row=1,
            col=1,
        )
    for key, name, color in (
        ("bn", "BN (Wu & He)", theme.WITH_BN),
        ("gn", "GN (Wu & He)", theme.OUTPUT),
    ):
        fig.add_trace(
            go.Scatter(
                x=list(wu_he["images_per_gpu"]),
                y=list(wu_he[key]),
                mode="lines+markers",
                name=name,
                line=dict(color=color, dash="dash"),
                hovertemplate="%{x} per GPU: %{y:.1f}%<extra>" + name + "</extra>",
            ),
            row=1,
            col=2,
        )
    for col, title in ((1, "batch size"), (2, "images per GPU")):
        fig.update_xaxes(type="log", dtick=np.log10(2), title=title, row=1, col=col)
        fig.update_yaxes(title="error (%)", rangemode="tozero", row=1, col=col)
    return histogram_layout(fig, height)


def single_class_figure(
    eval_steps: np.ndarray,
    val_acc: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
    r_max: np.ndarray,
    d_max: np.ndarray,
    height: int = 420,
) -> go.Figure:
    """Top: validation accuracy over training for each normalization. Bottom: batch
    renorm's warm-up of r_max and d_max."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.7, 0.3],
        vertical_spacing=0.08,
    )
    for norm, acc in val_acc.items():
        fig.add_trace(
            go.Scatter(
                x=eval_steps,
                y=100 * np.asarray(acc),
                mode="lines+markers",
                name=labels.get(norm, norm),
                line_color=theme.NORM_COLORS.get(norm, theme.ALT_NORM),
                hovertemplate="step %{x}: %{y:.1f}%<extra>" + labels.get(norm, norm) + "</extra>",
            ),
            row=1,
            col=1,
        )
    steps = np.arange(1, len(r_max) + 1)
    keep = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), 400)).round().astype(int))
    for arr, name, dash in ((r_max, "r_max", "solid"), (d_max, "d_max", "dot")):
        fig.add_trace(
            go.Scatter(
                x=steps[keep],
                y=np.asarray(arr)[keep],
                mode="lines",
                name=name,
                line=dict(color=theme.LIMIT, dash=dash),
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title="val accuracy (%)", range=[0, 100], row=1, col=1)
    fig.update_yaxes(title="clip", row=2, col=1)
    fig.update_xaxes(title="training step", row=2, col=1)
    return histogram_layout(fig, height)


def online_norm_figure(stream: Mapping[str, np.ndarray], height: int = 380) -> go.Figure:
    """Top: the input stream and the running mean each sample was normalized with.
    Bottom: online norm's output and batch norm's at batch size 1 (all zeros)."""
    x, y, mu, bn1 = (np.asarray(stream[k]) for k in ("x", "y", "mu", "bn1"))
    t = np.arange(1, len(x) + 1)
    fig = grid_figure(2, 1, vspace=0.08, share_x="all")
    # BN at batch size 1 is a constant (0): two points draw the same line as n points
    flat = bn1.size > 0 and np.all(bn1 == bn1[0])
    bn_t, bn_y = (t[[0, -1]], bn1[[0, -1]]) if flat else (t, bn1)
    top, bottom = cell(1, 1, 1), cell(2, 1, 1)
    fig.add_traces(
        [
            on(
                go.Scatter(
                    x=t, y=x, mode="lines", name="input x<sub>t</sub>", line_color=theme.RAW
                ),
                top,
            ),
            on(
                go.Scatter(
                    x=t,
                    y=mu,
                    mode="lines",
                    name="running mean μ<sub>t−1</sub>",
                    line_color=theme.RUNNING,
                ),
                top,
            ),
            on(
                go.Scatter(
                    x=t, y=y, mode="lines", name="online norm output", line_color=theme.NORMALIZED
                ),
                bottom,
            ),
            on(
                go.Scatter(
                    x=bn_t,
                    y=bn_y,
                    mode="lines",
                    name="BN at batch size 1",
                    line=dict(color=theme.NO_BN, dash="dash"),
                ),
                bottom,
            ),
        ]
    )
    fig.update_layout(
        xaxis2_title_text="sample (one per step)",
        yaxis_title_text="value",
        yaxis2_title_text="normalized",
    )
    return histogram_layout(fig, height)
