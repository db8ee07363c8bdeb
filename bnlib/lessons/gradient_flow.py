"""Lesson 6, the backward pass: a batch small enough to read every number, the facts the page
checks on it, the numerical gradient check and the timing harness. numpy only (the PyTorch
column is drawn by bnlib.ui.gradient_flow_view)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bnlib.core.batchnorm import backward, backward_steps, forward
from bnlib.core.gradcheck import numerical_gradient

BETA = 0.25  # beta does not enter any gradient except dbeta itself
TIMING_FEATURES = 64  # the timed batch is (n, 64)


def tiny_batch(m: int, gamma: float, eps: float, seed: int):
    """x (m, 1) and upstream dy (m, 1), rounded to short numbers; y, the forward cache and
    every node of the backward pass (bnlib.core.batchnorm.backward_steps)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 1.5, (m, 1)).round(2)  # (m, 1): one feature, short numbers
    dy = rng.normal(0.0, 1.0, (m, 1)).round(2)  # upstream gradient dL/dy
    y, cache = forward(x, gamma, BETA, eps)
    return x, dy, y, cache, backward_steps(dy, cache)


def check_names(m: int) -> list[str]:
    """The rows of the gradient-check table."""
    return [f"dx_{i}" for i in range(1, m + 1)] + ["dγ", "dβ"]


def numeric_check(m: int, gamma: float, eps: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(dx_1..dx_m, dγ, dβ) from the formulas and from central differences."""
    x, dy, _, cache, _ = tiny_batch(m, gamma, eps, seed)
    dx, dgamma, dbeta = backward(dy, cache)
    g, b = np.array([gamma]), np.array([BETA])
    num_dx = numerical_gradient(lambda v: forward(v, g, b, eps)[0], x, dy)
    num_dg = numerical_gradient(lambda v: forward(x, v, b, eps)[0], g, dy)
    num_db = numerical_gradient(lambda v: forward(x, g, v, eps)[0], b, dy)
    ours = np.concatenate([dx[:, 0], dgamma, dbeta])
    numerical = np.concatenate([num_dx[:, 0], num_dg, num_db])
    return ours, numerical


def gradient_sums(dy, cache, dx, gamma: float, eps: float) -> tuple[float, float, float]:
    """Σ dx_i, Σ dx_i·x̂_i, and the exact value of the second sum from the compact formula:
    γ·ε/(σ²_B+ε)^(3/2) · Σ dy_i·x̂_i (zero only when ε = 0). One feature: (m, 1) arrays."""
    x_hat = cache.x_hat[:, 0]
    inv = float(cache.inv_std[0])
    predicted = float(gamma) * float(eps) * inv**3 * float((dy[:, 0] * x_hat).sum())
    return float(dx[:, 0].sum()), float((dx[:, 0] * x_hat).sum()), predicted


def best_time(fn: Callable[[], object], repeats: int = 5) -> float:
    """The fastest of `repeats` calls, in seconds."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def time_backward(n: int) -> dict[str, float]:
    """Best-of-5 seconds of the compact and the step-by-step backward on an (n, 64) batch."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, TIMING_FEATURES))
    dy = rng.normal(size=(n, TIMING_FEATURES))
    _, cache = forward(x)
    return {
        "n": n,
        "compact": best_time(lambda: backward(dy, cache)),
        "steps": best_time(lambda: backward_steps(dy, cache)),
    }
