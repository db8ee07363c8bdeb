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
