"""Lesson 8 (convolutions): feature maps and per-channel histograms.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnlib.viz import theme
from bnlib.viz.common import (
    bars,
    cell,
    grid_figure,
)
from bnlib.viz.theme import histogram_layout


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
    fig.update_layout(**theme.LAYOUT, height=430)
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
        fig.add_trace(bars(before[:, j], theme.RAW, "before BN", bins, blo, bhi, j == 0), 1, j + 1)
        fig.add_trace(
            bars(after[:, j], theme.NORMALIZED, "after BN", bins, alo, ahi, j == 0), 2, j + 1
        )
    fig.update_xaxes(range=[blo, bhi], row=1)
    fig.update_xaxes(range=[alo, ahi], row=2)
    fig.update_yaxes(tickformat=".0%", col=1)
    return histogram_layout(fig, 420)
