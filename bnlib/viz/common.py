"""Helpers every figure builder shares: numpy binning, pre-binned histogram bars, layout.

Histograms are binned here with numpy and drawn as go.Bar, so a chart ships a few dozen
bars to the browser instead of thousands of raw points. No streamlit import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import palette


@dataclass(frozen=True)
class Binned:
    """A numpy histogram: edges (B + 1,), counts (B,)."""

    edges: np.ndarray
    counts: np.ndarray

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.edges)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def bin_values(values, bins: int = 30, value_range: tuple[float, float] | None = None) -> Binned:
    """Bin finite values with np.histogram. A constant array gets one bar of width 1 around
    its value (numpy's own choice); non-finite values are dropped."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return Binned(np.array([-0.5, 0.5]), np.array([0]))
    if value_range is not None:
        lo, hi = float(value_range[0]), float(value_range[1])
        if not hi > lo:
            value_range = (lo - 0.5, lo + 0.5)
    counts, edges = np.histogram(x, bins=int(bins), range=value_range)
    return Binned(edges, counts)


def histogram_trace(
    binned: Binned,
    color: str,
    name: str = "",
    opacity: float = 0.85,
    showlegend: bool = False,
    density: bool = False,
) -> go.Bar:
    """One pre-binned histogram as bars (counts, or a density when density=True)."""
    y = binned.counts.astype(np.float64)
    if density and binned.total:
        y = y / (binned.total * binned.widths)
    return go.Bar(
        x=binned.centers,
        y=y,
        width=binned.widths,
        marker=dict(color=color, line=dict(width=0)),
        opacity=opacity,
        name=name,
        showlegend=showlegend,
        hovertemplate="%{x:.3g}: %{y}<extra>" + (name or "") + "</extra>",
    )


def histogram_figure(
    binned: Binned,
    title: str,
    color: str = palette.RAW,
    x_title: str = "value",
    y_title: str = "count",
    height: int = 300,
) -> go.Figure:
    """A complete single-histogram figure from pre-binned data (reusable by any page)."""
    fig = go.Figure(histogram_trace(binned, color, name=title))
    fig.update_layout(bargap=0.02)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return styled(fig, title, height)


def styled(fig: go.Figure, title: str, height: int = 320, legend: bool = False) -> go.Figure:
    """The shared look: transparent background (reads in light and dark theme), title."""
    fig.update_layout(
        **palette.LAYOUT,
        title=dict(text=title, x=0.0, xanchor="left"),
        height=height,
        showlegend=legend,
        bargap=0.02,
    )
    if legend:
        fig.update_layout(legend=dict(orientation="h", y=-0.18, x=0.0))
    grid = "rgba(128,128,128,0.25)"
    fig.update_xaxes(gridcolor=grid, zerolinecolor=grid)
    fig.update_yaxes(gridcolor=grid, zerolinecolor=grid)
    return fig


def fmt(v: float) -> str:
    """A short, readable number for titles and annotations."""
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.2e}"
    return f"{v:.3f}"
