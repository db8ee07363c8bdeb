"""Where BN goes relative to the nonlinearity, and why the bias before it is useless.

One dense layer z = x W + b on real inputs (the 8x8 digits), then two orders:

    before:  a = act(BN(z))      the nonlinearity receives BN(z): mean 0, variance 1 per unit
    after:   a = BN(act(z))      the nonlinearity receives z itself, whatever its scale

Saturation: the share of inputs where the activation's slope is below 10% of its largest
slope (sigmoid: |u| > 3.64, tanh: |u| > 1.82). ReLU never saturates on the right; instead a
unit is *dead* on a batch when its input is <= 0 for every sample (its gradient is 0).
numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib.core.batchnorm import backward, forward
from bnlib.settings import Setting, register

ACTIVATIONS = ("relu", "sigmoid", "tanh")

# The lesson page's shareable settings (widget keys and URL parameters).
ACT = Setting("l7_act", "choice", "tanh", "Activation", choices=ACTIVATIONS)
SCALE = Setting(
    "l7_scale",
    "choice",
    2.0,
    "Weight scale (times He initialization)",
    choices=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
)
SHIFT = Setting("l7_shift", "float", 0.0, "Bias offset", min=-3.0, max=3.0, step=0.5)
BATCH = Setting("l7_batch", "choice", 64, "Batch size", choices=(16, 32, 64, 128, 256))
SEED = Setting("l7_seed", "int", 0, "Seed", min=0, max=1_000_000)
BIAS = Setting("l7_bias", "float", 5.0, "Size of the bias before BN", min=0.0, max=20.0, step=1.0)
SETTINGS = register(ACT, SCALE, SHIFT, BATCH, SEED, BIAS)


def sample_digits(x: np.ndarray, batch: int, seed: int) -> np.ndarray:
    """`batch` rows of the digits x (N, 64), drawn without replacement, pixels 0..16 -> 0..1."""
    rows = np.random.default_rng(seed).choice(len(x), size=batch, replace=False)
    return x[rows] / 16.0  # pixels 0..16 -> 0..1, as one would feed them


def activate(u: np.ndarray, act: str) -> np.ndarray:
    if act == "relu":
        return np.maximum(u, 0.0)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-u))
    if act == "tanh":
        return np.tanh(u)
    raise ValueError(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}.")


def slope(u: np.ndarray, act: str) -> np.ndarray:
    """d act / du, elementwise."""
    if act == "relu":
        return (u > 0).astype(np.float64)
    if act == "sigmoid":
        s = activate(u, "sigmoid")
        return s * (1.0 - s)
    if act == "tanh":
        return 1.0 - np.tanh(u) ** 2
    raise ValueError(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}.")


# |u| beyond which the slope is under 10% of its peak (0.25 for sigmoid, 1 for tanh)
SATURATION_EDGE = {
    "sigmoid": float(2 * np.arccosh(np.sqrt(1 / (4 * 0.025)))),  # 3.64
    "tanh": float(np.arctanh(np.sqrt(0.9))),  # 1.82
}


def saturated_share(u: np.ndarray, act: str) -> float:
    """Fraction of inputs in the flat tails (0 for relu, which has no flat right tail)."""
    edge = SATURATION_EDGE.get(act)
    if edge is None:
        return 0.0
    return float(np.mean(np.abs(u) > edge))


def dead_share(u: np.ndarray) -> float:
    """Fraction of units (columns of u, (N, D)) whose input is <= 0 for the whole batch."""
    return float(np.mean((u <= 0).all(axis=0)))


@dataclass(frozen=True)
class PlacementResult:
    z: np.ndarray  # (N, D) pre-activation of the layer, no BN
    received_before: np.ndarray  # what act receives with BN before it: BN(z)
    received_after: np.ndarray  # what act receives with BN after it: z
    out_before: np.ndarray  # act(BN(z))
    out_after: np.ndarray  # BN(act(z))
    act: str

    def summary(self) -> dict[str, dict[str, float]]:
        """Saturation and dead-unit shares, and the output's mean and std, per placement."""
        rows = {}
        for name, recv, out in (
            ("before", self.received_before, self.out_before),
            ("after", self.received_after, self.out_after),
        ):
            rows[name] = {
                "saturated": saturated_share(recv, self.act),
                "dead": dead_share(recv) if self.act == "relu" else 0.0,
                "negative": float(np.mean(recv <= 0)),
                "out_mean": float(out.mean()),
                "out_std": float(out.std()),
            }
        return rows


