"""Lesson 2 (batch statistics): the code tabs' text, NumPy (bnlib) and PyTorch."""

NUMPY = """
import numpy as np
from bnlib.core.batchnorm import forward

x = np.random.default_rng(0).normal([10, -3, 7], [1, 0.5, 3], size=(256, 3))
mu = x.mean(axis=0)                  # (3,) one mean per feature
var = x.var(axis=0)                  # (3,) biased: divides by m
x_hat = (x - mu) / np.sqrt(var + 1e-5)
y, cache = forward(x, gamma=1.0, beta=0.0, eps=1e-5)
assert np.allclose(y, x_hat)
"""

TORCH = """
import torch

x = torch.randn(256, 3, dtype=torch.float64) * torch.tensor([1, 0.5, 3]) + torch.tensor([10, -3, 7])
bn = torch.nn.BatchNorm1d(3, eps=1e-5, dtype=torch.float64)   # gamma=1, beta=0 at start
y = bn(x)                            # training mode: uses this batch's mean and variance
print(y.mean(0), y.std(0, unbiased=False))   # about 0 and just under 1
"""
