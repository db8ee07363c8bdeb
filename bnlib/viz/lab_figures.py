"""Figures for the training lab: plain arrays in, plotly Figure out (no streamlit, no torch).

Every figure carries a descriptive title, which doubles as its alt text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme

__all__ = ["PALETTE", "band_figure", "curves_figure", "heatmap_figure", "series_styles"]

# Colours for series whose normalization is not given (the lesson palette, in order).
PALETTE = theme.SEQUENCE
DASHES = ("solid", "dash", "dot", "dashdot")


def series_styles(kinds: dict[str, str]) -> dict[str, tuple[str, str]]:
    """label -> (colour, dash). The colour says what the run is (its normalization, as in
    every lesson: none vermillion, BN blue, ...); a series whose colour an earlier one
    already has (A and B both with BN, say) gets the next dash so the two stay apart."""
    out, seen = {}, {}
    for label, kind in kinds.items():
        color = theme.norm_color(kind)
        out[label] = (color, DASHES[seen.get(color, 0) % len(DASHES)])
        seen[color] = seen.get(color, 0) + 1
    return out


def _figure(
    traces: list, title: str, xtitle: str, ytitle: str, height: int = 320, **layout
) -> go.Figure:
    """The lab's look, built in one constructor call: the lab redraws its eight charts twice
    a second while training, and add_trace plus update_layout calls cost more than twice as
    much (measured 2026-12-01: 4 curve charts 185 -> 82 ms, same process)."""
    spec = theme.layout_dict(
        title,
        height,
        legend=theme.LEGEND_BELOW,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        hovermode="x unified",
        title_font_size=14,
        xaxis_title_text=xtitle,
        yaxis_title_text=ytitle,
        **layout,
    )
    return theme.finish(go.Figure(data=traces, layout=spec))


def curves_figure(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str,
    ytitle: str,
    names: dict[str, str] | None = None,
    log_y: bool = False,
    kinds: dict[str, str] | None = None,
) -> go.Figure:
    """One line per config: the mean over seeds, with a shaded min-max band.

    series: label -> (steps (T,), values (n_seeds, T)); NaN marks a run that stopped.
    kinds: label -> normalization ("none", "bn_before", ...), which picks the colour
    (series_styles); without it the series take the palette in order.
    """
    traces = []
    styles = series_styles(kinds) if kinds else {}
    for i, (label, (steps, vals)) in enumerate(series.items()):
        vals = np.atleast_2d(np.asarray(vals, dtype=float))
        steps = np.asarray(steps, dtype=float)
        if vals.size == 0:
            continue
        color, dash = styles.get(label, (PALETTE[i % len(PALETTE)], "solid"))
        name = (names or {}).get(label, label)
        vals = np.where(np.isfinite(vals), vals, np.nan)  # inf (a diverging run) -> gap
        ok = np.isfinite(vals).any(axis=0)  # steps where at least one seed has a value
        v = vals[:, ok]
        s = steps[ok]
        lo, hi, mean = np.nanmin(v, axis=0), np.nanmax(v, axis=0), np.nanmean(v, axis=0)
        if vals.shape[0] > 1:
            traces.append(
                go.Scatter(
                    x=np.concatenate([s, s[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor=theme.band(color, 0.18),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"{name} min-max",
                )
            )
        traces.append(
            go.Scatter(
                x=s,
                y=mean,
                mode="lines",
                line={"color": color, "width": 2, "dash": dash},
                name=name,
            )
        )
    return _figure(traces, title, "step", ytitle, **({"yaxis": {"type": "log"}} if log_y else {}))


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
    extra: dict = {}
    if flat_beyond is not None:  # what fig.add_hrect would add, without its update calls
        extra["shapes"] = [
            {"fillcolor": theme.band(theme.BATCH, 0.15), "line": {"width": 0}, "type": "rect",
             "x0": 0, "x1": 1, "xref": "x domain", "y0": y0, "y1": y1, "yref": "y"}
            for y0, y1 in ((flat_beyond, 1e6), (-1e6, -flat_beyond))
        ]  # fmt: skip
    if y_range is not None:
        extra["yaxis"] = {"range": list(y_range)}
    traces = list(theme.band_traces(steps, p15, p85, color, "15th-85th percentile", alpha=0.25))
    traces.append(go.Scatter(x=steps, y=p50, mode="lines", line={"color": color}, name="median"))
    return _figure(traces, title, "step", "value", **extra)


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
    heat = [
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
    ]
    return _figure(heat, title, "step", "", height=max(220, 40 + 26 * v.shape[0]))
