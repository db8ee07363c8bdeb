"""Batch normalization as functions in numpy, with PyTorch's exact semantics.

Forward (Ioffe & Szegedy 2015, Algorithm 1), per feature or channel c:

    mu_B     = (1/m) sum_i x_i
    sigma2_B = (1/m) sum_i (x_i - mu_B)^2          biased: divide by m
    x_hat_i  = (x_i - mu_B) / sqrt(sigma2_B + eps)
    y_i      = gamma * x_hat_i + beta

Shapes: x is (N, D) -> statistics per feature over N (m = N), as BatchNorm1d does;
or (N, C, *S) -> statistics per channel over N and every trailing axis
(m = N * prod(S)), as BatchNorm2d/3d do.

Backward, compact form:

    dx = gamma / (m * sqrt(sigma2_B + eps)) * (m * dy - sum(dy) - x_hat * sum(dy * x_hat))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib.core._checks import (
    FP_RAISE,
    as_float_array,
    as_numeric_array,
    check_eps,
    check_stats,
    float_dtype,
    params_too_large,
    per_channel,
    too_large,
)

__all__ = [
    "Cache",
    "backward",
    "backward_steps",
    "batch_stats",
    "forward",
    "reduce_axes",
]


def reduce_axes(ndim: int) -> tuple[int, ...]:
    """Axes BN averages over: 0 and every axis after the channel axis 1."""
    return (0, *range(2, ndim))


def _bcast(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (1, C, 1, ...) so it broadcasts against (N, C, *S)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _count(x: np.ndarray) -> int:
    """Values per channel: m = N * prod(S)."""
    return x.size // x.shape[1]


def _require_batch(x: np.ndarray) -> None:
    if _count(x) < 2:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input shape {x.shape}. "
            "With a single value the batch variance is 0 and every normalized output is 0, "
            "so there is nothing to learn from. Use a batch of at least 2 samples "
            "(8 or more gives usable statistics), or switch the layer to eval mode so that "
            "it uses its running statistics."
        )


def batch_stats(x) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of x (N, C, *S), each of shape (C,)."""
    x = as_float_array(x)
    axes = reduce_axes(x.ndim)
    with np.errstate(**FP_RAISE):
        try:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)  # biased (ddof=0), the one BN normalizes with
        except FloatingPointError:
            raise too_large("x", x.dtype) from None
    check_stats(mean, var, "x", x.dtype)
    return mean, var


@dataclass
class Cache:
    """What forward keeps for backward. Shapes: x_centered like x; the rest (C,)."""

    x_centered: np.ndarray  # x - mu_B, (N, C, *S)
    mean: np.ndarray  # mu_B
    var: np.ndarray  # sigma2_B, biased
    inv_std: np.ndarray  # 1 / sqrt(sigma2_B + eps)
    gamma: np.ndarray
    eps: float

    @property
    def m(self) -> int:
        return _count(self.x_centered)

    @property
    def x_hat(self) -> np.ndarray:
        """The normalized input, computed on demand (forward's speed does not need it)."""
        return self.x_centered * _bcast(self.inv_std, self.x_centered.ndim)


def _prepare(x, gamma, beta, eps):
    # integer and bool x stay as they are: the centring below produces float64 directly,
    # so an int8 batch does not first become a float64 copy (8x its size) of itself
    x = as_numeric_array(x)
    dt = float_dtype(x)
    eps = check_eps(eps, dt)
    c = x.shape[1]
    gamma = per_channel(1.0 if gamma is None else gamma, c, "gamma", dt)
    beta = per_channel(0.0 if beta is None else beta, c, "beta", dt)
    return x, gamma, beta, eps, dt


def _normalize(x: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float):
    inv_std = 1.0 / np.sqrt(var + eps)
    # integer x is computed as the float64 it used to be converted to (no separate copy)
    dt = np.result_type(float_dtype(x), mean.dtype)
    x_hat = np.subtract(x, _bcast(mean, x.ndim), dtype=dt)
    x_hat *= _bcast(inv_std, x.ndim)
    return x_hat, inv_std


