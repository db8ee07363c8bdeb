"""The lab's trainer: MLPs with a pluggable normalization, trained many at a time.

Runs that share their shapes (same data, depth, width, batch size, number of steps and
optimizer family) are trained together as one `Stack` (bnlib.lab.stack); a stack gives
the same numbers as training each run alone, and tests check this against a plain
`nn.Sequential` + `torch.optim` loop.

One step:  hooks.on_batch -> forward, autograd backward -> hooks.probe -> update ->
           record loss -> evaluate / diagnose when due -> hooks.after_step -> progress

Public API:
    run_comparison(configs, seeds, callback=None, cancel=None) -> Comparison
    train(config, callback=None, cancel=None) -> (RunResult, nn.Sequential)
    build_model(config) -> nn.Sequential        (the initial network, PyTorch modules)
    train_stack(stack, data, runs, steps, ...)   the loop itself, with Hooks
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from bnlib.lab.config import (
    MAX_CONFIGS,
    MAX_SEEDS,
    PROBE_SAMPLES,
    TrainConfig,
    default_diag_every,
    steps_per_epoch,
    validate,
)
from bnlib.lab.data import Dataset, load_dataset
from bnlib.lab.diagnostics import diagnose, evaluate
from bnlib.lab.model import batch_order, resolve_device
from bnlib.lab.modules import to_sequential
from bnlib.lab.results import Comparison, Progress, RunResult
from bnlib.lab.stack import Cancelled, Stack

__all__ = ["Hooks", "StackData", "build_model", "run_comparison", "train", "train_stack"]


@dataclass
class Hooks:
    """Optional calls into the loop; k is the step (1..steps), the stack is live.

    on_batch(k, stack)              before step k's forward (change clips, schedules)
    probe(k, stack, xb, yb, grad)   after the backward pass, before the update (grad is
                                    the flat gradient; restore anything you change)
    after_step(k, stack, losses)    after the update and the records; losses (R,) numpy
    """

    on_batch: Callable | None = None
    probe: Callable | None = None
    after_step: Callable | None = None


class StackData(NamedTuple):
    """A stack's data as tensors on its device."""

    x_train: torch.Tensor  # (n_train, D)
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor

    @classmethod
    def of(cls, data: Dataset, dtype: torch.dtype, device: torch.device) -> StackData:
        return cls(
            torch.as_tensor(data.x_train, dtype=dtype, device=device),
            torch.as_tensor(data.y_train, device=device),
            torch.as_tensor(data.x_val, dtype=dtype, device=device),
            torch.as_tensor(data.y_val, device=device),
        )


