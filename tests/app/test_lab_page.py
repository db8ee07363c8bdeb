"""The training lab page under AppTest: presets, a tiny comparison from Train to results."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.lab.config import PRESETS, TrainConfig, choice_label
from bnlib.lab.report import lower_first, what_to_notice
from tests.support.gates import WAIT_S, wait_until

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/training_lab.py"


def _open():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_page_renders_with_defaults():
    at = _open()
    assert at.title[0].value == "Training lab"
    assert at.selectbox(key="a_norm").value == "none"
    assert at.selectbox(key="b_norm").value == "bn_before"
    assert any("Device:" in c.value for c in at.caption)
    assert any("at most" in c.value and "steps" in c.value for c in at.caption)  # limits stated


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_applies(name):
    at = _open()
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception, at.exception
    a, b = PRESETS[name].configs()
    assert at.selectbox(key="a_activation").value == a.activation
    assert at.session_state["a_batch_size"] == a.batch_size
    # the introduction names the two normalizations this preset compares
    intro = at.markdown[0].value
    for col, cfg in (("A", a), ("B", b)):
        assert f"**{col}** with *{lower_first(choice_label('norm', cfg.norm))}*" in intro


def test_linked_fields_follow_a_and_can_be_unlinked():
    at = _open()
    at.slider(key="a_depth").set_value(4).run()
    assert "b_depth" not in [w.key for w in at.slider]
    at.multiselect(key="unlinked").set_value(["norm", "depth"]).run()
    assert at.slider(key="b_depth").value == 4  # starts from A's value
    assert not at.exception


def test_invalid_settings_show_an_error_not_a_traceback():
    at = _open()
    at.selectbox(key="a_norm").set_value("group").run()
    at.select_slider(key="a_width").set_value(100).run()
    # width 100 with 4 groups is fine; 7 groups is not reachable from the page, so use depth
    at.number_input(key="a_steps").set_value(0).run()
    at.number_input(key="a_epochs").set_value(200).run()
    at.select_slider(key="a_batch_size").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert not at.exception
    assert at.error and "steps" in at.error[0].value


def test_tiny_comparison_trains_and_shows_results():
    at = _open()
    at.multiselect(key="unlinked").set_value(["norm"]).run()
    at.slider(key="a_depth").set_value(1).run()
    at.select_slider(key="a_width").set_value(16).run()
    at.number_input(key="a_steps").set_value(30).run()
    at.number_input(key="seeds").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert not at.exception, at.exception
    job = at.session_state["lab_job"]
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.error is None
    at.run()
    assert not at.exception, at.exception
    assert [r.status for r in job.result.runs] == ["finished"] * 4
    assert at.get("progress"), "progress bar missing"
    charts = _charts(at)
    titles = " ".join(c["layout"]["title"]["text"] for c in charts)
    assert "Training loss" in titles and "percentile band" in titles
    table = at.dataframe[0].value
    assert list(table["Config"]) == ["A", "B"] and (table["Seeds"] == 2).all()
    assert list(table["Normalization"]) == ["No normalization", "BN before the activation"]
    assert not [c for c in table.columns if "_" in c], list(table.columns)  # no snake_case
    assert {b.label for b in at.get("download_button")} == {"Download CSV", "Download JSON"}
    # the run's own numbers, in words, once it is done
    (notice,) = [s.value for s in at.success if "What to notice" in s.value]
    assert notice == f"**What to notice.** {what_to_notice(job.result)}"
    assert "with no normalization" in notice and "BN before the activation" in notice
    assert at.get("progress")[0].proto.text.startswith("100 % · 30 of 30 steps · took ")


def test_stop_button_cancels_a_running_job(lab_gate):
    at = _open()
    at.number_input(key="a_steps").set_value(5000).run()
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    lab_gate.wait_held(1)  # training, held after its first step
    assert job.running
    at.button(key="lab_stop").click().run()
    job.thread.join(WAIT_S)
    assert job.state == "done"
    at.run()
    assert not at.exception
    assert job.result.cancelled and job.progress.steps_done == job.progress.steps_total // 5000
    assert any("Stopped" in w.value for w in at.warning)


def test_a_job_stopped_because_its_tab_was_away_says_so(lab_gate):
    at = _open()
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    lab_gate.wait_held(1)
    job.orphan(grace_s=0.01)  # what a tab gone for longer than the grace period leads to
    job.thread.join(WAIT_S)
    assert job.abandoned and job.result.cancelled
    at.run()
    assert not at.exception, at.exception
    notes = [w.value for w in at.warning if w.value.startswith("Stopped")]
    assert len(notes) == 1 and "this tab was away" in notes[0], notes


# --- shareable links: the whole lab configuration travels in the URL ------------------------
def _open_with(query: dict):
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _built_configs(at):
    """What Train would run: the configs the page builds from its widgets' state."""
    from bnlib.ui.lab_settings import config_from_values

    return tuple(config_from_values(at.session_state, col) for col in ("A", "B"))


