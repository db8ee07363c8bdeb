"""Lesson 4 (gamma and beta): a batch of two features, the presets, the values that undo
the normalization, and a sigmoid fed gamma * x_hat. numpy only."""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import forward
from bnlib.core.signals import sample

M = 200  # samples in the batch
EPS = 1e-5
NAMES = ("feature A", "feature B")

PRESETS = {
    "Identity (γ=1, β=0)": ((1.0, 0.0), (1.0, 0.0)),
    "Double the spread (γ=2)": ((2.0, 0.0), (2.0, 0.0)),
    "Shift (β=3)": ((1.0, 3.0), (1.0, 3.0)),
    "Both (γ=2, β=3)": ((2.0, 3.0), (2.0, 3.0)),
}


def batch(seed: int):
    """Two features: A is normal around 4 (spread 2), B is skewed around -1.5 (spread 1.5).
    Returns (x, x_hat, mu_B, sigma^2_B), x and x_hat of shape (M, 2)."""
    a = sample("normal", M, seed, loc=4.0, scale=2.0)
    b = sample("skewed", M, seed + 7919, scale=1.5) - 3.0
    x = np.column_stack([a, b])  # (M, 2)
    _, cache = forward(x, eps=EPS)
    return x, cache.x_hat, cache.mean, cache.var


def undo_values(mean: np.ndarray, var: np.ndarray):
    """((gamma, beta) of A, (gamma, beta) of B) that hand the input back: gamma =
    sqrt(var + eps), beta = mean, exact (not rounded to a slider's step)."""
    std = np.sqrt(var + EPS)
    return (float(std[0]), float(mean[0])), (float(std[1]), float(mean[1]))
