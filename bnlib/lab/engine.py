"""The lab's public training names in one place, for the page, the CLI and older imports.

The code lives in modules by concept: results (records), model (device, batch order,
init), stack (stacked parameters, forward, optimizer), trainer (the loop and its hooks),
diagnostics, modules (export to nn.Module).
"""

from bnlib.lab.model import batch_order, resolve_device
from bnlib.lab.modules import BatchRenorm1d
from bnlib.lab.results import DIAG_NAMES, Comparison, Progress, RunResult
from bnlib.lab.trainer import build_model, run_comparison, train

__all__ = [
    "DIAG_NAMES",
    "BatchRenorm1d",
    "Comparison",
    "Progress",
    "RunResult",
    "batch_order",
    "build_model",
    "resolve_device",
    "run_comparison",
    "train",
]
