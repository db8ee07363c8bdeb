"""Input checks shared by the core modules. Every failure is a ValueError that says what was
wrong and how to fix it, naming the argument; nothing returns silent NaNs.

Where a computation can overflow although every input is finite (values too large to
square, a huge gamma), the modules run it under ``np.errstate(**FP_RAISE)`` (numpy already
checks the floating-point flags after every ufunc, so this costs nothing on normal input)
and turn the FloatingPointError into a ValueError that says which argument to shrink.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# numpy's floating-point flags -> FloatingPointError, caught and explained by the callers.
FP_RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}


def read_array(x, name: str = "x", allow_bool: bool = True) -> np.ndarray:
    """np.asarray(x) for real numbers only; masked, complex, timedelta, text and object
    input get a ValueError naming `name`. No cast and no copy."""
    if isinstance(x, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(x)
        if mask.any():
            raise ValueError(
                f"{name} is a masked array with {int(mask.sum())} masked value(s). Batch norm "
                "has no notion of a masked entry: the hidden values would enter the "
                f"statistics. Drop those rows, or fill them on purpose ({name}.filled(value)), "
                "and pass a plain array."
            )
        x = np.ma.getdata(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as a numeric array ({exc}).") from exc
    kind = arr.dtype.kind
    if kind == "c":
        raise ValueError(
            f"{name} must be real-valued, got complex dtype {arr.dtype}. Pass the part you "
            f"mean explicitly, e.g. {name}.real or np.abs({name})."
        )
    if kind in "mM":
        what = "durations (timedelta64)" if kind == "m" else "dates (datetime64)"
        raise ValueError(
            f"{name} holds {what}, not plain numbers. Convert them first, e.g. "
            f"{name} / np.timedelta64(1, 's') for seconds."
        )
    if kind not in ("biuf" if allow_bool else "iuf"):
        shown = type(x).__name__ if arr.dtype == object else f"dtype {arr.dtype}"
        raise ValueError(
            f"{name} must hold numbers, got {shown} ({_short(x)}). Convert it with "
            "np.asarray(..., float)."
        )
    return arr


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def float_dtype(arr: np.ndarray) -> np.dtype:
    """The floating dtype arr is computed in: float32 stays float32, the rest is float64."""
    return arr.dtype if arr.dtype in FLOAT_DTYPES else np.dtype(np.float64)


def as_numeric_array(x, name: str = "x", min_ndim: int = 2) -> np.ndarray:
    """Like as_float_array, but integer and bool input is returned as it is (no float64
    copy): callers that only read x once can skip an 8x-sized temporary."""
    arr = read_array(x, name)
    if arr.dtype.kind == "f" and arr.dtype not in FLOAT_DTYPES:
        arr = arr.astype(np.float64)  # float16, longdouble
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
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(
            f"{name} contains {bad} non-finite value(s) (NaN or inf). "
            "Remove or replace them (e.g. np.nan_to_num) before normalizing."
        )
    return arr


def as_float_array(x, name: str = "x", min_ndim: int = 2) -> np.ndarray:
    """Return x as a floating array (float32 stays float32, everything else becomes float64)."""
    arr = as_numeric_array(x, name, min_ndim)
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def real_number(value, name: str, expected: str = "a real number") -> float:
    """A Python float from an int/float (numpy scalars and 0-d arrays too); bools, strings
    and everything else are refused with a message naming `name`."""
    ok = isinstance(value, numbers.Real) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"
    )
    bad = (bool, np.bool_, np.timedelta64, np.datetime64)  # timedelta64 counts as an int
    if not ok or isinstance(value, bad):
        raise ValueError(f"{name} must be {expected}, got {_short(value)}.")
    try:
        return float(value)
    except OverflowError:  # an int beyond float64
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be {expected}, got {_short(value)}.") from exc


def check_eps(eps, dtype=np.float64) -> float:
    """eps as a float; positive, finite and representable in `dtype` (so that a
    zero-variance feature divides by sqrt(eps), not by 0)."""
    eps = real_number(eps, "eps", "a positive number")
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(
            f"eps must be a small positive number (PyTorch uses 1e-5, Keras 1e-3), got {eps!r}. "
            "It keeps the division finite when a feature's variance is zero."
        )
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    if eps < float(fi.tiny) or eps > float(fi.max):
        more = " or compute in float64" if dt == np.float32 else ""
        raise ValueError(
            f"eps={eps!r} is outside what {dt} can hold ({fi.tiny:.3g} to {fi.max:.3g}): in "
            f"{dt} it becomes 0 or inf, and a zero-variance feature would give NaN. Use an eps "
            f"in that range (1e-5 is usual){more}."
        )
    return eps


def check_momentum(momentum, allow_none: bool = True):
    if momentum is None:
        if allow_none:
            return None
        raise ValueError("momentum must be a number in [0, 1], got None.")
    m = real_number(momentum, "momentum", "a number in [0, 1]")
    if not (0.0 <= m <= 1.0) or not math.isfinite(m):
        raise ValueError(
            f"momentum must lie in [0, 1], got {momentum!r}. In PyTorch's convention 0.1 is "
            "typical (weight of the new batch); Keras' 0.99 corresponds to PyTorch 0.01."
        )
    return m


def is_integer(value) -> bool:
    """A plain or numpy integer; bools and timedelta64 (numpy counts both as ints) are not."""
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_, np.timedelta64)
    )


def check_positive_int(value, name: str) -> int:
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def check_flag(value, name: str) -> bool:
    """True or False only: bool("no") is True, so strings and numbers are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_short(value)}.")
    return bool(value)


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """np.float32 or np.float64 (any spelling numpy accepts), else a ValueError."""
    msg = f"{name} must be np.float32 or np.float64 (or 'float32' / 'float64'), got {dtype!r}."
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(msg) from exc
    if dt not in FLOAT_DTYPES:
        raise ValueError(msg)
    return dt


