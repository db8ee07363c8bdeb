"""One batch renorm: the numpy core (bnlib.norms.BatchRenorm) and the lab's torch module
(bnlib.lab.modules.BatchRenorm1d, which the stacked trainer is tested against) agree, step
by step, on outputs, gradients and the moving mu and sigma of Ioffe (2017)."""

import numpy as np
import pytest
import torch

from bnlib.core import norms
from bnlib.lab.modules import BatchRenorm1d


def close(ours, ref, what, tol=1e-10):
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol, err_msg=f"{what}: numpy vs torch")


@pytest.mark.parametrize(("n", "f", "momentum"), [(2, 1, 0.1), (8, 5, 0.01), (32, 3, 0.5)])
def test_numpy_and_torch_batch_renorm_agree(n, f, momentum):
    rng = np.random.default_rng(n + f)
    eps = 1e-5
    ours = norms.BatchRenorm(f, eps=eps, momentum=momentum, r_max=1.5, d_max=0.5)
    ref = BatchRenorm1d(f, eps=eps, momentum=momentum, rmax=1.5, dmax=0.5, dtype=torch.float64)
    # Same start: the torch module starts where a fresh BN does, sigma = sqrt(1 + eps).
    ours.running_std[:] = np.sqrt(1 + eps)
    ours.gamma, ours.beta = rng.normal(size=f), rng.normal(size=f)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.gamma))
        ref.bias.copy_(torch.tensor(ours.beta))
    for step in range(6):  # batches far from the running statistics: r and d clip
        x = rng.normal(3.0 * step, 1 + step, size=(n, f))
        dy = rng.normal(size=(n, f))
        xt = torch.tensor(x, requires_grad=True)
        y_ref = ref(xt)
        y_ref.backward(torch.tensor(dy))
        close(ours(x), y_ref, f"training output, step {step}")
        dx, dgamma, dbeta = ours.backward(dy)
        close(dx, xt.grad, f"dx, step {step}")
        close(dgamma, ref.weight.grad, f"dgamma, step {step}")
        close(dbeta, ref.bias.grad, f"dbeta, step {step}")
        ref.weight.grad = ref.bias.grad = None
        close(ours.running_mean, ref.running_mean, f"moving mu, step {step}")
        close(ours.running_std, ref.running_std, f"moving sigma, step {step}")
    x = rng.normal(size=(5, f))
    ours.eval()
    ref.eval()
    close(ours(x), ref(torch.tensor(x)), "eval output")
