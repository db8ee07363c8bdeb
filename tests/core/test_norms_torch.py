"""bnlib.core.norms mirrored against torch.nn.functional in float64; batch renorm and online norm."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bnlib.core import batchnorm as bn
from bnlib.core import norms
from bnlib.core.gradcheck import numerical_gradient, rel_error
from tests.core.test_batchnorm_torch import close

SHAPES = [(2, 4), (3, 6, 5), (2, 4, 3, 3), (5, 8, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_layer_norm(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(1, 3, size=shape)
    g, b = rng.normal(size=shape[1:]), rng.normal(size=shape[1:])
    ref = F.layer_norm(torch.tensor(x), shape[1:], torch.tensor(g), torch.tensor(b), eps=1e-5)
    close(norms.layer_norm(x, gamma=g, beta=b), ref, "layer_norm")
    ref_last = F.layer_norm(torch.tensor(x), shape[-1:])
    close(norms.layer_norm(x, normalized_shape=shape[-1:]), ref_last, "layer_norm last dim")


@pytest.mark.parametrize("shape", SHAPES[1:], ids=str)
def test_instance_norm(shape):
    rng = np.random.default_rng(1)
    x = rng.normal(-2, 2, size=shape)
    g, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    ref = F.instance_norm(torch.tensor(x), weight=torch.tensor(g), bias=torch.tensor(b))
    close(norms.instance_norm(x, g, b), ref, "instance_norm")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("groups", [1, 2, "C"])
def test_group_norm(shape, groups):
    groups = shape[1] if groups == "C" else groups
    rng = np.random.default_rng(2)
    x = rng.normal(0.5, 1.5, size=shape)
    g, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    if np.prod(shape[1:]) // groups < 2:  # one value per group: we refuse, torch returns beta
        with pytest.raises(ValueError, match="single value"):
            norms.group_norm(x, groups, g, b)
        return
    ref = F.group_norm(torch.tensor(x), groups, torch.tensor(g), torch.tensor(b), eps=1e-5)
    close(norms.group_norm(x, groups, g, b), ref, f"group_norm G={groups}")


def test_group_norm_extremes_are_layer_and_instance_norm():
    x = np.random.default_rng(3).normal(size=(3, 4, 5, 5))
    close(norms.group_norm(x, 1), norms.layer_norm(x), "G=1 is layer norm", tol=1e-12)
    close(norms.group_norm(x, 4), norms.instance_norm(x), "G=C is instance norm", tol=1e-12)


def test_batch_renorm_reduces_to_bn_when_r_and_d_are_clamped():
    x = np.random.default_rng(4).normal(3, 2, size=(8, 5))
    layer = norms.BatchRenorm(5, r_max=1.0, d_max=0.0)
    y_ref, _ = bn.forward(x, 1.0, 0.0)
    close(layer(x), y_ref, "renorm with r_max=1, d_max=0 equals batch norm", tol=1e-12)


def test_batch_renorm_applies_r_and_d_and_updates_moving_stats():
    rng = np.random.default_rng(5)
    layer = norms.BatchRenorm(3, momentum=0.5, r_max=3.0, d_max=5.0)
    layer.running_mean[:] = [1.0, 0.0, -1.0]
    layer.running_std[:] = [2.0, 1.0, 0.5]
    x = rng.normal(0.5, 1.0, size=(10, 3))
    mu_b, sig_b = x.mean(0), np.sqrt(x.var(0) + layer.eps)
    r = np.clip(sig_b / np.array([2.0, 1.0, 0.5]), 1 / 3, 3)
    d = np.clip((mu_b - np.array([1.0, 0.0, -1.0])) / np.array([2.0, 1.0, 0.5]), -5, 5)
    close(layer(x), (x - mu_b) / sig_b * r + d, "renorm forward")
    close(layer.running_mean, 0.5 * np.array([1.0, 0.0, -1.0]) + 0.5 * mu_b, "moving mean")
    close(layer.running_std, 0.5 * np.array([2.0, 1.0, 0.5]) + 0.5 * sig_b, "moving sigma")


def test_batch_renorm_backward_matches_autograd_with_r_d_constant():
    rng = np.random.default_rng(6)
    layer = norms.BatchRenorm(4, momentum=0.0)
    layer.running_mean[:] = rng.normal(size=4)
    layer.running_std[:] = rng.uniform(0.5, 2, size=4)
    layer.gamma, layer.beta = rng.normal(size=4), rng.normal(size=4)
    x = rng.normal(size=(7, 4))
    dy = rng.normal(size=(7, 4))
    layer(x)
    dx, dgamma, dbeta = layer.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    mu = xt.mean(0)
    sig = torch.sqrt(xt.var(0, unbiased=False) + layer.eps)
    r, d = torch.tensor(layer.r), torch.tensor(layer.d)  # constants: no gradient through them
    y = ((xt - mu) / sig * r + d) * torch.tensor(layer.gamma) + torch.tensor(layer.beta)
    y.backward(torch.tensor(dy))
    close(dx, xt.grad, "renorm dx")
    close(dbeta, dy.sum(0), "renorm dbeta")


def test_online_norm_follows_its_recurrence_and_works_at_batch_size_one():
    rng = np.random.default_rng(7)
    x = rng.normal(5, 2, size=(50, 2))
    layer = norms.OnlineNorm(2, decay=0.9)
    out = np.vstack([layer(x[t : t + 1]) for t in range(50)])  # one sample at a time
    mu, var, ref = np.zeros(2), np.ones(2), []
    for t in range(50):
        ref.append((x[t] - mu) / np.sqrt(var + 1e-5))
        var = 0.9 * var + 0.9 * 0.1 * (x[t] - mu) ** 2
        mu = 0.9 * mu + 0.1 * x[t]
    close(out, np.array(ref), "online norm", tol=1e-12)
    assert abs(layer.mu - 5).max() < 1.5  # the estimate has moved towards the true mean


def test_gradcheck_agrees_with_bn_backward():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    dy = rng.normal(size=(5, 3))
    _, cache = bn.forward(x, gamma, beta)
    dx, _, _ = bn.backward(dy, cache)
    num = numerical_gradient(lambda v: bn.forward(v, gamma, beta)[0], x, dy)
    assert rel_error(dx, num) < 1e-8
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
