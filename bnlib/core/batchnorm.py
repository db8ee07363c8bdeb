"""Batch normalization in numpy, with PyTorch's exact semantics.

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
    check_alloc,
    check_eps,
    check_flag,
    check_float_dtype,
    check_momentum,
    check_positive_int,
    check_stats,
    float_dtype,
    params_too_large,
    per_channel,
    read_array,
    too_large,
)

__all__ = [
    "BatchNorm",
    "Cache",
    "backward",
    "backward_steps",
    "batch_stats",
    "fold",
    "forward",
    "keras_to_torch_momentum",
    "reduce_axes",
    "torch_to_keras_momentum",
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


def keras_to_torch_momentum(momentum: float) -> float:
    """Keras' moving = m * moving + (1 - m) * batch  ->  PyTorch's momentum (1 - m)."""
    return 1.0 - check_momentum(momentum, allow_none=False)


def torch_to_keras_momentum(momentum: float) -> float:
    """PyTorch's running = (1 - m) * running + m * batch  ->  Keras' momentum (1 - m)."""
    return 1.0 - check_momentum(momentum, allow_none=False)


def fold(gamma, beta, running_mean, running_var, eps: float = 1e-5):
    """Fold an eval-mode BN into one affine map per feature: y = scale * x + shift.

    scale = gamma / sqrt(running_var + eps);  shift = beta - scale * running_mean
    """
    eps = check_eps(eps)
    rm, rv = _running_stats(running_mean, running_var)
    c = rm.shape[0]
    gamma = per_channel(1.0 if gamma is None else gamma, c, "gamma", np.float64)
    beta = per_channel(0.0 if beta is None else beta, c, "beta", np.float64)
    with np.errstate(**FP_RAISE):
        try:
            scale = gamma / np.sqrt(rv + eps)
            shift = beta - scale * rm
        except FloatingPointError:
            raise ValueError(
                "the folded map overflowed: scale = gamma / sqrt(running_var + eps) or "
                "shift = beta - scale * running_mean is too large for float64. Use a smaller "
                "gamma, or a larger eps if running_var is 0."
            ) from None
    return scale, shift


def _running_stats(running_mean, running_var) -> tuple[np.ndarray, np.ndarray]:
    """Both as finite float64 (C,) vectors of one shape, running_var >= 0; else ValueError."""
    out = []
    for name, v in (("running_mean", running_mean), ("running_var", running_var)):
        arr = np.atleast_1d(read_array(v, name, allow_bool=False))
        if arr.ndim != 1:
            raise ValueError(
                f"{name} must be a vector with one value per feature, shape (C,), "
                f"got shape {arr.shape}."
            )
        if not np.isfinite(arr).all():
            raise ValueError(
                f"{name} contains NaN or inf: the running statistics diverged (a training "
                "batch with values too large to square, or set by hand). Reset them "
                "(running_mean = 0, running_var = 1) and retrain on rescaled input."
            )
        out.append(arr.astype(np.float64))
    rm, rv = out
    if rv.shape != rm.shape:
        raise ValueError(
            f"running_mean and running_var must have the same shape, got {rm.shape} and {rv.shape}."
        )
    if (rv < 0).any():
        raise ValueError("running_var must be non-negative; a variance cannot be below zero.")
    return rm, rv


class BatchNorm:
    """A batch-norm layer with PyTorch's nn.BatchNorm1d/2d semantics, in numpy.

    Training mode normalizes with the batch's biased variance and updates
        running_mean = (1 - momentum) * running_mean + momentum * mu_B
        running_var  = (1 - momentum) * running_var  + momentum * sigma2_B * m / (m - 1)
    (momentum=None: a cumulative average, momentum = 1 / num_batches_tracked).
    Eval mode uses the running statistics, unless track_running_stats=False, in which
    case it keeps no running statistics and uses batch statistics in both modes.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=np.float64,
    ):
        self.num_features = check_positive_int(num_features, "num_features")
        self.dtype = check_float_dtype(dtype)
        self.eps = check_eps(eps, self.dtype)
        self.momentum = check_momentum(momentum)
        self.affine = check_flag(affine, "affine")
        self.track_running_stats = check_flag(track_running_stats, "track_running_stats")
        c = self.num_features
        # gamma, beta, running mean and variance, and their gradients: 6 vectors of C
        check_alloc(6 * c * self.dtype.itemsize, "num_features", c, "the layer's vectors")
        self.gamma = np.ones(c, dtype=self.dtype) if self.affine else None
        self.beta = np.zeros(c, dtype=self.dtype) if self.affine else None
        self.dgamma = self.dbeta = None
        if self.track_running_stats:
            self.running_mean = np.zeros(c, dtype=self.dtype)
            self.running_var = np.ones(c, dtype=self.dtype)
            self.num_batches_tracked = 0
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None
        self.training = True
        self._cache: Cache | None = None
        self._eval_cache: tuple[np.ndarray, np.ndarray] | None = None

    def __repr__(self) -> str:
        return (
            f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats})"
        )

    def train(self, mode: bool = True) -> BatchNorm:
        self.training = bool(mode)
        return self

    def eval(self) -> BatchNorm:
        return self.train(False)

    def _check_input(self, x) -> np.ndarray:
        x = as_numeric_array(x)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"expected {self.num_features} features/channels on axis 1, got x of shape "
                f"{x.shape}. Make num_features equal the size of the layer before "
                f"(BatchNorm({x.shape[1]}) fits this input)."
            )
        return x

    def forward(self, x) -> np.ndarray:
        x = self._check_input(x)
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            y, cache = forward(x, self.gamma, self.beta, self.eps)
            if self.training and self.track_running_stats:
                self._update_running(cache.mean, cache.var, cache.m)  # may refuse: stores nothing
            self._cache, self._eval_cache = cache, None
            return y
        # eval with running statistics: one fixed affine map per channel
        rm, rv = _running_stats(self.running_mean, self.running_var)  # finite, (C,), var >= 0
        if rm.shape != (self.num_features,):
            raise ValueError(
                f"running_mean has shape {rm.shape}; this layer needs ({self.num_features},)."
            )
        running_mean, running_var = np.asarray(self.running_mean), np.asarray(self.running_var)
        eps = check_eps(self.eps, float_dtype(running_var))
        gamma = beta = None
        if self.affine:
            for name in ("gamma", "beta"):  # checked only; computed in their own dtype
                per_channel(getattr(self, name), self.num_features, name, np.float64)
            gamma, beta = np.asarray(self.gamma), np.asarray(self.beta)
        with np.errstate(**FP_RAISE):
            try:
                x_hat, inv_std = _normalize(x, running_mean, running_var, eps)
                y = x_hat if gamma is None else _affine(x_hat, gamma, beta)
            except FloatingPointError:
                raise ValueError(
                    "the eval-mode output overflowed to inf: x lies too far from the running statistics for (x - running_mean) / "
                    "sqrt(running_var + eps) * gamma + beta to stay finite. Rescale x the way "
                    "the training data was scaled, or use smaller gamma and beta."
                ) from None
        self._cache, self._eval_cache = None, (x_hat, inv_std)
        return y

    __call__ = forward

    def _update_running(self, mean: np.ndarray, var: np.ndarray, m: int) -> None:
        w = 1.0 / (self.num_batches_tracked + 1) if self.momentum is None else self.momentum
        with np.errstate(**FP_RAISE):
            try:
                unbiased = var * (m / (m - 1))  # stored unbiased, as PyTorch does
                running_mean = (1 - w) * self.running_mean + w * mean
                running_var = (1 - w) * self.running_var + w * unbiased
            except FloatingPointError:
                running_mean = running_var = np.array([np.inf])
        if not (np.isfinite(running_mean).all() and np.isfinite(running_var).all()):
            # refuse before anything is stored: an inf here would make eval() and fold() NaN
            raise too_large("x", running_var.dtype, "the running variance (var * m / (m - 1))")
        self.num_batches_tracked += 1
        self.running_mean, self.running_var = running_mean, running_var

    def backward(self, dy) -> np.ndarray:
        """Backprop through the last forward; stores dgamma/dbeta, returns dx."""
        if self._cache is not None:
            dx, dgamma, dbeta = backward(dy, self._cache)
        elif self._eval_cache is not None:
            x_hat, inv_std = self._eval_cache
            dy = as_float_array(dy, name="dy")
            if dy.shape != x_hat.shape:
                raise ValueError(
                    f"dy must have the shape of the forward input {x_hat.shape}, got {dy.shape}."
                )
            gamma = self.gamma if self.affine else np.ones(self.num_features, dy.dtype)
            with np.errstate(**FP_RAISE):
                try:
                    dx = dy * _bcast(gamma * inv_std, dy.ndim)  # statistics are constants
                    dgamma, dbeta = _dot_c(dy, x_hat), _sum_c(dy)
                    if not np.isfinite(dgamma).all():
                        raise FloatingPointError
                except FloatingPointError:
                    raise _grad_too_large(dy.dtype) from None
        else:
            raise ValueError("backward() called before forward(); run a forward pass first.")
        if self.affine:
            self.dgamma, self.dbeta = dgamma, dbeta
        return dx

    def fold(self) -> tuple[np.ndarray, np.ndarray]:
        """(scale, shift) of the eval-mode layer as one affine map per feature."""
        if not self.track_running_stats:
            raise ValueError(
                "this layer keeps no running statistics (track_running_stats=False), so its "
                "eval-mode output depends on the batch and cannot be folded into a fixed map."
            )
        return fold(self.gamma, self.beta, self.running_mean, self.running_var, self.eps)
