"""Where and how runs start: the device, each run's batch order, its initial weights.

Everything here is drawn from the run's own seed, so a run trained alone and the same run
trained inside a stack of others start from the same weights and see the same batches.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from bnlib.lab.config import LARGE_GAUSSIAN_STD, TrainConfig, steps_per_epoch

__all__ = ["batch_order", "init_linear", "resolve_device"]


def resolve_device(requested: str) -> tuple[torch.device, str | None]:
    """Map auto/cpu/cuda/mps to an available device; a notice says when we fell back."""
    has_cuda = torch.cuda.is_available()
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if requested == "auto":
        return torch.device("cuda" if has_cuda else "mps" if has_mps else "cpu"), None
    if requested == "cuda" and not has_cuda:
        return torch.device("cpu"), "CUDA was requested but no CUDA device is present: ran on CPU."
    if requested == "mps" and not has_mps:
        return torch.device("cpu"), "MPS was requested but is not available here: ran on CPU."
    return torch.device(requested), None


def batch_order(
    seed: int, n_train: int, batch_size: int, steps: int, labels: np.ndarray | None = None
) -> np.ndarray:
    """(steps, batch_size) training indices, a fresh shuffle each epoch, ragged ends dropped.

    With `labels`, every batch holds a single class (batches cut per class, then shuffled):
    the non-i.i.d. case where batch statistics describe one class, not the data.
    """
    rng = np.random.default_rng(seed)
    if labels is None:
        per_epoch = steps_per_epoch(batch_size, n_train)
        epoch = lambda: rng.permutation(n_train)[: per_epoch * batch_size].reshape(-1, batch_size)  # noqa: E731
    else:
        labels = np.asarray(labels)

        def epoch():
            rows = []
            for c in np.unique(labels):
                idx = rng.permutation(np.flatnonzero(labels == c))
                n = len(idx) // batch_size * batch_size
                rows.append(idx[:n].reshape(-1, batch_size))
            rows = np.concatenate(rows)
            if len(rows) == 0:
                raise ValueError(f"no class has {batch_size} training samples; lower batch_size.")
            return rows[rng.permutation(len(rows))]

    out, n = [], 0
    while n < steps:
        out.append(epoch())
        n += len(out[-1])
    return np.concatenate(out)[:steps]


def init_linear(cfg: TrainConfig, fan_in: int, fan_out: int, gen: torch.Generator):
    """(W of shape (fan_in, fan_out), b of shape (fan_out,)) in float64, drawn from `gen`."""
    if cfg.init == "default":  # what nn.Linear does: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        bound = 1.0 / math.sqrt(fan_in)
        w = (torch.rand(fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        b = (torch.rand(fan_out, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        return w.T, b
    std = {
        "kaiming": math.sqrt(2.0 / fan_in),
        "xavier": math.sqrt(2.0 / (fan_in + fan_out)),
        "small_gaussian": cfg.init_std,
        "large_gaussian": LARGE_GAUSSIAN_STD,
    }[cfg.init]
    w = torch.randn(fan_out, fan_in, generator=gen, dtype=torch.float64) * std
    return w.T, torch.zeros(fan_out, dtype=torch.float64)
