"""Every bad input gets a ValueError that says what was wrong and how to fix it."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib import batchnorm as bn
from bnlib import norms, signals
from bnlib.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(bad):
    x = np.ones((4, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match=r"1 non-finite value.*(Remove|replace)"):
        bn.forward(x, 1.0, 0.0)
    with pytest.raises(ValueError, match="non-finite"):
        bn.BatchNorm(2)(x)


def test_wrong_ndim_suggests_reshape():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*reshape\(-1, 1\)"):
        bn.forward(np.arange(5.0), 1.0, 0.0)


def test_feature_count_mismatch_names_both_sizes():
    with pytest.raises(ValueError, match=r"expected 3 features.*BatchNorm\(4\) fits"):
        bn.BatchNorm(3)(np.ones((5, 4)))


def test_gamma_shape_mismatch():
    with pytest.raises(ValueError, match=r"gamma must be a scalar or have shape \(3,\)"):
        bn.forward(np.random.default_rng(0).normal(size=(4, 3)), np.ones(2), 0.0)


def test_batch_of_one_in_training_explains_why():
    layer = bn.BatchNorm(3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*variance is 0.*eval"):
        layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn.forward(np.ones((1, 3)), 1.0, 0.0)
    # eval mode with running statistics handles a single sample
    assert layer.eval()(np.ones((1, 3))).shape == (1, 3)


def test_batch_of_one_without_running_stats_fails_in_eval_too():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn.BatchNorm(2, track_running_stats=False).eval()(np.ones((1, 2)))


@pytest.mark.parametrize("eps", [0, -1e-5, float("nan"), float("inf"), "abc"])
def test_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be"):
        bn.forward(np.random.default_rng(0).normal(size=(4, 2)), 1.0, 0.0, eps=eps)
    with pytest.raises(ValueError, match="eps must be"):
        bn.BatchNorm(2, eps=eps)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, float("nan"), "fast"])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match=r"momentum must"):
        bn.BatchNorm(2, momentum=momentum)
    with pytest.raises(ValueError, match=r"momentum must"):
        bn.keras_to_torch_momentum(momentum)


def test_bad_num_features():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="num_features must be a positive integer"):
            bn.BatchNorm(bad)


def test_non_numeric_and_empty():
    with pytest.raises(ValueError, match="must hold numbers"):
        bn.forward(np.array([["a", "b"], ["c", "d"]]), 1.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        bn.forward(np.zeros((0, 3)), 1.0, 0.0)


def test_backward_errors():
    with pytest.raises(ValueError, match="before forward"):
        bn.BatchNorm(2).backward(np.ones((3, 2)))
    _, cache = bn.forward(np.random.default_rng(0).normal(size=(4, 2)), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"dy must have the shape"):
        bn.backward(np.ones((3, 2)), cache)


def test_fold_errors():
    with pytest.raises(ValueError, match="cannot be folded"):
        bn.BatchNorm(2, track_running_stats=False).fold()
    with pytest.raises(ValueError, match="non-negative"):
        bn.fold(1.0, 0.0, [0.0], [-1.0])


def test_norms_errors():
    x = np.random.default_rng(0).normal(size=(2, 6, 3))
    with pytest.raises(
        ValueError, match=r"divide the 6 channels evenly; choose one of \[1, 2, 3, 6\]"
    ):
        norms.group_norm(x, 4)
    with pytest.raises(ValueError, match="normalized_shape"):
        norms.layer_norm(x, normalized_shape=(5,))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        norms.instance_norm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="r_max >= 1"):
        norms.BatchRenorm(3, r_max=0.5)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        norms.OnlineNorm(2)(np.ones((4, 3)))


def test_signal_errors():
    with pytest.raises(ValueError, match="unknown signal kind 'pink'; choose one of: normal"):
        signals.sample("pink", 10)
    with pytest.raises(ValueError, match="0 < p < 1"):
        signals.sample("two_level", 10, p=1.5)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        signals.sample("normal", 0)
    with pytest.raises(ValueError, match="bad parameter"):
        signals.sample("normal", 5, nonsense=1)


def test_gradcheck_errors():
    with pytest.raises(ValueError, match="step h must be positive"):
        numerical_gradient(lambda v: v, np.ones(3), h=0)
    with pytest.raises(ValueError, match="one shape"):
        rel_error(np.ones(2), np.ones(3))
