"""AppTests for lessons 1 to 6: every widget driven to its ends, and what the page shows checked.

Each page runs through app.py (so navigation, page links and the sidebar are real).
Plotly charts are unknown elements whose proto.spec is the figure's JSON.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from bnlib.course.lesson_text import lesson_text
from bnlib.lessons import settings as LS
from bnlib.lessons.gamma_beta import SIG_GAMMA as LS_L4_SIG_GAMMA
from bnlib.ui.level import LEVEL_KEY
from tests.pages.helpers import APP, metrics, open_app_page
from tests.pages.helpers import plotly_array as arr


def open_page(page: str) -> AppTest:
    return open_app_page(f"pages/{page}")


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def slider_ends(at: AppTest, setting) -> None:
    """Move a slider (or select-slider, or the seed's number box) to its minimum, then its
    maximum; the page must survive."""
    if setting.key.endswith("_seed"):  # bnlib.ui.seeding: a number box in a popover
        w = at.number_input(key=setting.key)
        ends = (setting.min, setting.max)
    elif setting.kind == "choice":
        w = at.select_slider(key=setting.key)
        ends = (setting.choices[0], setting.choices[-1])
    else:
        w = at.slider(key=setting.key)
        ends = (setting.min, setting.max)
    for v in ends:
        w.set_value(v).run()
        ok(at)
        assert at.session_state[setting.key] == v


# --- Lesson 2 --------------------------------------------------------------------------------


def test_l2_every_distribution_normalizes_to_mean_zero():
    at = open_page("lesson_02_batch_statistics.py")
    assert len(charts(at)) == 4  # four steps, features, eps, and the two bowls
    bowls = [c for c in charts(at) if "steps" in json.dumps(c["layout"].get("annotations", []))]
    assert len(bowls) == 1 and len(bowls[0]["data"]) == 4
    for kind in LS.L2_DIST.choices:
        at.selectbox(key="l2_dist").set_value(kind).run()
        ok(at)
        m = metrics(at)
        assert abs(float(m["mean of x̂"])) < 1e-9, (kind, m)
        std = float(m["std of x̂"])
        if kind == "constant":
            assert std == 0.0
            assert at.warning and "0 / 0" in at.warning[0].value
        else:
            assert 0.99 < std <= 1.0, (kind, std)


def test_l2_sliders_to_their_ends_and_new_sample():
    at = open_page("lesson_02_batch_statistics.py")
    for s in (LS.L2_BATCH, LS.L2_EPS, LS.L2_SEED):
        slider_ends(at, s)
    at.select_slider(key="l2_eps").set_value(1.0).run()
    at.select_slider(key="l2_batch").set_value(1024).run()
    std = float(metrics(at)["std of x̂"])
    var = float(metrics(at)["σ²_B (batch variance)"])
    assert std == pytest.approx(math.sqrt(var / (var + 1.0)), rel=1e-3)  # eps shrinks the spread
    at.number_input(key="l2_seed").set_value(5).run()
    before = metrics(at)["μ_B (batch mean)"]
    at.button(key="l2_seed_new").click().run()
    ok(at)
    assert at.session_state["l2_seed"] == 6
    assert metrics(at)["μ_B (batch mean)"] != before
    # the multi-feature view: three features, each normalized on its own
    feats = at.dataframe[0].value
    assert list(feats["μ_B"].round(0)) == [10.0, -3.0, 7.0]
    assert (feats["mean after"].abs() < 1e-6).all()


def test_l2_bins_are_prebinned_bars():
    at = open_page("lesson_02_batch_statistics.py")
    fig = charts(at)[0]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(bars) == 3
    assert all(len(b["x"]) <= 60 for b in bars)


# --- Lesson 4 --------------------------------------------------------------------------------


def test_l4_undo_gives_the_input_back():
    at = open_page("lesson_04_gamma_beta.py")
    at.button(key="l4_preset_undo").click().run()
    ok(at)
    m = metrics(at)
    for f in ("feature A", "feature B"):
        assert float(m[f"{f}: max |y − x|"]) < 1e-12
        assert m[f"{f}: output mean"] == m[f"{f}: μ_B (computed)"]
        assert m[f"{f}: output std"] == m[f"{f}: √(σ²_B+ε) (computed)"]
    assert at.success and "output equals the input" in at.success[0].value
    # a new sample changes the batch statistics, so the old gamma/beta no longer undo it
    at.button(key="l4_seed_new").click().run()
    assert float(metrics(at)["feature A: max |y − x|"]) > 1e-3
    assert not at.success


@pytest.mark.parametrize(
    ("index", "gamma", "beta"), [(0, 1.0, 0.0), (1, 2.0, 0.0), (2, 1.0, 3.0), (3, 2.0, 3.0)]
)
def test_l4_presets_set_output_mean_and_std(index, gamma, beta):
    at = open_page("lesson_04_gamma_beta.py")
    at.button(key=f"l4_preset_{index}").click().run()
    ok(at)
    m = metrics(at)
    for f in ("feature A", "feature B"):
        assert float(m[f"{f}: output mean"]) == pytest.approx(beta, abs=1e-4)
        assert float(m[f"{f}: output std"]) == pytest.approx(gamma, abs=1e-4)


def test_l4_sliders_to_their_ends():
    at = open_page("lesson_04_gamma_beta.py")
    for s in (LS.L4_GAMMA_A, LS.L4_BETA_A, LS.L4_GAMMA_B, LS.L4_BETA_B, LS.L4_SEED):
        slider_ends(at, s)
    m = metrics(at)
    assert float(m["feature B: output std"]) == pytest.approx(5.0, abs=1e-3)
    assert float(m["feature B: output mean"]) == pytest.approx(8.0, abs=1e-3)
    assert len(charts(at)) == 2  # the playground, then "why γ matters"


def test_l4_a_larger_gamma_pushes_a_sigmoid_into_its_bends():
    at = open_page("lesson_04_gamma_beta.py")
    m = metrics(at)
    assert at.slider(key="l4_sig_gamma").value == 3.0
    assert int(m["inputs with |γ·x̂| > 2, γ = 1"].rstrip("%")) < 10
    assert int(m["inputs with |γ·x̂| > 2, your γ"].rstrip("%")) > 40
    assert float(m["straight-line fit R², γ = 1"]) > float(m["straight-line fit R², your γ"])
    fig = charts(at)[1]
    assert sum(t["type"] == "bar" for t in fig["data"]) == 2  # outputs at γ = 1 and γ = 3
    at.slider(key="l4_sig_gamma").set_value(1.0).run()
    ok(at)
    m = metrics(at)
    assert m["inputs with |γ·x̂| > 2, your γ"] == m["inputs with |γ·x̂| > 2, γ = 1"]
    slider_ends(at, LS_L4_SIG_GAMMA)


# --- Lesson 5 --------------------------------------------------------------------------------


def test_l5_converter_gives_point_one_for_point_nine_and_back():
    at = open_page("lesson_05_train_vs_inference.py")
    at.number_input(key="l5_conv_keras").set_value(0.9).run()
    at.number_input(key="l5_conv_torch").set_value(0.1).run()
    m = metrics(at)
    assert float(m["PyTorch momentum"]) == pytest.approx(0.1)
    assert float(m["Keras / TensorFlow momentum"]) == pytest.approx(0.9)
    at.number_input(key="l5_conv_keras").set_value(0.99).run()
    assert float(metrics(at)["PyTorch momentum"]) == pytest.approx(0.01)


def test_l5_convention_switch_converts_the_slider():
    at = open_page("lesson_05_train_vs_inference.py")
    assert at.slider(key="l5_momentum").value == pytest.approx(0.1)
    at.selectbox(key="l5_convention").set_value("Keras").run()
    ok(at)
    assert at.slider(key="l5_momentum").value == pytest.approx(0.9)
    at.selectbox(key="l5_convention").set_value("PyTorch").run()
    assert at.slider(key="l5_momentum").value == pytest.approx(0.1)
    # the porting bug: Keras' 0.9 typed into PyTorch
    at.slider(key="l5_momentum").set_value(0.9).run()
    assert any("PyTorch equivalent is 0.1" in w.value for w in at.warning)


def test_l5_every_widget_to_its_ends():
    at = open_page("lesson_05_train_vs_inference.py")
    for conv in ("PyTorch", "Keras"):
        at.selectbox(key="l5_convention").set_value(conv).run()
        for s in (LS.L5_MOMENTUM, LS.L5_BATCH, LS.L5_SEED):
            slider_ends(at, s)
        for drift in (True, False):
            at.toggle(key="l5_drift").set_value(drift).run()
            ok(at)
    at.button(key="l5_seed_new").click().run()
    ok(at)
    # companions slider: at 1 the training-mode demo fails the way PyTorch does, on purpose
    at.select_slider(key="l5_companions").set_value(1).run()
    assert not at.exception
    assert "Expected more than 1 value per channel" in at.error[0].value
    at.select_slider(key="l5_companions").set_value(64).run()
    ok(at)


def test_l5_biased_running_var_and_fold_and_eval_demo():
    at = open_page("lesson_05_train_vs_inference.py")
    at.select_slider(key="l5_batch").set_value(2).run()
    m = metrics(at)
    ratio_key = next(k for k in m if k.startswith("biased ÷ unbiased"))
    assert float(m[ratio_key]) == pytest.approx(0.5, abs=0.01)  # (m-1)/m at m = 2
    fold = at.dataframe[0].value
    assert (fold["difference"] < 1e-12).all()  # eval-mode BN == scale * x + shift
    assert float(m["training mode: spread of outputs"]) > 0.1
    assert float(m["eval mode: spread of outputs"]) == 0.0
    figs = charts(at)
    assert len(figs) == 2
    eval_trace = figs[1]["data"][1]
    assert len(set(arr(eval_trace["y"]))) == 1  # eval output: one value for every batch


@pytest.mark.parametrize(
    ("page", "url", "sections"),
    [
        ("lesson_05_train_vs_inference.py", "train-vs-inference", ("intro",)),
        ("lesson_06_gradient_flow.py", "gradient-flow", ("intro", "geometry")),
    ],
)
def test_l5_l6_main_text_differs_between_beginner_and_expert(page, url, sections):
    levels = ("beginner", "intermediate", "expert")
    shown = {}
    for level in levels:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.session_state[LEVEL_KEY] = level  # where the sidebar keeps it
        at.switch_page(f"pages/{page}").run()
        ok(at)
        shown[level] = [md.value for md in at.markdown]
        for name in sections:  # each section written at the reader's level
            assert lesson_text(url).get(name, level) in shown[level], (level, name)
    for name in sections:  # three different texts, each shown only at its own level
        texts = {lv: lesson_text(url).get(name, lv) for lv in levels}
        assert len(set(texts.values())) == 3, name
        for lv in levels:
            assert not any(texts[lv] in shown[other] for other in levels if other != lv)


def test_l6_formulas_fold_away_for_beginners_only():
    title = "The formulas behind these numbers"
    for level, folded in (("beginner", True), ("intermediate", False), ("expert", False)):
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.session_state[LEVEL_KEY] = level
        at.switch_page("pages/lesson_06_gradient_flow.py").run()
        ok(at)
        assert (title in [e.label for e in at.expander]) is folded, level
        assert (title in [h.value for h in at.subheader]) is not folded, level
        assert any("d\\sigma^2 = " in md.value for md in at.markdown), level


# --- Lesson 6 --------------------------------------------------------------------------------


def test_l6_properties_and_gradient_check():
    at = open_page("lesson_06_gradient_flow.py")
    m = metrics(at)
    assert abs(float(m["Σ dx_i"])) < 1e-12
    assert float(m["relative error, formula vs numerical"]) < 1e-7
    # at eps > 0 the second sum is not zero: it equals the closed form the page prints next to it
    measured = float(m["Σ dx_i · x̂_i"])
    assert measured != 0.0
    assert measured == pytest.approx(float(m["γ·ε/(σ²_B+ε)^(3/2) · Σ dy_i·x̂_i"]), rel=0.06)
    # with a tiny eps the second property holds to rounding as well
    at.select_slider(key="l6_eps").set_value(1e-8).run()
    assert abs(float(metrics(at)["Σ dx_i · x̂_i"])) < 1e-6
    fwd, bwd, check = (d.value for d in at.dataframe)
    assert len(fwd) == len(bwd) == 6
    assert len(check) == 6 + 2  # dx_1..dx_m, dgamma, dbeta
    assert np.allclose(bwd["direct"] + bwd["through σ²"] + bwd["through μ"], bwd["dx"])
    assert "PyTorch autograd" not in check.columns


def test_l6_scale_invariance_is_measured_for_the_chosen_a():
    at = open_page("lesson_06_gradient_flow.py")
    for a in (0.5, 8.0):
        at.select_slider(key="l6_scale").set_value(a).run()
        ok(at)
        m = metrics(at)
        assert float(m["‖∇L(aW)‖ ÷ ‖∇L(W)‖"]) == pytest.approx(1 / a, rel=1e-3)
        assert float(m["relative step, aW ÷ W"]) == pytest.approx(1 / a**2, rel=1e-3)
        assert float(m["max |y(aW) − y(W)|"]) < 1e-3
        caption = next(c.value for c in at.caption if c.value.startswith("At a = "))
        assert f"At a = {a:g}:" in caption and f"1/a = {1 / a:g}" in caption
    growth = next(c for c in charts(at) if len(c["data"]) == 6)
    names = {t["name"] for t in growth["data"]}
    assert names == {"lr 0.1", "lr 1", "lr 10"}
    assert any("At 10 the first step was" in c.value for c in at.caption)


def test_l6_torch_column_matches():
    at = open_page("lesson_06_gradient_flow.py")
    at.toggle(key="l6_torch").set_value(True).run()
    ok(at)
    check = at.dataframe[2].value
    assert np.allclose(check["PyTorch autograd"], check["bnlib (formula)"], atol=1e-12)
    assert float(metrics(at)["relative error, formula vs PyTorch"]) < 1e-12


def test_l6_every_widget_to_its_ends_and_timing():
    at = open_page("lesson_06_gradient_flow.py")
    for s in (LS.L6_BATCH, LS.L6_GAMMA, LS.L6_EPS, LS.L6_SEED):
        slider_ends(at, s)
        assert abs(float(metrics(at)["Σ dx_i"])) < 1e-9
    at.slider(key="l6_batch").set_value(16).run()
    assert len(at.dataframe[0].value) == 16
    at.button(key="l6_seed_new").click().run()
    ok(at)
    at.select_slider(key="l6_timing_n").set_value(256).run()
    at.button(key="l6_time").click().run()
    ok(at)
    speed = next(v for k, v in metrics(at).items() if k.startswith("speed-up"))
    assert float(speed.rstrip("×")) > 0
    assert len(charts(at)) == 3  # gradient paths, weight growth, timing
    assert at.get("graphviz_chart")


# --- Lesson 3 --------------------------------------------------------------------------------


def test_l3_noise_shrinks_like_one_over_sqrt_m():
    at = open_page("lesson_03_batch_size.py")
    table = at.dataframe[0].value
    ratio = table["spread of μ_B (measured)"] / table["σ/√m"]
    assert ((ratio > 0.6) & (ratio < 1.4)).all(), ratio
    fig = charts(at)[1]
    assert {t["type"] for t in fig["data"]} == {"scatter"}
    grid = charts(at)[0]
    assert sum(t["type"] == "bar" for t in grid["data"]) == 12


def test_l3_stale_window_moves_with_the_drift():
    at = open_page("lesson_03_batch_size.py")

    def best() -> int:
        cap = next(c.value for c in at.caption if c.value.startswith("Batches of 8, drift"))
        return int(cap.split("pooling ")[1].split(" is best")[0])

    at.slider(key="l3_drift").set_value(0.0).run()
    ok(at)
    assert best() == 64  # nothing goes stale: pool everything
    at.slider(key="l3_drift").set_value(0.1).run()
    ok(at)
    assert best() == 4  # fast drift: only a few recent batches are worth it
    fig = next(
        c for c in charts(at) if len(c["data"]) == 3 and c["data"][2]["mode"] == "lines+markers"
    )
    assert [t["name"] for t in fig["data"]][2] == "measured error (RMS)"


def test_l3_batch_of_one_explained():
    at = open_page("lesson_03_batch_size.py")
    at.select_slider(key="l3_batch").set_value(1).run()
    ok(at)
    assert "m = 1" in at.warning[0].value
    assert any("Expected more than 1 value per channel" in c.value for c in at.code)


def test_l3_every_widget():
    at = open_page("lesson_03_batch_size.py")
    for kind in LS.L3_DIST.choices:
        at.selectbox(key="l3_dist").set_value(kind).run()
        ok(at)
        assert len(charts(at)) == 3
    for s in (LS.L3_BATCH, LS.L3_DRIFT, LS.L3_SEED):
        slider_ends(at, s)
    at.button(key="l3_seed_new").click().run()
    ok(at)
    assert at.session_state["l3_seed"] == 0  # wrapped round from the maximum


# --- Lesson 1 --------------------------------------------------------------------------------


def test_l1_bands_and_their_share_beyond_two():
    at = open_page("lesson_01_covariate_shift.py")
    figs = charts(at)
    assert len(figs) == 2
    bands = figs[0]
    names = [t.get("name", "") for t in bands["data"]]
    assert any("without BN: median" in n for n in names)
    assert any("with BN: median" in n for n in names)
    assert len(bands["layout"]["shapes"]) >= 4  # two shaded tails per panel, plus step markers
    m = metrics(at)
    assert int(m["band beyond ±2, without BN"].rstrip("%")) > int(
        m["band beyond ±2, with BN"].rstrip("%")
    )
    # BN does not keep a unit out of the low-slope zone: gamma can move it there. At step
    # 1,000 (layer 3, unit 0) the BN band spends more of its width there (17% vs 1%), and
    # the page says so.
    at.slider(key="l1_step").set_value(1000).run()
    m = metrics(at)
    assert m["band beyond ±2, with BN"] == "17%" and m["band beyond ±2, without BN"] == "1%"
    text = " ".join(md.value for md in at.markdown)
    assert "17% of its width" in text and "0.04 wide" in text


def test_l1_every_widget_to_its_ends():
    at = open_page("lesson_01_covariate_shift.py")
    for s in (LS.L1_STEP, LS.L1_LAYER, LS.L1_UNIT, LS.L1_LR):
        slider_ends(at, s)
    at.slider(key="l1_step").set_value(0).run()
    m = metrics(at)
    assert m["band beyond ±2, without BN"] == "0%"  # at the start the band is narrow
    at.number_input(key="l1_seed").set_value(3).run()
    ok(at)
    at.button(key="l1_seed_new").click().run()  # a seed that was not precomputed: trains live
    ok(at)
    assert at.session_state["l1_seed"] == 4


# --- Levels: the main explanation itself changes, not only the guide box ---------------------


@pytest.mark.parametrize(
    ("page", "url", "section"),
    [
        ("lesson_01_covariate_shift.py", "covariate-shift", "why-it-hurts"),
        ("lesson_02_batch_statistics.py", "batch-statistics", "four-steps"),
        ("lesson_03_batch_size.py", "batch-size", "intro"),
        ("lesson_04_gamma_beta.py", "gamma-beta", "intro"),
    ],
)
def test_main_text_differs_between_beginner_and_expert(page, url, section):
    shown = {}
    for level in ("beginner", "expert"):
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.session_state[LEVEL_KEY] = level  # where the sidebar keeps it
        at.switch_page(f"pages/{page}").run()
        ok(at)
        shown[level] = [md.value for md in at.markdown]
        assert lesson_text(url).get(section, level) in shown[level], (level, section)
    assert shown["beginner"] != shown["expert"]
    assert lesson_text(url).get(section, "beginner") not in shown["expert"]
