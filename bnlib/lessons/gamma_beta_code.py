"""Lesson 4 (gamma and beta): the code tabs' text, NumPy (bnlib) and PyTorch."""

NUMPY = """
import numpy as np
from bnlib.core.batchnorm import forward

x = np.random.default_rng(0).normal(4.0, 2.0, size=(200, 1))
y, cache = forward(x, gamma=1.0, beta=0.0)          # identity: y = x_hat
gamma = np.sqrt(cache.var + 1e-5)                   # undo the normalization
beta = cache.mean
y_back, _ = forward(x, gamma=gamma, beta=beta)
print(np.abs(y_back - x).max())                     # about 1e-15
"""

TORCH = """
import torch

bn = torch.nn.BatchNorm1d(2)          # bn.weight is gamma (ones), bn.bias is beta (zeros)
print(bn.weight.requires_grad)        # True: learned by backprop
with torch.no_grad():
    bn.weight.fill_(2.0)              # double the spread
    bn.bias.fill_(3.0)                # move the centre to 3
y = bn(torch.randn(200, 2))
print(y.mean(0), y.std(0, unbiased=False))   # about 3 and 2
"""
