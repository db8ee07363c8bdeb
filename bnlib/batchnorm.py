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

from bnlib._checks import (
    as_float_array,
    check_eps,
    check_momentum,
    check_positive_int,
    per_channel,
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
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)  # biased (ddof=0), the one BN normalizes with
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
    x = as_float_array(x)
    eps = check_eps(eps)
    c = x.shape[1]
    gamma = per_channel(1.0 if gamma is None else gamma, c, "gamma", x.dtype)
    beta = per_channel(0.0 if beta is None else beta, c, "beta", x.dtype)
    return x, gamma, beta, eps


def _normalize(x: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float):
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = x - _bcast(mean, x.ndim)
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
    x, gamma, beta, eps = _prepare(x, gamma, beta, eps)
    _require_batch(x)
    axes = reduce_axes(x.ndim)
    mean = x.mean(axis=axes)  # (C,)
    xc = x - _bcast(mean, x.ndim)  # (N, C, *S)
    # mean of squares of the centred values: biased variance, one pass, no extra temporary
    var = _dot_c(xc, xc) / _count(x)
    inv_std = 1.0 / np.sqrt(var + eps)
    # y = gamma * x_hat + beta = xc * (gamma * inv_std) + beta: x_hat itself is not stored
    y = _affine(xc, gamma * inv_std, beta)
    return y, Cache(x_centered=xc, mean=mean, var=var, inv_std=inv_std, gamma=gamma, eps=eps)


def _sum_c(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=reduce_axes(a.ndim))


def _dot_c(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel sum of a * b without a full-size temporary."""
    if a.ndim == 2:
        return np.einsum("nc,nc->c", a, b)
    n, c = a.shape[:2]
    return np.einsum("ncs,ncs->c", a.reshape(n, c, -1), b.reshape(n, c, -1))


def _check_dy(dy, cache: Cache) -> np.ndarray:
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
    dbeta = _sum_c(dy)  # (C,)
    inv_std = cache.inv_std
    dgamma = _dot_c(dy, cache.x_centered) * inv_std  # sum(dy * x_hat), (C,)
    k = cache.gamma * inv_std  # (C,)
    # dx = k * (dy - mean(dy) - x_hat * mean(dy * x_hat)): one allocation, the rest in place
    dx = cache.x_centered * _bcast(-dgamma * inv_std / m, nd)
    dx += dy
    dx -= _bcast(dbeta / m, nd)
    dx *= _bcast(k, nd)
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
    rm = np.atleast_1d(np.asarray(running_mean, dtype=np.float64))
    rv = np.atleast_1d(np.asarray(running_var, dtype=np.float64))
    c = rm.shape[0]
    if rv.shape != rm.shape:
        raise ValueError(
            f"running_mean and running_var must have the same shape, got {rm.shape} and {rv.shape}."
        )
    if (rv < 0).any():
        raise ValueError("running_var must be non-negative; a variance cannot be below zero.")
    gamma = per_channel(1.0 if gamma is None else gamma, c, "gamma", np.float64)
    beta = per_channel(0.0 if beta is None else beta, c, "beta", np.float64)
    scale = gamma / np.sqrt(rv + eps)
    shift = beta - scale * rm
    return scale, shift


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
        self.eps = check_eps(eps)
        self.momentum = check_momentum(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        self.dtype = np.dtype(dtype)
        c = self.num_features
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
        x = as_float_array(x)
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
            self._cache, self._eval_cache = cache, None
            if self.training and self.track_running_stats:
                self._update_running(cache.mean, cache.var, cache.m)
            return y
        # eval with running statistics: one fixed affine map per channel
        x_hat, inv_std = _normalize(x, self.running_mean, self.running_var, self.eps)
        self._cache, self._eval_cache = None, (x_hat, inv_std)
        if not self.affine:
            return x_hat
        return _affine(x_hat, self.gamma, self.beta)

    __call__ = forward

    def _update_running(self, mean: np.ndarray, var: np.ndarray, m: int) -> None:
        self.num_batches_tracked += 1
        w = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        unbiased = var * (m / (m - 1))  # stored unbiased, as PyTorch does
        self.running_mean = (1 - w) * self.running_mean + w * mean
        self.running_var = (1 - w) * self.running_var + w * unbiased

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
            dx = dy * _bcast(gamma * inv_std, dy.ndim)  # statistics are constants here
            dgamma, dbeta = _dot_c(dy, x_hat), _sum_c(dy)
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
