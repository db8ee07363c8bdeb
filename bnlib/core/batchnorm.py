"""The batch-norm layer in numpy (PyTorch's nn.BatchNorm1d/2d), its eval-mode fold and the
momentum conventions. The functional forward and backward it uses live in
bnlib.core.functional and are re-exported here, so `from bnlib.core.batchnorm import
forward` keeps working.
"""

from __future__ import annotations

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
    float_dtype,
    per_channel,
    read_array,
    too_large,
)
from bnlib.core.functional import (
    Cache,
    _affine,
    _bcast,
    _dot_c,
    _grad_too_large,
    _normalize,
    _sum_c,
    backward,
    backward_steps,
    batch_stats,
    forward,
    reduce_axes,
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