def _notices(at):
    return [c.value for c in at.caption if "link_off" in c.value]


LINK = {
    "a_depth": "5",
    "a_activation": "tanh",
    "a_lr": "0.5",
    "a_width": "64",
    "a_steps": "300",
    "a_standardize": "false",
    "unlinked": ["norm", "batch_size"],
    "b_norm": "group",
    "b_batch_size": "4",
    "seeds": "2",
    "seed0": "7",
}


def test_a_link_reproduces_the_whole_configuration():
    at = _open_with(LINK)
    assert at.slider(key="a_depth").value == 5
    assert at.selectbox(key="a_activation").value == "tanh"
    assert at.select_slider(key="a_lr").value == 0.5
    assert at.select_slider(key="a_width").value == 64
    assert at.number_input(key="a_steps").value == 300
    assert at.checkbox(key="a_standardize").value is False
    assert at.multiselect(key="unlinked").value == ["norm", "batch_size"]
    assert at.selectbox(key="b_norm").value == "group"
    assert at.select_slider(key="b_batch_size").value == 4
    assert at.number_input(key="seeds").value == 2 and at.number_input(key="seed0").value == 7
    assert "b_depth" not in [w.key for w in at.slider]  # linked: B uses A's
    a, b = _built_configs(at)
    shared = dict(depth=5, activation="tanh", lr=0.5, width=64, steps=300, standardize=False)
    assert a == TrainConfig(**shared, norm="none", batch_size=60)
    assert b == TrainConfig(**shared, norm="group", batch_size=4)
    assert not _notices(at)


def test_the_built_configuration_is_what_train_runs(lab_gate):
    at = _open_with({**LINK, "a_depth": "1", "a_width": "16", "a_steps": "5"})
    at.button(key="lab_train").click().run()
    assert not at.exception, at.exception
    job = at.session_state["lab_job"]
    lab_gate.wait_held(1)  # its runs are set up and it took a step
    job.stop()
    job.thread.join(WAIT_S)
    a, b = _built_configs(at)
    runs = {(r.label, r.config.seed): r.config for r in job.result.runs}
    assert set(runs) == {(c, s) for c in "AB" for s in (7, 8)}  # seeds 7 and 8
    assert runs["A", 7] == a.replace(seed=7) and runs["B", 8] == b.replace(seed=8)


@pytest.mark.parametrize(
    "query",
    [
        {"a_depth": "99"},
        {"a_depth": "abc"},
        {"a_epochs": "inf"},  # streamlit's int number_input would raise on it
        {"seed0": "1e400"},
        {"b_norm": "<b>group</b>"},
        {"a_lr": "1e-3"},  # not the option's text (0.001)
        {"a_width": "63"},
        {"unlinked": ["nonsense"]},
        {"preset": "[x](javascript:alert(1))"},
        {"a_standardize": "yes"},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()),
)
def test_a_malformed_link_value_falls_back_with_a_notice(query):
    at = _open_with(query)
    (key,) = query
    raw = query[key]
    assert len(_notices(at)) == 1, _notices(at)
    assert str(raw) not in _notices(at)[0]  # never echoed back
    assert _built_configs(at) == PRESETS["Default: BN or not"].configs()
    assert at.session_state["seeds"] == 3 and at.session_state["seed0"] == 0
    at.run()  # and the page keeps working afterwards
    assert not at.exception, at.exception


def test_a_preset_click_updates_the_url():
    at = _open()
    at.selectbox(key="preset").set_value("Tiny batches").run()
    assert not at.exception, at.exception
    # the values the preset's callback set are written by the server; the preset box
    # itself, changed by the user, is written by the browser (tests/browser checks that)
    qp = dict(at.query_params)
    assert qp["a_norm"] == "bn_before" and qp["b_norm"] == "group"
    assert qp["a_batch_size"] == "2" and qp["a_steps"] == "1500"
    # and those values alone, opened fresh, give the same configuration
    again = _open_with({k: v for k, v in qp.items() if k != "preset"})
    assert _built_configs(again) == _built_configs(at) == PRESETS["Tiny batches"].configs()


