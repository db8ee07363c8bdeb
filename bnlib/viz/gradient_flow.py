"""Lesson 6 (gradient flow): gradient paths, the BN graph as DOT text, timings.

Arrays in, a plotly Figure out; nothing here calls streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from bnlib.viz import theme
from bnlib.viz.common import (
    fmt,
)
from bnlib.viz.theme import styled


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
        (dx_direct, theme.NORMALIZED, "direct: dx̂ / √(σ² + ε)"),
        (dx_via_var, theme.RAW, "through σ²_B"),
        (dx_via_mean, theme.CENTERED, "through μ_B"),
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
            marker=dict(color=theme.OUTPUT, size=11, symbol="diamond"),
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

    c_in, c_stat, c_norm, c_out = theme.RAW, theme.BATCH, theme.NORMALIZED, theme.OUTPUT
    nodes = [
        ("x", "x", c_in),
        ("mu", lab("μ_B\\n= mean(x)", "mu"), c_stat),
        ("xc", "x − μ_B", theme.CENTERED),
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
        fill = theme.mix(color, "#FFFFFF", 0.22)
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
            f'  {a} -> {b} [style=dashed, color="{theme.NO_BN}", penwidth=1.3, '
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
            marker_color=[theme.OUTPUT, theme.RAW][: len(ms)] + [theme.BATCH] * max(0, len(ms) - 2),
            text=[f"{t:.2f} ms" for t in ms],
            textposition="auto",
        )
    )
    fig.update_xaxes(title_text="milliseconds per backward pass")
    return styled(fig, "", height)


def weight_growth_figure(steps: np.ndarray, growth: Mapping[str, object], height: int = 420):
    """Plain SGD on a layer that feeds BN, one line per learning rate (label -> Growth from
    bnlib.lessons.scale_invariance): ||W|| over the steps, and the relative step
    ||lr g|| / ||W|| on a log axis. Every line is a net with BN, so all are BN's blue and
    the learning rates differ by dash."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Weight length ‖W‖", "Relative step ‖lr·g‖ / ‖W‖"),
    )
    dashes = ("dot", "dash", "solid", "dashdot")
    for (label, g), dash in zip(growth.items(), dashes, strict=False):
        line = dict(color=theme.WITH_BN, dash=dash, width=2)
        fig.add_trace(
            go.Scatter(x=np.arange(len(g.norm)), y=g.norm, mode="lines", line=line, name=label,
                       legendgroup=label),
            1, 1,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=steps, y=g.rel_step, mode="lines", line=line, name=label,
                       legendgroup=label, showlegend=False),
            2, 1,
        )  # fmt: skip
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(type="log", row=2, col=1)
    fig.update_xaxes(title="SGD step", row=2, col=1)
    fig.update_annotations(font_size=12, x=0, xanchor="left")
    return theme.layout(fig, None, height, legend=True)
