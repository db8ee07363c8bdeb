"""Figure builders of lessons 1-6 and the shared histogram helper: traces, bins, titles.

(The import rules that lived here are import-linter contracts now: pyproject.toml.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from bnlib.viz import (
    batch_statistics,
    common,
    covariate,
    estimates,
    gamma_beta,
    gradient_flow,
    running,
    theme,
)

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(0)


def bars(fig: go.Figure) -> list[go.Bar]:
    return [t for t in fig.data if t.type == "bar"]


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# --- common -----------------------------------------------------------------------------------


def test_bin_values_counts_everything_and_drops_nonfinite():
    x = np.concatenate([RNG.normal(size=500), [np.nan, np.inf]])
    b = common.bin_values(x, bins=20)
    assert b.counts.shape == (20,) and b.edges.shape == (21,)
    assert b.total == 500
    assert np.allclose(b.widths, b.widths[0])


def test_bin_values_constant_and_empty_and_degenerate_range():
    assert common.bin_values(np.full(10, 3.0), 5).total == 10
    assert common.bin_values(np.array([]), 5).total == 0
    b = common.bin_values(np.full(4, 2.0), 5, value_range=(2.0, 2.0))
    assert b.total == 4 and b.edges[0] < 2.0 < b.edges[-1]


def test_histogram_trace_is_a_bar_with_bin_centres_and_widths():
    b = common.bin_values(RNG.normal(size=100), 10, (-4, 4))
    tr = common.histogram_trace(b, theme.RAW, "raw")
    assert isinstance(tr, go.Bar)
    assert np.allclose(tr.x, np.linspace(-3.6, 3.6, 10))
    assert np.allclose(tr.width, 0.8)
    assert tr.marker.color == theme.RAW
    dens = common.histogram_trace(b, theme.RAW, density=True)
    assert np.sum(np.asarray(dens.y) * b.widths) == pytest.approx(1.0)


def test_fmt():
    # common.fmt is bnlib.format.num: short, no padded exponent, noise as 0
    assert common.fmt(0.5) == "0.5"
    assert common.fmt(1e-7) == "1e-7"
    assert common.fmt(-4e-17) == "0"
    assert common.fmt(float("nan")) == "n/a"


# --- lesson 1 ---------------------------------------------------------------------------------


def _bands(k=9):
    lo = -np.linspace(0.1, 3, k)
    return np.column_stack([lo, lo / 2, -lo])


def test_shift_bands_figure_two_panels_with_shaded_tails():
    steps = np.arange(9) * 25
    fig = covariate.shift_bands_figure(steps, _bands(), _bands() / 3, current=4, flat=2.0)
    titles = annotation_texts(fig)
    assert "Without BN" in titles and "With BN" in titles
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert "low-slope zone, |z| > 2 (slope under 42% of its peak)" in names
    fills = [t for t in fig.data if t.fill == "tonexty"]
    assert len(fills) == 2  # one band per panel
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 4  # upper and lower tail, both panels
    assert all(abs(r.y0) >= 2.0 or abs(r.y1) >= 2.0 for r in rects)
    markers = [t for t in fig.data if t.mode == "markers" and t.showlegend is False]
    assert len(markers) == 2 and all(list(m.x) == [100] * 3 for m in markers)  # the current step


def test_shift_bands_figure_rejects_bad_shapes():
    with pytest.raises(ValueError):
        covariate.shift_bands_figure(np.arange(3), np.zeros((3, 2)), np.zeros((3, 3)), 0)


def test_accuracy_figure():
    fig = covariate.accuracy_figure(np.arange(5), np.linspace(0, 0.9, 5), np.full(5, 0.95), 10)
    assert [t.name for t in fig.data] == ["without BN", "with BN"]
    assert fig.layout.title.text.startswith("Accuracy")
    assert fig.data[0].line.color == theme.NO_BN and fig.data[1].line.color == theme.WITH_BN


# --- lesson 2 ---------------------------------------------------------------------------------


def test_four_steps_figure_three_histograms_in_step_colours():
    x = RNG.normal(5, 2, 300)
    c = x - x.mean()
    fig = batch_statistics.four_steps_figure(x, c, c / c.std(), bins=25)
    bs = bars(fig)
    assert [b.marker.color for b in bs] == [theme.RAW, theme.CENTERED, theme.NORMALIZED]
    assert all(len(b.x) == 25 and sum(b.y) == 300 for b in bs)
    assert len(annotation_texts(fig)) == 3


def test_features_figure_rows_per_feature_shared_ranges():
    x = RNG.normal([10, -3, 7], [1, 0.5, 3], (200, 3))
    xn = (x - x.mean(0)) / x.std(0)
    fig = batch_statistics.features_figure(x, xn, ["a", "b", "c"], bins=20)
    bs = bars(fig)
    assert len(bs) == 6
    left = [b for b in bs if b.marker.color == theme.RAW]
    assert len({round(b.x[0], 9) for b in left}) == 1  # one shared binning for the raw column
    assert all(sum(b.customdata) == 200 for b in bs)  # counts, one histogram per feature
    assert [b.base for b in left] == [2, 1, 0]  # one row per feature, the first on top
    assert list(fig.layout.yaxis.ticktext) == ["a", "b", "c"]
    assert {b.xaxis for b in bs} == {"x", "x2"}
    with pytest.raises(ValueError):
        batch_statistics.features_figure(x, xn, ["a", "b"])


def test_eps_effect_figure():
    fig = batch_statistics.eps_effect_figure(1e-4, np.geomspace(1e-8, 1, 9), 1e-4)
    assert fig.layout.xaxis.type == "log"
    assert fig.data[1].y[0] == pytest.approx(np.sqrt(0.5))
    assert "0.0001" in fig.layout.title.text
    # eps ticks written as on the slider ("1e-5"), powers of ten only
    assert "1e-5" in fig.layout.xaxis.ticktext and "10µ" not in fig.layout.xaxis.ticktext
    assert all(np.log10(v) == round(np.log10(v)) for v in fig.layout.xaxis.tickvals)


# --- lesson 3 ---------------------------------------------------------------------------------


def test_batch_grid_figure_one_histogram_per_batch():
    batches = RNG.normal(size=(12, 8))
    fig = estimates.batch_grid_figure(batches, 0.0, bins=6, cols=4)
    assert len(bars(fig)) == 12
    assert all(sum(b.customdata) == 8 for b in bars(fig))  # counts, one histogram per batch
    # stacked rows of one plot, the tallest bar filling 85% of a row, batch 1 on top
    assert max(max(b.y) for b in bars(fig)) == pytest.approx(0.85)
    assert [b.base for b in bars(fig)] == list(range(11, -1, -1))
    labels = list(fig.layout.yaxis.ticktext)
    assert len(labels) == 12 and labels[0] == f"batch 1: mean {batches[0].mean():.2f}"
    marks = [t for t in fig.data if t.type == "scatter"][0]
    np.testing.assert_allclose(marks.x, batches.mean(axis=1))
    assert len(fig.layout.shapes) == 1  # the population mean


def test_batch_grid_figure_batch_of_one():
    fig = estimates.batch_grid_figure(np.full((4, 1), 2.0), 2.0, cols=2)
    assert len(bars(fig)) == 4


def test_estimate_scatter_figure():
    sizes = np.array([2, 8, 32])
    means = RNG.normal(size=(3, 10))
    fig = estimates.estimate_scatter_figure(
        sizes, means, means**2, 0.0, 1.0, 1 / np.sqrt(sizes), np.sqrt(2 / sizes)
    )
    dots = [t for t in fig.data if t.mode == "markers"]
    assert len(dots) == 2 and all(len(d.x) == 30 for d in dots)
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    assert {"one batch", "population ± σ/√m", "population value"} <= {t.name for t in fig.data}
    assert not fig.layout.shapes  # nothing in it follows the batch-size slider


# --- lesson 4 ---------------------------------------------------------------------------------


def test_gamma_beta_figure_rows_and_columns():
    x = RNG.normal(size=(100, 2))
    fig = gamma_beta.gamma_beta_figure(x, x, 2 * x + 1, ["A", "B"], bins=15)
    bs = bars(fig)
    assert len(bs) == 6
    assert [b.marker.color for b in bs[:3]] == [theme.RAW, theme.NORMALIZED, theme.OUTPUT]
    texts = annotation_texts(fig)
    assert "A" in texts and "B" in texts and any("learned" in t for t in texts)


# --- lesson 5 ---------------------------------------------------------------------------------


def test_running_stats_figure():
    t = np.arange(20.0)
    fig = running.running_stats_figure(t, t, t, t, t, t * 0.5, t)
    names = {tr.name for tr in fig.data}
    assert "running average" in names and "population value" in names
    assert any("unbiased" in (n or "") for n in names) and any("biased" in (n or "") for n in names)
    dots = [tr for tr in fig.data if tr.mode == "markers"]
    assert len(dots) == 2 and all(d.marker.color == theme.BATCH for d in dots)


def test_companions_figure():
    fig = running.companions_figure(np.array([0.1, 0.5, -0.2]), 0.3, 1.5)
    assert len(fig.data) == 2
    assert list(fig.data[1].y) == [0.3] * 3
    assert "x = 1.5" in fig.layout.yaxis.title.text


# --- lesson 6 ---------------------------------------------------------------------------------


def test_gradient_paths_figure_stacks_three_paths():
    a, b, c = RNG.normal(size=(3, 5))
    fig = gradient_flow.gradient_paths_figure(a, b, c, a + b + c)
    assert fig.layout.barmode == "relative"
    assert len(bars(fig)) == 3
    assert np.allclose(fig.data[3].y, a + b + c)


def test_bn_graph_dot_has_every_node_and_values():
    dot = gradient_flow.bn_graph_dot({"mu": 1.25, "dbeta": -0.5})
    assert dot.startswith("digraph BN {") and dot.rstrip().endswith("}")
    for node in ("x", "mu", "xc", "var", "inv", "xhat", "gamma", "beta", "y"):
        assert f"  {node} [label=" in dot
    assert "1.25" in dot and "-0.5" in dot
    assert dot.count("style=dashed") == 4
    assert "= mean(x)\\n" not in gradient_flow.bn_graph_dot()  # no numbers without values
    assert "= mean(x)\\n1.25" in dot  # the value on its own line


def test_timing_figure():
    fig = gradient_flow.timing_figure(["compact", "steps"], [0.001, 0.004])
    assert list(fig.data[0].x) == [1.0, 4.0]
    assert fig.data[0].text == ("1.00 ms", "4.00 ms")


def test_variance_band_stays_above_zero_and_log_ticks_are_whole_numbers():
    # batch size 2 of a unit-variance population: s.e. of the biased variance is about 1,
    # so population ± s.e. would reach 0 and below
    sizes = np.array([2, 4, 8, 16, 32, 64])
    var_se = np.sqrt(2 / sizes) * 1.4
    v = RNG.chisquare(1, size=(6, 20))
    fig = estimates.estimate_scatter_figure(sizes, v, v, 0.0, 1.0, 1 / np.sqrt(sizes), var_se)
    band = [t for t in fig.data if t.xaxis == "x2" and t.line.dash == "dot"]
    assert len(band) == 2
    lo, hi = (np.asarray(t.y) for t in band)
    assert (lo > 0).all() and (hi > 1).all() and (lo < 1).all()
    assert np.allclose(lo * hi, 1.0)  # symmetric on a log scale around the population value
    for axis in (fig.layout.xaxis, fig.layout.xaxis2):
        # no bare "2 5 10 2 5 100": each label is the number itself
        assert [float(t) for t in axis.ticktext] == list(axis.tickvals)
