"""Seeded signal and distribution generators used by the lessons.

One signature for all: ``sample(kind, n, seed=0, **params) -> np.ndarray``.
Every kind returns float64 of shape (n,), except ``multi_sensor`` which returns (n, 3):
one column per sensor, on very different scales.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bnlib.core._checks import check_alloc, check_positive_int, is_integer, real_number

Rng = np.random.Generator


def make_rng(seed: int | Rng | None = 0) -> Rng:
    """A Generator from a seed (or the Generator itself). None draws fresh entropy."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        if not is_integer(seed):
            raise ValueError(
                "seed must be a non-negative integer (or None for a fresh random draw), "
                f"got {seed!r}."
            )
        if seed < 0:
            raise ValueError(
                f"seed must be >= 0, got {seed}; any non-negative integer gives a "
                "reproducible draw."
            )
    return np.random.default_rng(seed)


def _normal(n, rng, loc=0.0, scale=1.0):
    return rng.normal(loc, scale, n)


def _skewed(n, rng, scale=1.0):
    # exponential: mean = scale, long right tail (skewness 2)
    return rng.exponential(scale, n)


def _bimodal(n, rng, separation=4.0, scale=0.6):
    side = rng.random(n) < 0.5
    return np.where(side, -separation / 2, separation / 2) + rng.normal(0.0, scale, n)


def _uniform(n, rng, low=-2.0, high=2.0):
    return rng.uniform(low, high, n)


