"""Alternatives to batch norm, in numpy. For a tensor x of shape (N, C, *S):

    batch norm     statistics per channel over (N, *S)            bnlib.core.batchnorm
    layer norm     per sample over (C, *S)                         layer_norm
    instance norm  per sample and channel over (*S)                instance_norm
    group norm     per sample and group of C/G channels over (C/G, *S)   group_norm

The functional forms match torch.nn.functional (biased variance, eps inside the sqrt).
BatchRenorm (Ioffe 2017) and OnlineNorm (Chiley et al. 2019) keep state between calls.
"""

from __future__ import annotations

import numpy as np

from bnlib.core._checks import (
    FP_RAISE,
    as_float_array,
    cast_param,
    check_alloc,
    check_eps,
    check_momentum,
    check_positive_int,
    check_stats,
    is_integer,
    params_too_large,
    per_channel,
    read_array,
    real_number,
    too_large,
)
from bnlib.core.functional import _bcast, _count, _dot_c, _require_batch, _sum_c, reduce_axes

__all__ = ["BatchRenorm", "OnlineNorm", "group_norm", "instance_norm", "layer_norm"]


def _standardize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    with np.errstate(**FP_RAISE):
        try:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)  # biased
        except FloatingPointError:
            raise too_large("x", x.dtype) from None
        check_stats(mean, var, "x", x.dtype)
        # |x - mean| <= sqrt(count * var): the result is bounded by sqrt(count), finite
        return (x - mean) / np.sqrt(var + eps)


def _normalized_shape(normalized_shape, x: np.ndarray) -> tuple[int, ...]:
    """normalized_shape as a tuple of positive ints; anything else names the argument."""
    if normalized_shape is None:
        return x.shape[1:]
    items = normalized_shape
    if is_integer(items):
        items = (items,)
    ok = not isinstance(items, (str, bytes, type))
    try:
        items = tuple(items) if ok else ()
    except TypeError:
        ok = False
    if not ok or not items or not all(is_integer(d) and d >= 1 for d in items):
        raise ValueError(
            "normalized_shape must be a positive int or a tuple of positive ints (the trailing "
            f"dims of x, e.g. {x.shape[1:]} for x of shape {x.shape}), got "
            f"{normalized_shape!r}."
        )
    return tuple(int(d) for d in items)


def _shaped_param(p, shape: tuple[int, ...], name: str, dtype) -> np.ndarray:
    arr = read_array(p, name, allow_bool=False)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}.")
    return cast_param(arr, name, dtype)


