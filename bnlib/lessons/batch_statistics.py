"""Lesson 2 (batch statistics): one feature through the four steps, three features side by
side, and what eps does to the output's spread. numpy only."""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import forward
from bnlib.core.signals import sample

# three features far apart: centres 10, -3 and 7, spreads 1, 0.5 and 3
FEATURE_CENTRES = (10.0, -3.0, 7.0)
FEATURE_SPREADS = (1.0, 0.5, 3.0)
FEATURE_NAMES = ["feature 1", "feature 2", "feature 3"]
EPS_CURVE_VAR = 1e-4  # the feature variance of the eps curve (activations that barely move)
EPS_GRID = np.geomspace(1e-8, 1.0, 81)


def normalize_one(kind: str, m: int, eps: float, seed: int):
    """One feature of m samples from distribution `kind`, through steps 1-3:
    (raw x, x - mu_B, x_hat, mu_B, sigma^2_B), the arrays of shape (m,)."""
    x = sample(kind, m, seed).reshape(-1, 1)  # (m, 1): one feature
    y, cache = forward(x, eps=eps)
    return x[:, 0], x[:, 0] - cache.mean[0], y[:, 0], float(cache.mean[0]), float(cache.var[0])


def normalize_features(m: int, eps: float, seed: int):
    """Three features far apart, normalized each on its own: (x, y, mu_B, sigma^2_B),
    x and y of shape (m, 3)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(FEATURE_CENTRES, FEATURE_SPREADS, size=(m, 3))  # (m, 3)
    y, cache = forward(x, eps=eps)
    return x, y, cache.mean, cache.var


def normalized_std(var: float, eps: float) -> float:
    """The std of x_hat for a feature of variance `var`: sqrt(var / (var + eps))."""
    return float(np.sqrt(var / (var + eps)))