def _two_level(n, rng, p=0.5, low=0.0, high=1.0):
    """A fraction p of the samples sits at `high`, the rest at `low` (exact count, shuffled)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"two_level needs 0 < p < 1 (fraction at the high level), got p={p}.")
    k = int(round(p * n))
    out = np.full(n, float(low))
    out[:k] = high
    rng.shuffle(out)
    return out


def _constant(n, rng, value=3.0):
    return np.full(n, float(value))


def _rare_events(n, rng, rate=0.02, amplitude=5.0, baseline=1.0, noise=0.05):
    """A quiet baseline with rare spikes: most of the time nothing happens."""
    spikes = rng.random(n) < rate
    return baseline + noise * rng.normal(size=n) + amplitude * spikes


def _drifting(n, rng, drift=3.0, noise=0.3, period=None):
    """A slowly wandering baseline (a slow sine plus a linear ramp) with small fluctuations."""
    t = np.linspace(0.0, 1.0, n)
    period = 0.8 if period is None else period
    baseline = drift * (t + 0.5 * np.sin(2 * np.pi * t / period))
    return baseline + noise * rng.normal(size=n)


def _multi_sensor(n, rng):
    """Three sensors: temperature (~20, sd 2), pressure (~1013, sd 8), a current (~0.01, sd 0.002)."""
    return np.column_stack(
        [
            rng.normal(20.0, 2.0, n),
            rng.normal(1013.0, 8.0, n),
            rng.normal(0.01, 0.002, n),
        ]
    )


def _pixels(n, rng, bright=0.3):
    """8-bit pixel intensities: mostly dark background, some bright strokes, in 0..255."""
    ink = rng.random(n) < bright
    vals = np.where(ink, rng.normal(220, 25, n), rng.normal(20, 15, n))
    return np.clip(np.round(vals), 0, 255)


@dataclass(frozen=True)
class SignalSpec:
    name: str
    label: str
    description: str
    fn: Callable[..., np.ndarray]
    defaults: dict = field(default_factory=dict)


SIGNALS: dict[str, SignalSpec] = {
    s.name: s
    for s in (
        SignalSpec("normal", "Normal", "Bell curve centred on 0 with spread 1.", _normal),
        SignalSpec(
            "shifted",
            "Shifted",
            "Normal, but centred far from zero (mean 10).",
            _normal,
            {"loc": 10.0, "scale": 1.0},
        ),
        SignalSpec(
            "wide",
            "Wide",
            "Normal with a large spread (standard deviation 25).",
            _normal,
            {"loc": 0.0, "scale": 25.0},
        ),
        SignalSpec(
            "skewed", "Skewed", "Exponential: piled up near 0 with a long right tail.", _skewed
        ),
        SignalSpec("bimodal", "Bimodal", "Two humps, at -2 and +2.", _bimodal),
        SignalSpec("uniform", "Uniform", "Flat between -2 and 2.", _uniform),
        SignalSpec(
            "two_level",
            "Two-level",
            "Only two values, 0 and 1; a fraction p of the samples is high.",
            _two_level,
            {"p": 0.5},
        ),
        SignalSpec(
            "constant", "Constant", "Every sample equal (3.0): variance exactly 0.", _constant
        ),
        SignalSpec(
            "rare_events",
            "Rare events",
            "A flat baseline near 1 with rare spikes of +5.",
            _rare_events,
            {"rate": 0.02},
        ),
        SignalSpec(
            "drifting",
            "Slow drift",
            "Small fluctuations riding on a slowly moving baseline.",
            _drifting,
        ),
        SignalSpec(
            "multi_sensor",
            "Multi-sensor",
            "Three columns on very different scales: ~20, ~1013 and ~0.01.",
            _multi_sensor,
        ),
        SignalSpec(
            "pixels",
            "Pixels (0..255)",
            "8-bit intensities: dark background, bright strokes.",
            _pixels,
        ),
    )
}

# The one-column distributions the batch-statistics lessons offer.
DISTRIBUTIONS: tuple[str, ...] = (
    "normal",
    "shifted",
    "wide",
    "skewed",
    "bimodal",
    "uniform",
    "two_level",
    "constant",
)


# Parameters with a range: name -> (low, high, low inclusive, high inclusive, meaning).
# Every other parameter only has to be a finite number.
_RANGES = {
    "scale": (0.0, np.inf, True, False, "a spread"),
    "noise": (0.0, np.inf, True, False, "a spread"),
    "period": (0.0, np.inf, False, False, "a length of time"),
    "rate": (0.0, 1.0, True, True, "a probability per sample"),
    "bright": (0.0, 1.0, True, True, "a fraction of the samples"),
}


def _check_param(kind: str, name: str, value):
    if name == "period" and value is None:
        return value  # the default period
    v = real_number(value, name, f"a finite number (parameter of signal {kind!r})")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r} (signal {kind!r}).")
    if name in _RANGES:
        lo, hi, lo_in, hi_in, meaning = _RANGES[name]
        if (v < lo or (v == lo and not lo_in)) or (v > hi or (v == hi and not hi_in)):
            left, right = "[" if lo_in else "(", "]" if hi_in else ")"
            hi_s = "inf" if hi == np.inf else f"{hi:g}"
            raise ValueError(
                f"{name} is {meaning} and must lie in {left}{lo:g}, {hi_s}{right}, got "
                f"{value!r} (signal {kind!r})."
            )
    return value


def sample(kind: str, n: int, seed: int | Rng | None = 0, **params) -> np.ndarray:
    """Draw n values of signal `kind` (see SIGNALS), reproducibly from `seed`.

    Returns float64 of shape (n,), or (n, 3) for ``multi_sensor``.
    """
    if not isinstance(kind, str) or kind not in SIGNALS:
        raise ValueError(f"unknown signal kind {kind!r}; choose one of: {', '.join(SIGNALS)}.")
    n = check_positive_int(n, "n")
    cols = 3 if kind == "multi_sensor" else 1
    # the generators hold a few n-sized temporaries next to the result
    check_alloc(4 * 8 * n * cols, "n", n, f"{n:,} samples of {kind!r}")
    spec = SIGNALS[kind]
    kwargs = {**spec.defaults, **params}
    kwargs = {k: _check_param(kind, k, v) for k, v in kwargs.items()}
    rng = make_rng(seed)
    try:
        with np.errstate(over="raise", invalid="raise"):
            out = np.asarray(spec.fn(n, rng, **kwargs), dtype=np.float64)
    except TypeError as exc:
        raise ValueError(f"bad parameter for signal {kind!r}: {exc}.") from exc
    except FloatingPointError:
        out = np.array([np.inf])
    if not np.isfinite(out).all():
        raise ValueError(
            f"the parameters {kwargs} are too large: samples of {kind!r} overflowed float64. "
            "Use smaller values."
        )
    return out


def sample_batches(kind: str, m: int, num_batches: int, seed: int | Rng | None = 0, **params):
    """num_batches independent batches of m values each: shape (num_batches, m)."""
    num_batches = check_positive_int(num_batches, "num_batches")
    m = check_positive_int(m, "m")
    flat = sample(kind, m * num_batches, seed, **params)
    if flat.ndim != 1:
        raise ValueError(f"sample_batches needs a one-column signal; {kind!r} has several columns.")
    return flat.reshape(num_batches, m)
