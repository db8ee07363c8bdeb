"""The app's one visual language: palette, layout helper, log ticks and percentile bands.

A colour always means the same thing, in every lesson and in the lab: vermillion is a
network without normalization, blue one with BN, each other normalization has its own
colour (NORM_COLORS, keyed like bnlib.lab.config.NORM_LABELS). Colours come from the
Okabe-Ito set, which stays distinguishable under the common forms of colour blindness and
reads on both light and dark backgrounds. Nothing here calls streamlit.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go

from bnlib import format as nf

# --- palette: one meaning per colour -----------------------------------------------------------
RAW = "#E69F00"  # raw input data (orange)
CENTERED = "#56B4E9"  # after subtracting the mean (sky blue)
NORMALIZED = "#0072B2"  # after BN / normalized (blue)
OUTPUT = "#009E73"  # after gamma and beta (bluish green)
NO_BN = "#D55E00"  # a run or layer without BN (vermillion)
WITH_BN = "#0072B2"  # a run or layer with BN (blue)
POPULATION = "#CC79A7"  # the true population value (reddish purple)
RUNNING = "#009E73"  # running average (bluish green)
BATCH = "#999999"  # individual batch statistics (grey)
ALT_NORM = "#F0E442"  # other normalizations (yellow)
LIMIT = "#999933"  # a clip limit or schedule, e.g. batch renorm's r_max and d_max (olive)
SATURATED = "rgba(213, 94, 0, 0.12)"  # shading for the flat tails of sigmoid/tanh
GRID = "rgba(128,128,128,0.25)"  # grid lines that read on light and dark backgrounds

# Normalization kinds (the lab's and lesson 10's keys): what a run is decides its colour.
NORM_COLORS = {
    "none": NO_BN,
    "bn": WITH_BN,
    "bn_before": WITH_BN,
    "bn_after": WITH_BN,
    "batch_renorm": POPULATION,
    "group": OUTPUT,
    "layer": RAW,
}

SEQUENCE = (WITH_BN, NO_BN, OUTPUT, RAW, POPULATION, CENTERED, ALT_NORM, BATCH)


def norm_color(kind: str) -> str:
    """The colour of a normalization kind ("none", "bn_before", "layer", ...)."""
    return NORM_COLORS.get(kind, ALT_NORM)


def band(color: str, alpha: float = 0.2) -> str:
    """A translucent fill of a hex colour, for min-max or percentile bands."""
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


# --- contrast (WCAG 2.x) --------------------------------------------------------------------


def luminance(color: str) -> float:
    """Relative luminance of an opaque "#RRGGBB" colour."""
    h = color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not an opaque #RRGGBB colour: {color!r}")
    out = []
    for i in (0, 2, 4):
        c = int(h[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two opaque colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(color: str, other: str, share: float) -> str:
    """An opaque blend: `share` of `color` over `other` (both "#RRGGBB")."""
    a, b = color.lstrip("#"), other.lstrip("#")
    rgb = (
        round(share * int(a[i : i + 2], 16) + (1 - share) * int(b[i : i + 2], 16))
        for i in (0, 2, 4)
    )
    return "#" + "".join(f"{v:02X}" for v in rgb)


# --- layout ------------------------------------------------------------------------------------

# Transparent backgrounds let Streamlit's light or dark theme show through.
LAYOUT = dict(
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
    margin=dict(l=40, r=10, t=40, b=40),
    font=dict(size=13),
)

LEGEND_BELOW = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, x=0.0)
LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, x=0)


# The only layout properties with an underscore of their own (plotly 6/7); every other
# underscore in a layout key is plotly's shorthand for nesting.
_UNDERSCORED = frozenset({"paper_bgcolor", "plot_bgcolor"})


def _nested(updates: dict) -> dict:
    """{"xaxis_title_text": v} -> {"xaxis": {"title": {"text": v}}}: plotly's underscore
    shorthand spelled out."""
    out: dict = {}
    for key, value in updates.items():
        *path, last = [key] if key in _UNDERSCORED else key.split("_")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        _merge_into(node, {last: _nested(value) if isinstance(value, dict) else value})
    return out


def _merge_into(base: dict, updates: dict) -> dict:
    """Merge `updates` into `base` as plotly's update_layout does: dicts merge key by key,
    everything else replaces."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge_into(base[key], value)
        else:
            base[key] = value
    return base


