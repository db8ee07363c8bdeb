"""What training records: one RunResult per (config, seed), Progress while it runs, and the
Comparison that holds them all. Plain dataclasses of lists and floats, no torch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bnlib.lab.config import TrainConfig

__all__ = ["DIAG_NAMES", "LAYER_STATS", "Comparison", "Progress", "RunResult"]

DIAG_NAMES = (
    "pre_p15",  # percentiles of every unit's input to the nonlinearity, pooled
    "pre_p50",
    "pre_p85",
    "unit_p15",  # the same for the watched unit only
    "unit_p50",
    "unit_p85",
    "act_mean",  # activations (what the next layer receives)
    "act_std",
    "saturation",  # share of sigmoid/tanh inputs where the slope is < 10% of its peak
    "dead",  # share of ReLU/GELU units that never fire on the probe set
    "grad_norm",  # ||dL/dW|| of the layer's weight at that step
    "update_ratio",  # ||delta W|| / ||W||
    "gamma_mean",
    "beta_mean",
    "running_mean_mean",
    "running_var_mean",
)
LAYER_STATS = tuple(n for n in DIAG_NAMES if n not in ("grad_norm", "update_ratio"))


@dataclass
class RunResult:
    """Everything recorded for one (config, seed). Lists grow while training runs."""

    label: str  # the config's label, e.g. "A"
    config: TrainConfig
    total_steps: int
    status: str = "pending"  # pending | running | finished | diverged | cancelled
    diverged_at: int | None = None
    steps_done: int = 0
    train_loss: list[float] = field(default_factory=list)  # one per step, steps 1..T
    eval_steps: list[int] = field(default_factory=list)  # step 0 = before training
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)  # eval mode (running statistics)
    val_acc_train_mode: list[float] = field(default_factory=list)  # batch statistics
    diag_steps: list[int] = field(default_factory=list)
    diag: dict[str, list[list[float]]] = field(
        default_factory=lambda: {k: [] for k in DIAG_NAMES}
    )  # name -> one list of `depth` values per diagnostics step

    @property
    def message(self) -> str:
        if self.status == "diverged":
            return f"diverged at step {self.diverged_at}"
        if self.status == "cancelled":
            return f"stopped at step {self.steps_done}"
        return self.status

    @property
    def final_val_acc(self) -> float:
        return self.val_acc[-1] if self.val_acc else math.nan

    def band_width(self, layer: int = -1) -> np.ndarray:
        """Width p85 - p15 of the watched unit's input band in `layer`, per diagnostics step."""
        hi = np.array([row[layer] for row in self.diag["unit_p85"]], dtype=float)
        lo = np.array([row[layer] for row in self.diag["unit_p15"]], dtype=float)
        return hi - lo

    def steps_to_acc(self, target: float) -> int | None:
        """First evaluated step at which eval-mode val accuracy reached `target`."""
        for s, a in zip(self.eval_steps, self.val_acc, strict=False):
            if a >= target:
                return s
        return None


@dataclass
class Progress:
    steps_done: int  # summed over all runs' stacks, as stack-steps
    steps_total: int
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.steps_done / max(1, self.steps_total))

    @property
    def eta_s(self) -> float | None:
        if self.steps_done == 0:
            return None
        return self.elapsed_s * (self.steps_total - self.steps_done) / self.steps_done


@dataclass
class Comparison:
    runs: list[RunResult]
    device: str = "cpu"
    notices: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    steps_per_s: float = 0.0  # run-steps per second (a stack of R runs counts R per step)
    cancelled: bool = False

    def by_label(self) -> dict[str, list[RunResult]]:
        out: dict[str, list[RunResult]] = {}
        for r in self.runs:
            out.setdefault(r.label, []).append(r)
        return out