def test_a_link_naming_only_a_preset_applies_it():
    at = _open_with({"preset": "Bad init", "a_depth": "7"})
    a, b = _built_configs(at)
    want_a, want_b = PRESETS["Bad init"].configs()
    assert (a, b) == (want_a.replace(depth=7), want_b.replace(depth=7))  # the link wins
    assert at.query_params["a_init"] == "large_gaussian"  # written, so the link stays exact


# --- issue 15 §5: a link to the mnist dataset makes no download unless the host allows it ---


def test_mnist_link_without_download_permission_warns_and_trains_on_digits(tmp_path, monkeypatch):
    import http.server
    import threading

    from bnlib.lab import data as D

    requests = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # a loopback "mirror" that only records what reached it
            requests.append(self.path)
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(D.MIRROR_ENV, f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.delenv(D.DOWNLOAD_ENV, raising=False)  # the default: off
    monkeypatch.setattr(D, "CACHE_DIR", tmp_path)  # an empty cache
    D.load_dataset.cache_clear()
    try:
        at = _open_with(
            {"a_dataset": "mnist", "a_depth": "1", "a_width": "16", "a_steps": "3", "seeds": "1"}
        )
        assert at.selectbox(key="a_dataset").value == "mnist"
        at.button(key="lab_train").click().run()
        assert not at.exception, at.exception
        job = at.session_state["lab_job"]
        job.thread.join(WAIT_S)
        assert job.state == "done" and job.error is None
        at.run()
        assert not at.exception, at.exception
        warnings = " ".join(w.value for w in at.warning)
        assert "Full MNIST is not available on this server" in warnings
        assert "downloading it is turned off" in warnings and "8x8 digits" in warnings
        assert "urlopen" not in warnings and "Errno" not in warnings
        assert requests == []  # the server did not try to download anything
        assert all(r.status == "finished" for r in job.result.runs)
    finally:
        D.load_dataset.cache_clear()
        server.shutdown()
        server.server_close()


# --- issue 16 §2: a basic view, readable names, settings that apply -------------------------
WIDGETS = ("selectbox", "slider", "select_slider", "multiselect", "number_input", "checkbox",
           "button", "toggle", "radio", "text_input")  # fmt: skip


def _keys(block) -> list[str]:
    return [w.key for kind in WIDGETS for w in block.get(kind)]


def _visible(at) -> list[str]:
    """Keys of the lab's controls outside its "Advanced" expander."""
    (advanced,) = [e for e in at.main.expander if e.label.startswith("Advanced")]
    inside = set(_keys(advanced))
    return [k for k in _keys(at.main) if k not in inside], inside


def test_the_basic_view_shows_six_controls_and_advanced_holds_the_rest():
    at = _open()
    visible, inside = _visible(at)
    assert sorted(visible) == sorted(
        ["preset", "b_norm", "a_depth", "a_lr", "a_batch_size", "lab_train"]
    )
    assert {"unlinked", "a_norm", "a_optimizer", "a_activation", "seeds", "seed0"} <= inside
    # with normalization linked, the first row's box sets it for both
    at.multiselect(key="unlinked").set_value([]).run()
    visible, _ = _visible(at)
    assert "a_norm" in visible and "b_norm" not in visible and len(visible) == 6


def test_every_choice_shows_a_readable_name_and_the_url_keeps_the_id():
    at = _open()
    at.multiselect(key="unlinked").set_value(["norm", "optimizer"]).run()
    at.selectbox(key="b_optimizer").set_value("momentum").run()
    assert not at.exception, at.exception
    for box in [*at.selectbox, *at.multiselect]:
        shown = " ".join(box.options)
        assert "_" not in shown and "sgd" not in shown, (box.key, box.options)
    assert "BN before the activation" in at.selectbox(key="b_norm").options
    assert "SGD + momentum" in at.selectbox(key="b_optimizer").options
    assert "Normalization" in at.multiselect(key="unlinked").options
    qp = dict(at.query_params)
    assert qp["b_optimizer"] in ("momentum", ["momentum"]) and "b_norm" not in qp  # the default
    assert qp["unlinked"] == ["norm", "optimizer"]
    again = _open_with({"unlinked": ["norm", "optimizer"], "b_optimizer": "momentum"})
    assert _built_configs(again) == _built_configs(at)


def test_settings_that_do_not_apply_are_hidden_and_keep_their_value():
    at = _open()
    keys = lambda: _keys(at.main)  # noqa: E731
    assert "a_init_std" not in keys() and "a_epochs" in keys()
    at.selectbox(key="a_init").set_value("small_gaussian").run()
    at.select_slider(key="a_init_std").set_value(0.3).run()
    assert _built_configs(at)[0].init_std == 0.3
    at.selectbox(key="a_init").set_value("kaiming").run()
    assert "a_init_std" not in keys()
    assert _built_configs(at)[0].init_std == 0.01  # not used by this init: its default
    at.selectbox(key="a_init").set_value("small_gaussian").run()
    assert at.select_slider(key="a_init_std").value == 0.3  # kept while hidden
    at.number_input(key="a_steps").set_value(50).run()
    assert "a_epochs" not in keys()  # steps are set: epochs do not count
    at.multiselect(key="unlinked").set_value([]).run()  # both without normalization
    assert "a_bias_before_norm" not in keys() and not at.exception


ADVANCED_LINK = {
    "a_init": "small_gaussian",
    "a_init_std": "0.3",
    "a_optimizer": "adam",
    "a_dataset": "moons",
    "a_bias_before_norm": "true",
    "unlinked": ["norm", "activation", "steps"],
    "b_norm": "layer",
    "b_activation": "gelu",
    "b_steps": "40",
    "a_steps": "20",
    "seed0": "3",
}


def test_a_link_with_advanced_and_hidden_settings_reproduces_exactly():
    at = _open_with({**ADVANCED_LINK, "a_epochs": "7"})  # epochs: hidden, steps are set
    a, b = _built_configs(at)
    shared = dict(init="small_gaussian", init_std=0.3, optimizer="adam", dataset="moons")
    assert a == TrainConfig(**shared, steps=20)  # A has no norm: its bias flag is moot
    assert b == TrainConfig(**shared, norm="layer", activation="gelu", steps=40,
                            bias_before_norm=True)  # fmt: skip
    assert at.selectbox(key="b_activation").value == "gelu" and not _notices(at)
    at.run()  # a rerun keeps every value, shown or not
    assert _built_configs(at) == (a, b)
    qp = dict(at.query_params)
    assert qp["a_optimizer"] in ("adam", ["adam"]) and qp["b_norm"] in ("layer", ["layer"])
    assert _built_configs(_open_with(qp)) == (a, b)  # the URL as it is now, opened again


def test_charts_are_rebuilt_when_the_runs_recorded_more_and_reused_when_not(lab_gate):
    """The progress view redraws every chart each tick; a figure is built again only when
    a run recorded something new (or the chart's own widget changed)."""
    at = _open()
    at.number_input(key="a_steps").set_value(30).run()
    at.button(key="lab_train").click().run()
    lab_gate.wait_held(1)  # one step trained, the job held
    at.run()
    first = dict(at.session_state["_lab_figures"])
    specs = _charts(at)
    assert {"lab_curve_train_loss", "lab_band_A", "lab_band_B"} <= set(first)
    at.run()  # nothing new recorded: the same figures are sent again
    again = at.session_state["_lab_figures"]
    assert all(again[k][2] is first[k][2] for k in first) and _charts(at) == specs
    at.slider(key="lab_diag_layer").set_value(1).run()  # the band's own setting changed
    again = at.session_state["_lab_figures"]
    assert again["lab_band_A"][2] is not first["lab_band_A"][2]
    assert again["lab_curve_train_loss"][2] is first["lab_curve_train_loss"][2]
    lab_gate.allow(5)
    wait_until(lambda: lab_gate.steps >= 6 and lab_gate.held == 1, "five more steps trained")
    at.run()
    assert not at.exception, at.exception
    now = at.session_state["_lab_figures"]
    assert now["lab_curve_train_loss"][2] is not first["lab_curve_train_loss"][2]
    loss = next(c for c in _charts(at) if c["layout"]["title"]["text"].startswith("Training loss"))
    old = next(c for c in specs if c["layout"]["title"]["text"].startswith("Training loss"))
    assert loss["data"] != old["data"]  # the new steps are on the chart
    at.button(key="lab_stop").click().run()
