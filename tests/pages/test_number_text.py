"""What every page prints is free of float noise and negative zero.

Each registered page is run (as tests/pages/test_all_pages.py does) and every piece of text
a learner reads is scanned: markdown, captions, LaTeX, headings, alerts, metric labels and
values, and the numbers in tables. Noise is a float that is zero in exact arithmetic but
printed with its rounding error: "-5.2e-18", "0.0000000000000004", "4e-16". Negative zero
is "-0", "-0.0000" (or with a minus sign "−0.00").
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bnlib.course.registry import ROOT, available_pages

APP = str(ROOT / "app.py")

NUMBER = re.compile(r"(?<![\w.)])([-−]?)(\d+(?:\.\d+)?(?:[eE][-+−]?\d+)?)")
MANY_ZEROS = re.compile(r"\d\.0{10,}\d")  # 0.0000000000000004
TINY_EXP = re.compile(r"\d[eE][-−]0*(1[5-9]|[2-9]\d|\d{3,})\b")  # 5.2e-18, 1e-300


def noise_in(text: str) -> list[str]:
    """The noisy or negative-zero numbers in one piece of text."""
    found = [m.group(0) for m in MANY_ZEROS.finditer(text)]
    found += [m.group(0) for m in TINY_EXP.finditer(text)]
    for m in NUMBER.finditer(text):
        sign, digits = m.groups()
        if sign and float(digits.replace("−", "-")) == 0.0:
            found.append(m.group(0))
    return found


def test_the_scanner_catches_noise_and_negative_zero():
    for bad in ("-5.2e-18", "sum 4e-16.", "0.0000000000000004", "-0.000000000000000004",
                "-0.0000", "mean −0.00 and", "= -0"):  # fmt: skip
        assert noise_in(bad), bad
    for ok in ("0", "0.0000", "-0.05", "1e-5", "3.2e-11", "x − 0.5", "-4.7e-5", "10", "0–255",
               "layer-0", "-1.0e-8"):  # fmt: skip
        assert not noise_in(ok), ok


def texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for everything readable on the page."""
    out = []
    for kind in ("markdown", "caption", "latex", "title", "header", "subheader", "info",
                 "warning", "success", "error", "text"):  # fmt: skip
        for el in getattr(at, kind):
            out.append((kind, str(el.value)))
    for m in at.metric:
        out.append(("metric label", str(m.label)))
        out.append((f"metric {m.label!r}", str(m.value)))
    return out


def table_noise(at: AppTest) -> list[str]:
    """Table cells that are float noise (0 < |x| < 1e-12) or a negative zero."""
    bad = []
    for df in at.dataframe:
        frame = df.value
        if not isinstance(frame, pd.DataFrame):
            continue
        for col in frame.columns:
            v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                noisy = (np.abs(v) > 0) & (np.abs(v) < 1e-12)
                negzero = (v == 0) & np.signbit(v)
            if noisy.any() or negzero.any():
                bad.append(f"table column {col!r}: {v[noisy | negzero][:3]}")
    return bad


@pytest.mark.parametrize("spec", available_pages(), ids=lambda p: p.url_path)
def test_page_text_has_no_float_noise(spec):
    at = AppTest.from_file(APP, default_timeout=120).run()
    if spec.url_path != "home":
        at.switch_page(spec.path).run()
    assert not at.exception, at.exception
    found = [f"{where}: {hit!r} in {text[:120]!r}" for where, text in texts(at)
             for hit in noise_in(text)]  # fmt: skip
    found += table_noise(at)
    assert not found, f"{spec.path}:\n" + "\n".join(found)