def memory_limit_bytes() -> int:
    """Half of this machine's physical memory: the most one array request may claim."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 16 << 30
    return int(total) // 2


def _human(nbytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    raise AssertionError  # unreachable


def check_alloc(nbytes: int, name: str, value: int, what: str) -> None:
    """Refuse, before allocating, a request larger than half of the machine's memory."""
    limit = memory_limit_bytes()
    if nbytes > limit:
        raise ValueError(
            f"{name}={value:,} would need about {_human(nbytes)} of memory for {what}; this "
            f"machine can spare {_human(limit)}. Use a smaller {name}."
        )


def too_large(name: str, dtype, what: str = "the variance") -> ValueError:
    """The error for statistics that overflow although every value of `name` is finite."""
    dt = np.dtype(dtype)
    fix = f"Rescale {name} (e.g. divide it by its largest absolute value)"
    if dt == np.float32:
        fix += f", or pass it as float64 ({name}.astype(np.float64))"
    return ValueError(
        f"{name} has values too large to square in {dt}: {what} overflowed to inf, which "
        f"would turn the outputs into 0 or NaN. {fix}."
    )


def check_stats(mean: np.ndarray, var: np.ndarray, name: str, dtype) -> None:
    """Raise too_large when a mean or variance came out inf or NaN (O(C), no pass over x)."""
    if not (np.isfinite(mean).all() and np.isfinite(var).all()):
        raise too_large(name, dtype)


def params_too_large(dtype, names: str = "gamma and beta") -> ValueError:
    dt = np.dtype(dtype)
    return ValueError(
        f"{names} are too large for {dt}: gamma * x_hat + beta overflowed to inf (|x_hat| "
        f"reaches sqrt(batch size)). Use smaller values; |gamma| and |beta| far below "
        f"{np.finfo(dt).max:.3g} keep the output finite."
    )


def cast_param(arr: np.ndarray, name: str, dtype) -> np.ndarray:
    """arr (already read) cast to dtype; NaN/inf, or finite values that overflow dtype, raise."""
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; pass finite values.")
    with np.errstate(over="ignore"):
        out = arr.astype(dtype)
    if not np.isfinite(out).all():
        raise ValueError(
            f"{name} has values too large for {np.dtype(dtype)} (largest |{name}| "
            f"{float(np.abs(arr.astype(np.float64)).max()):.3g}); pass smaller values or use "
            "float64."
        )
    return out


def per_channel(param, num_channels: int, name: str, dtype) -> np.ndarray:
    """Broadcast a scalar or (C,) parameter to shape (C,); explain a mismatch."""
    arr = read_array(param, name, allow_bool=False)
    if arr.ndim == 0:
        arr = np.full(num_channels, arr)
    if arr.shape != (num_channels,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({num_channels},) to match the "
            f"{num_channels} features/channels of x (axis 1), got shape {arr.shape}."
        )
    return cast_param(arr, name, dtype)
