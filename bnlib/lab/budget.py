"""What one training job may cost on a shared server, checked before it starts.

A job is estimated from its configs alone (no data loaded, nothing allocated):

- memory: parameters, their gradients and optimizer state, the activations of a training
  step, the validation set copied per run with the activations of one evaluation, and the
  numbers the job records (losses, evaluations, diagnostics);
- work: matmul FLOPs of the training steps (6·B·Σ fan_in·fan_out per run-step, as in
  benchmarks/README.md), of the evaluations and of the diagnostics, turned into CPU
  seconds at a rate this machine reaches on one thread.

Over budget, the job is refused with a message that says which setting to lower. The
server's settings come from the environment, with defaults for a small shared server:

    BNLAB_JOB_MAX_MB      estimated memory per job          (default 1024)
    BNLAB_JOB_MAX_CPU_S   estimated CPU seconds per job     (default 600)
    BNLAB_JOB_MAX_S       wall-clock seconds before a job is stopped (default 1200)
    BNLAB_CPU_GFLOPS      the rate work is converted at     (default 20)

The estimate errs on the high side (measured against peak RSS in tests/unit/test_budget.py).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from bnlib.lab.config import (
    PROBE_SAMPLES,
    TrainConfig,
    approx_train_size,
    default_diag_every,
    total_steps,
)

__all__ = ["Budget", "Estimate", "check", "estimate"]

N_DIAG_VALUES = 20  # numbers recorded per layer and diagnostic step (results.DIAG_NAMES)
PY_FLOAT = 32  # bytes a recorded Python float costs in a list
FEATURES = {"digits": 64, "mnist": 784}  # the synthetic sets are 2-D
CLASSES = {"digits": 10, "mnist": 10, "spirals": 3, "moons": 2, "blobs": 4}
OVERHEAD = 1.5  # allocator slack, temporaries of the norms and the optimizer
FIXED = 96 * 2**20  # what torch's first operations in a job allocate, whatever its size


def _env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


@dataclass(frozen=True)
class Budget:
    max_bytes: float
    max_cpu_s: float
    max_wall_s: float
    gflops: float

    @classmethod
    def from_env(cls) -> Budget:
        return cls(
            max_bytes=_env("BNLAB_JOB_MAX_MB", 1024) * 2**20,
            max_cpu_s=_env("BNLAB_JOB_MAX_CPU_S", 600),
            max_wall_s=_env("BNLAB_JOB_MAX_S", 1200),
            gflops=_env("BNLAB_CPU_GFLOPS", 20),
        )


@dataclass(frozen=True)
class Estimate:
    bytes: float
    flops: float
    run_steps: int

    def cpu_s(self, budget: Budget) -> float:
        return self.flops / (budget.gflops * 1e9)


def _layers(cfg: TrainConfig) -> list[tuple[int, int]]:
    d_in = FEATURES.get(cfg.dataset, 2)
    dims = [d_in] + [cfg.width] * cfg.depth + [CLASSES.get(cfg.dataset, 10)]
    return list(zip(dims[:-1], dims[1:], strict=True))


def estimate(configs: Sequence[TrainConfig], n_seeds: int) -> Estimate:
    """Memory (bytes) and work (FLOPs) of training every config with `n_seeds` seeds."""
    total_bytes = flops = 0.0
    run_steps = 0
    for cfg in configs:
        itemsize = 8 if cfg.dtype == "float64" else 4
        layers = _layers(cfg)
        macs = sum(i * o for i, o in layers)  # multiply-adds of one sample's forward pass
        params = macs + sum(o for _, o in layers) + 2 * cfg.width * cfg.depth
        opt_copies = {"sgd": 0, "momentum": 1, "adam": 2}.get(cfg.optimizer, 2)
        n_train = approx_train_size(cfg)
        n_val = max(1, round(n_train * cfg.val_fraction / max(1e-9, 1 - cfg.val_fraction)))
        steps = total_steps(cfg, n_train)
        per_epoch = max(1, n_train // cfg.batch_size)
        n_eval = steps // (cfg.eval_every or per_epoch) + 2
        n_diag = steps // (cfg.diag_every or default_diag_every(steps)) + 2
        units = cfg.width * cfg.depth
        # one run, in bytes
        # weights, gradient, update and optimizer state, plus the float64 copies and
        # temporaries of initialisation and diagnostics: calibrated on measured peak RSS
        weights = params * itemsize * (12 + opt_copies)
        train_act = cfg.batch_size * units * 6 * itemsize  # z, x̂, a and their gradients
        val_act = n_val * (layers[0][0] + 2 * cfg.width) * itemsize * 2  # eval + train mode
        probe = min(PROBE_SAMPLES, n_val) * units * 2 * itemsize  # captured layers, diagnostics
        recorded = (steps + 4 * n_eval + n_diag * cfg.depth * N_DIAG_VALUES) * PY_FLOAT
        total_bytes += n_seeds * (weights + train_act + val_act + probe + recorded)
        # one run, in FLOPs
        flops += n_seeds * (
            6 * cfg.batch_size * macs * steps
            + 2 * 2 * n_val * macs * n_eval
            + 2 * min(PROBE_SAMPLES, n_val) * macs * n_diag
        )
        run_steps += n_seeds * steps
    return Estimate(FIXED + total_bytes * OVERHEAD, flops, run_steps)


def check(configs: Sequence[TrainConfig], n_seeds: int, budget: Budget | None = None) -> Estimate:
    """Raise ValueError, saying what to lower, if the job would exceed the server's budget."""
    budget = budget or Budget.from_env()
    est = estimate(configs, n_seeds)
    lower = "lower the width, depth or batch size, or train fewer seeds"
    if est.bytes > budget.max_bytes:
        raise ValueError(
            f"this comparison would need about {est.bytes / 2**20:,.0f} MB of memory, more "
            f"than this server allows per training ({budget.max_bytes / 2**20:,.0f} MB): "
            f"{lower}."
        )
    if est.cpu_s(budget) > budget.max_cpu_s:
        raise ValueError(
            f"this comparison would take about {est.cpu_s(budget) / 60:,.0f} minutes of "
            f"computing, more than this server allows per training "
            f"({budget.max_cpu_s / 60:,.0f} minutes): fewer steps or epochs, or {lower}."
        )
    return est
