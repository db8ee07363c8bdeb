"""Lessons 10 and 11: the numpy helpers, the figure builders and the torch experiments.

The experiments train real (small) networks with fixed seeds and check the outcomes the
lessons describe; each takes a few seconds on one CPU thread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from bnlib.lessons.alternatives import (
    KINDS,
    WU_HE,
    normalize,
    online_stream,
    shared_mask,
    stat_count,
)
from bnlib.lessons.noisy_bn import noisy_unit_percentiles
from bnlib.viz import alternatives, why_it_works

ROOT = Path(__file__).resolve().parents[2]
SHAPE = (4, 6, 2, 3)


# --- numpy side ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("at", [(0, 0), (3, 5), (1, 2)])
def test_the_highlighted_set_is_normalized_together(kind, at):
    x = np.random.default_rng(1).normal(3.0, 2.0, SHAPE)
    y = normalize(kind, x, groups=2)
    m = shared_mask(kind, SHAPE, at, groups=2)
    assert y[m].mean() == pytest.approx(0.0, abs=1e-12)
    assert y[m].var() == pytest.approx(1.0, abs=1e-4)
    # the sets of all elements partition the block into stat_count pieces
    sets = {
        shared_mask(kind, SHAPE, (n, c), groups=2).tobytes()
        for n in range(SHAPE[0])
        for c in range(SHAPE[1])
    }
    assert len(sets) == stat_count(kind, SHAPE, groups=2)
    assert m.sum() * stat_count(kind, SHAPE, groups=2) == np.prod(SHAPE)


def test_stat_counts_and_bad_arguments():
    assert [stat_count(k, SHAPE, 3) for k in KINDS] == [6, 4, 24, 12]
    with pytest.raises(ValueError, match="groups=4 must divide"):
        shared_mask("group", SHAPE, groups=4)
    with pytest.raises(ValueError, match="kind must be one of"):
        stat_count("weight", SHAPE)


def test_wu_he_numbers():
    assert WU_HE["images_per_gpu"] == (32, 16, 8, 4, 2)
    assert WU_HE["bn"][-1] - WU_HE["gn"][-1] == pytest.approx(10.6)


def test_online_norm_settles_and_bn_at_batch_one_is_zero():
    s = online_stream(n=1000, decay=0.99, drift=0.0, seed=0)
    tail = s["y"][-300:]
    assert abs(tail.mean()) < 0.3 and 0.7 < tail.std() < 1.3
    assert np.all(s["bn1"] == 0)
    assert abs(s["y"][0]) > 3  # the first sample meets the initial statistics (0, 1)


def test_noisy_unit_moves_more_than_plain():
    plain, noisy = noisy_unit_percentiles(200, 0.5, seed=0)
    assert np.abs(plain[:, 1]).max() < 0.2  # BN keeps each step's median near 0
    assert np.abs(noisy[:, 1]).max() > 1.0  # the injected shift moves it around
    p0, n0 = noisy_unit_percentiles(50, 0.0, seed=0)
    np.testing.assert_allclose(p0, n0)


# --- figure builders ---------------------------------------------------------------------


def test_norm_block_figure_colours_the_shared_set():
    m = shared_mask("group", SHAPE, (1, 2), groups=3)
    fig = alternatives.norm_block_figure(m, "group")
    assert isinstance(fig, go.Figure)
    grey, blue = fig.data
    assert len(blue.x) == 8 * int(m.sum()) and len(grey.x) == 8 * int((~m).sum())
    assert len(blue.i) == 12 * int(m.sum())


def test_sweep_single_class_online_and_landscape_figures():
    f = alternatives.batch_sweep_figure(
        (2, 32), {"bn_before": np.array([0.5, 0.03])}, {"bn_before": "BN"}, WU_HE
    )
    assert [t.name for t in f.data] == ["BN", "BN (Wu & He)", "GN (Wu & He)"]
    assert list(f.data[0].y) == [50.0, 3.0]
    f = alternatives.single_class_figure(
        np.array([10, 20]), {"none": np.array([0.5, 0.9])}, {}, np.ones(20), np.zeros(20)
    )
    assert [t.name for t in f.data] == ["none", "r_max", "d_max"]
    f = alternatives.online_norm_figure(online_stream(n=50))
    assert len(f.data) == 4 and len(f.data[0].y) == 50
    bn = f.data[3]  # BN at batch size 1: all zeros, drawn from its two ends
    assert list(bn.x) == [1, 50] and list(bn.y) == [0.0, 0.0]
    assert {t.xaxis for t in f.data} == {"x", "x2"}
    P, E = 5, 3
    rng = np.random.default_rng(0)
    data = {k: rng.random((P, E)) for k in ("No BN", "BN")}
    beta = {k: rng.random(P) for k in data}
    f = why_it_works.landscape_figure(np.arange(P) * 10, data, data, beta)
    assert len(f.data) == 2 * 5
    np.testing.assert_allclose(f.data[1].y, data["No BN"].min(1))
    f = why_it_works.noise_band_figure(np.arange(10), *noisy_unit_percentiles(10, 0.5))
    assert len(f.data) == 6
    f = why_it_works.accuracy_curves_figure(np.arange(3), {"BN": np.ones(3)})
    assert list(f.data[0].y) == [100.0] * 3


# --- experiments (torch) -------------------------------------------------------------------


def test_single_class_order_holds_one_class_per_batch():
    from bnlib.lab.experiments import single_class_order

    y = np.repeat(np.arange(10), 50)
    order = single_class_order(y, 32, 200, seed=3)
    assert order.shape == (200, 32)
    assert all(len(np.unique(y[row])) == 1 for row in order)
    assert len(np.unique(y[order[:, 0]])) == 10  # every class gets batches
    np.testing.assert_array_equal(order, single_class_order(y, 32, 200, seed=3))


def test_renorm_warmup_ramps_from_plain_bn():
    from bnlib.lab.experiments import renorm_schedule

    r, d = renorm_schedule(1000, 0.5)
    assert r[0] == 1.0 and d[0] == 0.0  # plain BN first
    assert r[-1] == 3.0 and d[-1] == 5.0 and r[499] == pytest.approx(3.0)
    assert np.all(np.diff(r) >= 0) and np.all(np.diff(d) >= 0)
    r0, d0 = renorm_schedule(10, 0.0)
    assert np.all(r0 == 3.0) and np.all(d0 == 5.0)


@pytest.mark.slow
def test_single_class_batches_break_bn_and_renorm_recovers_part():
    from bnlib.lab.experiments import single_class_experiment

    res = single_class_experiment(steps=600, seed=0)
    acc = res.final
    assert acc["bn_before"] < 0.3  # BN's running statistics do not match its training
    assert acc["batch_renorm"] > acc["bn_before"] + 0.2
    assert abs(acc["group"] - acc["none"]) < 0.05  # group norm does not care
    assert acc["none"] > 0.9
    assert res.eval_steps[-1] == 600 and len(res.train_loss["none"]) == 600


@pytest.mark.slow
def test_batch_size_sweep_hurts_bn_more_than_group_norm():
    from bnlib.lab.experiments import batch_size_sweep

    res = batch_size_sweep(batch_sizes=(2, 32), norms=("bn_before", "group"), epochs=2, seed=0)
    bn, gn = res.error["bn_before"], res.error["group"]
    assert bn[0] > bn[1] + 0.1  # batch 2 is much worse than batch 32 for BN
    assert abs(gn[0] - gn[1]) < bn[0] - bn[1]
    assert list(res.lr) == pytest.approx([0.05 * 2 / 32, 0.05])


@pytest.mark.slow
def test_noisy_bn_still_trains():
    from bnlib.lab.experiments import noisy_bn_experiment
    from bnlib.lessons.why_it_works import noise_verdict

    # the deep tanh net at learning rate 1: near chance without BN (10 classes)
    res = noisy_bn_experiment(noise=0.5, steps=300, seed=0)
    acc = res.final
    assert acc["No BN"] < 0.35 and acc["BN"] > 0.8
    assert acc["BN + noise"] > acc["No BN"] + 0.4  # far above no BN, distributions shaken
    assert acc["BN + noise"] > acc["BN"] - 0.1
    assert noise_verdict(acc) == "kept"
    # strong noise swamps it: the page says so
    loud = noisy_bn_experiment(noise=1.0, steps=300, seed=0).final
    assert loud["BN + noise"] < (loud["BN"] + loud["No BN"]) / 2
    assert noise_verdict(loud) == "lost"
    assert loud["BN"] == acc["BN"] and loud["No BN"] == acc["No BN"]  # same runs otherwise


def test_the_noise_test_runs_on_the_labs_deep_preset():
    from bnlib.lab.config import PRESETS
    from bnlib.lab.experiments import DEEP

    shared = PRESETS["Deep net, high learning rate"].shared
    for field in ("depth", "activation", "lr", "optimizer"):
        assert getattr(DEEP, field) == shared[field]


@pytest.mark.slow
def test_landscape_is_smoother_with_bn():
    from bnlib.lab.experiments import landscape_experiment

    res = landscape_experiment(steps=300, lr=0.5, seed=0)
    s = res.summary()
    assert res.loss["BN"].shape == (30, 5)
    assert s["BN"]["loss_range"] < s["No BN"]["loss_range"] / 2
    assert s["BN"]["grad_change"] < s["No BN"]["grad_change"]
    # probes leave the run untouched: the same seed gives the same numbers
    again = landscape_experiment(steps=300, lr=0.5, seed=0)
    np.testing.assert_allclose(again.loss["BN"], res.loss["BN"])
