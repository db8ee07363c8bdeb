"""The training lab: everything that needs torch (models, trainer, CLI) lives in this package.

from bnlib.lab import TrainConfig, run_comparison, train
res = run_comparison([TrainConfig(), TrainConfig(norm="bn_before")], seeds=[0, 1, 2])
"""

from bnlib.lab.config import PRESETS, TrainConfig, validate
from bnlib.lab.engine import Comparison, Progress, RunResult, build_model, run_comparison, train

__all__ = [
    "PRESETS",
    "Comparison",
    "Progress",
    "RunResult",
    "TrainConfig",
    "build_model",
    "run_comparison",
    "train",
    "validate",
]
