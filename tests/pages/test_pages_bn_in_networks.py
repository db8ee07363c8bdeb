"""AppTest for lessons 7, 8, 9 and the reference page: every widget driven, results checked."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.helpers import APP, ROOT, open_app_page
from tests.pages.helpers import metrics as metric_values
from tests.pages.helpers import plotly_array as values


def open_page(path: str) -> AppTest:
    return open_app_page(str(ROOT / path))


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page, by their element key when they have one."""
    out = {}
    for i, el in enumerate(at.get("plotly_chart")):
        fig = json.loads(el.proto.spec)
        out[el.proto.id or str(i)] = fig
    return out


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


# --- lessons 7 and 8 at each level ----------------------------------------------------


def _markdown_at(path: str, level: str) -> str:
    """The page's markdown, read as a reader at `level` (kept where the sidebar keeps it)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["expertise"] = level
    at.switch_page(str(ROOT / path)).run()
    ok(at)
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    "path, beginner_words, expert_words",
    [
        ("pages/lesson_07_placement.py", "Every layer of a network", "section 3.2"),
        ("pages/lesson_08_convolutions.py", "A convolution layer looks", "effective mini-batch"),
    ],
)
def test_main_text_differs_by_level(path, beginner_words, expert_words):
    beginner, expert = _markdown_at(path, "beginner"), _markdown_at(path, "expert")
    assert beginner != expert
    assert beginner_words in beginner and beginner_words not in expert
    assert expert_words in expert and expert_words not in beginner


# --- lesson 9 -----------------------------------------------------------------------

SIGNAL_PAGE = "pages/lesson_09_signal_processing.py"
EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture(scope="module")
def signals():
    return open_page(SIGNAL_PAGE)


def open_at_level(path: str, level: str) -> AppTest:
    """The page as a reader at `level` sees it (the level lives where the sidebar keeps it)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.session_state["expertise"] = level
    at.switch_page(str(ROOT / path)).run()
    ok(at)
    return at


def test_signal_intro_differs_by_level():
    from bnlib.course.lesson_text import lesson_text

    text = lesson_text("signal-processing")
    shown = {}
    for level in ("beginner", "expert"):
        at = open_at_level(SIGNAL_PAGE, level)
        shown[level] = [m.value for m in at.markdown]
        assert text.get("intro", level) in shown[level]
    assert shown["beginner"] != shown["expert"]
    assert text.get("intro", "beginner") not in shown["expert"]


def test_two_level_measured_matches_closed_form(signals):
    at = signals
    at.selectbox(key="l9_signal").set_value("two_level").run()
    for p in (0.05, 0.2, 0.5, 0.8):
        at.slider(key="l9_p").set_value(p).run()
        ok(at)
        m = {k: float(v) for k, v in metric_values(at).items()}
        hi, lo = ((1 - p) / p) ** 0.5, -((p / (1 - p)) ** 0.5)
        assert m["High level, formula"] == pytest.approx(hi, abs=1e-4)
        assert m["High level, measured"] == pytest.approx(hi, abs=1e-3)
        assert m["Low level, measured"] == pytest.approx(lo, abs=1e-3)


def test_every_signal_and_widget(signals):
    at = signals
    for kind in ("constant", "rare_events", "multi_sensor", "pixels", "drifting"):
        at.selectbox(key="l9_signal").set_value(kind).run()
        ok(at)
        assert "l9_chart" in " ".join(charts(at))
        if kind == "multi_sensor":
            spread = at.dataframe[0].value["std after"].to_numpy()
            assert abs(spread[:2] - 1).max() < 1e-3 and spread[2] < 0.7  # eps > the variance
    # drifting: streaming with running statistics removes most of the slow part
    for momentum in (0.01, 0.3, 0.9):
        at.select_slider(key="l9_momentum").set_value(momentum).run()
        at.select_slider(key="l9_chunk").set_value(20).run()
        ok(at)
    m = metric_values(at)
    whole = float(m["Slow share, whole-record statistics"].rstrip("%"))
    stream = float(m["Slow share, running statistics"].rstrip("%"))
    assert stream < whole / 5
    at.button(key="l9_seed_new").click().run()
    ok(at)
    at.selectbox(key="l9_signal").set_value("constant").run()
    assert metric_values(at)["Largest |output|"] == "0.0"
    at.selectbox(key="l9_signal").set_value("pixels").run()
    gap = float(metric_values(at)["Max gap between the two outputs (eps = 1e-5)"])
    assert gap < 1e-3


