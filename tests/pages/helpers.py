"""What the page AppTests share: opening a page through app.py and reading what it shows."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_app_page(path: str, timeout: float = 60) -> AppTest:
    """Run app.py, switch to the page file `path`, and check nothing raised."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    at.switch_page(path).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plotly_array(v) -> np.ndarray:
    """A plotly JSON array: a plain list, or plotly's typed-array form {dtype, bdata[, shape]}."""
    if isinstance(v, dict) and "bdata" in v:
        out = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            out = out.reshape([int(n) for n in str(v["shape"]).split(",")])
        return out
    return np.asarray(v)


def metrics(at: AppTest) -> dict[str, str]:
    """The page's st.metric values by label."""
    return {m.label: m.value for m in at.metric}
