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
from bnlib.core.signals import sample
from bnlib.settings import Setting, register

# Lesson 9's signals, their labels and its shareable settings (query-parameter keys l9_*).
KINDS = ("two_level", "constant", "rare_events", "drifting", "multi_sensor", "pixels")
LABELS = {
    "two_level": "Two-level (on/off)",
    "constant": "Constant",
    "rare_events": "Rare events",
    "drifting": "Drifting baseline",
    "multi_sensor": "Three sensors, three scales",
    "pixels": "Pixels: 0–255 vs 0–1",
}
SIGNAL = Setting("l9_signal", "choice", "two_level", "Signal", choices=KINDS)
P = Setting(
    "l9_p", "float", 0.2, "Share of time at the high level, p", min=0.05, max=0.95, step=0.05
)
MOMENTUM = Setting(
    "l9_momentum",
    "choice",
    0.3,
    "Momentum (PyTorch convention)",
    choices=(0.01, 0.03, 0.1, 0.3, 0.5, 0.9),
)
CHUNK = Setting("l9_chunk", "choice", 10, "Batch size while streaming", choices=(5, 10, 20, 50))
SEED = Setting("l9_seed", "int", 0, "Seed", min=0, max=1_000_000)
EXAMPLE = Setting(
    "l9_example",
    "choice",
    "none",
    "Or try an example file",
    choices=("none", "sensors.csv", "messy.csv"),
)
SETTINGS = register(SIGNAL, P, MOMENTUM, CHUNK, SEED, EXAMPLE)
N = 1000  # time steps per signal (the drifting one gets twice as many)


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


def signal_view(kind: str, p: float, momentum: float, chunk: int, seed: int, n: int = N) -> dict:
    """Arrays and numbers for one of lesson 9's signals: everything its figure and metrics
    need. p is used by "two_level", momentum and chunk by "drifting"."""
    if kind == "two_level":
        x = sample(kind, n, seed, p=p)
        y = normalize_columns(x)
        return {"x": x, "y": y, "measured": two_level_measured(x, y)}
    if kind == "drifting":
        x = sample(kind, 2 * n, seed)
        y_stream, rmean, _ = streaming_normalize(x, chunk, momentum)
        y_whole = normalize_columns(x)
        warm = min(len(x) // 4, int(5 * chunk / momentum))
        return {
            "x": x,
            "rmean": rmean,
            "y_whole": y_whole,
            "y_stream": y_stream,
            "slow_whole": slow_share(y_whole, 200, warm),
            "slow_stream": slow_share(y_stream, 200, warm),
        }
    if kind == "pixels":
        raw = sample(kind, n, seed)
        x = np.column_stack([raw, raw / 255.0])  # the same image, two conventions
        y = normalize_columns(x)
        tiny = normalize_columns(x, eps=1e-12)
        return {
            "x": x,
            "y": y,
            "gap": float(np.abs(y[:, 0] - y[:, 1]).max()),
            "gap_tiny_eps": float(np.abs(tiny[:, 0] - tiny[:, 1]).max()),
        }
    x = sample(kind, n, seed)
    y = normalize_columns(x)
    view = {"x": x, "y": y, "summary": column_summary(x, y)}
    if kind == "rare_events":
        view["levels"] = rare_event_levels(x, y)
    return view


def trace_names(kind: str) -> list[str]:
    """The names of a signal's columns in its figure."""
    if kind == "multi_sensor":
        return ["temperature", "pressure", "current"]
    if kind == "pixels":
        return ["0–255", "0–1"]
    return [LABELS[kind]]
