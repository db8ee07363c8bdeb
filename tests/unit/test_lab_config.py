"""TrainConfig validation, limits and presets."""

import dataclasses

import pytest

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig, validate


def test_default_config_is_valid_and_every_field_has_a_default():
    cfg = validate(TrainConfig())
    for f in dataclasses.fields(TrainConfig):
        assert f.default is not dataclasses.MISSING, f.name
    assert cfg.dataset == "digits" and cfg.norm == "none"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"depth": 0}, "depth"),
        ({"depth": C.MAX_DEPTH + 1}, "depth"),
        ({"width": C.MAX_WIDTH + 1}, "width"),
        ({"lr": 100.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"batch_size": 1}, "at least 2"),
        ({"norm": "batchnorm"}, "bn_before"),
        ({"activation": "softplus"}, "activation"),
        ({"norm": "group", "width": 100, "groups": 3}, "divide"),
        ({"steps": C.MAX_STEPS + 1}, "steps"),
        ({"epochs": 150, "batch_size": 2}, "more than the limit"),
        ({"watch_unit": 100}, "watch_unit"),
        ({"depth": 2.5}, "whole number"),
    ],
)
def test_bad_values_raise_clear_errors(changes, words):
    with pytest.raises(ValueError, match=words):
        validate(TrainConfig(**changes))


def test_presets_are_small_overrides_that_validate():
    for name in (
        "Ioffe & Szegedy, Fig. 1",
        "Deep net, high learning rate",
        "Bad init",
        "Tiny batches",
    ):
        assert name in PRESETS
    for preset in PRESETS.values():
        a, b = preset.configs()
        validate(a)
        validate(b)
        assert a != b
    a, b = PRESETS["Ioffe & Szegedy, Fig. 1"].configs()
    assert (a.depth, a.width, a.activation, a.batch_size, a.optimizer) == (
        3,
        100,
        "sigmoid",
        60,
        "sgd",
    )
    assert a.init == "small_gaussian" and (a.norm, b.norm) == ("none", "bn_before")
    a, b = PRESETS["Tiny batches"].configs()
    assert a.batch_size == 2 and {a.norm, b.norm} == {"bn_before", "group"}


def test_total_steps():
    assert C.total_steps(TrainConfig(steps=7)) == 7
    assert C.total_steps(TrainConfig(epochs=2, batch_size=60), n_train=1437) == 2 * 23


# --- the field specs: each field described once, used by validate, the CLI and the page


def test_every_field_has_help_and_the_page_fields_have_labels():
    from bnlib.lab.config import FIELD_LABELS, FIELDS, field_help
    from bnlib.ui.lab_settings import FIELDS as PAGE_FIELDS

    for name in FIELDS:
        assert len(field_help(name)) > 10, name
    assert set(PAGE_FIELDS) <= set(FIELD_LABELS)


def test_validate_enforces_each_fields_spec():
    from bnlib.lab.config import FIELDS

    for name, f in FIELDS.items():
        m = f.metadata
        if m["choices"]:
            bad = "no-such-choice"
        elif m["lo"] is not None:
            bad = (m["lo"] - 1) if f.type != "float" else m["lo"] - abs(m["lo"]) - 1.0
        else:
            continue
        with pytest.raises(ValueError, match=name):
            validate(TrainConfig().replace(**{name: bad}))


def test_the_lab_grids_stay_inside_the_specs():
    from bnlib.lab.config import FIELDS
    from bnlib.ui.lab_settings import CHOICES

    for name, grid in CHOICES.items():
        m = FIELDS[name].metadata
        if m["choices"]:
            assert tuple(grid) == tuple(m["choices"]), name
        else:
            assert all(m["lo"] <= v <= m["hi"] for v in grid), name
