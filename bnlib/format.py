"""One number formatter for everything the app prints (pure python, no numpy needed).

Rules, the same on every page and chart:
- |x| below ZERO (1e-12) is floating-point noise and prints as "0": a sum that is zero
  in exact arithmetic comes out as -5.2e-18 or 4e-16 in float64, and the learner should
  read "0", not the noise.
- never a negative zero: "-0.0000" becomes "0.0000".
- scientific notation is short: "1e-5", "-4.7e-5", "2.3e+6" -> "2.3e6" (no padded exponent).
- eps always as eps(): "1e-5" on sliders, in text and on axis ticks alike.
"""

from __future__ import annotations

import math
import re

__all__ = ["ZERO", "clean", "duration", "eps", "fixed", "num", "sci", "tick"]

ZERO = 1e-12  # |x| below this prints as 0
_EXP = re.compile(r"e([+-])0*(\d)")


def _tidy_exp(s: str) -> str:
    """'1e-05' -> '1e-5', '2.3e+06' -> '2.3e6'."""
    return _EXP.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), s)


def _no_negative_zero(s: str) -> str:
    """'-0.000' -> '0.000', '-0' -> '0', '-0.0e0' -> '0.0e0'; '-0.001' stays."""
    if s.startswith("-") and not any(c in "123456789" for c in s.split("e")[0]):
        return s[1:]
    return s


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return None


def num(x: float, sig: int = 4, zero: float = ZERO) -> str:
    """A number with `sig` significant digits, trailing zeros dropped: 0.1234, 12.35, 1234,
    plain from 1e-4 up to 1e6, short scientific outside ("3.2e-7", "1.5e8"), 0 for noise."""
    x = float(x)
    if (s := _special(x)) is not None:
        return s
    if abs(x) < zero:
        return "0"
    a = abs(x)
    if 1e-4 <= a < 1:
        return _no_negative_zero(_plain(x, sig))
    if 1 <= a < 1e6:
        s = f"{x:.0f}" if a >= 10 ** (sig - 1) else f"{x:.{sig}g}"
        return _no_negative_zero(s)
    return _no_negative_zero(_short_sci(x, sig - 1))


def _short_sci(x: float, digits: int) -> str:
    """'1.500e-05' -> '1.5e-5': scientific with trailing zeros and exponent padding dropped."""
    mantissa, exponent = f"{x:.{max(digits, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return _tidy_exp(f"{mantissa}e{exponent}")


def _plain(x: float, sig: int) -> str:
    """A small number (1e-4 <= |x| < 1) with `sig` significant digits, no exponent."""
    digits = sig - 1 - math.floor(math.log10(abs(x)))
    s = f"{x:.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def fixed(x: float, decimals: int = 4, zero: float = ZERO, signed: bool = False) -> str:
    """A fixed number of decimals, for columns of comparable values ("0.1234", "-1.5000");
    noise and negative zero print as "0" padded to the same decimals ("0.0000").
    signed: always show the sign of a non-zero value ("+0.25")."""
    x = float(x)
    if (s := _special(x)) is not None:
        return s
    if abs(x) < zero:
        x = 0.0
    s = _no_negative_zero(f"{x:.{decimals}f}")
    if signed and not s.startswith("-") and any(c in "123456789" for c in s):
        s = "+" + s
    return s


def sci(x: float, digits: int = 1, zero: float = ZERO, signed: bool = False) -> str:
    """Scientific notation for values that live on a log scale (errors, tiny gaps):
    "3.2e-11", "-4.7e-5"; "0" below `zero`. signed: "+3.2e-11" for a positive value."""
    x = float(x)
    if (s := _special(x)) is not None:
        return s
    if abs(x) < zero:
        return "0"
    s = _no_negative_zero(_tidy_exp(f"{x:.{digits}e}"))
    return "+" + s if signed and not s.startswith("-") else s


def clean(values):
    """An array (or a number) with float noise set to 0 and negative zeros made positive,
    for tables whose numbers the browser formats: |x| < ZERO -> 0.0."""
    if hasattr(values, "dtype"):  # a numpy array, without importing numpy here
        out = values.astype(float, copy=True)
        out[abs(out) < ZERO] = 0.0
        return out + 0.0  # -0.0 + 0.0 == +0.0
    x = float(values)
    return 0.0 if abs(x) < ZERO else x


def eps(x: float) -> str:
    """eps and other powers of ten in one notation: "1e-5", "1e-8", "0.01", "0.1", "1"."""
    x = float(x)
    if (s := _special(x)) is not None:
        return s
    if x == 0:
        return "0"
    if abs(x) < 0.01 or abs(x) >= 1e5:
        return _short_sci(x, 2)
    return f"{x:.3g}"


def tick(x: float) -> str:
    """An axis tick on a log axis: the same notation as eps ("1e-5", "0.01", "0.5", "100")."""
    return eps(x)


def duration(seconds: float) -> str:
    """A time span as a person says it, rounded to what an estimate can promise:
    "a few seconds", "about 25 s", "about 1 min", "about 10 min", "about 1 h 20 min"."""
    s = float(seconds)
    if not math.isfinite(s) or s < 0:
        return "an unknown time"
    if s < 10:
        return "a few seconds"
    if s < 55:
        return f"about {max(10, 5 * round(s / 5))} s"
    minutes = max(1, round(s / 60))
    if minutes < 60:
        return f"about {minutes} min"
    h, m = divmod(5 * round(s / 300), 60)  # past an hour, to the nearest 5 min
    return f"about {h} h" + (f" {m} min" if m else "")
