"""The one number formatter (bnlib.format) and the shared log ticks (bnlib.viz.theme)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bnlib import format as nf
from bnlib.viz import theme


@pytest.mark.parametrize("noise", [-5.2e-18, 4e-16, -0.0, 0.0, -4e-18, 9.9e-13, -1e-300])
def test_noise_and_zero_print_as_zero(noise):
    assert nf.num(noise) == "0"
    assert nf.sci(noise) == "0"
    assert nf.fixed(noise, 4) == "0.0000"
    assert nf.fixed(noise, 0) == "0"


@pytest.mark.parametrize("x", [-1e-5, -0.00004, -0.0004999, -1e-9, -0.04])
def test_never_a_negative_zero(x):
    for s in (nf.fixed(x, 4), nf.fixed(x, 2), nf.fixed(x, 1), nf.num(x, 2), nf.sci(x, 1)):
        assert not (s.startswith("-") and float(s) == 0), s


def test_significant_digits_suit_the_quantity():
    assert nf.num(0.123456) == "0.1235"
    assert nf.num(12.3456) == "12.35"
    assert nf.num(1234.5678) == "1235"
    assert nf.num(123456.0) == "123456"
    assert nf.num(2.0) == "2" and nf.num(0.5) == "0.5"
    assert nf.num(-0.00012345) == "-0.0001234"
    assert nf.num(3.2e-7) == "3.2e-7" and nf.num(1.5e8) == "1.5e8"
    assert nf.sci(-4.7e-5) == "-4.7e-5" and nf.sci(3.21e-11, 2) == "3.21e-11"
    assert nf.fixed(0.25, 2, signed=True) == "+0.25" and nf.fixed(-0.0, 2, signed=True) == "0.00"
    assert nf.num(float("nan")) == "n/a" and nf.num(float("inf")) == "∞"


def test_eps_has_one_notation():
    got = [nf.eps(e) for e in (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)]
    assert got == ["1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"]
    assert nf.eps(2.5e-5) == "2.5e-5"
    assert all("e-0" not in s and "µ" not in s for s in got)


def test_clean_sets_noise_to_zero_and_drops_negative_zero():
    a = nf.clean(np.array([-5.2e-18, -0.0, 0.25, 4e-16, -1e-3]))
    assert a.tolist() == [0.0, 0.0, 0.25, 0.0, -1e-3]
    assert not np.signbit(a[:2]).any() and not np.signbit(a[3])
    assert nf.clean(-3e-17) == 0.0


@pytest.mark.parametrize(
    ("lo", "hi"), [(0.05, 2.3), (1e-8, 1.0), (2, 512), (0.3, 0.9), (1e-3, 40), (7, 7.5)]
)
def test_log_ticks_are_whole_readable_numbers(lo, hi):
    vals, text = theme.log_ticks(lo, hi)
    assert len(vals) >= 2 and len(vals) == len(text)
    assert all(lo * 0.999 <= v <= hi * 1.001 for v in vals)
    assert [float(t) for t in text] == vals  # "0.2", never plotly's bare "2" for 0.2
    mantissas = {round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6) for v in vals}
    if hi / lo >= 1000:  # three decades or more: powers of ten only
        assert mantissas == {1.0}


def test_layout_helper_gives_log_axes_readable_ticks():
    from bnlib.viz.lab_figures import curves_figure

    steps = np.arange(50)
    loss = np.geomspace(2.3, 0.05, 50)[None, :] * np.ones((2, 1))
    fig = curves_figure({"A": (steps, loss)}, "loss", "loss", log_y=True, kinds={"A": "none"})
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext) == ["0.05", "0.1", "0.2", "0.5", "1", "2"]


def _plotly_sequence(fig, title, height, legend, **extra):
    """The shared look applied with plotly's own update_layout, one call per part: the
    semantics theme.layout_dict's single merged dict must keep."""
    fig.update_layout(**theme.LAYOUT, height=height)
    if title is not None:
        fig.update_layout(title=dict(text=title, x=0.0, xanchor="left"))
    if legend is False:
        fig.update_layout(showlegend=False)
    elif legend is True:
        fig.update_layout(showlegend=True, legend=theme.LEGEND_BELOW)
    elif isinstance(legend, dict):
        fig.update_layout(legend=legend)
    if extra:
        fig.update_layout(**extra)
    for ax in ("xaxis", "yaxis"):
        fig.update_layout({ax: {"gridcolor": theme.GRID, "zerolinecolor": theme.GRID}})
    return fig


@pytest.mark.parametrize(
    "title, legend, extra",
    [
        ("T", True, {"margin": {"t": 60}}),  # a partial margin keeps the other sides
        (None, False, {"bargap": 0.1, "margin_l": 5}),  # underscore shorthand
        ("X", {"x": 0.5}, {"hovermode": "x", "title_font_size": 9}),
        ("Y", theme.LEGEND_TOP, {"xaxis_title": "step", "yaxis": {"type": "log"}}),
    ],
)
def test_the_merged_layout_is_what_plotlys_updates_give(title, legend, extra):
    import plotly.graph_objects as go

    def fig():
        return go.Figure(go.Scatter(x=[1, 2, 3], y=[0.5, 2.0, 9.0]))

    ours = fig().update_layout(theme.layout_dict(title, 250, legend, **extra))
    ref = _plotly_sequence(fig(), title, 250, legend, **extra)
    assert ours.layout.to_plotly_json() == ref.layout.to_plotly_json()
