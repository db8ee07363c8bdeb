"""Gradient checking: central differences against an analytical gradient.

numerical_gradient estimates d/dx of L(x) = sum(f(x) * df) by
    (L(x + h e_i) - L(x - h e_i)) / (2 h)
for every element i. In float64 with h = 1e-5 a correct backward pass agrees to a
relative error of about 1e-8 or better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bnlib.core._checks import as_float_array


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x, df=None, h: float = 1e-5
) -> np.ndarray:
    """Central-difference gradient of sum(f(x) * df) with respect to x (float64)."""
    if not (h > 0):
        raise ValueError(f"step h must be positive, got {h!r}.")
    x = np.array(as_float_array(x, min_ndim=0), dtype=np.float64)  # private copy
    y0 = np.asarray(f(x.copy()), dtype=np.float64)
    df = np.ones_like(y0) if df is None else np.asarray(df, dtype=np.float64)
    if df.shape != y0.shape:
        raise ValueError(f"df must have the shape of f(x) {y0.shape}, got {df.shape}.")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = float(np.sum(np.asarray(f(x.copy())) * df))
        flat[i] = old - h
        minus = float(np.sum(np.asarray(f(x.copy())) * df))
        flat[i] = old
        gflat[i] = (plus - minus) / (2.0 * h)
    return grad


def rel_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||); 0 when both are zero. Robust to tiny entries."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}.")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)
