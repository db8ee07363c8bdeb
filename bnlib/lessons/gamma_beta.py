"""Lesson 4 (gamma and beta): a batch of two features, the presets, the values that undo
the normalization, and a sigmoid fed gamma * x_hat. numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib.core.batchnorm import forward
from bnlib.core.signals import sample
from bnlib.lessons.covariate import FLAT, sigmoid
from bnlib.settings import Setting, register

M = 200  # samples in the batch
EPS = 1e-5
NAMES = ("feature A", "feature B")

# "Why γ matters": a sigmoid fed γ·x̂, compared with γ = 1
SIG_GAMMA = Setting(
    "l4_sig_gamma", "float", 3.0, "γ in front of the sigmoid", min=0.25, max=5.0, step=0.25
)
SETTINGS = register(SIG_GAMMA)

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


def demo_inputs(m: int = M, seed: int = 0) -> np.ndarray:
    """m normalized values x_hat (mean 0, std 1) of a normal sample: the sigmoid demo's input."""
    x = sample("normal", m, seed)
    return (x - x.mean()) / x.std()


@dataclass(frozen=True)
class SigmoidView:
    """A sigmoid fed gamma * x_hat: its outputs and how curved its working range is."""

    gamma: float
    outputs: np.ndarray  # sigmoid(gamma * x_hat), (m,)
    low_slope: float  # share of inputs with |gamma * x_hat| > 2, the low-slope zone of lesson 1
    r2: float  # R^2 of a straight-line fit of the outputs on x_hat: 1 = the sigmoid acts linearly


def sigmoid_view(x_hat: np.ndarray, gamma: float) -> SigmoidView:
    """How a sigmoid treats the normalized inputs x_hat once they are scaled by gamma."""
    x_hat = np.asarray(x_hat, dtype=np.float64)
    z = gamma * x_hat
    out = sigmoid(z)
    r2 = float(np.corrcoef(x_hat, out)[0, 1] ** 2) if np.ptp(out) > 0 else 1.0
    return SigmoidView(float(gamma), out, float(np.mean(np.abs(z) > FLAT)), r2)
