"""Lesson 7: where BN goes, before or after the activation.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    bars,
    cell,
    grid_figure,
    on,
)
from bnlib.viz.theme import histogram_layout


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
        (bars(np.clip(received_before, lo, hi), theme.WITH_BN, "BN before", bins, lo, hi), 1, 1),
        (bars(np.clip(received_after, lo, hi), theme.NO_BN, "BN after", bins, lo, hi), 1, 2),
        (
            bars(np.clip(out_before, blo, bhi), theme.WITH_BN, "BN before", bins, blo, bhi, False),
            2,
            1,
        ),
        (bars(np.clip(out_after, blo, bhi), theme.NO_BN, "BN after", bins, blo, bhi, False), 2, 2),
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
                         fillcolor=theme.SATURATED, line=dict(width=0), layer="below")
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
    return histogram_layout(fig, 560)