def layout_dict(
    title: str | None = None,
    height: int = 320,
    legend: bool | dict | None = None,
    **extra,
) -> dict:
    """The shared look as one nested layout dict (see layout): give it to go.Figure(...,
    layout=) or to one update_layout. Plotly re-parses the whole figure on every
    update_layout call, about 20 ms each; the lab redraws eight charts twice a second."""
    out = _nested({**LAYOUT, "height": height})
    if title is not None:
        out["title"] = {"text": title, "x": 0.0, "xanchor": "left"}
    if legend is False:
        out["showlegend"] = False
    elif legend is True:
        _merge_into(out, {"showlegend": True, "legend": dict(LEGEND_BELOW)})
    elif isinstance(legend, dict):
        _merge_into(out, {"legend": _nested(legend)})
    _merge_into(out, _nested(extra))
    # the primary axes only: grid_figure styles its own axes (update_xaxes over a 12-cell
    # grid costs more than building the figure)
    _merge_into(out, {ax: {"gridcolor": GRID, "zerolinecolor": GRID} for ax in ("xaxis", "yaxis")})
    return out


def finish(fig: go.Figure) -> go.Figure:
    """What the shared look does once the figure's data and axes are in: subplot titles
    that fit a phone (fit_titles) and readable log ticks (readable_log_axes)."""
    if fig.layout.annotations:
        fit_titles(fig)
    return readable_log_axes(fig)


def layout(
    fig: go.Figure,
    title: str | None = None,
    height: int = 320,
    legend: bool | dict | None = None,
    **extra,
) -> go.Figure:
    """The shared look: transparent background (reads in light and dark), a left-aligned
    title, grid lines that read on both, and readable log ticks (see log_ticks).

    legend: False hides it, True puts it below the plot, a dict is used as given, None
    leaves plotly's choice. extra: further update_layout arguments (margin, hovermode...).
    """
    fig.update_layout(layout_dict(title, height, legend, **extra))
    return finish(fig)


# Characters of 13 px text that fit across a chart on a 390 px phone screen.
PHONE_CHARS = 48
_LINE_PX = 16


def fit_titles(fig: go.Figure) -> go.Figure:
    """Wrap subplot titles (paper annotations sitting on top of a plot area) so that side by
    side they fit a phone screen, and grow the top margin by the lines the top row gained."""
    tops = [
        a
        for a in fig.layout.annotations
        if a.xref == "paper" and a.yref == "paper" and a.yanchor == "bottom" and a.text
        and not a.showarrow and a.x is not None and a.y is not None
    ]  # fmt: skip
    rows: dict[float, list] = {}
    for a in tops:
        rows.setdefault(round(a.y, 3), []).append(a)
    extra = 0
    top_y = max(rows, default=None)
    for y, row in rows.items():
        xs = sorted(a.x for a in row)
        gap = min((b - a for a, b in zip(xs, xs[1:], strict=False)), default=1.0)
        width = max(10, int(PHONE_CHARS * gap))
        for a in row:
            if "<br>" in a.text or len(a.text) <= width:
                continue
            lines = textwrap.wrap(a.text, width, break_long_words=False)
            a.text = "<br>".join(lines)
            if y == top_y:
                extra = max(extra, _LINE_PX * (len(lines) - 1))
    if extra:
        fig.update_layout(margin_t=(fig.layout.margin.t or 40) + extra)
    return fig


def styled(fig: go.Figure, title: str, height: int = 320, legend: bool = False) -> go.Figure:
    """The shared look (theme.layout): transparent background, title, legend below."""
    return layout(fig, title, height, legend=legend, bargap=0.02)


def histogram_layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    """layout for binned histograms: bars overlap and touch, the legend in a row at the foot
    of the figure (above the plot it ran into the subplot titles)."""
    return layout(fig, title, height, legend=True, bargap=0, barmode="overlay")


