"""Lesson 6's scale invariance with numbers: BN(X·aW) = BN(X·W), the gradient scales by 1/a,
the relative SGD step by 1/a², and plain SGD only lengthens W. Checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bnlib.lessons import scale_invariance as si


@pytest.mark.parametrize("a", si.SCALES)
def test_scaling_the_weights_scales_the_gradient_by_one_over_a(a):
    s = si.scaled(a)
    assert s.output_change < 1e-3  # zero up to eps
    assert s.grad_ratio == pytest.approx(1 / a, rel=1e-3)
    assert s.step_ratio == pytest.approx(1 / a**2, rel=1e-3)
    assert s.max_cos < 1e-3  # each unit's gradient is at right angles to its weights


def test_the_gradient_is_pytorchs():
    lay = si.layer(3)
    w = 2.5 * lay.w
    _, loss, grad = si.loss_and_grad(lay, w)
    wt = torch.tensor(w, requires_grad=True)
    bn = torch.nn.BatchNorm1d(si.UNITS, eps=1e-5, affine=False, dtype=torch.float64)
    y = bn(torch.tensor(lay.x) @ wt)
    ref = 0.5 * ((y - torch.tensor(lay.target)) ** 2).sum() / len(y)
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, wt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("lr", [0.1, 1.0, 10.0])
def test_sgd_only_lengthens_the_weights(lr):
    g = si.sgd_growth(lr, steps=60)
    assert np.all(np.diff(g.norm) > 0)
    # Pythagoras: the step is at right angles to W, so ||W'||^2 = ||W||^2 + ||step||^2
    step = g.rel_step * g.norm[:-1]
    np.testing.assert_allclose(g.norm[1:] ** 2, g.norm[:-1] ** 2 + step**2, rtol=1e-3)
    # the relative step falls as W grows: its last value is below its first
    assert g.rel_step[-1] < g.rel_step[0]
    assert g.loss[-1] < g.loss[0] / 10  # and the layer still learns


def test_a_huge_rate_grows_the_weights_until_the_step_is_small():
    big = si.sgd_growth(10.0, steps=100)
    assert big.rel_step[0] > 1  # the first step is longer than W itself
    assert big.norm[-1] > 3 * big.norm[0]
    assert big.rel_step[-1] < 0.01


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_bad_scales_and_rates_say_what_to_do(bad):
    with pytest.raises(ValueError, match="positive"):
        si.scaled(bad)
    with pytest.raises(ValueError, match="lr > 0"):
        si.sgd_growth(bad)