def train_stack(
    stack: Stack,
    data: StackData,
    runs: list[RunResult],
    steps: int,
    callback: Callable[[Progress], None] | None = None,
    progress: Progress | None = None,
    t0: float | None = None,
    hooks: Hooks | None = None,
    order: np.ndarray | None = None,
) -> None:
    """Train the stack for `steps` steps, filling `runs` (one per stack run) as it goes.

    order: (R, steps, B) training indices; default each run's `batch_order`. Raises
    Cancelled once `stack.cancel` is set: no update happens after that.
    """
    R, dev, c0 = stack.R, stack.device, stack.cfgs[0]
    hooks = hooks or Hooks()
    t0 = time.perf_counter() if t0 is None else t0
    progress = progress or Progress(0, R * steps, 0.0)
    n_train, B = data.x_train.shape[0], c0.batch_size
    if order is None:
        labels = data.y_train.cpu().numpy() if c0.batching == "one_class" else None
        order = np.stack([batch_order(c.seed, n_train, B, steps, labels) for c in stack.cfgs])
    order_t = torch.as_tensor(order, device=dev)  # (R, steps, B)
    eval_every = c0.eval_every or steps_per_epoch(B, n_train)
    diag_every = c0.diag_every or default_diag_every(steps)
    x_val = data.x_val.unsqueeze(0).expand(R, -1, -1).contiguous()
    y_val = data.y_val.unsqueeze(0).expand(R, -1)
    x_probe = x_val[:, :PROBE_SAMPLES]
    for r in runs:
        r.status = "running"

    evaluate(stack, runs, 0, x_val, y_val, B)
    diagnose(stack, runs, 0, x_probe, c0.watch_unit)
    for k in range(1, steps + 1):
        stack.check_cancel()
        if hooks.on_batch is not None:
            hooks.on_batch(k, stack)
        flat_idx = order_t[:, k - 1].reshape(-1)  # index_select is several times faster here
        xb = data.x_train.index_select(0, flat_idx).view(R, B, -1)  # (R, B, D)
        yb = data.y_train.index_select(0, flat_idx).view(R, B)
        losses = stack.losses(xb, yb)
        lv = losses.detach().double().cpu().numpy()
        finite = np.isfinite(lv)
        for j in np.flatnonzero(~finite & stack.active.numpy()):
            runs[j].status, runs[j].diverged_at = "diverged", k
            stack.set_inactive(int(j))
        act_np = stack.active.numpy()
        if not act_np.any():
            break
        all_in = bool(act_np.all())
        grad = stack.backward(losses, None if all_in else torch.as_tensor(act_np, device=dev))
        stack.check_cancel()  # Stop during the backward pass: no update
        stack.commit_stats()
        if hooks.probe is not None:
            hooks.probe(k, stack, xb, yb, grad)
        do_diag = k % diag_every == 0 or k == steps
        w_before = stack.layer_norms(stack.flat) if do_diag else None
        upd = stack.step(grad)
        for j, r in enumerate(runs):
            if act_np[j]:
                r.train_loss.append(float(lv[j]))
                r.steps_done = k
        if k % eval_every == 0 or k == steps:
            evaluate(stack, runs, k, x_val, y_val, B)
        if do_diag:
            gn = stack.layer_norms(grad)
            ur = stack.layer_norms(upd) / w_before.clamp_min(1e-30)
            with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN in a dying run
                gn, ur = gn.double().cpu().numpy(), ur.double().cpu().numpy()
            diagnose(stack, runs, k, x_probe, c0.watch_unit, gn, ur)
        if hooks.after_step is not None:
            hooks.after_step(k, stack, lv)
        progress.steps_done += R
        if callback is not None:
            callback(Progress(progress.steps_done, progress.steps_total, time.perf_counter() - t0))
    for r in runs:
        if r.status == "running":
            r.status = "finished"


class GroupKey(NamedTuple):
    """What runs must share to train in one stack."""

    dataset: str
    n_samples: int
    val_fraction: float
    standardize: bool
    data_seed: int
    depth: int
    width: int
    activation: str
    groups: int
    eps: float
    batch_size: int
    steps: int
    batching: str
    adam: bool
    device: str
    dtype: str
    eval_every: int
    diag_every: int
    watch_unit: int

    @classmethod
    def of(cls, cfg: TrainConfig, n_train: int) -> GroupKey:
        steps = (
            cfg.steps
            if cfg.steps is not None
            else cfg.epochs * steps_per_epoch(cfg.batch_size, n_train)
        )
        return cls(
            cfg.dataset, cfg.n_samples, cfg.val_fraction, cfg.standardize, cfg.data_seed,
            cfg.depth, cfg.width, cfg.activation, cfg.groups, cfg.eps, cfg.batch_size, steps,
            cfg.batching, cfg.optimizer == "adam", cfg.device, cfg.dtype, cfg.eval_every,
            cfg.diag_every, cfg.watch_unit,
        )  # fmt: skip


