"""What the trainer records besides the loss: validation accuracy and layer diagnostics.

Both run without gradients on a stack between steps and append to the runs' records.
Layer diagnostics use a fixed probe of at most config.PROBE_SAMPLES validation samples with batch
statistics (what the layers see while training) and never move the running statistics.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from bnlib.lab.results import DIAG_NAMES, LAYER_STATS, RunResult
from bnlib.lab.stack import AFFINE_NORMS, STATS_NORMS, Stack

__all__ = ["PERCENTILES", "diagnose", "evaluate"]

PERCENTILES = (0.15, 0.50, 0.85)
POOLED_MAX = 2048  # values per layer and run for the pooled percentiles


def evaluate(stack: Stack, runs: list[RunResult], k: int, x_val, y_val, batch: int) -> None:
    """Validation loss and accuracy with running statistics (eval mode), and accuracy with
    each batch's own statistics (train mode, whole batches of `batch` samples). Only runs
    that keep running statistics can tell the two modes apart; the others' train-mode
    accuracy is their eval-mode accuracy on the same whole batches, without a second pass."""
    R = stack.R
    n_chunk = (x_val.shape[1] // batch) * batch
    kept = [j for j, c in enumerate(stack.cfgs) if c.norm in STATS_NORMS]
    with torch.no_grad():
        logits = stack.forward(x_val, mode="eval")
        C = logits.shape[-1]
        vl = torch.nn.functional.cross_entropy(
            logits.reshape(-1, C), y_val.reshape(-1), reduction="none"
        ).view(R, -1).mean(1)  # fmt: skip
        hits = logits.argmax(-1) == y_val
        va = hits.double().mean(1).cpu().numpy()
        vl = vl.double().cpu().numpy()
        vt = np.full(R, np.nan)  # no whole batch in the validation set
        if n_chunk >= batch:
            vt = hits[:, :n_chunk].double().mean(1).cpu().numpy()
            if kept:
                sl = slice(kept[0], kept[-1] + 1)
                lt = stack.forward(x_val[sl, :n_chunk], mode="batch", chunk=batch, runs=sl)
                vt[sl] = (lt.argmax(-1) == y_val[sl, :n_chunk]).double().mean(1).cpu().numpy()
    for j, r in enumerate(runs):
        if stack.active[j]:
            r.eval_steps.append(k)
            r.val_loss.append(float(vl[j]))
            r.val_acc.append(float(va[j]))
            r.val_acc_train_mode.append(float(vt[j]))


def _quantiles(z_layers: list[torch.Tensor], watch_unit: int) -> np.ndarray:
    """(R, L, 6): the pooled and the watched unit's percentiles of each layer's z (R, F, N),
    from two numpy calls for all layers (numpy's partition-based quantile is several times
    faster than torch's sort here; the calls, not the data, are the cost at these sizes)."""
    R, Fd, N = z_layers[0].shape
    # an even subsample of every unit: every step-th value in sample-major order
    t = torch.arange(0, N * Fd, max(1, N * Fd // POOLED_MAX), device=z_layers[0].device)
    pooled = torch.stack([z[:, t % Fd, t // Fd] for z in z_layers], 1)  # (R, L, M)
    unit = torch.stack([z[:, watch_unit] for z in z_layers], 1)  # (R, L, N)
    q_pooled = np.quantile(pooled.double().cpu().numpy(), PERCENTILES, axis=2)  # (3, R, L)
    q_unit = np.quantile(unit.double().cpu().numpy(), PERCENTILES, axis=2)
    return np.concatenate([q_pooled, q_unit]).transpose(1, 2, 0)


def _layer_stats(stack: Stack, i: int, z, a) -> torch.Tensor:
    """(R, 8): layer i's activation mean and std, saturation, dead units, and the means of
    gamma, beta and the running statistics; z and a (R, F, N) are its input to the
    nonlinearity and its output."""
    R = stack.R
    a_mean = a.mean((1, 2), keepdim=True)
    a_dev = a - a_mean  # two passes, as numpy's std (torch's std is slow on CPU)
    nan = torch.full((R,), math.nan, dtype=stack.dtype, device=stack.device)
    sat = dead = nan
    if stack.act in ("sigmoid", "tanh"):  # slope below 10% of its peak
        slope = a * (1 - a) / 0.25 if stack.act == "sigmoid" else 1 - a * a
        sat = (slope < 0.1).to(a.dtype).mean((1, 2))
    if stack.act in ("relu", "gelu"):  # never fires on the probe
        dead = (z.amax(2) <= 0).to(z.dtype).mean(1)
    p = stack.params
    per_run = [a_mean.view(R), (a_dev * a_dev).mean((1, 2)).sqrt(), sat, dead] + [
        t.mean((1, 2)) for t in (p.gamma[i], p.beta[i], stack.running_mean[i], stack.running_var[i])
    ]
    return torch.stack(per_run, 1)


def diagnose(
    stack: Stack,
    runs: list[RunResult],
    k: int,
    x_probe,
    watch_unit: int,
    grad_norm: np.ndarray | None = None,
    update_ratio: np.ndarray | None = None,
) -> None:
    """Append one diagnostics row per active run; grad_norm and update_ratio are (R, L)."""
    R, L = stack.R, stack.L
    with torch.no_grad():
        _, seen = stack.forward(x_probe, mode="batch", capture=True)
        stats = []
        for i, (z, a) in enumerate(seen):
            stack.check_cancel()  # a 20 x 512 probe takes a while: Stop between layers
            stats.append(_layer_stats(stack, i, z, a))
        stats = torch.stack(stats, 1)
        table = np.concatenate(
            [_quantiles([z for z, _ in seen], watch_unit), stats.double().cpu().numpy()], 2
        )  # (R, L, len(LAYER_STATS))
    cols = {name: table[:, :, s] for s, name in enumerate(LAYER_STATS)}
    cols["grad_norm"] = grad_norm if grad_norm is not None else np.full((R, L), np.nan)
    cols["update_ratio"] = update_ratio if update_ratio is not None else np.full((R, L), np.nan)
    for j, r in enumerate(runs):
        if not stack.active[j]:
            continue
        norm = stack.cfgs[j].norm
        r.diag_steps.append(k)
        for name in DIAG_NAMES:
            unused = (name.startswith(("gamma", "beta")) and norm not in AFFINE_NORMS) or (
                name.startswith("running") and norm not in STATS_NORMS
            )
            r.diag[name].append([math.nan] * L if unused else cols[name][j].tolist())