def test_examples_and_download():
    at = open_page(SIGNAL_PAGE)  # its own session: the first check needs nothing picked yet
    assert any("Upload a file" in i.value for i in at.info)
    at.selectbox(key="l9_example").set_value("sensors.csv").run()
    ok(at)
    assert "400 rows, 7 numeric column(s)" in at.success[-1].value
    assert not at.warning
    at.selectbox(key="l9_example").set_value("messy.csv").run()
    ok(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "Skipped 2 non-numeric column(s)" in warnings
    assert "Constant column(s) 'calibration'" in warnings
    assert "4 cell(s)" in warnings
    at.selectbox(key="l9_example").set_value("none").run()


GOOD = b"a,b,c\n1,10,100\n2,20,300\n3,35,200\n4,41,900\n"
BAD_FILES = {
    "empty": (b"", "The file is empty"),
    "not csv (json)": (b'{"a": [1, 2, 3]}', "looks like JSON"),
    "not csv (ragged)": (b"a,b\n1,2\n3,4,5,6\n", "does not read as a CSV table"),
    "binary": (bytes(range(256)) * 8, "binary data"),
    "excel": (b"PK\x03\x04" + bytes(100), "Excel workbook"),
    "latin-1": ("name,value\ncafé,1\nthé,2\n".encode("latin-1"), "not UTF-8"),
    "utf-16": ("a,b\n1,2\n3,4\n".encode("utf-16"), "UTF-16"),
    "no numeric column": (b"name,city\nann,paris\nbob,rome\n", "No numeric column"),
    "one row": (b"a,b\n1,2\n", "only one data row"),
    "header only": (b"a,b\n", "no data rows"),
    "too big": (b"a\n" + b"1.000\n" * 1_000_000, "the limit is 5"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_upload_bad_file_gives_a_clear_error(signals, case):
    at = signals
    data, expected = BAD_FILES[case]
    at.file_uploader(key="l9_upload").set_value(("upload.csv", data, "text/csv")).run()
    ok(at)
    errors = " ".join(e.value for e in at.error)
    assert expected in errors, errors
    assert "l9_csv_chart" not in " ".join(charts(at))
    at.file_uploader(key="l9_upload").clear().run()  # the next test may expect no file


def test_upload_warnings_nan_inf_constant_and_wide(signals):
    at = signals
    up = at.file_uploader(key="l9_upload")
    up.set_value(("nan.csv", b"a,b\n1,2\n,3\nnan,inf\n4,5\n6,-inf\n", "text/csv")).run()
    ok(at)
    assert "4 cell(s) are empty, not numbers, NaN or infinite" in at.warning[0].value
    up = at.file_uploader(key="l9_upload")
    up.set_value(("const.csv", b"a,b\n1,3\n2,3\n3,3\n", "text/csv")).run()
    ok(at)
    assert "Constant column(s) 'b'" in at.warning[0].value
    wide = ",".join(f"c{i}" for i in range(5000)) + "\n"
    wide += "\n".join(",".join(str((r + 1) * i % 97) for i in range(5000)) for r in range(5))
    up = at.file_uploader(key="l9_upload")
    up.set_value(("wide.csv", wide.encode(), "text/csv")).run()
    ok(at)
    assert any("5000 numeric columns; only the first 50" in w.value for w in at.warning)
    assert "50 numeric column(s)" in at.success[-1].value


def test_upload_good_file_is_normalized(signals):
    at = signals
    at.file_uploader(key="l9_upload").set_value(("good.csv", GOOD, "text/csv")).run()
    ok(at)
    assert not at.error and not at.warning
    assert "4 rows, 3 numeric column(s)" in at.success[-1].value
    table = at.dataframe[-1].value
    assert list(table["column"]) == ["a", "b", "c"]
    assert table["std after"].between(0.99, 1.0).all()
    fig = charts(at)
    assert any("l9_csv_chart" in k for k in fig)
    at.file_uploader(key="l9_upload").clear().run()
    ok(at)


# --- reference ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    return open_page("pages/reference.py")


def test_reference_renders_everything(reference):
    at = reference
    assert at.title[0].value == "Reference"
    assert len(at.table) == 1 and len(at.expander) >= 9
    text = " ".join(m.value for m in at.markdown)
    assert "8/7" in text and "1.1429" in text  # unbiased running_var ratio, measured
    assert len(at.tabs) >= 3


def test_momentum_converter_both_ways(reference):
    at = reference
    assert at.number_input(key="ref_torch").value == pytest.approx(0.1)
    assert at.number_input(key="ref_keras").value == pytest.approx(0.9)
    at.number_input(key="ref_keras").set_value(0.99).run()
    ok(at)
    assert at.number_input(key="ref_torch").value == pytest.approx(0.01)
    at.number_input(key="ref_torch").set_value(0.1).run()
    ok(at)
    assert at.number_input(key="ref_keras").value == pytest.approx(0.9)
    assert any("PyTorch **0.1** ⇔ Keras **0.9**" in m.value for m in at.markdown)
    fig = charts(at)
    bars = values(next(iter(fig.values()))["data"][0]["y"])
    assert bars[0] == pytest.approx(0.1)
    for edge in (0.0, 1.0):
        at.number_input(key="ref_torch").set_value(edge).run()
        ok(at)
        assert at.number_input(key="ref_keras").value == pytest.approx(1 - edge)


# --- issue 15 §5: uploads -------------------------------------------------------------------


def test_uploader_limit_matches_the_server_setting_and_the_code(signals):
    import tomllib

    from bnlib.data.csvdata import MAX_BYTES

    at = signals
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    widget_mb = at.file_uploader(key="l9_upload").proto.max_upload_size_mb
    assert widget_mb == config["server"]["maxUploadSize"] == MAX_BYTES // 1_000_000
    # the browser widget refuses 5,000,001 bytes (it counts 1 MB as 1,000,000 bytes): so must
    # the page, or a file that slips past one check meets a different limit in the other
    over = b"a\n" + b"1\n" * 2_499_999 + b"\n"
    assert len(over) == 5_000_001
    at.file_uploader(key="l9_upload").set_value(("over.csv", over, "text/csv")).run()
    ok(at)
    assert any("the limit is 5 MB" in e.value for e in at.error), [e.value for e in at.error]
    at.file_uploader(key="l9_upload").clear().run()


def test_huge_values_upload_says_too_large(signals):
    at = signals
    data = b"a,b\n1e200,-1e200\n-1e200,1e200\n0,0\n"
    at.file_uploader(key="l9_upload").set_value(("huge.csv", data, "text/csv")).run()
    ok(at)
    errors = " ".join(e.value for e in at.error)
    assert "too large to normalize" in errors and "two or more finite values" not in errors
    at.file_uploader(key="l9_upload").clear().run()


def test_file_and_column_names_are_not_rendered_as_markdown(signals):
    at = signals
    data = b'"**bold**","[x](javascript:alert(1))","<b>hi</b>",ok\nt,t,t,1\nu,u,u,2\nv,v,v,3\n'
    name = "[evil](http://example.com)**.csv"
    at.file_uploader(key="l9_upload").set_value((name, data, "text/csv")).run()
    ok(at)
    shown = " ".join(m.value for m in [*at.warning, *at.success, *at.error])
    assert "Skipped 3 non-numeric column(s)" in shown
    for raw in ("**bold**", "[x](", "<b>", "[evil](", "**.csv"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), shown), (raw, shown)
    assert r"\[evil\]\(http\:" in shown
    at.file_uploader(key="l9_upload").clear().run()
