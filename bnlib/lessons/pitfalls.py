"""Numbers behind the reference page's bug checklist, each computed with bnlib (numpy only)."""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import BatchNorm, forward, keras_to_torch_momentum

# Defaults per framework (PyTorch nn.BatchNorm1d/2d, Keras layers.BatchNormalization).
PARAMETERS: tuple[dict[str, str], ...] = (
    {
        "What": "Size",
        "PyTorch": "num_features (required): channels C",
        "Keras": "inferred from the input",
        "Note": "must equal the channel axis, not C·H·W",
    },
    {
        "What": "Channel axis",
        "PyTorch": "dim 1: (N, C) or (N, C, H, W)",
        "Keras": "axis=-1 (channels last)",
        "Note": "statistics over every other axis",
    },
    {
        "What": "Stability constant",
        "PyTorch": "eps=1e-5",
        "Keras": "epsilon=1e-3",
        "Note": "100× apart: copy it when porting weights",
    },
    {
        "What": "Momentum",
        "PyTorch": "momentum=0.1 (weight of the new batch)",
        "Keras": "momentum=0.99 (weight of the old average)",
        "Note": "torch = 1 − keras; PyTorch's None means a plain cumulative average",
    },
    {
        "What": "Learned scale and shift",
        "PyTorch": "affine=True (weight = gamma, bias = beta)",
        "Keras": "scale=True (gamma), center=True (beta)",
        "Note": "start at gamma = 1, beta = 0",
    },
    {
        "What": "Running statistics",
        "PyTorch": "track_running_stats=True: running_mean, running_var",
        "Keras": "moving_mean, moving_variance",
        "Note": "start at 0 and 1; PyTorch stores the unbiased (m − 1) variance",
    },
    {
        "What": "Training or inference",
        "PyTorch": "model.train() / model.eval()",
        "Keras": "training=True/False in the call; fit() trains, predict() infers",
        "Note": "inference uses the running statistics",
    },
)


def converter(value: float, convention: str) -> dict[str, float]:
    """Both conventions of one momentum, and how long the running average remembers.

    convention: "torch" (weight of the new batch) or "keras" (weight of the old average).
    half_life: batches until a batch's weight has halved; None when momentum is 0 or 1.
    """
    if convention not in ("torch", "keras"):
        raise ValueError(f"convention must be 'torch' or 'keras', got {convention!r}.")
    torch_m = value if convention == "torch" else keras_to_torch_momentum(value)
    torch_m = round(float(torch_m), 12)  # 1 - 0.9 is 0.09999999999999998 in floating point
    keras_m = 1.0 - torch_m
    half = float(np.log(0.5) / np.log(keras_m)) if 0.0 < torch_m < 1.0 else None
    return {"torch": torch_m, "keras": keras_m, "half_life": half}


def bug_numbers(seed: int = 0) -> dict[str, float | str]:
    """One measured number per checklist item."""
    rng = np.random.default_rng(seed)
    out: dict[str, float | str] = {}

    # 1. forgetting eval(): a sample's output depends on the rest of its batch
    sample = rng.normal(2.0, 1.5, (1, 4))
    a, _ = forward(np.vstack([sample, rng.normal(2.0, 1.5, (7, 4))]))
    b, _ = forward(np.vstack([sample, rng.normal(2.0, 1.5, (7, 4))]))
    out["eval_gap"] = float(np.abs(a[0] - b[0]).max())

    # 2. a ragged last batch of size 1 in training mode
    try:
        BatchNorm(4)(rng.normal(size=(1, 4)))
        out["batch_of_one"] = ""
    except ValueError as exc:
        out["batch_of_one"] = str(exc).split(". ")[0] + "."

    # 3. Keras' 0.99 typed into PyTorch: the running mean is 99% the newest batch
    bn = BatchNorm(1, momentum=0.99)
    for shift in (0.0, 0.0, 0.0, 5.0):  # three batches around 0, then one around 5
        bn(rng.normal(shift, 1.0, (32, 1)))
    out["ported_running_mean"] = float(bn.running_mean[0])
    ok = BatchNorm(1, momentum=keras_to_torch_momentum(0.99))
    for shift in (0.0, 0.0, 0.0, 5.0):
        ok(rng.normal(shift, 1.0, (32, 1)))
    out["converted_running_mean"] = float(ok.running_mean[0])

    # 5. running_var is unbiased: m / (m - 1) times the batch's biased variance
    m = 8
    xb = rng.normal(size=(m, 1))
    one = BatchNorm(1, momentum=1.0)  # running stats = the last batch's
    one(xb)
    out["unbiased_ratio"] = float(one.running_var[0] / xb.var())

    # 6. "frozen" gamma and beta, but train mode: the statistics still move
    frozen = BatchNorm(1)
    frozen.running_mean[:] = 0.0
    frozen(rng.normal(3.0, 1.0, (64, 1)))  # one batch of new-domain data in train mode
    out["frozen_drift"] = float(frozen.running_mean[0])
    return out
