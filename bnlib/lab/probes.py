"""Loss-landscape probes after Santurkar et al. (2018), "How does batch normalization help
optimization?", for any PyTorch classifier (for example one returned by `train`).

At weights w with gradient g = dL/dw on a batch (x, y), for each step size eta:

    loss(eta)        = L(w - eta * g)                       the landscape along the step
    grad_change(eta) = || grad L(w - eta * g) - g ||        gradient predictiveness
    beta_eff         = max over eta>0 of grad_change / || eta * g ||   effective smoothness

Smaller spread of loss(eta), smaller grad_change and smaller beta_eff mean a smoother
landscape. The model's weights, buffers (BN running statistics) and mode are restored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["landscape_probe"]


def _loss_and_grad(model: nn.Module, x, y, params):
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, params)
    return float(loss.detach()), torch.cat([g.reshape(-1) for g in grads])


def landscape_probe(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    etas: Sequence[float],
    train_mode: bool = True,
) -> dict[str, np.ndarray | float]:
    """Measure the three quantities above; returns arrays aligned with `etas`."""
    params = [p for p in model.parameters() if p.requires_grad]
    saved_params = [p.detach().clone() for p in params]
    saved_buffers = {
        k: v.clone()
        for k, v in model.state_dict().items()
        if k not in dict(model.named_parameters())
    }
    was_training = model.training
    model.train(train_mode)
    try:
        loss0, g = _loss_and_grad(model, x, y, params)
        gnorm = float(g.norm())
        losses, changes = [], []
        for eta in etas:
            with torch.no_grad():
                offset = 0
                for p, w in zip(params, saved_params, strict=True):
                    n = p.numel()
                    p.copy_(w - eta * g[offset : offset + n].view_as(p))
                    offset += n
            loss, g_eta = _loss_and_grad(model, x, y, params)
            losses.append(loss)
            changes.append(float((g_eta - g).norm()))
    finally:
        with torch.no_grad():
            for p, w in zip(params, saved_params, strict=True):
                p.copy_(w)
        model.load_state_dict(saved_buffers, strict=False)
        model.train(was_training)
    etas_a = np.asarray(etas, dtype=float)
    changes_a = np.asarray(changes)
    pos = etas_a > 0
    beta = (
        float(np.max(changes_a[pos] / (etas_a[pos] * gnorm)))
        if pos.any() and gnorm > 0
        else float("nan")
    )
    return {
        "loss0": loss0,
        "grad_norm": gnorm,
        "losses": np.asarray(losses),
        "grad_change": changes_a,
        "beta_eff": beta,
    }
