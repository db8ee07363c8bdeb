"""Lesson 3 (batch size): the code tabs' text, NumPy (bnlib) and PyTorch."""

NUMPY = """
import numpy as np
from bnlib.core.signals import sample_batches

for m in (2, 8, 32, 128, 512):
    b = sample_batches("skewed", m, num_batches=1000, seed=0)   # (1000, m)
    print(m, b.mean(axis=1).std(), 1 / np.sqrt(m))  # sd of the mean vs sigma/sqrt(m), sigma = 1
"""

TORCH = """
import torch

bn = torch.nn.BatchNorm1d(4)
bn(torch.randn(1, 4))
# ValueError: Expected more than 1 value per channel when training,
#             got input size torch.Size([1, 4])
bn.eval()
bn(torch.randn(1, 4))      # fine: uses running_mean and running_var
"""
