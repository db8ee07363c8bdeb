"""Input checks shared by the core modules. Every failure is a ValueError that says what was
wrong and how to fix it; nothing returns silent NaNs."""

from __future__ import annotations

import math

import numpy as np


def as_float_array(x, name: str = "x", min_ndim: int = 2) -> np.ndarray:
    """Return x as a floating array (float32 stays float32, everything else becomes float64)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as a numeric array ({exc}).") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(
            f"{name} must hold numbers, got dtype {arr.dtype}. Convert it with np.asarray(..., float)."
        )
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real-valued, got complex dtype {arr.dtype}.")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim < min_ndim:
        hint = (
            " For one feature pass x.reshape(-1, 1); for one sample with D features, "
            "x.reshape(1, -1)."
            if min_ndim == 2
            else ""
        )
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions, got shape {arr.shape}.{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one value.")
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(
            f"{name} contains {bad} non-finite value(s) (NaN or inf). "
            "Remove or replace them (e.g. np.nan_to_num) before normalizing."
        )
    return arr


def check_eps(eps) -> float:
    try:
        eps = float(eps)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"eps must be a positive number, got {eps!r}.") from exc
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(
            f"eps must be a small positive number (PyTorch uses 1e-5, Keras 1e-3), got {eps!r}. "
            "It keeps the division finite when a feature's variance is zero."
        )
    return eps


def check_momentum(momentum, allow_none: bool = True):
    if momentum is None:
        if allow_none:
            return None
        raise ValueError("momentum must be a number in [0, 1], got None.")
    try:
        m = float(momentum)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"momentum must be a number in [0, 1], got {momentum!r}.") from exc
    if not (0.0 <= m <= 1.0) or not math.isfinite(m):
        raise ValueError(
            f"momentum must lie in [0, 1], got {momentum!r}. In PyTorch's convention 0.1 is "
            "typical (weight of the new batch); Keras' 0.99 corresponds to PyTorch 0.01."
        )
    return m


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def per_channel(param, num_channels: int, name: str, dtype) -> np.ndarray:
    """Broadcast a scalar or (C,) parameter to shape (C,); explain a mismatch."""
    arr = np.asarray(param, dtype=dtype)
    if arr.ndim == 0:
        arr = np.full(num_channels, arr, dtype=dtype)
    if arr.shape != (num_channels,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({num_channels},) to match the "
            f"{num_channels} features/channels of x (axis 1), got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; pass finite values.")
    return arr
