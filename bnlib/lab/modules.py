"""A run of a stack as ordinary PyTorch modules, and the batch renorm module it needs."""

from __future__ import annotations

import torch
from torch import nn

from bnlib.lab.stack import STATS_NORMS, Stack

__all__ = ["BatchRenorm1d", "to_sequential"]


class BatchRenorm1d(nn.Module):
    """Batch renormalization (Ioffe 2017) for (N, F) inputs.

    Training: x_hat = (x - mu_B) / sigma_B * r + d, sigma_B = sqrt(var_B + eps),
    r = clip(sigma_B / sigma, 1/rmax, rmax), d = clip((mu_B - mu) / sigma, -dmax, dmax),
    r and d constants for backprop. mu and sigma are moving averages of mu_B and sigma_B, as
    in the paper (and bnlib.norms.BatchRenorm), with PyTorch's momentum convention. They
    are stored as running_mean and running_var = sigma^2 - eps, so eval mode is BN's
    (x - running_mean) / sqrt(running_var + eps) = (x - mu) / sigma.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, rmax=3.0, dmax=5.0, dtype=None):
        super().__init__()
        self.eps, self.momentum, self.rmax, self.dmax = eps, momentum, rmax, dmax
        self.weight = nn.Parameter(torch.ones(num_features, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", torch.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", torch.ones(num_features, dtype=dtype))

    @property
    def running_std(self) -> torch.Tensor:
        """The moving sigma."""
        return torch.sqrt(self.running_var + self.eps)

    def forward(self, x):
        if not self.training:
            return (x - self.running_mean) / self.running_std * self.weight + self.bias
        mu, sd = x.mean(0), torch.sqrt(x.var(0, unbiased=False) + self.eps)
        with torch.no_grad():
            sigma = self.running_std
            r = (sd / sigma).clamp(1 / self.rmax, self.rmax)
            d = ((mu - self.running_mean) / sigma).clamp(-self.dmax, self.dmax)
            self.running_mean.lerp_(mu, self.momentum)
            self.running_var.copy_(sigma.lerp(sd, self.momentum).square() - self.eps)
        return ((x - mu) / sd * r + d) * self.weight + self.bias


def _activation_module(name: str) -> nn.Module:
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}[name]()


def to_sequential(stack: Stack, j: int) -> nn.Sequential:
    """Run j of a stack as ordinary PyTorch modules (norm noise is not carried over)."""
    cfg, L, dt = stack.cfgs[j], stack.L, stack.dtype  # build in the run's dtype: exact copies
    Ws, bs, gammas, betas = ([t[j] for t in ts] for ts in stack.split(stack.flat.detach()))
    layers: list[nn.Module] = []
    for i in range(L + 1):
        has_bias = bool(stack.bias_on[i][j])
        lin = nn.Linear(stack.dims[i], stack.dims[i + 1], bias=has_bias, dtype=dt)
        with torch.no_grad():
            lin.weight.copy_(Ws[i].T)
            if has_bias:
                lin.bias.copy_(bs[i][0])
        layers.append(lin)
        if i == L:
            break
        norm = None
        if cfg.norm in ("bn_before", "bn_after"):
            norm = nn.BatchNorm1d(cfg.width, eps=cfg.eps, momentum=cfg.bn_momentum, dtype=dt)
        elif cfg.norm == "batch_renorm":
            norm = BatchRenorm1d(
                cfg.width, cfg.eps, cfg.bn_momentum, cfg.renorm_rmax, cfg.renorm_dmax, dt
            )
        elif cfg.norm == "layer":
            norm = nn.LayerNorm(cfg.width, eps=cfg.eps, dtype=dt)
        elif cfg.norm == "group":
            norm = nn.GroupNorm(cfg.groups, cfg.width, eps=cfg.eps, dtype=dt)
        if norm is not None:
            with torch.no_grad():
                norm.weight.copy_(gammas[i][0])
                norm.bias.copy_(betas[i][0])
                if cfg.norm in STATS_NORMS:
                    norm.running_mean.copy_(stack.running_mean[i][j, 0])
                    norm.running_var.copy_(stack.running_var[i][j, 0])
        if norm is not None and cfg.norm != "bn_after":
            layers.append(norm)
        layers.append(_activation_module(cfg.activation))
        if norm is not None and cfg.norm == "bn_after":
            layers.append(norm)
    return nn.Sequential(*layers).to(stack.dtype)
