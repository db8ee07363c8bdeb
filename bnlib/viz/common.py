"""Helpers figure builders share: numpy binning, pre-binned histogram bars, a light subplot grid.

Histograms are binned here with numpy and drawn as go.Bar, so a chart ships a few dozen
bars to the browser instead of thousands of raw points. No streamlit import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from bnlib import format as nf
from bnlib.viz.theme import GRID


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


def fmt(v: float) -> str:
    """A short, readable number for titles and annotations (bnlib.format.num)."""
    return nf.num(v)


# --- a light subplot grid ---------------------------------------------------------------------
# plotly's make_subplots and add_vline(row=, col=) cost ~100 ms for a 3x4 grid; a lesson's
# slider must redraw in a few tens of ms, so the grid is laid out here by hand.


def cell(row: int, col: int, cols: int) -> tuple[str, str]:
    """Axis ids ("x5", "y5") of the 1-based cell (row, col) in a grid `cols` wide."""
    n = (row - 1) * cols + col
    sfx = "" if n == 1 else str(n)
    return f"x{sfx}", f"y{sfx}"


def _axis_key(ref: str) -> str:
    return ref[0] + "axis" + ref[1:]


def _domain(a: float, b: float) -> list[float]:
    # float sums like 3 * (w + gap) + w can land a hair outside [0, 1], which plotly rejects
    return [min(max(round(a, 9), 0.0), 1.0), min(max(round(b, 9), 0.0), 1.0)]


def grid_figure(
    rows: int,
    cols: int,
    titles: list[str] | None = None,
    col_titles: list[str] | None = None,
    row_titles: list[str] | None = None,
    hspace: float = 0.05,
    vspace: float = 0.1,
    share_x: str | None = None,
    share_y: str | None = None,
    title_size: int = 13,
) -> go.Figure:
    """An empty figure with rows x cols axes. titles: one per cell (row-major); col_titles above
    each column; row_titles at the right of each row. share_x / share_y: "all", "columns"
    ("rows") or None, as plotly's `matches`."""
    width = (1.0 - hspace * (cols - 1)) / cols
    height = (1.0 - vspace * (rows - 1)) / rows
    layout: dict = {}
    notes = []
    font = dict(size=title_size)
    for r in range(1, rows + 1):
        y1 = 1.0 - (r - 1) * (height + vspace)
        for c in range(1, cols + 1):
            xr, yr = cell(r, c, cols)
            x0 = (c - 1) * (width + hspace)
            xa = dict(domain=_domain(x0, x0 + width), anchor=yr, gridcolor=GRID, zerolinecolor=GRID)
            ya = dict(
                domain=_domain(y1 - height, y1), anchor=xr, gridcolor=GRID, zerolinecolor=GRID
            )
            if share_x == "all" and xr != "x":
                xa["matches"] = "x"
            elif share_x == "columns" and r > 1:
                xa["matches"] = cell(1, c, cols)[0]
            if share_x and r < rows:
                xa["showticklabels"] = False
            if share_y == "all" and yr != "y":
                ya["matches"] = "y"
            elif share_y == "rows" and c > 1:
                ya["matches"] = cell(r, 1, cols)[1]
            if share_y and c > 1:
                ya["showticklabels"] = False
            layout[_axis_key(xr)] = xa
            layout[_axis_key(yr)] = ya
            i = (r - 1) * cols + (c - 1)
            if titles and i < len(titles) and titles[i]:
                notes.append(
                    dict(text=titles[i], x=x0 + width / 2, y=y1, xref="paper", yref="paper",
                         xanchor="center", yanchor="bottom", showarrow=False, font=font)
                )  # fmt: skip
        if row_titles:
            notes.append(
                dict(text=row_titles[r - 1], x=1.0, y=y1 - height / 2, xref="paper", yref="paper",
                     xanchor="left", yanchor="middle", textangle=90, showarrow=False, font=font)
            )  # fmt: skip
    for c, text in enumerate(col_titles or [], start=1):
        x0 = (c - 1) * (width + hspace)
        notes.append(
            dict(text=text, x=x0 + width / 2, y=1.0, xref="paper", yref="paper",
                 xanchor="center", yanchor="bottom", showarrow=False, font=font)
        )  # fmt: skip
    layout["annotations"] = notes
    return go.Figure(layout=layout)


def vline(x: float, axes: tuple[str, str], color: str, dash: str | None = None, width: float = 1.5):
    """A vertical line across one cell, as a layout shape dict."""
    xr, yr = axes
    return dict(
        type="line", xref=xr, yref=f"{yr} domain", x0=x, x1=x, y0=0, y1=1,
        line=dict(color=color, dash=dash, width=width),
    )  # fmt: skip


def hband(y0: float, y1: float, axes: tuple[str, str], fill: str):
    """A horizontal band across one cell, as a layout shape dict."""
    xr, yr = axes
    return dict(
        type="rect", xref=f"{xr} domain", yref=yr, x0=0, x1=1, y0=y0, y1=y1,
        fillcolor=fill, line=dict(width=0), layer="below",
    )  # fmt: skip


def on(trace, axes: tuple[str, str]):
    """Put a trace on one cell's axes."""
    trace.update(xaxis=axes[0], yaxis=axes[1])
    return trace


def axis_update(
    fig: go.Figure, axes: tuple[str, str], x: dict | None = None, y: dict | None = None
):
    """Update one cell's x and/or y axis."""
    if x:
        fig.layout[_axis_key(axes[0])].update(x)
    if y:
        fig.layout[_axis_key(axes[1])].update(y)


# --- binning and thinning for long series ------------------------------------------------------

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


def bars(values, color, name, bins=60, lo=None, hi=None, showlegend=True, opacity=0.85):
    """A binned histogram (see binned) as one bar trace, heights as shares of the values."""
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
