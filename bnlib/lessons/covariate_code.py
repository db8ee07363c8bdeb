"""Lesson 1 (covariate shift): the code tabs' text, NumPy (bnlib) and PyTorch."""

NUMPY = """
import numpy as np
from bnlib.lessons.covariate import train_shift_run
from bnlib.data.digits import load_digits

X, y = load_digits()
plain = train_shift_run(X / 16, y, use_bn=False, lr=0.5, steps=2000)
bn = train_shift_run(X / 16, y, use_bn=True, lr=0.5, steps=2000)
band = plain.bands[:, 2, 0]            # (checkpoints, 3): 15/50/85th pct, layer 3, unit 0
print(band[0], band[-1])               # narrow near 0 at the start, wide and moved at the end
"""

TORCH = """
import torch.nn as nn

plain = nn.Sequential(nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Sigmoid(),
                      nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 10))
with_bn = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.Sigmoid(),
                        nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.Sigmoid(),
                        nn.Linear(32, 32, bias=False), nn.BatchNorm1d(32), nn.Sigmoid(),
                        nn.Linear(32, 10))
# record the input of the last Sigmoid with a forward hook, then take its percentiles
"""
