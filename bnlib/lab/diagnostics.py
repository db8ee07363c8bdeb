"""What the trainer records besides the loss: validation accuracy and layer diagnostics.

Both run without gradients on a stack between steps and append to the runs' records.
Layer diagnostics use a fixed probe of at most PROBE_SAMPLES validation samples with batch
statistics (what the layers see while training) and never move the running statistics.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from bnlib.lab.results import DIAG_NAMES, LAYER_STATS, RunResult
from bnlib.lab.stack import AFFINE_NORMS, STATS_NORMS, Stack

__all__ = ["PERCENTILES", "PROBE_SAMPLES", "default_diag_every", "diagnose", "evaluate"]

PERCENTILES = (0.15, 0.50, 0.85)
PROBE_SAMPLES = 1000  # validation samples used for layer diagnostics
POOLED_MAX = 2048  # values per layer and run for the pooled percentiles
DIAG_POINTS = 40  # diagnostics per run by default (charts need no more)


def default_diag_every(steps: int) -> int:
    """Steps between diagnostics when the config leaves it at 0: about DIAG_POINTS per run."""
    return max(5, steps // DIAG_POINTS)


def evaluate(stack: Stack, runs: list[RunResult], k: int, x_val, y_val, batch: int) -> None:
    """Validation loss and accuracy with running statistics (eval mode), and accuracy with
    each batch's own statistics (train mode, whole batches of `batch` samples)."""
    R = stack.R
    n_chunk = (x_val.shape[1] // batch) * batch
    with torch.no_grad():
        logits = stack.forward(x_val, mode="eval")
        C = logits.shape[-1]
        vl = torch.nn.functional.cross_entropy(
            logits.reshape(-1, C), y_val.reshape(-1), reduction="none"
        ).view(R, -1).mean(1)  # fmt: skip
        va = (logits.argmax(-1) == y_val).double().mean(1).cpu().numpy()
        vl = vl.double().cpu().numpy()
        if n_chunk >= batch:
            lt = stack.forward(x_val[:, :n_chunk], mode="batch", chunk=batch)
            vt = (lt.argmax(-1) == y_val[:, :n_chunk]).double().mean(1).cpu().numpy()
        else:
            vt = np.full(R, np.nan)
    for j, r in enumerate(runs):
        if stack.active[j]:
            r.eval_steps.append(k)
            r.val_loss.append(float(vl[j]))
            r.val_acc.append(float(va[j]))
            r.val_acc_train_mode.append(float(vt[j]))


def _layer_row(stack: Stack, i: int, z, a, watch_unit: int) -> tuple[np.ndarray, torch.Tensor]:
    """Layer i's quantiles (R, 6) and other statistics (R, 8) from its pre-activation z and
    activation a, both (R, N, F)."""
    R = stack.R
    flat = z.reshape(R, -1)
    flat = flat[:, :: max(1, flat.shape[1] // POOLED_MAX)]  # an even subsample
    # numpy's partition-based quantile: several times faster than torch's sort here
    pooled = np.quantile(flat.double().cpu().numpy(), PERCENTILES, axis=1)  # (3, R)
    unit = np.quantile(z[:, :, watch_unit].double().cpu().numpy(), PERCENTILES, axis=1)
    a_mean = a.mean((1, 2), keepdim=True)
    a_dev = a - a_mean  # two passes, as numpy's std (torch's std is slow on CPU)
    nan = torch.full((R,), math.nan, dtype=stack.dtype, device=stack.device)
    sat = dead = nan
    if stack.act in ("sigmoid", "tanh"):  # slope below 10% of its peak
        slope = a * (1 - a) / 0.25 if stack.act == "sigmoid" else 1 - a * a
        sat = (slope < 0.1).to(a.dtype).mean((1, 2))
    if stack.act in ("relu", "gelu"):  # never fires on the probe
        dead = (z.amax(1) <= 0).to(z.dtype).mean(1)
    p = stack.params
    per_run = [a_mean.view(R), (a_dev * a_dev).mean((1, 2)).sqrt(), sat, dead] + [
        t.mean((1, 2)) for t in (p.gamma[i], p.beta[i], stack.running_mean[i], stack.running_var[i])
    ]
    return np.concatenate([pooled, unit]).T, torch.stack(per_run, 1)


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
        quantiles, per_layer = [], []
        for i, (z, a) in enumerate(seen):
            stack.check_cancel()
            q, s = _layer_row(stack, i, z, a, watch_unit)
            quantiles.append(q)
            per_layer.append(s)
        table = np.concatenate(
            [np.stack(quantiles, 1), torch.stack(per_layer, 1).double().cpu().numpy()], 2
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