def _affine(x_hat: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    y = x_hat * _bcast(gamma, x_hat.ndim)
    y += _bcast(beta, x_hat.ndim)
    return y


def forward(x, gamma=None, beta=None, eps: float = 1e-5):
    """Training-mode batch norm: normalize x with its own batch statistics.

    x: (N, D) or (N, C, *S). gamma, beta: scalars or (C,) arrays; None means 1 and 0
    (the affine=False layer). Returns (y, cache) with y shaped like x.
    """
    x, gamma, beta, eps, dt = _prepare(x, gamma, beta, eps)
    _require_batch(x)
    axes = reduce_axes(x.ndim)
    # Overflow (values too large to square, a huge gamma) raises instead of leaving inf or
    # NaN behind; numpy checks these flags after every ufunc anyway, so it costs nothing.
    with np.errstate(**FP_RAISE):
        try:
            mean = x.mean(axis=axes)  # (C,); float64 for integer x
            xc = x - _bcast(mean, x.ndim)  # (N, C, *S)
            # mean of squares of the centred values: biased variance, one pass, no temporary
            var = _dot_c(xc, xc) / _count(x)
        except FloatingPointError:
            raise too_large("x", dt) from None
        check_stats(mean, var, "x", dt)  # einsum does not report overflow: check its result
        try:
            inv_std = 1.0 / np.sqrt(var + eps)
            # y = gamma * x_hat + beta = xc * (gamma * inv_std) + beta: x_hat is not stored
            y = _affine(xc, gamma * inv_std, beta)
        except FloatingPointError:
            raise params_too_large(dt) from None
    return y, Cache(x_centered=xc, mean=mean, var=var, inv_std=inv_std, gamma=gamma, eps=eps)


def _sum_c(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=reduce_axes(a.ndim))


def _dot_c(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel sum of a * b without a full-size temporary."""
    if a.ndim == 2:
        return np.einsum("nc,nc->c", a, b)
    n, c = a.shape[:2]
    return np.einsum("ncs,ncs->c", a.reshape(n, c, -1), b.reshape(n, c, -1))


def _check_cache(cache) -> Cache:
    if not isinstance(cache, Cache):
        raise ValueError(
            "cache must be the Cache that forward() returned (y, cache = forward(x, ...)), "
            f"got {type(cache).__name__}."
        )
    return cache


def _grad_too_large(dtype) -> ValueError:
    dt = np.dtype(dtype)
    more = ", or compute in float64" if dt == np.float32 else ""
    return ValueError(
        f"dy is too large for {dt}: the gradient overflowed to inf (dx scales dy by "
        f"gamma / sqrt(var + eps)). Scale the loss, and so dy, down{more}."
    )


def _check_dy(dy, cache: Cache) -> np.ndarray:
    cache = _check_cache(cache)
    dy = as_float_array(dy, name="dy")
    if dy.shape != cache.x_centered.shape:
        raise ValueError(
            f"dy must have the shape of the forward input {cache.x_centered.shape}, got {dy.shape}."
        )
    return dy


def backward(dy, cache: Cache):
    """Gradients of a training-mode forward, by the compact formula.

    Returns (dx, dgamma, dbeta): dx shaped like x, dgamma and dbeta (C,).
    """
    dy = _check_dy(dy, cache)
    nd = dy.ndim
    m = cache.m
    with np.errstate(**FP_RAISE):
        try:
            dbeta = _sum_c(dy)  # (C,)
            inv_std = cache.inv_std
            dgamma = _dot_c(dy, cache.x_centered) * inv_std  # sum(dy * x_hat), (C,)
            if not np.isfinite(dgamma).all():  # einsum does not report overflow
                raise FloatingPointError
            k = cache.gamma * inv_std  # (C,)
            # dx = k * (dy - mean(dy) - x_hat * mean(dy * x_hat)): one allocation, in place
            dx = cache.x_centered * _bcast(-dgamma * inv_std / m, nd)
            dx += dy
            dx -= _bcast(dbeta / m, nd)
            dx *= _bcast(k, nd)
        except FloatingPointError:
            raise _grad_too_large(dy.dtype) from None
    return dx, dgamma, dbeta


def backward_steps(dy, cache: Cache) -> dict[str, np.ndarray]:
    """The backward pass node by node, as the computation graph is drawn.

    Returns every intermediate: dbeta, dgamma, dx_hat, dvar, dmu, and dx split into its
    three paths (dx_direct, dx_via_var, dx_via_mean) with dx their sum.
    """
    dy = _check_dy(dy, cache)
    nd = dy.ndim
    m = cache.m
    xc = cache.x_centered  # x - mu_B
    with np.errstate(**FP_RAISE):
        try:
            var_eps = cache.var + cache.eps
            inv_std = cache.inv_std
            dbeta = _sum_c(dy)
            dgamma = _sum_c(dy * xc * _bcast(inv_std, nd))
            dx_hat = dy * _bcast(cache.gamma, nd)
            dvar = _sum_c(dx_hat * xc) * -0.5 * var_eps**-1.5
            dmu = _sum_c(dx_hat * _bcast(-inv_std, nd)) + dvar * (-2.0 / m) * _sum_c(xc)
            dx_direct = dx_hat * _bcast(inv_std, nd)
            dx_via_var = _bcast(dvar, nd) * 2.0 * xc / m
            dx_via_mean = np.broadcast_to(_bcast(dmu / m, nd), dy.shape).copy()
            dx = dx_direct + dx_via_var + dx_via_mean
        except FloatingPointError:
            raise ValueError(
                "an intermediate of the step-by-step backward overflowed "
                f"(dvar scales with (var + eps)^-1.5 = {float(np.max(var_eps)) ** -1.5:.3g} "
                f"at the smallest variance, and with dy). Use a larger eps, or smaller dy; "
                "backward() computes the same dx without this intermediate."
            ) from None
    return {
        "dbeta": dbeta,
        "dgamma": dgamma,
        "dx_hat": dx_hat,
        "dvar": dvar,
        "dmu": dmu,
        "dx_direct": dx_direct,
        "dx_via_var": dx_via_var,
        "dx_via_mean": dx_via_mean,
        "dx": dx,
    }
