"""The 8x8 handwritten digits (1797 images, UCI), read from assets/data/digits.csv.gz.

Each row: 64 pixel intensities in 0..16 (row-major 8x8 image), then the label 0..9.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "assets" / "data" / "digits.csv.gz"


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    raw = np.loadtxt(DATA, delimiter=",", dtype=np.float64)  # (1797, 65)
    return raw[:, :64], raw[:, 64].astype(np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X float64 (1797, 64) with values 0..16, y int64 (1797,) with labels 0..9."""
    x, y = _load()
    return x.copy(), y.copy()
