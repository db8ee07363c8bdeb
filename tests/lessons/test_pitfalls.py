"""bnlib.lessons.pitfalls: the momentum converter and the checklist's measured numbers."""

from __future__ import annotations

import pytest

from bnlib.lessons.pitfalls import PARAMETERS, bug_numbers, converter


@pytest.mark.parametrize("keras,torch", [(0.9, 0.1), (0.99, 0.01), (0.0, 1.0), (1.0, 0.0)])
def test_converter_round_trip(keras, torch):
    assert converter(keras, "keras")["torch"] == pytest.approx(torch, abs=1e-12)
    assert converter(torch, "torch")["keras"] == pytest.approx(keras, abs=1e-12)


def test_converter_half_life_and_errors():
    assert converter(0.5, "torch")["half_life"] == pytest.approx(1.0)
    assert converter(0.0, "torch")["half_life"] is None
    with pytest.raises(ValueError):
        converter(0.1, "jax")
    with pytest.raises(ValueError):
        converter(1.5, "keras")


def test_bug_numbers():
    n = bug_numbers(0)
    assert n["eval_gap"] > 0.05
    assert "more than 1 value per channel" in n["batch_of_one"]
    assert n["ported_running_mean"] > 4 > 1 > abs(n["converted_running_mean"])
    assert n["unbiased_ratio"] == pytest.approx(8 / 7)
    assert n["frozen_drift"] > 0.2


def test_parameter_table_names_the_defaults():
    text = str(PARAMETERS)
    for default in ("eps=1e-5", "epsilon=1e-3", "momentum=0.1", "momentum=0.99"):
        assert default in text
