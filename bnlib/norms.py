"""Alternatives to batch norm, in numpy. For a tensor x of shape (N, C, *S):

    batch norm     statistics per channel over (N, *S)            bnlib.batchnorm
    layer norm     per sample over (C, *S)                         layer_norm
    instance norm  per sample and channel over (*S)                instance_norm
    group norm     per sample and group of C/G channels over (C/G, *S)   group_norm

The functional forms match torch.nn.functional (biased variance, eps inside the sqrt).
BatchRenorm (Ioffe 2017) and OnlineNorm (Chiley et al. 2019) keep state between calls.
"""

from __future__ import annotations

import numpy as np

from bnlib._checks import (
    as_float_array,
    check_eps,
    check_momentum,
    check_positive_int,
    per_channel,
)
from bnlib.batchnorm import _bcast, _count, _dot_c, _require_batch, _sum_c, reduce_axes

__all__ = ["BatchRenorm", "OnlineNorm", "group_norm", "instance_norm", "layer_norm"]


def _standardize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)  # biased
    return (x - mean) / np.sqrt(var + eps)


def layer_norm(x, normalized_shape=None, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """Normalize each sample over its last dims (default: all but the batch axis).

    Matches F.layer_norm(x, normalized_shape, weight=gamma, bias=beta, eps=eps);
    gamma and beta have shape normalized_shape.
    """
    x = as_float_array(x)
    eps = check_eps(eps)
    if normalized_shape is None:
        normalized_shape = x.shape[1:]
    normalized_shape = tuple(np.atleast_1d(normalized_shape).astype(int).tolist())
    k = len(normalized_shape)
    if k == 0 or k > x.ndim or x.shape[x.ndim - k :] != normalized_shape:
        raise ValueError(
            f"normalized_shape {normalized_shape} must equal the last dims of x {x.shape}; "
            f"for per-sample normalization over everything use normalized_shape={x.shape[1:]}."
        )
    y = _standardize(x, tuple(range(x.ndim - k, x.ndim)), eps)  # (N, ...) per sample
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is not None and np.shape(p) != normalized_shape:
            raise ValueError(f"{name} must have shape {normalized_shape}, got {np.shape(p)}.")
    if gamma is not None:
        y = y * np.asarray(gamma, dtype=x.dtype)
    if beta is not None:
        y = y + np.asarray(beta, dtype=x.dtype)
    return y


def _channel_affine(y: np.ndarray, gamma, beta) -> np.ndarray:
    c = y.shape[1]
    if gamma is not None:
        y = y * _bcast(per_channel(gamma, c, "gamma", y.dtype), y.ndim)
    if beta is not None:
        y = y + _bcast(per_channel(beta, c, "beta", y.dtype), y.ndim)
    return y


def instance_norm(x, gamma=None, beta=None, eps: float = 1e-5) -> np.ndarray:
    """Normalize each (sample, channel) over its spatial axes. x: (N, C, *S) with S non-empty.

    Matches F.instance_norm(x, weight=gamma, bias=beta, eps=eps).
    """
    x = as_float_array(x, min_ndim=3)
    eps = check_eps(eps)
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
    eps = check_eps(eps)
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
        self.r_max = float(r_max)
        self.d_max = float(d_max)
        if self.r_max < 1 or self.d_max < 0:
            raise ValueError(f"need r_max >= 1 and d_max >= 0, got {r_max} and {d_max}.")
        c = self.num_features
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
        if not self.training:
            x_hat = (x - _bcast(self.running_mean, nd)) / _bcast(self.running_std, nd)
            self._cache = None
            return x_hat * _bcast(self.gamma, nd) + _bcast(self.beta, nd)
        _require_batch(x)
        axes = reduce_axes(nd)
        mu_b = x.mean(axis=axes)
        sigma_b = np.sqrt(x.var(axis=axes) + self.eps)
        r = np.clip(sigma_b / self.running_std, 1.0 / self.r_max, self.r_max)
        d = np.clip((mu_b - self.running_mean) / self.running_std, -self.d_max, self.d_max)
        x_bn = (x - _bcast(mu_b, nd)) / _bcast(sigma_b, nd)  # plain BN output
        x_hat = x_bn * _bcast(r, nd) + _bcast(d, nd)
        self.r, self.d = r, d
        self._cache = (x_bn, sigma_b, r, x_hat)
        self.running_mean = self.running_mean + self.momentum * (mu_b - self.running_mean)
        self.running_std = self.running_std + self.momentum * (sigma_b - self.running_std)
        return x_hat * _bcast(self.gamma, nd) + _bcast(self.beta, nd)

    __call__ = forward

    def backward(self, dy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dx, dgamma, dbeta) of the last training forward, r and d held constant."""
        if self._cache is None:
            raise ValueError("backward() needs a training-mode forward() first.")
        x_bn, sigma_b, r, x_hat = self._cache
        dy = as_float_array(dy, name="dy")
        if dy.shape != x_bn.shape:
            raise ValueError(f"dy must have shape {x_bn.shape}, got {dy.shape}.")
        nd, m = dy.ndim, _count(dy)
        dbeta = _sum_c(dy)
        dgamma = _dot_c(dy, x_hat)
        g = dy * _bcast(self.gamma * r, nd)  # gradient w.r.t. the plain BN output x_bn
        dx = (g - _bcast(_sum_c(g) / m, nd) - x_bn * _bcast(_dot_c(g, x_bn) / m, nd)) / _bcast(
            sigma_b, nd
        )
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
        for t in range(x.shape[0]):  # sequential by definition: each step uses the previous one
            diff = x[t] - self.mu
            out[t] = diff / np.sqrt(self.var + self.eps)
            self.var = a * self.var + a * (1 - a) * diff**2
            self.mu = a * self.mu + (1 - a) * x[t]
        return out

    __call__ = forward
