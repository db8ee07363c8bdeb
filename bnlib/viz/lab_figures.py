"""Figures for the training lab: plain arrays in, plotly Figure out (no streamlit, no torch).

Every figure carries a descriptive title, which doubles as its alt text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["PALETTE", "band_figure", "curves_figure", "heatmap_figure"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis_title=xtitle,
        yaxis_title=ytitle,
        height=height,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.25},
        hovermode="x unified",
    )
    return fig


def curves_figure(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str,
    ytitle: str,
    names: dict[str, str] | None = None,
    log_y: bool = False,
) -> go.Figure:
    """One line per config: the mean over seeds, with a shaded min-max band.

    series: label -> (steps (T,), values (n_seeds, T)); NaN marks a run that stopped.
    """
    fig = go.Figure()
    for i, (label, (steps, vals)) in enumerate(series.items()):
        vals = np.atleast_2d(np.asarray(vals, dtype=float))
        steps = np.asarray(steps, dtype=float)
        if vals.size == 0:
            continue
        color = PALETTE[i % len(PALETTE)]
        name = (names or {}).get(label, label)
        vals = np.where(np.isfinite(vals), vals, np.nan)  # inf (a diverging run) -> gap
        ok = np.isfinite(vals).any(axis=0)  # steps where at least one seed has a value
        v = vals[:, ok]
        s = steps[ok]
        lo, hi, mean = np.nanmin(v, axis=0), np.nanmax(v, axis=0), np.nanmean(v, axis=0)
        if vals.shape[0] > 1:
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([s, s[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor=_rgba(color, 0.18),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"{name} min-max",
                )
            )
        fig.add_trace(
            go.Scatter(x=s, y=mean, mode="lines", line={"color": color, "width": 2}, name=name)
        )
    if log_y:
        fig.update_yaxes(type="log")
    return _layout(fig, title, "step", ytitle)


def band_figure(
    steps: np.ndarray,
    p15: np.ndarray,
    p50: np.ndarray,
    p85: np.ndarray,
    title: str,
    color: str = PALETTE[0],
    flat_beyond: float | None = None,
    y_range: tuple[float, float] | None = None,
) -> go.Figure:
    """The 15th-85th percentile band and the median of one quantity over training.

    flat_beyond: shade |value| > flat_beyond (where a sigmoid or tanh is nearly flat).
    """
    steps = np.asarray(steps, dtype=float)
    fig = go.Figure()
    if flat_beyond is not None:
        for y0, y1 in ((flat_beyond, 1e6), (-1e6, -flat_beyond)):
            fig.add_hrect(y0=y0, y1=y1, fillcolor="rgba(120,120,120,0.12)", line_width=0)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([steps, steps[::-1]]),
            y=np.concatenate([np.asarray(p85, float), np.asarray(p15, float)[::-1]]),
            fill="toself",
            fillcolor=_rgba(color, 0.25),
            line={"width": 0},
            name="15th-85th percentile",
            hoverinfo="skip",
        )
    )
    fig.add_trace(go.Scatter(x=steps, y=p50, mode="lines", line={"color": color}, name="median"))
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    return _layout(fig, title, "step", "value")


def heatmap_figure(
    steps: np.ndarray,
    values: np.ndarray,
    title: str,
    colorbar: str = "",
    log: bool = False,
    zrange: tuple[float, float] | None = None,
) -> go.Figure:
    """Layers (rows, 1 = first hidden layer) against training time (columns).

    values: (T, depth). log=True colours by log10 (for gradient norms and update ratios).
    zrange: colour range in the values' units, so side-by-side heatmaps share one scale.
    """
    v = np.asarray(values, dtype=float).T  # (depth, T)
    if log:
        with np.errstate(all="ignore"):
            v = np.where(v > 0, np.log10(v), np.nan)
        colorbar = f"log10 {colorbar}".strip()
    zmin = zmax = None
    if zrange is not None:
        lo, hi = (float(np.log10(z)) if log and z > 0 else float(z) for z in zrange)
        zmin, zmax = (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)
    fig = go.Figure(
        go.Heatmap(
            z=v,
            x=np.asarray(steps, dtype=float),
            y=[f"layer {i + 1}" for i in range(v.shape[0])],
            colorscale="Viridis",
            zmin=zmin,
            zmax=zmax,
            colorbar={"title": {"text": colorbar}},
            hoverongaps=False,
        )
    )
    return _layout(fig, title, "step", "", height=max(220, 40 + 26 * v.shape[0]))
