"""The 8x8 handwritten digits (1797 images) shipped in assets/data/digits.csv.gz.

Each row: 64 pixel intensities in 0..16 (row by row), then the label 0..9. No header.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

DIGITS_PATH = Path(__file__).resolve().parents[1] / "assets" / "data" / "digits.csv.gz"


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    data = np.loadtxt(DIGITS_PATH, delimiter=",", dtype=np.float64)  # (1797, 65)
    X = data[:, :64]
    y = data[:, 64].astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """X float64 (1797, 64) with values 0..16, y int64 (1797,) with labels 0..9 (copies)."""
    X, y = _load()
    return X.copy(), y.copy()