# --- log axes ----------------------------------------------------------------------------------


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis spanning [lo, hi] (both > 0): the powers of ten
    (1, 10, 100...); where fewer than three fall inside, the 2s and 5s too. Every label is a
    whole number ("0.2", not plotly's bare "2"), written like eps ("1e-5")."""
    if not (lo > 0 and hi > 0) or not (math.isfinite(lo) and math.isfinite(hi)):
        return [], []
    lo, hi = min(lo, hi), max(lo, hi)
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    tol = 1e-9
    powers = [10.0**e for e in range(e0, e1 + 1) if lo * (1 - tol) <= 10.0**e <= hi * (1 + tol)]
    vals = powers
    if len(powers) < 3:
        vals = [
            m * 10.0**e
            for e in range(e0, e1 + 1)
            for m in (1, 2, 5)
            if lo * (1 - tol) <= m * 10.0**e <= hi * (1 + tol)
        ]
    if len(vals) < 2:  # a range inside one 1-2-5 step: two end ticks
        vals = [lo, hi]
    vals = [float(f"{v:.12g}") for v in vals]
    return vals, [nf.tick(v) for v in vals]


def _axis_ids(trace, letter: str) -> str:
    ref = getattr(trace, f"{letter}axis", None) or letter
    return ref


def _positive(values) -> np.ndarray:
    if values is None:
        return np.zeros(0)
    try:
        a = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return np.zeros(0)
    return a[np.isfinite(a) & (a > 0)]


def readable_log_axes(fig: go.Figure) -> go.Figure:
    """Give every log axis without explicit ticks readable ones (log_ticks), from its range
    when set, else from the data on it. Plotly's own choice on a short range is the
    ambiguous "2 5 10 2 5 100"."""
    for letter, select in (("x", fig.select_xaxes), ("y", fig.select_yaxes)):
        for axis in select():
            if axis.type != "log" or axis.tickvals is not None or axis.dtick is not None:
                continue
            name = axis.plotly_name  # "xaxis", "yaxis2"
            ref = letter + name[5:]  # "x", "y2"
            if axis.range is not None and None not in axis.range:
                lo, hi = (10.0 ** float(r) for r in axis.range)
            else:
                values = [
                    _positive(getattr(t, letter, None))
                    for t in fig.data
                    if _axis_ids(t, letter) == ref
                ]
                values = [v for v in values if v.size]
                if not values:
                    continue
                v = np.concatenate(values)
                lo, hi = float(v.min()), float(v.max())
            vals, text = log_ticks(lo, hi)
            if vals:
                axis.update(tickmode="array", tickvals=vals, ticktext=text)
    return fig


# --- percentile and min-max bands --------------------------------------------------------------


def band_traces(
    x: Iterable[float],
    lo: Iterable[float],
    hi: Iterable[float],
    color: str,
    name: str,
    alpha: float = 0.3,
    showlegend: bool = True,
    **trace_kw,
) -> list[go.Scatter]:
    """A shaded band between lo and hi (two traces: the edge, then the fill to it)."""
    x = np.asarray(list(x) if not isinstance(x, np.ndarray) else x, dtype=np.float64)
    edge = go.Scatter(
        x=x,
        y=np.asarray(lo, dtype=np.float64),
        mode="lines",
        line=dict(width=0, color=color),
        showlegend=False,
        hoverinfo="skip",
        name=f"{name} (lower edge)",
        **trace_kw,
    )
    fill = go.Scatter(
        x=x,
        y=np.asarray(hi, dtype=np.float64),
        mode="lines",
        line=dict(width=0, color=color),
        fill="tonexty",
        fillcolor=band(color, alpha),
        name=name,
        showlegend=showlegend,
        hoverinfo="skip",
        **trace_kw,
    )
    return [edge, fill]


def positive_band(center, spread, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A band around a positive quantity (a variance) that respects its support: center
    times and divided by exp(factor * spread / center). It matches center ± spread when
    spread is small against center and never reaches 0, where center - spread would go
    below it."""
    c = np.asarray(center, dtype=np.float64)
    s = np.asarray(spread, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.exp(factor * s / c)
    return c / k, c * k
