"""Figure builders of lessons 7-9 and the reference page (placement, conv, adaptive, running): inspected through fig.data, never rendered."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from bnlib.viz import theme
from bnlib.viz.adaptive import columns_figure, drift_figure, signal_figure
from bnlib.viz.common import MAX_POINTS, binned, thin
from bnlib.viz.conv import channel_histograms_figure, feature_maps_figure
from bnlib.viz.placement import placement_figure
from bnlib.viz.running import momentum_weights_figure

rng = np.random.default_rng(0)


def test_binned_shares_sum_to_one_and_skip_nan():
    x, w, share = binned(np.array([0.0, 1.0, 1.0, np.nan, np.inf]), bins=2)
    assert share.sum() == pytest.approx(1.0) and len(x) == len(w) == 2
    _, _, share = binned(np.full(5, 3.0))  # a constant still gives a bar
    assert share.sum() == pytest.approx(1.0)
    assert binned(np.array([np.nan]))[2].size == 0


def test_thin_caps_points():
    assert len(thin(10)) == 10
    idx = thin(100_000)
    assert len(idx) <= MAX_POINTS and idx[0] == 0 and idx[-1] == 99_999


def test_placement_figure_bars_and_shading():
    z = rng.normal(0, 5, (64, 10))
    fig = placement_figure(z / 5, z, np.tanh(z / 5), np.tanh(z), "tanh", 1.82, bins=30)
    assert isinstance(fig, go.Figure)
    assert [t.type for t in fig.data] == ["bar"] * 4
    assert fig.data[0].marker.color == theme.WITH_BN and fig.data[1].marker.color == theme.NO_BN
    assert all(len(t.x) == 30 for t in fig.data)
    assert len(fig.layout.shapes) == 4  # two flat tails in each top panel


def test_feature_maps_and_channel_histograms():
    imgs = rng.random((3, 8, 8))
    maps = rng.normal(size=(3, 8, 8))
    fig = feature_maps_figure(imgs, maps, maps / 2, "blur")
    # one heatmap per row, the three images side by side with a gap column between them
    assert len(fig.data) == 3 and all(t.type == "heatmap" for t in fig.data)
    z = np.asarray(fig.data[1].z, dtype=float)
    assert z.shape == (8, 3 * 9 - 1) and np.isnan(z[:, 8]).all() and np.isnan(z[:, 17]).all()
    np.testing.assert_allclose(z[:, 9:17], np.round(maps[1][::-1], 4))
    assert {t.xaxis for t in fig.data} == {"x", "x2", "x3"}
    f = rng.normal(size=(4, 2, 8, 8))
    fig = channel_histograms_figure(f, f, ["a", "b"], bins=20)
    assert len(fig.data) == 4 and all(t.type == "bar" for t in fig.data)


def test_signal_figure_one_panel_per_input_column():
    x = rng.normal(size=(500, 3))
    fig = signal_figure(x, x, ["a", "b", "c"])
    assert len(fig.data) == 6
    one = signal_figure(np.arange(10.0), np.arange(10.0), ["s"])
    assert len(one.data) == 2 and one.data[0].line.color == theme.RAW


def test_drift_and_columns_figures_thin_long_records():
    n = 50_000
    x = rng.normal(size=n)
    fig = drift_figure(x, x, x, x)
    assert len(fig.data) == 4 and all(len(t.x) <= MAX_POINTS for t in fig.data)
    fig = columns_figure(["a", "b"], rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    assert len(fig.data) == 4 and all(len(t.y) <= MAX_POINTS for t in fig.data)
    many = columns_figure([str(i) for i in range(10)], np.ones((5, 10)), np.zeros((5, 10)))
    assert len(many.data) == 12  # at most 6 rows drawn


def test_momentum_weights_sum_towards_one():
    fig = momentum_weights_figure(0.1, batches=200)
    y = np.asarray(fig.data[0].y)
    assert y[0] == pytest.approx(0.1) and y.sum() == pytest.approx(1.0, abs=1e-8)
