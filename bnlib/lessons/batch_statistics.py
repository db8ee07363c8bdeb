"""Lesson 2 (batch statistics): one feature through the four steps, three features side by
side, and what eps does to the output's spread. numpy only."""

from __future__ import annotations

from dataclasses import dataclass

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


# --- Why a common footing helps: gradient descent in a long thin bowl and in a round one


@dataclass(frozen=True)
class Bowl:
    """Gradient descent on the squared loss of a linear model with two inputs, whose
    curvature along each weight is that input's mean square: 1 and scale**2 for the raw
    inputs, 1 and 1 once both are normalized. The same learning rate rule for both:
    `lr_factor` / (largest curvature), the most a single rate can be for the steep weight."""

    scale: float
    curvature: tuple[float, float]
    lr: float
    path: np.ndarray  # (steps + 1, 2) weights, relative to the minimum
    steps_to_1pct: int  # steps until the loss is 1 % of where it started (or the cap)


BOWL_SCALE = 5.0  # spread of the second raw input (the first has spread 1)
BOWL_START = (-2.5, 2.5)  # start, in the normalized picture's coordinates
BOWL_CAP = 10_000


def _descend(curv: np.ndarray, start: np.ndarray, lr: float, steps: int) -> np.ndarray:
    w = [start]
    for _ in range(steps):
        w.append(w[-1] - lr * curv * w[-1])  # the gradient of 0.5 * sum(curv * w**2)
    return np.array(w)


def bowl(scale: float, normalized: bool, steps: int = 25, lr_factor: float = 1.6) -> Bowl:
    """One panel of the picture: raw inputs with spreads 1 and `scale`, or normalized."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    curv = np.array([1.0, 1.0 if normalized else scale**2])
    # the same starting prediction error: the raw weight of the larger input is 1/scale
    start = np.array(BOWL_START) * (1.0 if normalized else np.array([1.0, 1.0 / scale]))
    lr = lr_factor / curv.max()
    loss0 = 0.5 * float(np.sum(curv * start**2))
    w, n = start.copy(), 0
    while 0.5 * float(np.sum(curv * w**2)) > 0.01 * loss0 and n < BOWL_CAP:
        w = w - lr * curv * w
        n += 1
    return Bowl(
        float(scale),
        (float(curv[0]), float(curv[1])),
        float(lr),
        _descend(curv, start, lr, steps),
        n,
    )
