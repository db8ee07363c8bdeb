"""AppTest for lessons 10, 11 and 12 (alternatives, non-random batches, why it works): every
widget driven, the experiments run, results shown."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.ui.level import LEVEL_KEY
from tests.pages.helpers import APP, ROOT, metrics, open_app_page


def open_page(path: str) -> AppTest:
    return open_app_page(str(ROOT / path), timeout=120)


def markdown_at(path: str, level: str) -> list[str]:
    """The page's markdown texts for a reader at `level`."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.session_state[LEVEL_KEY] = level
    at.switch_page(str(ROOT / path)).run()
    assert not at.exception, [e.message for e in at.exception]
    return [str(m.value) for m in at.markdown]


def ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def charts(at: AppTest) -> dict[str, dict]:
    return {el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def chart(at: AppTest, key: str) -> dict:
    found = [v for k, v in charts(at).items() if key in k]
    assert found, f"no chart {key} among {list(charts(at))}"
    return found[0]


def pct(text: str) -> float:
    return float(text.rstrip("%")) / 100


# --- lesson 10 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alternatives():
    return open_page("pages/lesson_10_alternatives.py")


def test_alternatives_renders_without_training():
    at = open_page("pages/lesson_10_alternatives.py")  # its own: the fixture's may have run
    assert at.title[0].value.startswith("10.")
    assert chart(at, "l10_block")
    assert not any("l10_online" in k for k in charts(at))  # lesson 11's now
    assert len(at.table) == 2  # Wu & He, when to use
    assert "34.7" in at.table[0].value.to_string()
    assert list(at.table[1].value["Normalization"]) == [
        "Batch norm",
        "Layer norm",
        "Instance norm",
        "Group norm",
    ]
    assert not any("l10_sweep" in k for k in charts(at))  # experiments wait for a click
    assert "l10_single_on_btn" not in [b.key for b in at.button]  # lesson 11's
    assert at.number_input(key="l10_seed").value == 0


def test_alternatives_text_follows_the_level():
    page = "pages/lesson_10_alternatives.py"
    beginner, expert = markdown_at(page, "beginner"), markdown_at(page, "expert")
    assert any("Few samples, shaky numbers" in t for t in beginner)
    assert not any("Few samples, shaky numbers" in t for t in expert)
    assert any("Estimator noise" in t for t in expert)
    # beginners get glossary links in the running text, experts the plain words
    assert any("[layer norm](glossary?glossary_q=layer+normalization" in t for t in beginner)
    assert not any("](glossary?" in t for t in expert)
    assert any("which numbers share one mean" in t for t in beginner)
    assert any("Blue cubes share the statistics" in t for t in expert)


@pytest.mark.parametrize(
    ("kind", "count"), [("batch", 6), ("layer", 4), ("instance", 24), ("group", 8)]
)
def test_each_normalization_shows_its_statistics(alternatives, kind, count):
    at = alternatives
    at.selectbox(key="l10_kind").set_value(kind).run()
    ok(at)
    assert metrics(at)["Mean/variance pairs"] == str(count)
    fig = chart(at, "l10_block")
    assert fig["data"][-1]["type"] == "mesh3d"
    assert any(kind in str(lat.value).lower() or "mu" in str(lat.value) for lat in at.latex)


def test_group_count_changes_the_pairs(alternatives):
    at = alternatives
    at.selectbox(key="l10_kind").set_value("group").run()
    for g, pairs in ((1, 4), (3, 12), (6, 24)):
        at.select_slider(key="l10_groups").set_value(g).run()
        ok(at)
        assert metrics(at)["Mean/variance pairs"] == str(pairs)
    # back to the default (2 groups): the shared page's other tests count on it
    at.select_slider(key="l10_groups").set_value(2).run()
    assert metrics(at)["Mean/variance pairs"] == "8"


@pytest.mark.slow
def test_sweep_runs_on_the_page(alternatives):
    at = alternatives
    at.button(key="l10_seed_new").click().run()  # a new seed before the (one) sweep
    ok(at)
    assert at.number_input(key="l10_seed").value == 1
    at.button(key="l10_sweep_on_btn").click().run()
    ok(at)
    m = metrics(at)
    assert pct(m["BN error, batch 2"]) > pct(m["BN error, batch 32"]) + 0.1
    names = [t["name"] for t in chart(at, "l10_sweep")["data"]]
    assert "BN (Wu & He)" in names and "Group norm (4 groups)" in names


# --- lesson 11 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batches():
    return open_page("pages/lesson_10b_non_random_batches.py")


def test_non_random_batches_renders_without_training():
    at = open_page("pages/lesson_10b_non_random_batches.py")  # untouched by other tests
    assert at.title[0].value.startswith("11.")
    assert chart(at, "l10_online")
    assert not any("l10_block" in k for k in charts(at))  # lesson 10's
    assert not any("l10_single" in k for k in charts(at))  # waits for a click
    assert len(at.table) == 1
    assert list(at.table[0].value["Normalization"]) == ["Batch renorm", "Online norm"]
    assert any(r"\mathrm{clip}" in m.value for m in at.markdown)  # renorm's formula
    assert at.number_input(key="l10_seed").value == 0


def test_non_random_batches_text_follows_the_level():
    page = "pages/lesson_10b_non_random_batches.py"
    beginner, expert = markdown_at(page, "beginner"), markdown_at(page, "expert")
    assert any("Shuffling the training data" in t for t in beginner)
    assert not any("Shuffling the training data" in t for t in expert)
    assert any("within-class" in t for t in expert)
    assert any("by a factor r and a shift d" in t for t in beginner)
    assert any("the gradient is BN's, scaled" in t for t in expert)


def test_online_norm_widgets(batches):
    at = batches
    at.select_slider(key="l10_decay").set_value(0.9).run()
    at.slider(key="l10_drift").set_value(0.0).run()
    ok(at)
    m = metrics(at)
    assert abs(float(m["Output mean, last 250 samples"])) < 0.3
    assert m["Memory of the averages"] == "~10 samples"
    at.select_slider(key="l10_decay").set_value(0.999).run()
    at.slider(key="l10_drift").set_value(3.0).run()
    ok(at)
    assert metrics(at)["Memory of the averages"] == "~1000 samples"


@pytest.mark.slow
def test_single_class_experiment_runs_on_the_page(batches):
    at = batches
    at.select_slider(key="l10_warmup").set_value(0.5).run()
    at.button(key="l10_single_on_btn").click().run()
    ok(at)
    m = metrics(at)
    assert pct(m["Batch norm"]) < 0.3 < pct(m["Batch renorm"])
    assert pct(m["Group norm (4 groups)"]) > 0.9
    fig = chart(at, "l10_single")
    assert [t["name"] for t in fig["data"]][-2:] == ["r_max", "d_max"]


# --- lesson 12 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def why():
    return open_page("pages/lesson_11_why_it_works.py")


def test_why_renders():
    # its own page: tests run shuffled, and on the shared one a landscape run may be drawn
    at = open_page("pages/lesson_11_why_it_works.py")
    assert at.title[0].value.startswith("12.")
    assert chart(at, "l11_band")
    assert not any("l11_landscape" in k for k in charts(at))


def test_why_text_differs_by_level():
    from bnlib.course.lesson_text import lesson_text

    text = lesson_text("why-it-works")
    shown = {}
    for level in ("beginner", "expert"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        at.session_state["expertise"] = level  # where the sidebar keeps the level
        at.switch_page(str(ROOT / "pages/lesson_11_why_it_works.py")).run()
        ok(at)
        shown[level] = " ".join(m.value for m in at.markdown)
        for name in ("so-why", "probes"):
            assert text.get(name, level) in shown[level]
    assert "Santurkar, Tsipras, Ilyas and Madry" in shown["beginner"]
    assert "gradient-based measure of internal covariate shift" in shown["expert"]
    assert text.get("so-why", "beginner") not in shown["expert"]


def test_noise_slider_moves_the_band(why):
    at = why
    at.slider(key="l11_noise").set_value(0.0).run()
    ok(at)
    flat = chart(at, "l11_band")
    at.slider(key="l11_noise").set_value(1.0).run()
    ok(at)
    assert chart(at, "l11_band") != flat


@pytest.mark.slow
def test_noisy_training_runs(why):
    at = why
    at.slider(key="l11_noise").set_value(0.5).run()
    at.select_slider(key="l11_noise_steps").set_value(300).run()
    at.button(key="l11_noise_on_btn").click().run()
    ok(at)
    m = metrics(at)
    assert pct(m["BN + noise: val accuracy"]) > pct(m["No BN: val accuracy"]) + 0.4
    assert any("kept most of what BN gives" in c.value for c in at.caption)
    assert len(chart(at, "l11_noise_acc")["data"]) == 3


@pytest.mark.slow
def test_landscape_runs_and_reports_the_measures(why):
    at = why
    at.select_slider(key="l11_lr").set_value(0.5).run()
    at.select_slider(key="l11_steps").set_value(300).run()
    at.button(key="l11_land_on_btn").click().run()
    ok(at)
    table = at.table[-1].value
    assert list(table.iloc[:, 0]) == ["Loss range", "Gradient change", "Beta-smoothness"]
    ratio = float(table.iloc[0, 3].rstrip("x"))
    assert ratio > 2  # loss band wider without BN
    assert len(chart(at, "l11_landscape")["data"]) == 10
    at.select_slider(key="l11_lr").set_value(0.1).run()  # another lr, another run
    ok(at)


@pytest.mark.parametrize("level", ["beginner", "intermediate", "expert"])
def test_small_batch_practice_is_taught_at_every_level(level):
    """Curriculum 15: SyncBN, frozen BN, and that gradient accumulation does not enlarge
    the batch BN sees, in an expander under the sweep."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state[LEVEL_KEY] = level
    at.switch_page(str(ROOT / "pages/lesson_10_alternatives.py")).run()
    ok(at)
    (box,) = [e for e in at.expander if e.label.startswith("Small batches in practice")]
    text = " ".join(m.value for m in box.markdown)
    assert "SyncBatchNorm" in text and "eval mode" in text
    # the accumulation trap, said at the reader's level
    assert "micro-batch" in text or "small batch on its own" in text
