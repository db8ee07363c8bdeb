"""bnlib.lessons.adaptive: BN's effect on simple signals, and streaming with running statistics."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.core.batchnorm import BatchNorm
from bnlib.core.signals import sample
from bnlib.lessons.adaptive import (
    normalize_columns,
    rare_event_levels,
    slow_share,
    streaming_normalize,
    two_level_closed_form,
    two_level_measured,
)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_two_level_matches_closed_form(p):
    x = sample("two_level", 1000, 0, p=p)
    hi, lo = two_level_closed_form(p)
    m_hi, m_lo = two_level_measured(x, normalize_columns(x, eps=1e-12))
    assert m_hi == pytest.approx(hi, rel=1e-9) and m_lo == pytest.approx(lo, rel=1e-9)


def test_two_level_half_is_plus_minus_one():
    assert two_level_closed_form(0.5) == pytest.approx((1.0, -1.0))
    with pytest.raises(ValueError):
        two_level_closed_form(1.0)


def test_constant_becomes_exactly_zero():
    assert np.all(normalize_columns(sample("constant", 50)) == 0.0)


def test_pixels_scale_free_up_to_eps():
    raw = sample("pixels", 1000, 1)
    y = normalize_columns(np.column_stack([raw, raw / 255]), eps=1e-12)
    np.testing.assert_allclose(y[:, 0], y[:, 1], atol=1e-9)


def test_multi_sensor_on_one_scale_except_where_eps_dominates():
    x = sample("multi_sensor", 500, 2)
    y = normalize_columns(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0)[:2], 1, atol=1e-3)
    # the current (sd 0.002, variance 4e-6) is smaller than eps = 1e-5: its spread shrinks
    var = x[:, 2].var()
    assert y[:, 2].std() == pytest.approx(np.sqrt(var / (var + 1e-5)), rel=1e-9)
    assert y[:, 2].std() < 0.7


def test_rare_events_magnified():
    x = sample("rare_events", 2000, 3)
    lv = rare_event_levels(x, normalize_columns(x))
    assert abs(lv["baseline_out"]) < 0.3 and lv["spike_out"] > 4


def test_streaming_matches_batchnorm_loop_and_removes_drift():
    x = sample("drifting", 2000, 0)
    y, rmean, rstd = streaming_normalize(x, 10, 0.3)
    # the same loop written out with the layer
    bn = BatchNorm(1, momentum=0.3)
    chunk = x[:10].reshape(-1, 1)
    bn.train()(chunk)
    np.testing.assert_allclose(y[:10], bn.eval()(chunk)[:, 0], atol=1e-12)
    assert rmean[0] == pytest.approx(bn.running_mean[0])
    assert slow_share(y, 200, 200) < 0.2 < 0.5 < slow_share(normalize_columns(x))


def test_streaming_rejects_bad_batch():
    with pytest.raises(ValueError, match="batch"):
        streaming_normalize(np.arange(10.0), 1)
