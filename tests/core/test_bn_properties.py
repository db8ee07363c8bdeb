"""Properties of batch norm that must hold for any input (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnlib.core import batchnorm as bn
from bnlib.core import norms, signals
from bnlib.core.gradcheck import numerical_gradient, rel_error

EPS = 1e-5
shapes = st.tuples(st.integers(2, 24), st.integers(1, 6))
# values with a real spread: spread-less columns are the constant case, tested separately
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def batches():
    return shapes.flatmap(lambda s: arrays(np.float64, s, elements=finite)).filter(
        lambda x: (x.std(axis=0) > 1e-2).all()
    )


@settings(max_examples=60, deadline=None)
@given(batches())
def test_normalized_has_zero_mean_and_unit_variance(x):
    y, cache = bn.forward(x, 1.0, 0.0, eps=EPS)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-9)
    # variance is var / (var + eps): just below 1
    expected = x.var(axis=0) / (x.var(axis=0) + EPS)
    np.testing.assert_allclose(y.var(axis=0), expected, rtol=1e-9)
    assert (y.var(axis=0) <= 1.0 + 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(batches(), st.integers(0, 2**31 - 1))
def test_gradient_has_no_shift_or_scale_component(x, seed):
    rng = np.random.default_rng(seed)
    gamma = rng.normal(size=x.shape[1])
    dy = rng.normal(size=x.shape)
    # exact for eps -> 0; with eps, mean(x_hat^2) = var / (var + eps) leaves a trace
    _, cache = bn.forward(x, gamma, 0.0, eps=1e-300)
    dx, _, _ = bn.backward(dy, cache)
    scale = np.abs(dy).sum(axis=0) * np.abs(gamma) * cache.inv_std + 1e-12
    assert (np.abs(dx.sum(axis=0)) <= 1e-9 * scale).all()
    assert (np.abs((dx * cache.x_hat).sum(axis=0)) <= 1e-8 * scale * np.sqrt(len(x))).all()


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(1e-2, 1e2), st.floats(-50, 50))
def test_scale_and_shift_invariance(x, a, c):
    # exact for eps -> 0: BN(a x + c) = BN(x) for a > 0 (eps=1e-300 takes eps out of play)
    y1, _ = bn.forward(x, 1.0, 0.0, eps=1e-300)
    y2, _ = bn.forward(a * x + c, 1.0, 0.0, eps=1e-300)
    np.testing.assert_allclose(y2, y1, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(0.1, 10), st.floats(-10, 10))
def test_gamma_beta_set_output_std_and_mean(x, gamma, beta):
    y, _ = bn.forward(x, gamma, beta, eps=EPS)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-8 * max(1, abs(gamma)))
    expected_std = gamma * np.sqrt(x.var(axis=0) / (x.var(axis=0) + EPS))
    np.testing.assert_allclose(y.std(axis=0), expected_std, rtol=1e-8)


@given(st.integers(2, 64), st.floats(-1e6, 1e6), st.integers(1, 5))
def test_constant_input_becomes_zero(m, value, d):
    x = np.full((m, d), value)
    y, _ = bn.forward(x, 1.0, 0.0)
    # zero up to the rounding of the mean (m ulps of value), magnified by 1/sqrt(eps)
    bound = 4 * m * np.finfo(float).eps * abs(value) / np.sqrt(1e-5)
    assert np.all(np.abs(y) <= bound)


@given(st.integers(1, 19), st.integers(0, 1000))
def test_two_level_input_matches_closed_form(k, seed):
    n = 20
    p = k / n
    x = signals.sample("two_level", n, seed=seed, p=p).reshape(-1, 1)
    y, _ = bn.forward(x, 1.0, 0.0, eps=1e-14)
    high, low = y[x == 1.0], y[x == 0.0]
    np.testing.assert_allclose(high, np.sqrt((1 - p) / p), rtol=1e-6)
    np.testing.assert_allclose(low, -np.sqrt(p / (1 - p)), rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 8), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_numerical_gradient_agrees_with_backward(m, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, d)) * rng.uniform(0.5, 3)
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    dy = rng.normal(size=(m, d))
    _, cache = bn.forward(x, gamma, beta)
    dx, dgamma, dbeta = bn.backward(dy, cache)
    num_dx = numerical_gradient(lambda v: bn.forward(v, gamma, beta)[0], x, dy)
    num_dg = numerical_gradient(lambda g: bn.forward(x, g, beta)[0], gamma, dy)
    num_db = numerical_gradient(lambda b: bn.forward(x, gamma, b)[0], beta, dy)
    assert rel_error(dx, num_dx) < 1e-6
    assert rel_error(dgamma, num_dg) < 1e-7
    assert rel_error(dbeta, num_db) < 1e-7


def test_bn_scale_invariance_of_weights_and_gradient():
    """BN(a W u) = BN(W u), and the gradient w.r.t. a W is 1/a times that w.r.t. W."""
    rng = np.random.default_rng(0)
    u = rng.normal(size=(16, 5))
    w = rng.normal(size=(5, 3))
    dy = rng.normal(size=(16, 3))
    a = 7.0

    def grad_w(weights):
        _, cache = bn.forward(u @ weights, 1.0, 0.0, eps=1e-14)
        dx, _, _ = bn.backward(dy, cache)
        return u.T @ dx

    y1, _ = bn.forward(u @ w, 1.0, 0.0, eps=1e-14)
    y2, _ = bn.forward(u @ (a * w), 1.0, 0.0, eps=1e-14)
    np.testing.assert_allclose(y2, y1, atol=1e-10)
    np.testing.assert_allclose(grad_w(a * w), grad_w(w) / a, atol=1e-10)


# --- Never a silent NaN (issue 15, section 3) -----------------------------------------------
# Each property: for any input, the library either raises a ValueError (or TypeError) whose
# message names the argument to fix, or returns finite output of the right shape. Values
# range over every finite float, so statistics that overflow are exercised constantly.

any64 = st.floats(allow_nan=False, allow_infinity=False, width=64)
any32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


def wide_batches(min_rows: int = 2):
    """Float32 or float64 (N, D) batches of arbitrary finite values, small and huge."""
    shape = st.tuples(st.integers(min_rows, 6), st.integers(1, 3))
    return st.one_of(
        shape.flatmap(lambda s: arrays(np.float64, s, elements=any64)),
        shape.flatmap(lambda s: arrays(np.float32, s, elements=any32)),
    )


def _raises_naming(exc: BaseException, *names: str) -> bool:
    return isinstance(exc, (ValueError, TypeError)) and any(n in str(exc) for n in names)


def _log_var(x: np.ndarray, axes) -> np.ndarray:
    """log of the true (biased) variance along axes, computed without overflow."""
    x = x.astype(np.float64)
    s = np.max(np.abs(x), axis=axes, keepdims=True)
    s[s == 0] = 1.0
    v = np.var(x / s, axis=axes, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.squeeze(np.log(v) + 2 * np.log(s), axis=axes)


def _check_normalized(x, y, axes, eps):
    """y is finite, shaped like x, and really normalized: mean(y^2) <= 1 along `axes`, and
    close to 1 wherever the true variance dwarfs eps (not the silent zeros of an inf
    variance)."""
    assert y.shape == x.shape
    assert np.isfinite(y).all()
    ms = np.mean(y.astype(np.float64) ** 2, axis=axes)
    assert (ms <= 1.0 + 1e-3).all()
    clear = _log_var(x, axes) > np.log(1e4 * eps)
    tol = 0.05 if y.dtype == np.float32 else 1e-6
    assert (ms[clear] >= 1.0 - tol - 1e-4).all(), (ms, clear)


@settings(max_examples=150, deadline=None)
@given(wide_batches())
def test_forward_on_any_finite_input_raises_or_normalizes(x):
    try:
        y, cache = bn.forward(x)
    except ValueError as exc:
        assert "too large to square" in str(exc) and str(x.dtype) in str(exc)
        return
    assert np.isfinite(cache.var).all() and np.isfinite(cache.mean).all()
    _check_normalized(x, y, 0, 1e-5)


@settings(max_examples=120, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(2, 6)).flatmap(
        lambda s: arrays(np.float64, s, elements=any64)
    )
)
def test_layer_group_instance_norm_raise_or_normalize(x):
    for name, fn, axes in (
        ("layer", lambda v: norms.layer_norm(v), 1),
        ("group", lambda v: norms.group_norm(v, 1), 1),
        ("instance", lambda v: norms.instance_norm(v[:, None, :]).reshape(v.shape), 1),
    ):
        try:
            y = fn(x)
        except ValueError as exc:
            assert "too large to square" in str(exc), name
            continue
        _check_normalized(x, y, axes, 1e-5)


@settings(max_examples=120, deadline=None)
@given(wide_batches(), st.floats(0.0, 1.0), st.booleans())
def test_layer_state_stays_finite_through_train_eval_and_fold(x, momentum, batch_renorm):
    """A step that would overflow the statistics is refused and leaves the state as it was;
    eval() and fold() then give finite output, never a NaN."""
    layer = norms.BatchRenorm(x.shape[1]) if batch_renorm else bn.BatchNorm(x.shape[1])
    layer.momentum = momentum
    try:
        layer(x)
    except ValueError as exc:
        assert "too large" in str(exc)
    state = (
        (layer.running_mean, layer.running_std)
        if batch_renorm
        else (layer.running_mean, layer.running_var)
    )
    assert all(np.isfinite(s).all() for s in state)
    layer.eval()
    try:
        y = layer(x)
    except ValueError as exc:
        assert "overflowed" in str(exc) and "Rescale x" in str(exc)
    else:
        assert y.shape == x.shape and np.isfinite(y).all()
    if not batch_renorm:
        scale, shift = layer.fold()
        assert np.isfinite(scale).all() and np.isfinite(shift).all()


@settings(max_examples=150, deadline=None)
@given(batches(), any64, any64)
def test_any_gamma_and_beta_give_finite_output_or_name_themselves(x, gamma, beta):
    try:
        y, _ = bn.forward(x, gamma, beta)
    except ValueError as exc:
        assert _raises_naming(exc, "gamma", "beta")
        return
    assert y.shape == x.shape and np.isfinite(y).all()


@settings(max_examples=150, deadline=None)
@given(batches(), st.floats(-1e308, 1e308), st.sampled_from([1.0, 1e150, 1e300]))
def test_any_dy_gives_finite_gradients_or_names_dy(x, scale, gamma):
    dy = np.full(x.shape, scale)
    dy[0] = -scale / 3
    _, cache = bn.forward(x, gamma, 0.0)
    try:
        grads = bn.backward(dy, cache)
    except ValueError as exc:
        assert _raises_naming(exc, "dy")
        return
    assert grads[0].shape == x.shape
    assert all(np.isfinite(g).all() for g in grads)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([np.float32, np.float64]),
    st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
    st.integers(2, 8),
)
def test_any_positive_eps_on_a_constant_feature_is_finite_or_named(dtype, eps, m):
    x = np.full((m, 2), 3.0, dtype=dtype)
    for call in (
        lambda: bn.forward(x, eps=eps)[0],
        lambda: bn.BatchNorm(2, eps=eps, dtype=dtype)(x),
        lambda: bn.BatchNorm(2, eps=eps, dtype=dtype).eval()(x),
        lambda: norms.layer_norm(x, eps=eps),
    ):
        try:
            y = call()
        except ValueError as exc:
            assert _raises_naming(exc, "eps")
            continue
        assert y.shape == x.shape and np.isfinite(y).all()


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda c: st.tuples(
            arrays(np.float64, st.sampled_from([(c,), (c, 2), (c + 1,)]), elements=st.floats()),
            arrays(np.float64, st.sampled_from([(c,), (c, 2), (c + 1,)]), elements=st.floats()),
            arrays(np.float64, (c,), elements=st.floats()),
        )
    )
)
def test_fold_checks_shapes_and_finiteness(args):
    rm, rv, gamma = args
    try:
        scale, shift = bn.fold(gamma, 0.0, rm, rv)
    except ValueError as exc:
        assert _raises_naming(exc, "running_mean", "running_var", "gamma", "overflowed")
        return
    assert scale.shape == shift.shape == rm.shape and rm.ndim == 1
    assert np.isfinite(scale).all() and np.isfinite(shift).all()


# Hostile values for every argument. Any of them may be fine for some argument (then the
# call must return finite output); otherwise the error must name the argument.
HOSTILE = [
    None,
    "abc",
    "",
    {},
    [None],
    [],
    1 + 2j,
    np.array([1 + 1j, 2 + 0j, 3 + 0j]),
    True,
    np.timedelta64(5, "s"),
    np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]),
    object(),
    float("nan"),
    float("inf"),
    -float("inf"),
    0,
    -1,
    3.7,
    10**30,
    -(10**30),
    1e-50,
    1e308,
    str,
    "bogus",
    (2, "a"),
]


def _x3():
    return np.random.default_rng(0).normal(size=(4, 3))


def _fwd_with(name):
    def call(v):
        kw = {"gamma": 1.0, "beta": 0.0, "eps": 1e-5}
        kw[name] = v
        return bn.forward(_x3(), **kw)[0]

    return call


def _layer_with(name):
    def call(v):
        layer = bn.BatchNorm(3, **{name: v})
        return layer(_x3())

    return call


def _backward_with(name):
    def call(v):
        y, cache = bn.forward(_x3())
        args = {"dy": np.ones_like(y), "cache": cache}
        args[name] = v
        return bn.backward(args["dy"], args["cache"])[0]

    return call


def _renorm_with(name):
    def call(v):
        return norms.BatchRenorm(3, **{name: v})(_x3())

    return call


def _sample_with(name):
    def call(v):
        kind, kw = {
            "seed": ("normal", {}),
            "n": ("normal", {}),
            "period": ("drifting", {}),
            "rate": ("rare_events", {}),
            "scale": ("normal", {}),
            "loc": ("normal", {}),
            "p": ("two_level", {}),
            "kind": (v, {}),
        }[name]
        args = {"n": 5, "seed": 0}
        if name in ("n", "seed"):
            args[name] = v
        elif name != "kind":
            kw[name] = v
        return signals.sample(kind, args["n"], seed=args["seed"], **kw)

    return call


ARGUMENTS = {
    "x": lambda v: bn.forward(v)[0],
    "gamma": _fwd_with("gamma"),
    "beta": _fwd_with("beta"),
    "eps": _fwd_with("eps"),
    "num_features": lambda v: bn.BatchNorm(v)(_x3()),
    "momentum": _layer_with("momentum"),
    "affine": _layer_with("affine"),
    "track_running_stats": _layer_with("track_running_stats"),
    "dtype": _layer_with("dtype"),
    "dy": _backward_with("dy"),
    "cache": _backward_with("cache"),
    "running_mean": lambda v: bn.fold(1.0, 0.0, v, [1.0, 1.0, 1.0]),
    "running_var": lambda v: bn.fold(1.0, 0.0, [0.0, 0.0, 0.0], v),
    "normalized_shape": lambda v: norms.layer_norm(_x3(), v),
    "num_groups": lambda v: norms.group_norm(_x3(), v),
    "r_max": _renorm_with("r_max"),
    "d_max": _renorm_with("d_max"),
    "seed": _sample_with("seed"),
    "n": _sample_with("n"),
    "kind": _sample_with("kind"),
    "period": _sample_with("period"),
    "rate": _sample_with("rate"),
    "scale": _sample_with("scale"),
    "loc": _sample_with("loc"),
    "p": _sample_with("p"),
}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(ARGUMENTS)), st.sampled_from(range(len(HOSTILE))))
def test_hostile_arguments_are_named_or_harmless(arg, i):
    value = HOSTILE[i]
    try:
        out = ARGUMENTS[arg](value)
    except (ValueError, TypeError) as exc:
        assert arg in str(exc) or (arg == "kind" and "signal kind" in str(exc)), (arg, exc)
        return
    out = np.asarray(out[0] if isinstance(out, tuple) else out)
    assert out.dtype.kind == "f" and np.isfinite(out).all(), (arg, value, out)


@settings(max_examples=30, deadline=None)
@given(st.integers(10**11, 10**18), st.sampled_from(["BatchNorm", "BatchRenorm", "OnlineNorm"]))
def test_huge_layers_are_refused_before_allocating(n, cls):
    layer = {"BatchNorm": bn.BatchNorm, "BatchRenorm": norms.BatchRenorm}.get(cls, norms.OnlineNorm)
    try:
        layer(n)
    except ValueError as exc:  # not a MemoryError after trying
        assert "num_features" in str(exc) and "memory" in str(exc)
    else:
        raise AssertionError(f"{cls}({n}) was built")


@settings(max_examples=30, deadline=None)
@given(st.integers(10**11, 10**18), st.sampled_from(sorted(signals.SIGNALS)))
def test_huge_samples_are_refused_before_allocating(n, kind):
    try:
        signals.sample(kind, n)
    except ValueError as exc:
        assert "n=" in str(exc) and "memory" in str(exc)
    else:
        raise AssertionError(f"sample({kind!r}, {n}) ran")


signal_params = st.one_of(any64, st.sampled_from([float("nan"), float("inf"), -float("inf")]))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(signals.SIGNALS)),
    st.integers(1, 40),
    st.one_of(st.none(), st.integers(-5, 2**32)),
    st.data(),
)
def test_sample_parameters_are_validated(kind, n, seed, data):
    import inspect

    names = [p for p in inspect.signature(signals.SIGNALS[kind].fn).parameters][2:]
    params = {k: data.draw(signal_params, label=k) for k in names if data.draw(st.booleans())}
    try:
        out = signals.sample(kind, n, seed=seed, **params)
    except ValueError as exc:
        assert any(k in str(exc) for k in [*params, "seed", "parameters"]), exc
        return
    assert seed is None or seed >= 0
    assert out.shape == ((n, 3) if kind == "multi_sensor" else (n,))
    assert np.isfinite(out).all()
    for k, v in params.items():
        assert np.isfinite(v), k
        if k == "period":
            assert v > 0
        if k in ("rate", "bright"):
            assert 0 <= v <= 1