def _prepare(configs, seeds, labels) -> list[tuple[str, TrainConfig]]:
    configs = [validate(c) for c in configs]
    seeds = list(seeds) if seeds is not None else [None]
    if not configs:
        raise ValueError("give at least one config to train.")
    if len(configs) > MAX_CONFIGS or len(seeds) > MAX_SEEDS:
        raise ValueError(
            f"at most {MAX_CONFIGS} configs x {MAX_SEEDS} seeds per comparison; "
            f"got {len(configs)} x {len(seeds)}."
        )
    labels = list(labels) if labels else [chr(ord("A") + i) for i in range(len(configs))]
    return [
        (lab, cfg if s is None else cfg.replace(seed=int(s)))
        for lab, cfg in zip(labels, configs, strict=True)
        for s in seeds
    ]


def _load(cfg: TrainConfig) -> Dataset:
    return load_dataset(
        cfg.dataset, cfg.n_samples, cfg.val_fraction, cfg.standardize, cfg.data_seed
    )


def run_comparison(
    configs: Sequence[TrainConfig],
    seeds: Sequence[int] | None = (0,),
    callback: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    labels: Sequence[str] | None = None,
    result: Comparison | None = None,
    stacks: list[Stack] | None = None,
    hooks: Hooks | None = None,
) -> Comparison:
    """Train every config with every seed; same-shaped runs are trained as one stack.

    seeds=None trains each config with its own `seed`. `callback(Progress)` is called after
    every step (from the training thread); setting `cancel` stops every run before its
    next step. Pass an empty `result` (Comparison(runs=[])) to watch it fill in live, and
    a list as `stacks` to get the trained stacks back. `hooks` go to every stack's loop.
    """
    pairs = _prepare(configs, seeds, labels)
    result = result if result is not None else Comparison(runs=[])
    t0 = time.perf_counter()
    groups: dict[GroupKey, list[int]] = {}
    datasets: dict[GroupKey, Dataset] = {}
    new_runs: list[RunResult] = []
    for i, (lab, cfg) in enumerate(pairs):
        data = _load(cfg)
        if data.notice and data.notice not in result.notices:
            result.notices.append(data.notice)
        key = GroupKey.of(cfg, len(data.y_train))
        datasets[key] = data
        groups.setdefault(key, []).append(i)
        new_runs.append(RunResult(lab, cfg, key.steps))
    result.runs.extend(new_runs)  # in one go, so a reader on another thread sees all or none
    progress = Progress(0, sum(r.total_steps for r in result.runs), 0.0)
    devices = set()
    try:
        for key, members in groups.items():
            cfgs = [pairs[i][1] for i in members]
            dev, notice = resolve_device(cfgs[0].device)
            if notice and notice not in result.notices:
                result.notices.append(notice)
            devices.add(str(dev))
            stack = Stack(cfgs, datasets[key], dev, cancel)
            if stacks is not None:
                stacks.append(stack)
            data_t = StackData.of(datasets[key], stack.dtype, dev)
            runs = [new_runs[i] for i in members]
            train_stack(stack, data_t, runs, key.steps, callback, progress, t0, hooks)
    except Cancelled:
        result.cancelled = True
        for r in result.runs:
            if r.status in ("pending", "running"):
                r.status = "cancelled"
    result.device = ", ".join(sorted(devices)) or "cpu"
    result.elapsed_s = time.perf_counter() - t0
    result.steps_per_s = progress.steps_done / max(result.elapsed_s, 1e-9)
    return result


def build_model(config: TrainConfig) -> nn.Sequential:
    """The untrained network for `config`, with the same initial weights `train` starts from."""
    validate(config)
    return to_sequential(Stack([config], _load(config), torch.device("cpu")), 0)


def train(
    config: TrainConfig,
    callback: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[RunResult, nn.Sequential]:
    """Train one config (its own seed); return its record and the trained network (on CPU)."""
    stacks: list[Stack] = []
    res = run_comparison([config], seeds=None, callback=callback, cancel=cancel, stacks=stacks)
    return res.runs[0], to_sequential(stacks[0], 0).cpu()
