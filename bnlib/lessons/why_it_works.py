"""Lesson 12 (why it works): its shareable settings and the numbers its text reports.

The experiments themselves are torch (bnlib.lab.experiments: noisy_bn_experiment,
landscape_experiment); one unit's noisy distribution is numpy (bnlib.lessons.noisy_bn).
Here: the settings (query-parameter keys l11_*) and the plain arithmetic that turns a
landscape summary into the table and the ratios the page prints. numpy only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bnlib import format as nf
from bnlib.settings import Setting, register

NOISE = Setting(
    "l11_noise",
    "float",
    0.5,
    "Noise strength (std of the random scale and shift)",
    min=0.0,
    max=1.0,
    step=0.25,
)
NOISE_STEPS = Setting("l11_noise_steps", "choice", 600, "Training steps", choices=(300, 600, 1500))
LR = Setting("l11_lr", "choice", 0.5, "Learning rate", choices=(0.1, 0.2, 0.5))
STEPS = Setting("l11_steps", "choice", 300, "Training steps", choices=(300, 1000, 2000))
SEED = Setting("l11_seed", "int", 0, "Seed", min=0, max=1_000_000)
SETTINGS = register(NOISE, NOISE_STEPS, LR, STEPS, SEED)

MEASURES = (
    ("Loss range", "loss_range"),
    ("Gradient change", "grad_change"),
    ("Beta-smoothness", "beta"),
)


def noise_verdict(acc: Mapping[str, float]) -> str:
    """ "kept" when the noisy net keeps more than half of BN's gain over no BN, else "lost"."""
    return "kept" if acc["BN + noise"] - acc["No BN"] > (acc["BN"] - acc["No BN"]) / 2 else "lost"


def probe_every(steps: int) -> int:
    """Training steps between two landscape probes: about 40 probes per run, at least 10 apart."""
    return max(10, steps // 40)


def measure_rows(summary: Mapping[str, Mapping[str, float]]) -> list[dict[str, str]]:
    """The page's table: each measure without and with BN, and their ratio."""
    rows = []
    for name, key in MEASURES:
        a, b = summary["No BN"][key], summary["BN"][key]
        rows.append(
            {
                "Measure (mean over the run)": name,
                "No BN": f"{nf.num(a, 3)}",
                "BN": f"{nf.num(b, 3)}",
                "No BN / BN": f"{nf.num(a / b, 2)}x" if b > 0 and np.isfinite(a / b) else "n/a",
            }
        )
    return rows


def ratio(a: float, b: float) -> float:
    """a / b with b kept away from 0 (a measure that is exactly flat with BN)."""
    return a / max(b, 1e-12)
