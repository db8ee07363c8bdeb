"""Every bad input gets a ValueError that says what was wrong and how to fix it."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.core import batchnorm as bn
from bnlib.core import norms, signals
from bnlib.core.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(bad):
    x = np.ones((4, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match=r"1 non-finite value.*(Remove|replace)"):
        bn.forward(x, 1.0, 0.0)
    with pytest.raises(ValueError, match="non-finite"):
        bn.BatchNorm(2)(x)


def test_wrong_ndim_suggests_reshape():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*reshape\(-1, 1\)"):
        bn.forward(np.arange(5.0), 1.0, 0.0)


def test_feature_count_mismatch_names_both_sizes():
    with pytest.raises(ValueError, match=r"expected 3 features.*BatchNorm\(4\) fits"):
        bn.BatchNorm(3)(np.ones((5, 4)))


def test_gamma_shape_mismatch():
    with pytest.raises(ValueError, match=r"gamma must be a scalar or have shape \(3,\)"):
        bn.forward(np.random.default_rng(0).normal(size=(4, 3)), np.ones(2), 0.0)


def test_batch_of_one_in_training_explains_why():
    layer = bn.BatchNorm(3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*variance is 0.*eval"):
        layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn.forward(np.ones((1, 3)), 1.0, 0.0)
    # eval mode with running statistics handles a single sample
    assert layer.eval()(np.ones((1, 3))).shape == (1, 3)


def test_batch_of_one_without_running_stats_fails_in_eval_too():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn.BatchNorm(2, track_running_stats=False).eval()(np.ones((1, 2)))


@pytest.mark.parametrize("eps", [0, -1e-5, float("nan"), float("inf"), "abc"])
def test_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be"):
        bn.forward(np.random.default_rng(0).normal(size=(4, 2)), 1.0, 0.0, eps=eps)
    with pytest.raises(ValueError, match="eps must be"):
        bn.BatchNorm(2, eps=eps)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, float("nan"), "fast"])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match=r"momentum must"):
        bn.BatchNorm(2, momentum=momentum)
    with pytest.raises(ValueError, match=r"momentum must"):
        bn.keras_to_torch_momentum(momentum)


def test_bad_num_features():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="num_features must be a positive integer"):
            bn.BatchNorm(bad)


def test_non_numeric_and_empty():
    with pytest.raises(ValueError, match="must hold numbers"):
        bn.forward(np.array([["a", "b"], ["c", "d"]]), 1.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        bn.forward(np.zeros((0, 3)), 1.0, 0.0)


def test_backward_errors():
    with pytest.raises(ValueError, match="before forward"):
        bn.BatchNorm(2).backward(np.ones((3, 2)))
    _, cache = bn.forward(np.random.default_rng(0).normal(size=(4, 2)), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"dy must have the shape"):
        bn.backward(np.ones((3, 2)), cache)


def test_fold_errors():
    with pytest.raises(ValueError, match="cannot be folded"):
        bn.BatchNorm(2, track_running_stats=False).fold()
    with pytest.raises(ValueError, match="non-negative"):
        bn.fold(1.0, 0.0, [0.0], [-1.0])


def test_norms_errors():
    x = np.random.default_rng(0).normal(size=(2, 6, 3))
    with pytest.raises(
        ValueError, match=r"divide the 6 channels evenly; choose one of \[1, 2, 3, 6\]"
    ):
        norms.group_norm(x, 4)
    with pytest.raises(ValueError, match="normalized_shape"):
        norms.layer_norm(x, normalized_shape=(5,))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        norms.instance_norm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="r_max >= 1"):
        norms.BatchRenorm(3, r_max=0.5)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        norms.OnlineNorm(2)(np.ones((4, 3)))


def test_signal_errors():
    with pytest.raises(ValueError, match="unknown signal kind 'pink'; choose one of: normal"):
        signals.sample("pink", 10)
    with pytest.raises(ValueError, match="0 < p < 1"):
        signals.sample("two_level", 10, p=1.5)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        signals.sample("normal", 0)
    with pytest.raises(ValueError, match="bad parameter"):
        signals.sample("normal", 5, nonsense=1)


def test_gradcheck_errors():
    with pytest.raises(ValueError, match="step h must be positive"):
        numerical_gradient(lambda v: v, np.ones(3), h=0)
    with pytest.raises(ValueError, match="one shape"):
        rel_error(np.ones(2), np.ones(3))


# --- issue 15, section 3: the edges where NaN used to slip through ---------------------------


@pytest.mark.parametrize(
    "x, dtype",
    [
        ([[1e200], [-1e200], [0.0]], np.float64),  # was [0, 0, 0] with var = inf
        ([[1e308], [1e308], [0.0]], np.float64),  # same sign: was NaN
        ([[1e20], [-1e20], [0.0]], np.float32),
    ],
)
def test_values_too_large_to_square_are_refused(x, dtype):
    x = np.array(x, dtype=dtype)
    name = np.dtype(dtype).name
    msg = rf"too large to square in {name}.*Rescale x"
    for call in (
        lambda: bn.forward(x),
        lambda: bn.batch_stats(x),
        lambda: bn.BatchNorm(1, dtype=dtype)(x),
        lambda: norms.layer_norm(x.T),
        lambda: norms.group_norm(x.T, 1),
        lambda: norms.instance_norm(x.T[:, None, :]),
        lambda: norms.BatchRenorm(1)(x),
    ):
        with pytest.raises(ValueError, match=msg):
            call()
    if dtype == np.float32:
        with pytest.raises(ValueError, match="float64"):
            bn.forward(x)
    else:  # OnlineNorm keeps float64 state, so only float64 input can overflow it
        with pytest.raises(ValueError, match=msg):
            norms.OnlineNorm(1)(x)


def test_eps_below_the_dtype_resolution_is_refused():
    x = np.full((4, 2), 3.0, dtype=np.float32)
    with pytest.raises(ValueError, match=r"eps=1e-50 is outside what float32 can hold"):
        bn.forward(x, eps=1e-50)
    with pytest.raises(ValueError, match="eps"):
        bn.BatchNorm(2, eps=1e-50, dtype=np.float32)
    # the same eps is fine in float64
    assert np.isfinite(bn.forward(x.astype(np.float64), eps=1e-50)[0]).all()


def test_running_statistics_never_become_inf():
    layer = bn.BatchNorm(1, momentum=1.0)
    layer(np.array([[1.0], [2.0]]))
    before = layer.running_mean.copy(), layer.running_var.copy(), layer.num_batches_tracked
    with pytest.raises(ValueError, match="too large to square"):
        layer(np.array([[1e200], [-1e200]]))
    assert np.array_equal(layer.running_mean, before[0])
    assert np.array_equal(layer.running_var, before[1])
    assert layer.num_batches_tracked == before[2]
    assert np.isfinite(layer.eval()(np.array([[1.0]]))).all()
    # statistics set by hand are checked before eval() and fold() use them
    layer.running_var = np.array([np.inf])
    with pytest.raises(ValueError, match="running_var contains NaN or inf"):
        layer(np.array([[1.0]]))
    with pytest.raises(ValueError, match="running_var contains NaN or inf"):
        layer.fold()


def test_fold_checks_finiteness_and_shapes():
    with pytest.raises(ValueError, match="running_mean contains NaN or inf"):
        bn.fold(1.0, 0.0, [np.nan], [1.0])
    with pytest.raises(ValueError, match=r"running_mean must be a vector.*\(2, 3\)"):
        bn.fold(1.0, 0.0, np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        bn.fold(1.0, 0.0, [0.0, 0.0], [1.0])
    with pytest.raises(ValueError, match=r"folded map overflowed"):
        bn.fold(1e308, 0.0, [0.0], [0.0])


def test_gamma_and_dy_overflow_are_refused():
    x = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(ValueError, match=r"gamma and beta are too large for float64"):
        bn.forward(x, 1e308)
    _, cache = bn.forward(x)
    with pytest.raises(ValueError, match=r"dy is too large for float64.*Scale the loss"):
        bn.backward(np.full((4, 3), 1e308), cache)
    layer = bn.BatchNorm(3)
    layer(x)
    with pytest.raises(ValueError, match="dy is too large"):
        layer.backward(np.full((4, 3), 1e308))


@pytest.mark.parametrize("name", ["gamma", "beta"])
def test_nan_gamma_beta_are_refused(name):
    x = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(ValueError, match=f"{name} contains NaN"):
        bn.forward(x, **{name: np.nan})
    renorm = norms.BatchRenorm(3)
    setattr(renorm, name, np.array([1.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match=f"{name} contains NaN"):
        renorm(x)


@pytest.mark.parametrize("kw", [{"r_max": np.nan}, {"d_max": np.nan}, {"r_max": np.inf}])
def test_nan_r_max_d_max_are_refused(kw):
    with pytest.raises(ValueError, match="must be finite"):
        norms.BatchRenorm(3, **kw)


@pytest.mark.parametrize(
    "kind, params, match",
    [
        ("normal", {"loc": np.nan}, "loc must be a finite number"),
        ("wide", {"scale": np.inf}, "scale must be a finite number"),
        ("drifting", {"period": 0}, r"period .* must lie in \(0, inf\), got 0"),
        ("rare_events", {"rate": 5}, r"rate .* must lie in \[0, 1\], got 5"),
        ("rare_events", {"rate": -1}, r"rate .* must lie in \[0, 1\], got -1"),
        ("normal", {"scale": -1.0}, r"scale .* must lie in \[0, inf\)"),
    ],
)
def test_signal_parameters_are_validated(kind, params, match):
    with pytest.raises(ValueError, match=match):
        signals.sample(kind, 10, **params)


def test_negative_seed_names_the_seed():
    with pytest.raises(ValueError, match=r"seed must be >= 0, got -1"):
        signals.sample("normal", 10, seed=-1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        signals.sample("normal", 10, seed=1.5)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda x, c: bn.backward(np.ones_like(x), None), "cache"),
        (lambda x, c: bn.forward(x, "abc"), "gamma"),
        (lambda x, c: bn.forward(x, {}), "gamma"),
        (lambda x, c: bn.forward(x, [None, None, None]), "gamma"),
        (lambda x, c: norms.layer_norm(x, "abc"), "normalized_shape"),
        (lambda x, c: norms.layer_norm(x, 3.7), "normalized_shape"),
        (lambda x, c: norms.layer_norm(x, 10**30), "normalized_shape"),
        (lambda x, c: bn.BatchNorm(3, dtype=str), "dtype"),
        (lambda x, c: bn.BatchNorm(3, dtype="bogus"), "dtype"),
    ],
)
def test_errors_name_the_argument(call, name):
    x = np.random.default_rng(0).normal(size=(4, 3))
    _, cache = bn.forward(x)
    with pytest.raises(ValueError, match=name) as info:
        call(x, cache)
    assert "NaN" not in str(info.value)  # [None] is not a NaN


def test_odd_coercions_are_refused():
    x = np.random.default_rng(0).normal(size=(4, 3))
    masked = np.ma.masked_array(x, mask=np.zeros_like(x, dtype=bool))
    masked[3, 0] = 1e6
    masked[3, 0] = np.ma.masked
    with pytest.raises(ValueError, match=r"x is a masked array with 1 masked value"):
        bn.forward(masked)
    # a masked array without masked entries is just its data
    np.testing.assert_array_equal(bn.forward(np.ma.masked_array(x))[0], bn.forward(x)[0])
    with pytest.raises(ValueError, match="timedelta64"):
        bn.forward(np.array([[1], [2]], dtype="timedelta64[s]"))
    with pytest.raises(ValueError, match="gamma must be real-valued"):
        bn.forward(x, 1 + 2j)
    with pytest.raises(ValueError, match="eps must be a positive number, got True"):
        bn.BatchNorm(3, eps=True)
    with pytest.raises(ValueError, match="affine must be True or False, got 'no'"):
        bn.BatchNorm(3, affine="no")
    with pytest.raises(ValueError, match="track_running_stats must be True or False"):
        bn.BatchNorm(3, track_running_stats="yes")


def test_size_guards_refuse_before_allocating():
    with pytest.raises(ValueError, match=r"num_features=1,000,000,000,000 would need about"):
        bn.BatchNorm(10**12)
    with pytest.raises(ValueError, match=r"n=1,000,000,000,000 would need about .*smaller n"):
        signals.sample("normal", 10**12)


def test_int8_input_peak_memory():
    """An int8 batch is not first copied to float64: the peak is the centred values kept for
    backward plus the output (2 x 8 bytes per value), not 24x the input as before."""
    import tracemalloc

    x = np.random.default_rng(0).integers(-100, 100, size=(2048, 128), dtype=np.int8)
    y_ref, _ = bn.forward(x.astype(np.float64))
    tracemalloc.start()
    try:
        y, cache = bn.forward(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 18 * x.nbytes, peak / x.nbytes
    np.testing.assert_array_equal(y, y_ref)  # the same numbers as the float64 path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("steps", [0, 1])  # eval with the initial or with trained statistics
def test_integer_input_gives_what_its_float64_copy_gives(dtype, steps):
    x = np.random.default_rng(1).integers(-100, 100, size=(16, 3), dtype=np.int8)
    a, b = bn.BatchNorm(3, dtype=dtype), bn.BatchNorm(3, dtype=dtype)
    for _ in range(steps):
        ya, yb = a(x), b(x.astype(np.float64))
        assert ya.dtype == yb.dtype
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(a.backward(np.ones_like(ya)), b.backward(np.ones_like(yb)))
    ya, yb = a.eval()(x), b.eval()(x.astype(np.float64))
    assert ya.dtype == yb.dtype
    np.testing.assert_array_equal(ya, yb)
