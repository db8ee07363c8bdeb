"""Lesson 12's numpy side: what injected noise does to one unit's distribution after BN.

Santurkar et al. (2018) added, after every BN layer, i.i.d. noise to every activation,
with a non-zero mean and a non-unit variance redrawn at every step. This is a
simplification: one random shift and scale per unit, shared by the batch, the same noise
model as the lab's `norm_noise`. The unit's
normalized values x_hat (mean 0, variance 1 in every batch) become
x_hat * (1 + s) + t with s, t ~ N(0, noise^2) drawn fresh each step.
"""

from __future__ import annotations

import numpy as np

from bnlib.lessons import PERCENTILES

__all__ = ["noisy_unit_percentiles"]


def noisy_unit_percentiles(
    steps: int = 100, noise: float = 0.5, batch: int = 256, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(plain, noisy): (steps, 3) 15th/50th/85th percentiles of one unit's values per
    step, after BN (plain) and after BN plus the injected noise (noisy)."""
    if steps < 1 or batch < 2:
        raise ValueError(f"need steps >= 1 and batch >= 2, got {steps} and {batch}.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}.")
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, (steps, batch))  # (T, B) pre-BN values
    x_hat = (z - z.mean(1, keepdims=True)) / z.std(1, keepdims=True)  # per-step BN
    s = rng.normal(0.0, noise, (steps, 1))
    t = rng.normal(0.0, noise, (steps, 1))
    noisy = x_hat * (1 + s) + t
    return (
        np.percentile(x_hat, PERCENTILES, axis=1).T,
        np.percentile(noisy, PERCENTILES, axis=1).T,
    )
