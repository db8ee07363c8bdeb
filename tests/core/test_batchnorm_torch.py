"""bnlib.core.batchnorm mirrored against PyTorch in float64: forward, backward, running statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bnlib.core import batchnorm as bn

TOL = 1e-10
torch.set_default_dtype(torch.float64)


def close(ours, theirs, what: str, tol: float = TOL) -> None:
    ours = np.asarray(ours)
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape ours {ours.shape} vs torch {theirs.shape}"
    err = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
    assert err <= tol, (
        f"{what}: max abs diff {err:.3e} > {tol:g}\nours : {ours.ravel()[:6]}\n"
        f"torch: {theirs.ravel()[:6]}"
    )


def random_shapes(seed: int):
    """Shapes that include batch size 2 and a single feature, in 2-D, 3-D and 4-D."""
    rng = np.random.default_rng(seed)
    fixed = [(2, 1), (2, 7), (5, 1), (64, 16), (2, 3, 4), (2, 1, 3, 3), (4, 3, 5, 6), (1, 3, 2, 2)]
    rand = [tuple(int(v) for v in rng.integers(2, 9, size=rng.integers(2, 5))) for _ in range(6)]
    return fixed + rand


SHAPES = random_shapes(0)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_forward_backward_match_autograd(shape):
    rng = np.random.default_rng(hash(shape) % 2**32)
    x = rng.normal(3.0, 2.5, size=shape)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    dy = rng.normal(size=shape)

    y, cache = bn.forward(x, gamma, beta, eps=1e-5)
    dx, dgamma, dbeta = bn.backward(dy, cache)
    steps = bn.backward_steps(dy, cache)

    xt = torch.tensor(x, requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    yt = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    yt.backward(torch.tensor(dy))

    close(y, yt, "forward y")
    close(dx, xt.grad, "dx (compact)")
    close(steps["dx"], xt.grad, "dx (step by step)")
    close(dgamma, gt.grad, "dgamma")
    close(dbeta, bt.grad, "dbeta")
    close(steps["dgamma"], gt.grad, "dgamma (steps)")
    close(steps["dbeta"], bt.grad, "dbeta (steps)")


def test_steps_intermediates_follow_the_formulas():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 3))
    gamma = rng.normal(size=3)
    dy = rng.normal(size=(6, 3))
    _, cache = bn.forward(x, gamma, 0.0)
    s = bn.backward_steps(dy, cache)
    m, mu, var, eps = 6, x.mean(0), x.var(0), 1e-5
    close(s["dx_hat"], dy * gamma, "dx_hat")
    dvar = np.sum(s["dx_hat"] * (x - mu), 0) * -0.5 * (var + eps) ** -1.5
    close(s["dvar"], dvar, "dvar")
    dmu = np.sum(-s["dx_hat"] / np.sqrt(var + eps), 0) + dvar * -2 / m * np.sum(x - mu, 0)
    close(s["dmu"], dmu, "dmu")
    close(s["dx_direct"] + s["dx_via_var"] + s["dx_via_mean"], s["dx"], "three paths sum to dx")


def _module(shape, **kw):
    cls = torch.nn.BatchNorm1d if len(shape) <= 3 else torch.nn.BatchNorm2d
    if len(shape) == 5:
        cls = torch.nn.BatchNorm3d
    return cls(shape[1], dtype=torch.float64, **kw)


@pytest.mark.parametrize("shape", [(2, 1), (8, 5), (4, 3, 7), (3, 2, 4, 4)], ids=str)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None, 0.0, 1.0])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_matches_torch_module_over_many_steps(shape, momentum, affine):
    rng = np.random.default_rng(7)
    ours = bn.BatchNorm(shape[1], momentum=momentum, affine=affine)
    theirs = _module(shape, momentum=momentum, affine=affine)
    if affine:  # non-trivial parameters so the affine path is exercised
        g, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
        ours.gamma, ours.beta = g.copy(), b.copy()
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(g))
            theirs.bias.copy_(torch.tensor(b))
    for step in range(12):
        x = rng.normal(step * 0.3, 1 + step * 0.1, size=shape)
        dy = rng.normal(size=shape)
        xt = torch.tensor(x, requires_grad=True)
        yt = theirs(xt)
        yt.backward(torch.tensor(dy))
        y = ours(x)
        dx = ours.backward(dy)
        close(y, yt, f"train step {step}: y")
        close(dx, xt.grad, f"train step {step}: dx")
        if affine:
            close(ours.dgamma, theirs.weight.grad, f"step {step}: dgamma")
            close(ours.dbeta, theirs.bias.grad, f"step {step}: dbeta")
            theirs.weight.grad = theirs.bias.grad = None
        close(ours.running_mean, theirs.running_mean, f"step {step}: running_mean")
        close(ours.running_var, theirs.running_var, f"step {step}: running_var")
        assert ours.num_batches_tracked == int(theirs.num_batches_tracked)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=shape)
    dy = rng.normal(size=shape)
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).backward(torch.tensor(dy))
    close(ours(x), theirs(torch.tensor(x)), "eval y")
    close(ours.backward(dy), xt.grad, "eval dx")


@pytest.mark.parametrize("shape", [(5, 3), (2, 2, 3, 3)], ids=str)
def test_no_running_stats_uses_batch_stats_in_eval(shape):
    rng = np.random.default_rng(3)
    ours = bn.BatchNorm(shape[1], track_running_stats=False).eval()
    theirs = _module(shape, track_running_stats=False).eval()
    assert ours.running_mean is None and theirs.running_mean is None
    x = rng.normal(2, 3, size=shape)
    close(ours(x), theirs(torch.tensor(x)), "eval with batch stats")


def test_running_var_is_unbiased():
    x = np.array([[1.0], [2.0], [4.0]])
    layer = bn.BatchNorm(1, momentum=1.0)
    layer(x)
    assert layer.running_var[0] == pytest.approx(np.var(x, ddof=1))
    assert layer.running_mean[0] == pytest.approx(x.mean())


def test_fold_matches_eval_forward_and_torch():
    rng = np.random.default_rng(5)
    layer = bn.BatchNorm(4)
    layer.gamma, layer.beta = rng.normal(size=4), rng.normal(size=4)
    for _ in range(5):
        layer(rng.normal(1, 2, size=(16, 4)))
    layer.eval()
    scale, shift = layer.fold()
    x = rng.normal(size=(3, 4))
    close(scale * x + shift, layer(x), "folded affine map vs eval forward", tol=1e-12)
    theirs = torch.nn.BatchNorm1d(4, dtype=torch.float64).eval()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.gamma))
        theirs.bias.copy_(torch.tensor(layer.beta))
        theirs.running_mean.copy_(torch.tensor(layer.running_mean))
        theirs.running_var.copy_(torch.tensor(layer.running_var))
    close(scale * x + shift, theirs(torch.tensor(x)), "folded map vs torch eval")


def test_momentum_conversion():
    assert bn.keras_to_torch_momentum(0.9) == pytest.approx(0.1)
    assert bn.torch_to_keras_momentum(0.1) == pytest.approx(0.9)
    assert bn.keras_to_torch_momentum(0.99) == pytest.approx(0.01)
    for m in (0.0, 0.3, 1.0):
        assert bn.torch_to_keras_momentum(bn.keras_to_torch_momentum(m)) == pytest.approx(m)


def test_float32_stays_float32_and_close_to_torch():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 8)).astype(np.float32)
    y, cache = bn.forward(x, np.ones(8, np.float32), np.zeros(8, np.float32))
    assert y.dtype == np.float32
    yt = F.batch_norm(torch.tensor(x), None, None, training=True)
    close(y, yt, "float32 forward", tol=1e-5)