def layer_norm(x, normalized_shape=None, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """Normalize each sample over its last dims (default: all but the batch axis).

    Matches F.layer_norm(x, normalized_shape, weight=gamma, bias=beta, eps=eps);
    gamma and beta have shape normalized_shape.
    """
    x = as_float_array(x)
    eps = check_eps(eps, x.dtype)
    normalized_shape = _normalized_shape(normalized_shape, x)
    k = len(normalized_shape)
    if k == 0 or k > x.ndim or x.shape[x.ndim - k :] != normalized_shape:
        raise ValueError(
            f"normalized_shape {normalized_shape} must equal the last dims of x {x.shape}; "
            f"for per-sample normalization over everything use normalized_shape={x.shape[1:]}."
        )
    if gamma is not None:
        gamma = _shaped_param(gamma, normalized_shape, "gamma", x.dtype)
    if beta is not None:
        beta = _shaped_param(beta, normalized_shape, "beta", x.dtype)
    y = _standardize(x, tuple(range(x.ndim - k, x.ndim)), eps)  # (N, ...) per sample
    with np.errstate(**FP_RAISE):
        try:
            if gamma is not None:
                y = y * gamma
            if beta is not None:
                y = y + beta
        except FloatingPointError:
            raise params_too_large(x.dtype) from None
    return y


def _channel_affine(y: np.ndarray, gamma, beta) -> np.ndarray:
    c = y.shape[1]
    gamma = None if gamma is None else per_channel(gamma, c, "gamma", y.dtype)
    beta = None if beta is None else per_channel(beta, c, "beta", y.dtype)
    with np.errstate(**FP_RAISE):
        try:
            if gamma is not None:
                y = y * _bcast(gamma, y.ndim)
            if beta is not None:
                y = y + _bcast(beta, y.ndim)
        except FloatingPointError:
            raise params_too_large(y.dtype) from None
    return y


def instance_norm(x, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """Normalize each (sample, channel) over its spatial axes. x: (N, C, *S) with S non-empty.

    Matches F.instance_norm(x, weight=gamma, bias=beta, eps=eps).
    """
    x = as_float_array(x, min_ndim=3)
    eps = check_eps(eps, x.dtype)
    spatial = tuple(range(2, x.ndim))
    if int(np.prod([x.shape[a] for a in spatial])) < 2:
        raise ValueError(
            f"instance norm needs more than one spatial value per channel, got shape {x.shape}; "
            "with one value the variance is zero and every output is 0."
        )
    return _channel_affine(_standardize(x, spatial, eps), gamma, beta)


def group_norm(x, num_groups: int, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """Normalize each sample over groups of C / num_groups channels (and spatial axes).

    num_groups=1 is layer norm over (C, *S); num_groups=C is instance norm.
    Matches F.group_norm(x, num_groups, weight=gamma, bias=beta, eps=eps).
    """
    x = as_float_array(x)
    eps = check_eps(eps, x.dtype)
    g = check_positive_int(num_groups, "num_groups")
    n, c = x.shape[:2]
    if c % g:
        divisors = [d for d in range(1, c + 1) if c % d == 0]
        raise ValueError(
            f"num_groups={g} must divide the {c} channels evenly; choose one of {divisors}."
        )
    grouped = x.reshape(n, g, -1)  # (N, G, C/G * prod(S))
    if grouped.shape[2] < 2:
        raise ValueError(
            f"each group holds a single value (shape {x.shape}, {g} groups); its variance "
            "is zero. Use fewer groups."
        )
    y = _standardize(grouped, (2,), eps).reshape(x.shape)
    return _channel_affine(y, gamma, beta)


class BatchRenorm:
    """Batch renormalization (Ioffe 2017), forward and backward.

    Training:  x_hat = (x - mu_B) / sigma_B * r + d, with
        r = clip(sigma_B / sigma, 1/r_max, r_max),  d = clip((mu_B - mu) / sigma, -d_max, d_max)
    held constant in backward; sigma_B = sqrt(sigma2_B + eps). mu and sigma are moving
    averages updated with `momentum` (PyTorch's convention). r_max=1, d_max=0 is plain BN;
    the paper warms them up from there to r_max=3, d_max=5. Eval: x_hat = (x - mu) / sigma.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.01,
        r_max: float = 3.0,
        d_max: float = 5.0,
    ):
        self.num_features = check_positive_int(num_features, "num_features")
        self.eps = check_eps(eps)
        self.momentum = check_momentum(momentum, allow_none=False)
        self.r_max = real_number(r_max, "r_max", "a finite number >= 1")
        self.d_max = real_number(d_max, "d_max", "a finite number >= 0")
        if not (np.isfinite(self.r_max) and np.isfinite(self.d_max)):
            raise ValueError(
                f"r_max and d_max must be finite (NaN would disable the clipping silently), "
                f"got r_max={r_max!r} and d_max={d_max!r}; the paper ends at r_max=3, d_max=5."
            )
        if self.r_max < 1 or self.d_max < 0:
            raise ValueError(f"need r_max >= 1 and d_max >= 0, got {r_max} and {d_max}.")
        c = self.num_features
        check_alloc(6 * c * 8, "num_features", c, "the layer's vectors")
        self.gamma = np.ones(c)
        self.beta = np.zeros(c)
        self.running_mean = np.zeros(c)
        self.running_std = np.ones(c)
        self.training = True
        self.r = self.d = None
        self._cache = None

    def train(self, mode: bool = True) -> BatchRenorm:
        self.training = bool(mode)
        return self

    def eval(self) -> BatchRenorm:
        return self.train(False)

    def forward(self, x) -> np.ndarray:
        x = as_float_array(x)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"expected {self.num_features} features/channels on axis 1, got shape {x.shape}."
            )
        nd = x.ndim
        c, eps = self.num_features, check_eps(self.eps, x.dtype)
        gamma = per_channel(self.gamma, c, "gamma", np.float64)
        beta = per_channel(self.beta, c, "beta", np.float64)
        r_max = real_number(self.r_max, "r_max", "a finite number >= 1")
        d_max = real_number(self.d_max, "d_max", "a finite number >= 0")
        if not (np.isfinite(r_max) and np.isfinite(d_max) and r_max >= 1 and d_max >= 0):
            raise ValueError(f"need finite r_max >= 1 and d_max >= 0, got {r_max} and {d_max}.")
        running_mean = per_channel(self.running_mean, c, "running_mean", np.float64)
        running_std = per_channel(self.running_std, c, "running_std", np.float64)
        if (running_std <= 0).any():
            raise ValueError("running_std must be positive; reset it to 1.")
        if not self.training:
            with np.errstate(**FP_RAISE):
                try:
                    x_hat = (x - _bcast(running_mean, nd)) / _bcast(running_std, nd)
                    y = x_hat * _bcast(gamma, nd) + _bcast(beta, nd)
                except FloatingPointError:
                    raise ValueError(
                        "the eval-mode output overflowed to inf: x lies too far from the "
                        "running statistics. Rescale x the way the training data was scaled, "
                        "or use smaller gamma and beta."
                    ) from None
            self._cache = None
            return y
        _require_batch(x)
        axes = reduce_axes(nd)
        with np.errstate(**FP_RAISE):
            try:
                mu_b = x.mean(axis=axes)
                var_b = x.var(axis=axes)
            except FloatingPointError:
                raise too_large("x", x.dtype) from None
            check_stats(mu_b, var_b, "x", x.dtype)
            sigma_b = np.sqrt(var_b + eps)
            try:
                r = np.clip(sigma_b / running_std, 1.0 / r_max, r_max)
                d = np.clip((mu_b - running_mean) / running_std, -d_max, d_max)
                x_bn = (x - _bcast(mu_b, nd)) / _bcast(sigma_b, nd)  # plain BN output
                x_hat = x_bn * _bcast(r, nd) + _bcast(d, nd)
                y = x_hat * _bcast(gamma, nd) + _bcast(beta, nd)
            except FloatingPointError:
                raise params_too_large(x.dtype) from None
            try:
                new_mean = running_mean + self.momentum * (mu_b - running_mean)
                new_std = running_std + self.momentum * (sigma_b - running_std)
            except FloatingPointError:
                raise too_large("x", x.dtype, "the running statistics") from None
        self.r, self.d = r, d
        self._cache = (x_bn, sigma_b, r, x_hat, gamma)
        self.running_mean, self.running_std = new_mean, new_std
        return y

    __call__ = forward

    def backward(self, dy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dx, dgamma, dbeta) of the last training forward, r and d held constant."""
        if self._cache is None:
            raise ValueError("backward() needs a training-mode forward() first.")
        x_bn, sigma_b, r, x_hat, gamma = self._cache
        dy = as_float_array(dy, name="dy")
        if dy.shape != x_bn.shape:
            raise ValueError(f"dy must have shape {x_bn.shape}, got {dy.shape}.")
        nd, m = dy.ndim, _count(dy)
        with np.errstate(**FP_RAISE):
            try:
                dbeta = _sum_c(dy)
                dgamma = _dot_c(dy, x_hat)
                g = dy * _bcast(gamma * r, nd)  # gradient w.r.t. the plain BN output x_bn
                dg = _dot_c(g, x_bn)
                if not (np.isfinite(dgamma).all() and np.isfinite(dg).all()):
                    raise FloatingPointError  # einsum does not report overflow
                dx = (g - _bcast(_sum_c(g) / m, nd) - x_bn * _bcast(dg / m, nd)) / _bcast(
                    sigma_b, nd
                )
            except FloatingPointError:
                raise ValueError(
                    f"dy is too large for {dy.dtype}: the gradient overflowed to inf. Scale the "
                    "loss, and so dy, down."
                ) from None
        return dx, dgamma, dbeta


class OnlineNorm:
    """Online normalization (Chiley et al. 2019), forward: works at batch size 1.

    Each sample is normalized with statistics from before it, then they are updated:
        y_t   = (x_t - mu_{t-1}) / sqrt(var_{t-1} + eps)
        var_t = a var_{t-1} + a (1 - a) (x_t - mu_{t-1})^2
        mu_t  = a mu_{t-1} + (1 - a) x_t
    x is (N, D): the N samples are taken in order, one at a time.
    """

    def __init__(self, num_features: int, decay: float = 0.999, eps: float = 1e-5):
        self.num_features = check_positive_int(num_features, "num_features")
        self.decay = check_momentum(decay, allow_none=False)
        self.eps = check_eps(eps)
        check_alloc(2 * self.num_features * 8, "num_features", self.num_features, "its state")
        self.mu = np.zeros(self.num_features)
        self.var = np.ones(self.num_features)

    def forward(self, x) -> np.ndarray:
        x = as_float_array(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"OnlineNorm expects x of shape (N, {self.num_features}), got {x.shape}."
            )
        a = self.decay
        out = np.empty_like(x, dtype=np.float64)
        mu, var = self.mu, self.var
        with np.errstate(**FP_RAISE):
            try:
                for t in range(x.shape[0]):  # sequential: each step uses the previous one
                    diff = x[t] - mu
                    out[t] = diff / np.sqrt(var + self.eps)
                    var = a * var + a * (1 - a) * diff**2
                    mu = a * mu + (1 - a) * x[t]
            except FloatingPointError:
                raise too_large("x", x.dtype, "the running variance") from None
        self.mu, self.var = mu, var  # stored only when every step stayed finite
        return out

    __call__ = forward
