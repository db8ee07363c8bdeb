"""Lesson 6's code tabs: the backward pass and its checks in bnlib and PyTorch."""

NUMPY = """
import numpy as np
from bnlib.core.batchnorm import forward, backward, backward_steps
from bnlib.core.gradcheck import numerical_gradient, rel_error

x = np.random.default_rng(0).normal(2, 1.5, (8, 1))
dy = np.random.default_rng(1).normal(size=(8, 1))
y, cache = forward(x, gamma=1.5, beta=0.25)
dx, dgamma, dbeta = backward(dy, cache)          # compact formula
steps = backward_steps(dy, cache)                # every node of the graph
num = numerical_gradient(lambda v: forward(v, 1.5, 0.25)[0], x, dy)
print(rel_error(dx, num), dx.sum())             # about 1e-11 and 1e-15: sum(dx) is always 0
print((dx * cache.x_hat).sum())                  # -4.7e-05: not 0, because eps = 1e-5 > 0
s = dy * cache.x_hat
print(1.5 * 1e-5 / (cache.var + 1e-5) ** 1.5 * s.sum())   # the same -4.7e-05, exactly
"""

TORCH = """
import torch

x = torch.randn(8, 1, dtype=torch.float64, requires_grad=True)
bn = torch.nn.BatchNorm1d(1, dtype=torch.float64)
y = bn(x)
dy = torch.randn_like(y)
y.backward(dy)
print(x.grad.sum(), bn.weight.grad, bn.bias.grad)   # sum of dx is ~1e-16
torch.autograd.gradcheck(lambda v: bn(v), (x,))      # numerical vs autograd
"""
