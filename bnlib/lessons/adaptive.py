"""Batch norm seen as adaptive signal processing: what it does to simple signals over time.

Each column of a record x (n,) or (n, k) is treated as one feature and the n time steps as
the batch, so BN subtracts the column's mean and divides by its standard deviation:

    constant          -> exactly 0
    two-level, p high -> +sqrt((1 - p) / p) and -sqrt(p / (1 - p))   (biased variance, eps -> 0)
    rare spikes       -> baseline near 0, the spikes magnified
    any scale         -> the same output (0..255 and 0..1 pixels agree, up to eps)

Streaming with running statistics (BatchNorm in eval mode, updated batch by batch) follows a
slowly drifting baseline and removes it: a high-pass filter with a time constant of about
batch / momentum samples. numpy only.
"""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import BatchNorm, forward


def as_columns(x) -> np.ndarray:
    """(n,) -> (n, 1); (n, k) stays."""
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


def normalize_columns(x, eps: float = 1e-5) -> np.ndarray:
    """BN over time, per column (gamma 1, beta 0). Same shape as x."""
    x = np.asarray(x, dtype=np.float64)
    y, _ = forward(as_columns(x), eps=eps)  # (n, k): statistics per column over the n steps
    return y.reshape(x.shape)


def two_level_closed_form(p: float) -> tuple[float, float]:
    """(high, low) output levels of BN for a two-valued signal high a fraction p of the time."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p}.")
    return float(np.sqrt((1 - p) / p)), float(-np.sqrt(p / (1 - p)))


def two_level_measured(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(high, low) output levels actually produced: y where x is at its max and its min."""
    x, y = np.ravel(x), np.ravel(y)
    return float(y[x == x.max()].mean()), float(y[x == x.min()].mean())


def rare_event_levels(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Input and output levels of the quiet baseline and of the rare spikes.

    A sample counts as a spike when it sits above the midpoint between the median and the max.
    """
    x, y = np.ravel(x), np.ravel(y)
    spike = x > (np.median(x) + x.max()) / 2
    if not spike.any() or spike.all():
        spike = x >= x.max()
    return {
        "share": float(spike.mean()),
        "baseline_in": float(np.median(x[~spike])),
        "spike_in": float(x[spike].mean()),
        "baseline_out": float(np.median(y[~spike])),
        "spike_out": float(y[spike].mean()),
    }


def streaming_normalize(
    x, batch: int = 20, momentum: float = 0.1, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feed a one-column record through a BatchNorm(1) in consecutive batches.

    For each batch: a training step updates running_mean and running_var (PyTorch's rule),
    then the batch is normalized in eval mode with those running statistics.
    Returns (y, running_mean, running_std), each (n,), the statistics as they stood when each
    sample was normalized. A trailing part shorter than `batch` joins the last full batch.
    """
    x = np.ravel(np.asarray(x, dtype=np.float64))
    n = len(x)
    if batch < 2 or batch > n:
        raise ValueError(f"batch must be between 2 and the record length {n}, got {batch}.")
    bn = BatchNorm(1, eps=eps, momentum=momentum)
    y = np.empty(n)
    rmean = np.empty(n)
    rstd = np.empty(n)
    starts = list(range(0, n - batch + 1, batch))
    for i, s in enumerate(starts):
        e = n if i == len(starts) - 1 else s + batch
        chunk = x[s:e].reshape(-1, 1)  # (m, 1)
        bn.train()(chunk)  # updates the running statistics
        y[s:e] = bn.eval()(chunk)[:, 0]
        rmean[s:e] = bn.running_mean[0]
        rstd[s:e] = np.sqrt(bn.running_var[0] + eps)
    return y, rmean, rstd


def column_summary(x, y) -> dict[str, np.ndarray]:
    """Mean and standard deviation per column, before (x) and after (y)."""
    x, y = as_columns(x), as_columns(y)
    return {
        "mean_in": x.mean(axis=0),
        "std_in": x.std(axis=0),
        "mean_out": y.mean(axis=0),
        "std_out": y.std(axis=0),
    }


def slow_share(y, window: int = 200, skip: int = 0) -> float:
    """Share of y's variance carried by its slow part (a centred moving average over
    `window` samples): near 1 for a drifting record, near 0 once the drift is removed.
    The first `skip` samples (a warm-up) are left out."""
    y = np.ravel(np.asarray(y, dtype=np.float64))[skip:]
    if len(y) < 2 * window:
        window = max(1, len(y) // 4)
    slow = np.convolve(y, np.ones(window) / window, mode="valid")  # (n - window + 1,)
    total = y.var()
    return float(slow.var() / total) if total > 0 else 0.0
