"""How noisy are batch statistics? Estimates of mean and variance by batch size. numpy only.

For m independent samples the batch mean scatters around the population mean with
standard deviation sigma / sqrt(m); the biased batch variance scatters around
sigma^2 (m - 1) / m with a spread that also shrinks like 1 / sqrt(m).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib.core.batchnorm import forward
from bnlib.core.signals import sample, sample_batches

DEFAULT_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512)
GRID = 12  # small histograms in lesson 3's grid of batches
PER_SIZE = 60  # batches per size in lesson 3's scatter


@dataclass(frozen=True)
class Population:
    """Moments of a signal estimated from a large reference sample."""

    mean: float
    var: float
    m4: float  # fourth central moment, for the spread of the variance estimate

    @property
    def std(self) -> float:
        return float(np.sqrt(self.var))

    def mean_se(self, m) -> np.ndarray:
        """Standard error of the batch mean: sigma / sqrt(m)."""
        return self.std / np.sqrt(np.asarray(m, dtype=np.float64))

    def var_se(self, m) -> np.ndarray:
        """Approximate standard error of the batch variance: sqrt((mu4 - sigma^4) / m)."""
        spread = max(self.m4 - self.var**2, 0.0)
        return np.sqrt(spread) / np.sqrt(np.asarray(m, dtype=np.float64))


def population(kind: str, n: int = 200_000, seed: int = 12345) -> Population:
    x = sample(kind, n, seed)
    mu = float(x.mean())
    c = x - mu
    return Population(mu, float((c**2).mean()), float((c**4).mean()))


@dataclass(frozen=True)
class Estimates:
    """Batch means and biased variances for each batch size.

    sizes: (S,); means, variances: (S, B) for B batches per size.
    """

    sizes: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    def spread(self) -> tuple[np.ndarray, np.ndarray]:
        """Observed standard deviation of the mean and variance estimates, per size."""
        return self.means.std(axis=1), self.variances.std(axis=1)


def estimates_by_size(
    kind: str, sizes=DEFAULT_SIZES, num_batches: int = 60, seed: int = 0
) -> Estimates:
    sizes = np.asarray(sizes, dtype=np.int64)
    means, variances = [], []
    for i, m in enumerate(sizes):
        b = sample_batches(kind, int(m), num_batches, seed=seed * 1000 + i)  # (B, m)
        means.append(b.mean(axis=1))
        variances.append(b.var(axis=1))
    return Estimates(sizes, np.array(means), np.array(variances))


def batch_of_one_message() -> str:
    """What bnlib says when asked to normalize a training batch of one sample."""
    try:
        forward(np.array([[0.7]]))  # (1, 1): one sample, one feature
    except ValueError as exc:
        return str(exc)
    return ""
