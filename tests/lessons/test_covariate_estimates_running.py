"""The numpy helpers behind lessons 1, 3 and 5: running averages, estimates, the digits MLP."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.core.batchnorm import BatchNorm
from bnlib.data.digits import load_digits
from bnlib.lessons import covariate, estimates, running


def test_ema_is_pytorch_update_line():
    v = np.array([1.0, 2.0, 3.0])
    out = running.ema(v, 0.1, init=0.0)
    r = 0.0
    for t, x in enumerate(v):
        r = 0.9 * r + 0.1 * x
        assert out[t] == pytest.approx(r)
    with pytest.raises(ValueError):
        running.ema(v, 1.5, 0.0)


def test_replay_matches_batchnorm_and_stores_unbiased_var():
    s = running.batch_stream(4, 30, seed=3)
    r = running.replay(s, 0.2)
    bn = BatchNorm(1, momentum=0.2)
    for b in s.batches:
        bn(b.reshape(-1, 1))
    assert r.running_mean[-1] == pytest.approx(bn.running_mean[0])
    assert r.running_var[-1] == pytest.approx(bn.running_var[0])
    assert np.allclose(s.batch_var_unbiased, s.batch_var * 4 / 3)
    assert not r.layer.training


def test_companion_outputs_train_varies_eval_fixed_and_batch_of_one_fails():
    r = running.replay(running.batch_stream(8, 50, seed=0), 0.1, gamma=1.5, beta=0.5)
    comps = np.random.default_rng(0).normal(2, 1.5, (6, 3))
    train, ev = running.companion_outputs(r.layer, 1.5, comps)
    assert np.ptp(train) > 0.1
    assert ev == pytest.approx(r.layer(np.array([[1.5]]))[0, 0])
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        running.companion_outputs(r.layer, 1.5, np.zeros((2, 0)))


def test_drift_moves_population():
    s = running.batch_stream(8, 10, drift=True)
    assert s.pop_mean[-1] - s.pop_mean[0] == pytest.approx(3.0)
    assert s.pop_var[-1] == pytest.approx(s.pop_var[0] * 2.25)


def test_estimates_shrink_like_one_over_sqrt_m():
    p = estimates.population("normal", n=50_000)
    assert p.mean == pytest.approx(0.0, abs=0.02) and p.var == pytest.approx(1.0, abs=0.03)
    e = estimates.estimates_by_size("normal", (4, 64), num_batches=400, seed=1)
    sd_mean, sd_var = e.spread()
    assert sd_mean[0] / sd_mean[1] == pytest.approx(4.0, rel=0.2)
    assert e.variances[0].mean() == pytest.approx(0.75, abs=0.08)  # biased: (m-1)/m


def test_flat_fraction():
    assert covariate.flat_fraction(np.array([-1.0, 0.0, 1.0])) == 0.0
    assert covariate.flat_fraction(np.array([3.0, 4.0, 5.0])) == 1.0
    assert covariate.flat_fraction(np.array([0.0, 1.0, 4.0])) == pytest.approx(0.5)


def test_digits_loader_shape():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 16


def test_shift_run_small_and_precomputed_file_matches_training():
    X, y = load_digits()
    run = covariate.train_shift_run(X / 16, y, True, steps=50, every=25, hidden=8)
    assert run.steps.tolist() == [0, 25, 50]
    assert run.bands.shape == (3, 3, 8, 3)
    assert (np.diff(run.bands, axis=-1) >= 0).all()  # 15th <= 50th <= 85th
    plain, bn = covariate.load_runs(0.5, 0)
    fresh_plain, fresh_bn = covariate.digits_runs(0.5, 0)
    assert np.allclose(plain.bands, fresh_plain.bands, atol=0.02)  # float16 storage
    assert np.allclose(bn.accuracy, fresh_bn.accuracy, atol=1e-6)


@pytest.mark.parametrize("m,drift", [(8, 0.0), (8, 0.02), (32, 0.02), (8, 0.1)])
def test_pooling_batches_trades_noise_for_staleness(m, drift):
    res = estimates.window_error(m, drift)
    # the simulation agrees with noise^2 + staleness^2 (within sampling error)
    theory = np.sqrt(res.noise**2 + res.stale**2)
    np.testing.assert_allclose(res.measured, theory, rtol=0.12)
    assert res.measured[0] == pytest.approx(1 / np.sqrt(m), rel=0.12)  # one batch: noise only


def test_without_drift_more_batches_always_help_with_drift_a_middle_window_wins():
    still = estimates.window_error(8, 0.0)
    assert np.all(np.diff(still.measured) < 0) and still.best == 64
    moving = estimates.window_error(8, 0.02)
    assert moving.best not in (1, 64)  # the smallest error is in between
    assert estimates.window_error(8, 0.1).best < moving.best  # faster drift, shorter window


@pytest.mark.parametrize("m,drift", [(0, 0.02), (8, -0.1), (8, float("nan"))])
def test_window_error_refuses_bad_input(m, drift):
    with pytest.raises(ValueError, match="drift"):
        estimates.window_error(m, drift)