def layer(
    x: np.ndarray, d_out: int, weight_scale: float, bias_shift: float, seed: int
) -> np.ndarray:
    """z = x W + b with He-scaled weights times weight_scale and biases around bias_shift.

    x: (N, D_in) -> z: (N, d_out).
    """
    rng = np.random.default_rng(seed)
    d_in = x.shape[1]
    w = rng.normal(0.0, weight_scale * np.sqrt(2.0 / d_in), (d_in, d_out))
    b = bias_shift + rng.normal(0.0, 1.0, d_out)
    return x @ w + b


def compare_placement(
    x: np.ndarray,
    act: str,
    d_out: int = 100,
    weight_scale: float = 1.0,
    bias_shift: float = 0.0,
    seed: int = 0,
    eps: float = 1e-5,
) -> PlacementResult:
    """The same layer with BN before and after `act` (gamma = 1, beta = 0, fresh layer)."""
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}; choose one of {', '.join(ACTIVATIONS)}.")
    z = layer(x, d_out, weight_scale, bias_shift, seed)  # (N, d_out)
    bn_z, _ = forward(z, eps=eps)
    out_before = activate(bn_z, act)
    out_after, _ = forward(activate(z, act), eps=eps)
    return PlacementResult(z, bn_z, z, out_before, out_after, act)


def bias_demo(x: np.ndarray, d_out: int = 16, bias_scale: float = 5.0, seed: int = 0) -> dict:
    """A bias added before BN changes nothing: forward outputs agree and its gradient is 0.

    Returns the largest |BN(xW + b) - BN(xW)| and, for a random upstream gradient, the largest
    |dL/db| (the per-unit sum of BN's dx: zero by construction) also relative to the sum of
    |dx| it cancels, so that what is left reads as rounding (about 1e-16) whatever the scale.
    """
    rng = np.random.default_rng(seed)
    d_in = x.shape[1]
    w = rng.normal(0.0, np.sqrt(2.0 / d_in), (d_in, d_out))
    b = rng.normal(0.0, bias_scale, d_out)
    gamma = rng.uniform(0.5, 2.0, d_out)
    beta = rng.normal(0.0, 1.0, d_out)
    y_plain, _ = forward(x @ w, gamma, beta)
    y_bias, cache = forward(x @ w + b, gamma, beta)
    dy = rng.normal(size=y_bias.shape)
    dz, _, _ = backward(dy, cache)
    db = dz.sum(axis=0)  # z = xW + b, so dL/db is dz summed over the batch
    return {
        "bias": b,
        "max_abs_diff": float(np.max(np.abs(y_bias - y_plain))),
        "max_abs_grad_b": float(np.max(np.abs(db))),
        "grad_b_relative": float(np.max(np.abs(db) / np.abs(dz).sum(axis=0))),
        "max_abs_output": float(np.max(np.abs(y_plain))),
    }


# Where BN usually sits, by layer kind (the order the computation runs in).
PLACEMENT_TABLE: tuple[dict[str, str], ...] = (
    {
        "Layer kind": "Fully connected (dense)",
        "Usual order": "Linear(bias=False) -> BatchNorm1d -> activation",
        "Statistics": "one mean and variance per unit, over the batch",
        "Remarks": "the paper's choice; the bias is dropped because beta replaces it",
    },
    {
        "Layer kind": "Convolutional",
        "Usual order": "Conv2d(bias=False) -> BatchNorm2d -> activation",
        "Statistics": "one pair per channel, over the batch and every position",
        "Remarks": "ResNets use this block throughout",
    },
    {
        "Layer kind": "Recurrent (RNN, LSTM, GRU)",
        "Usual order": "usually no BN; LayerNorm inside the cell",
        "Statistics": "layer norm: per sample, over the units",
        "Remarks": "each time step would need its own batch statistics",
    },
    {
        "Layer kind": "Transformer",
        "Usual order": "LayerNorm around attention and MLP blocks",
        "Statistics": "per token, over the features",
        "Remarks": "sequence lengths and padding make batch statistics awkward",
    },
)


# The page's code tabs: NumPy (bnlib), PyTorch, Keras.
CODE = (
    """
import numpy as np
from bnlib.core.batchnorm import forward

z = x @ W                      # (N, D): no bias, BN's beta plays that role
y, cache = forward(z, gamma, beta)
a = np.tanh(y)                 # BN before the activation
""",
    """
import torch.nn as nn

block = nn.Sequential(
    nn.Linear(64, 100, bias=False),   # the bias would cancel anyway
    nn.BatchNorm1d(100),
    nn.Tanh(),
)
""",
    """
from keras import layers, Sequential

block = Sequential([
    layers.Dense(100, use_bias=False),
    layers.BatchNormalization(),
    layers.Activation("tanh"),
])
""",
)
