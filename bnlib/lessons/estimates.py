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


# --- the other side: pooling statistics over many batches goes stale ---------------------

WINDOWS = (1, 2, 4, 8, 16, 32, 64)  # batches pooled into one estimate


@dataclass(frozen=True)
class WindowError:
    windows: np.ndarray  # (K,) batches pooled
    measured: np.ndarray  # (K,) root-mean-square error of the pooled mean, simulated
    noise: np.ndarray  # (K,) its noise part: sigma / sqrt(k m)
    stale: np.ndarray  # (K,) its staleness part: drift (k - 1) / 2

    @property
    def best(self) -> int:
        """The window with the smallest measured error."""
        return int(self.windows[int(np.argmin(self.measured))])


def window_error(
    m: int, drift: float, windows=WINDOWS, steps: int = 400, seed: int = 0
) -> WindowError:
    """A unit whose true mean moves by `drift` (in units of its spread) every training step,
    as a layer's input does while the layers below learn. At each step the current mean is
    estimated from the last k batches of m samples pooled. More batches: less noise
    (sigma / sqrt(k m)), but older ones were drawn when the mean was elsewhere, so the
    estimate lags by drift (k - 1) / 2. Simulated error against that decomposition."""
    if m < 1 or not np.isfinite(drift) or drift < 0:
        raise ValueError(f"need m >= 1 and a drift >= 0, got m={m}, drift={drift}")
    windows = np.asarray(windows, dtype=int)
    k_max = int(windows.max())
    rng = np.random.default_rng(seed)
    t = np.arange(steps + k_max)
    batch_means = drift * t + rng.standard_normal((len(t), m)).mean(axis=1)  # (T,)
    csum = np.concatenate([[0.0], np.cumsum(batch_means)])
    now = t[k_max:]  # steps with a full window behind them
    measured = []
    for k in windows:
        pooled = (csum[now + 1] - csum[now + 1 - k]) / k  # mean of the last k batch means
        measured.append(np.sqrt(np.mean((pooled - drift * now) ** 2)))
    return WindowError(
        windows,
        np.array(measured),
        1.0 / np.sqrt(windows * m),
        drift * (windows - 1) / 2.0,
    )
