"""AppTest for lessons 7, 8, 9 and the reference page: every widget driven, results checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(str(ROOT / path)).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page, by their element key when they have one."""
    out = {}
    for i, el in enumerate(at.get("plotly_chart")):
        fig = json.loads(el.proto.spec)
        out[el.proto.id or str(i)] = fig
    return out


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


# --- lesson 7 -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def placement():
    return open_page("pages/lesson_07_placement.py")


def test_placement_renders(placement):
    at = placement
    assert at.title[0].value.startswith("7.")
    assert len(charts(at)) >= 1
    assert len(at.table) == 1


def test_placement_bias_demo_is_exact(placement):
    at = placement
    for size in (0.0, 5.0, 20.0):
        at.slider(key="l7_bias").set_value(size).run()
        ok(at)
        diff = float(metric_values(at)["Max |BN(z + b) - BN(z)|"])
        grad = float(metric_values(at)["Gradient of b, relative"])
        assert diff <= 1e-12
        assert grad <= 1e-12


def test_placement_every_widget(placement):
    at = placement
    for act in ("relu", "sigmoid", "tanh"):
        at.selectbox(key="l7_act").set_value(act).run()
        ok(at)
        at.select_slider(key="l7_scale").set_value(1.0 if act == "relu" else 8.0).run()
        at.slider(key="l7_shift").set_value(-3.0).run()
        at.select_slider(key="l7_batch").set_value(32).run()
        ok(at)
        m = metric_values(at)
        if act == "relu":
            assert m["Dead units, BN before"] == "0%"
            assert int(m["Dead units, BN after"].rstrip("%")) > 50
        else:
            before = float(m["Saturated inputs, BN before"].rstrip("%"))
            after = float(m["Saturated inputs, BN after"].rstrip("%"))
            assert after > before
    seed = at.number_input(key="l7_seed").value
    at.button(key="l7_seed_new").click().run()
    ok(at)
    assert at.number_input(key="l7_seed").value == seed + 1


# --- lesson 8 -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def convolutions():
    return open_page("pages/lesson_08_convolutions.py")


def test_convolutions_counts_and_widgets(convolutions):
    at = convolutions
    assert at.title[0].value.startswith("8.")
    m = metric_values(at)
    assert m["Means kept per channel (BatchNorm2d)"] == "4"
    assert m["Means kept per pixel"] == "256"
    assert len(charts(at)) == 2
    for name in ("vertical edges", "horizontal edges", "spots", "blur"):
        at.selectbox(key="l8_channel").set_value(name).run()
        ok(at)
    for n in (4, 256):
        at.select_slider(key="l8_batch").set_value(n).run()
        ok(at)
        table = at.dataframe[0].value
        assert (table["values pooled (N·H·W)"] == n * 64).all()
        assert table["std after"].between(0.99, 1.0).all()
        assert table["mean after"].abs().max() < 1e-3
    at.button(key="l8_seed_new").click().run()
    ok(at)


def test_convolutions_torch_check(convolutions):
    at = convolutions
    at.toggle(key="l8_torch").set_value(True).run()
    ok(at)
    diffs = {k: float(v) for k, v in metric_values(at).items() if k.startswith("Max |ours")}
    assert len(diffs) == 4 and max(diffs.values()) <= 1e-12
    assert "agrees with BatchNorm2d" in at.success[0].value
