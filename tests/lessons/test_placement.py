"""bnlib.lessons.placement: saturation edges, dead units, the bias demo and the placement order."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.data.digits import load_digits
from bnlib.lessons.placement import (
    ACTIVATIONS,
    SATURATION_EDGE,
    bias_demo,
    compare_placement,
    dead_share,
    saturated_share,
    slope,
)


@pytest.fixture(scope="module")
def x():
    X, _ = load_digits()
    return X[:64] / 16.0


def test_load_digits_contract():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and set(np.unique(y)) == set(range(10))


@pytest.mark.parametrize("act,peak", [("sigmoid", 0.25), ("tanh", 1.0)])
def test_saturation_edge_is_where_slope_drops_to_a_tenth(act, peak):
    edge = SATURATION_EDGE[act]
    assert slope(np.array([edge]), act)[0] == pytest.approx(0.1 * peak, rel=1e-9)
    assert saturated_share(np.array([0.0, edge * 1.01, -edge * 1.01, 0.5]), act) == 0.5


def test_dead_share_counts_units_silent_for_the_whole_batch():
    u = np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, 0.0]])
    assert dead_share(u) == pytest.approx(2 / 3)


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_bn_before_ignores_weight_scale_and_bias(x, act):
    a = compare_placement(x, act, 50, weight_scale=1.0, bias_shift=0.0, seed=3)
    b = compare_placement(x, act, 50, weight_scale=1.0, bias_shift=2.5, seed=3)
    # same weights, shifted biases: BN(z + c) == BN(z) up to rounding
    np.testing.assert_allclose(a.received_before, b.received_before, atol=1e-9)
    assert a.summary()["before"]["dead"] == 0.0


def test_bn_after_suffers_from_a_bad_layer(x):
    r = compare_placement(x, "tanh", 100, weight_scale=8.0, seed=0).summary()
    assert r["after"]["saturated"] > 0.5 > 0.1 > r["before"]["saturated"]
    r = compare_placement(x, "relu", 100, weight_scale=1.0, bias_shift=-3.0, seed=0).summary()
    assert r["after"]["dead"] > 0.5 and r["before"]["dead"] == 0.0


def test_bias_demo_outputs_identical_and_gradient_zero(x):
    for scale in (0.0, 1.0, 20.0):
        d = bias_demo(x, 16, scale, seed=2)
        assert d["max_abs_diff"] <= 1e-12
        assert d["grad_b_relative"] <= 1e-12


def test_unknown_activation_is_a_clear_error(x):
    with pytest.raises(ValueError, match="unknown activation"):
        compare_placement(x, "gelu")
