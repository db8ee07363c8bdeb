"""Properties of batch norm that must hold for any input (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib import batchnorm as bn
from bnlib import signals
from bnlib.gradcheck import numerical_gradient, rel_error

EPS = 1e-5
shapes = st.tuples(st.integers(2, 24), st.integers(1, 6))
# values with a real spread: spread-less columns are the constant case, tested separately
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def batches():
    return shapes.flatmap(lambda s: arrays(np.float64, s, elements=finite)).filter(
        lambda x: (x.std(axis=0) > 1e-2).all()
    )


@settings(max_examples=60, deadline=None)
@given(batches())
def test_normalized_has_zero_mean_and_unit_variance(x):
    y, cache = bn.forward(x, 1.0, 0.0, eps=EPS)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-9)
    # variance is var / (var + eps): just below 1
    expected = x.var(axis=0) / (x.var(axis=0) + EPS)
    np.testing.assert_allclose(y.var(axis=0), expected, rtol=1e-9)
    assert (y.var(axis=0) <= 1.0 + 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(batches(), st.integers(0, 2**31 - 1))
def test_gradient_has_no_shift_or_scale_component(x, seed):
    rng = np.random.default_rng(seed)
    gamma = rng.normal(size=x.shape[1])
    dy = rng.normal(size=x.shape)
    # exact for eps -> 0; with eps, mean(x_hat^2) = var / (var + eps) leaves a trace
    _, cache = bn.forward(x, gamma, 0.0, eps=1e-300)
    dx, _, _ = bn.backward(dy, cache)
    scale = np.abs(dy).sum(axis=0) * np.abs(gamma) * cache.inv_std + 1e-12
    assert (np.abs(dx.sum(axis=0)) <= 1e-9 * scale).all()
    assert (np.abs((dx * cache.x_hat).sum(axis=0)) <= 1e-8 * scale * np.sqrt(len(x))).all()


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(1e-2, 1e2), st.floats(-50, 50))
def test_scale_and_shift_invariance(x, a, c):
    # exact for eps -> 0: BN(a x + c) = BN(x) for a > 0 (eps=1e-300 takes eps out of play)
    y1, _ = bn.forward(x, 1.0, 0.0, eps=1e-300)
    y2, _ = bn.forward(a * x + c, 1.0, 0.0, eps=1e-300)
    np.testing.assert_allclose(y2, y1, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(0.1, 10), st.floats(-10, 10))
def test_gamma_beta_set_output_std_and_mean(x, gamma, beta):
    y, _ = bn.forward(x, gamma, beta, eps=EPS)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-8 * max(1, abs(gamma)))
    expected_std = gamma * np.sqrt(x.var(axis=0) / (x.var(axis=0) + EPS))
    np.testing.assert_allclose(y.std(axis=0), expected_std, rtol=1e-8)


@given(st.integers(2, 64), st.floats(-1e6, 1e6), st.integers(1, 5))
def test_constant_input_becomes_zero(m, value, d):
    x = np.full((m, d), value)
    y, _ = bn.forward(x, 1.0, 0.0)
    # zero up to the rounding of the mean (m ulps of value), magnified by 1/sqrt(eps)
    bound = 4 * m * np.finfo(float).eps * abs(value) / np.sqrt(1e-5)
    assert np.all(np.abs(y) <= bound)


@given(st.integers(1, 19), st.integers(0, 1000))
def test_two_level_input_matches_closed_form(k, seed):
    n = 20
    p = k / n
    x = signals.sample("two_level", n, seed=seed, p=p).reshape(-1, 1)
    y, _ = bn.forward(x, 1.0, 0.0, eps=1e-14)
    high, low = y[x == 1.0], y[x == 0.0]
    np.testing.assert_allclose(high, np.sqrt((1 - p) / p), rtol=1e-6)
    np.testing.assert_allclose(low, -np.sqrt(p / (1 - p)), rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 8), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_numerical_gradient_agrees_with_backward(m, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, d)) * rng.uniform(0.5, 3)
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    dy = rng.normal(size=(m, d))
    _, cache = bn.forward(x, gamma, beta)
    dx, dgamma, dbeta = bn.backward(dy, cache)
    num_dx = numerical_gradient(lambda v: bn.forward(v, gamma, beta)[0], x, dy)
    num_dg = numerical_gradient(lambda g: bn.forward(x, g, beta)[0], gamma, dy)
    num_db = numerical_gradient(lambda b: bn.forward(x, gamma, b)[0], beta, dy)
    assert rel_error(dx, num_dx) < 1e-6
    assert rel_error(dgamma, num_dg) < 1e-7
    assert rel_error(dbeta, num_db) < 1e-7


def test_bn_scale_invariance_of_weights_and_gradient():
    """BN(a W u) = BN(W u), and the gradient w.r.t. a W is 1/a times that w.r.t. W."""
    rng = np.random.default_rng(0)
    u = rng.normal(size=(16, 5))
    w = rng.normal(size=(5, 3))
    dy = rng.normal(size=(16, 3))
    a = 7.0

    def grad_w(weights):
        _, cache = bn.forward(u @ weights, 1.0, 0.0, eps=1e-14)
        dx, _, _ = bn.backward(dy, cache)
        return u.T @ dx

    y1, _ = bn.forward(u @ w, 1.0, 0.0, eps=1e-14)
    y2, _ = bn.forward(u @ (a * w), 1.0, 0.0, eps=1e-14)
    np.testing.assert_allclose(y2, y1, atol=1e-10)
    np.testing.assert_allclose(grad_w(a * w), grad_w(w) / a, atol=1e-10)
