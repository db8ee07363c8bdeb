"""The 8x8 handwritten digits shipped in assets/data/digits.csv.gz (numpy only).

1797 images of the digits 0-9, each an 8x8 grid of pixel counts 0..16, flattened row by
row into 64 columns; the last column is the label. It is the test part of the UCI
"Optical Recognition of Handwritten Digits" set (CC BY 4.0), the same data scikit-learn
bundles as `load_digits`. Small enough to train on in seconds, real enough that BN's
effect shows.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np

from bnlib.data.paths import ASSETS

DIGITS_PATH = ASSETS / "data" / "digits.csv.gz"
N_PIXELS = 64  # 8 x 8
N_CLASSES = 10
PIXEL_MAX = 16.0

__all__ = ["DIGITS_PATH", "N_CLASSES", "N_PIXELS", "PIXEL_MAX", "load_digits", "split"]


@lru_cache(maxsize=4)
def _read(path: str) -> tuple[np.ndarray, np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(
            f"The digits file {p} is missing. It ships with the repository under assets/data/; "
            "restore it with `git checkout -- assets/data/digits.csv.gz`."
        )
    with gzip.open(p, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)  # (1797, 65)
    if table.ndim != 2 or table.shape[1] != N_PIXELS + 1:
        raise ValueError(
            f"{p} should have {N_PIXELS + 1} columns (64 pixels and a label), got shape {table.shape}."
        )
    x = table[:, :N_PIXELS].astype(np.float64)
    y = table[:, N_PIXELS]
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def load_digits(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y): x (1797, 64) float64 pixel values in [0, 16], y (1797,) int64 in 0..9.

    The arrays are read-only views of a cached copy; use x.copy() to change them.
    """
    return _read(str(path or DIGITS_PATH))


def split(n: int, val_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle range(n) with `seed` and cut it into (train_idx, val_idx).

    The validation part holds round(n * val_fraction) indices (at least 1, at most n - 1).
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction!r}.")
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}.")
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(max(1, round(n * val_fraction)), n - 1)
    return order[n_val:], order[:n_val]
