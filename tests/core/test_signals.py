"""Signal generators are seeded and shaped as documented."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.core import signals


@pytest.mark.parametrize("kind", list(signals.SIGNALS))
def test_every_signal_is_seeded_finite_and_shaped(kind):
    a = signals.sample(kind, 200, seed=3)
    b = signals.sample(kind, 200, seed=3)
    c = signals.sample(kind, 200, seed=4)
    assert a.dtype == np.float64 and np.isfinite(a).all()
    assert a.shape == ((200, 3) if kind == "multi_sensor" else (200,))
    np.testing.assert_array_equal(a, b)
    if kind != "constant":
        assert not np.array_equal(a, c)


def test_signal_character():
    assert signals.sample("shifted", 5000).mean() == pytest.approx(10, abs=0.1)
    assert signals.sample("wide", 5000).std() == pytest.approx(25, rel=0.05)
    assert np.ptp(signals.sample("constant", 50)) == 0
    assert set(np.unique(signals.sample("two_level", 40, p=0.25))) == {0.0, 1.0}
    assert signals.sample("two_level", 40, p=0.25).mean() == 0.25
    px = signals.sample("pixels", 1000)
    assert px.min() >= 0 and px.max() <= 255 and np.all(px == np.round(px))
    ms = signals.sample("multi_sensor", 2000)
    assert ms[:, 1].mean() / ms[:, 2].mean() > 1e4  # scales far apart
    assert signals.sample_batches("normal", 8, 5).shape == (5, 8)
    assert set(signals.DISTRIBUTIONS) <= set(signals.SIGNALS)
