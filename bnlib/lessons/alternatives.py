"""Lessons 10 and 11's numpy side: which elements of an (N, C, H, W) block share one mean
and variance under each normalization, how many statistics that makes, the published
numbers the lessons quote, online normalization on a stream of single samples, and the
shareable settings of both pages (lesson 10, `alternatives`: axes and batch size; lesson 11,
`non-random-batches`: one-class batches, batch renorm, online norm).
"""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import forward as bn_forward
from bnlib.core.norms import OnlineNorm, group_norm, instance_norm, layer_norm
from bnlib.settings import Setting, register

__all__ = [
    "AXES_SETTINGS",
    "BATCHES_SETTINGS",
    "CALLS",
    "FORMULAS",
    "KINDS",
    "NORM_LABELS",
    "SETTINGS",
    "WHEN_TO_USE",
    "WU_HE",
    "normalize",
    "online_stream",
    "shared_mask",
    "stat_count",
]

KINDS = ("batch", "layer", "instance", "group")
KIND_LABELS = {
    "batch": "Batch norm",
    "layer": "Layer norm",
    "instance": "Instance norm",
    "group": "Group norm",
}
POOLED_OVER = {  # axes one mean/variance is taken over, for an (N, C, H, W) tensor
    "batch": "N, H, W (one per channel)",
    "layer": "C, H, W (one per sample)",
    "instance": "H, W (one per sample and channel)",
    "group": "C/G, H, W (one per sample and group of channels)",
}

# Shareable settings (widget key = URL parameter). Lesson 11 started as the second half of
# lesson 10, so its keys keep the l10_ prefix: old links still work.
KIND = Setting(
    "l10_kind",
    "choice",
    "batch",
    "Normalization",
    choices=("batch", "layer", "instance", "group"),
)
GROUPS = Setting("l10_groups", "choice", 2, "Groups (group norm)", choices=(1, 2, 3, 6))
EPOCHS = Setting(
    "l10_epochs",
    "choice",
    2,
    "Epochs per run",
    choices=(2, 5),
    help="Every batch size sees the same number of samples. 5 epochs takes about 2.5 times longer.",
)
STEPS = Setting("l10_steps", "choice", 600, "Training steps", choices=(600, 1500, 3000))
WARMUP = Setting(
    "l10_warmup",
    "choice",
    0.25,
    "Renorm warm-up (share of the run)",
    choices=(0.0, 0.25, 0.5),
)
DECAY = Setting("l10_decay", "choice", 0.99, "Decay a", choices=(0.9, 0.99, 0.999))
DRIFT = Setting("l10_drift", "float", 1.0, "Drift of the baseline", min=0.0, max=3.0, step=0.25)
SEED = Setting("l10_seed", "int", 0, "Seed", min=0, max=1_000_000)
SETTINGS = register(KIND, GROUPS, EPOCHS, STEPS, WARMUP, DECAY, DRIFT, SEED)
AXES_SETTINGS = (KIND, GROUPS, EPOCHS, SEED)  # lesson 10
BATCHES_SETTINGS = (STEPS, WARMUP, SEED, DECAY, DRIFT)  # lesson 11 (the seed is shared)

# The training runs' normalizations (bnlib.lab.experiments' keys), as the legends say them.
NORM_LABELS = {
    "none": "No normalization",
    "bn_before": "Batch norm",
    "batch_renorm": "Batch renorm",
    "group": "Group norm (4 groups)",
    "layer": "Layer norm",
}
# Each kind's statistics for an (N, C, H, W) tensor, as LaTeX (split at ", \\quad ").
FORMULAS = {
    "batch": r"\mu_c = \frac{1}{NHW}\sum_{n,h,w} x_{nchw}, \quad "
    r"\sigma_c^2 = \frac{1}{NHW}\sum_{n,h,w} (x_{nchw} - \mu_c)^2",
    "layer": r"\mu_n = \frac{1}{CHW}\sum_{c,h,w} x_{nchw}, \quad "
    r"\sigma_n^2 = \frac{1}{CHW}\sum_{c,h,w} (x_{nchw} - \mu_n)^2",
    "instance": r"\mu_{nc} = \frac{1}{HW}\sum_{h,w} x_{nchw}, \quad "
    r"\sigma_{nc}^2 = \frac{1}{HW}\sum_{h,w} (x_{nchw} - \mu_{nc})^2",
    "group": r"\mu_{ng} = \frac{G}{CHW}\sum_{c \in g}\sum_{h,w} x_{nchw}, \quad "
    r"\sigma_{ng}^2 = \frac{G}{CHW}\sum_{c \in g}\sum_{h,w} (x_{nchw} - \mu_{ng})^2",
}
# The bnlib call behind each kind.
CALLS = {
    "batch": "from bnlib.core.batchnorm import forward\ny, cache = forward(x, gamma, beta)   # x: (N, C, H, W)",
    "layer": "from bnlib.core.norms import layer_norm\ny = layer_norm(x)                    # over (C, H, W) of each sample",
    "instance": "from bnlib.core.norms import instance_norm\ny = instance_norm(x, gamma, beta)     # over (H, W) of each (n, c)",
    "group": "from bnlib.core.norms import group_norm\ny = group_norm(x, num_groups=G)      # over (C/G, H, W) of each sample",
}

# Wu and He (2018), Group Normalization, ResNet-50 on ImageNet: top-1 validation error (%)
# by images per GPU; group norm with 32 groups.
WU_HE = {
    "images_per_gpu": (32, 16, 8, 4, 2),
    "bn": (23.6, 23.7, 24.8, 27.3, 34.7),
    "gn": (24.1, 24.2, 24.0, 24.2, 24.1),
}

WHEN_TO_USE = [
    {
        "Normalization": "Batch norm",
        "Statistics from": "the batch, per channel",
        "Use it for": "CNNs and MLPs trained with 16 or more samples per batch",
        "Avoid when": "batches under 8, one-class or otherwise non-random batches, RNNs",
    },
    {
        "Normalization": "Layer norm",
        "Statistics from": "one sample, all its features",
        "Use it for": "Transformers (BERT, GPT), RNNs, any batch size",
        "Avoid when": "conv nets where channels differ a lot in scale",
    },
    {
        "Normalization": "Instance norm",
        "Statistics from": "one sample, one channel",
        "Use it for": "style transfer and image generation",
        "Avoid when": "the overall contrast of an image carries information",
    },
    {
        "Normalization": "Group norm",
        "Statistics from": "one sample, a group of channels",
        "Use it for": "detection and segmentation with 1-4 images per GPU",
        "Avoid when": "large, well-mixed batches (BN is as good and cheaper at inference)",
    },
    {
        "Normalization": "Batch renorm",
        "Statistics from": "the batch, corrected towards the running averages",
        "Use it for": "small or non-i.i.d. batches when you want to keep BN",
        "Avoid when": "you cannot tune r_max, d_max and their warm-up",
    },
    {
        "Normalization": "Online norm",
        "Statistics from": "running averages of earlier samples",
        "Use it for": "batch size 1, streaming data",
        "Avoid when": "the data arrive in batches anyway (BN or GN is simpler)",
    },
]


def _check(kind: str, shape: tuple[int, int, int, int], groups: int) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"shape must be (N, C, H, W) with positive sizes, got {shape}.")
    if kind == "group" and (groups < 1 or shape[1] % groups):
        raise ValueError(f"groups={groups} must divide the {shape[1]} channels.")


def shared_mask(
    kind: str, shape: tuple[int, int, int, int], at: tuple[int, int] = (0, 0), groups: int = 2
) -> np.ndarray:
    """Boolean (N, C, H, W): the elements normalized with the same mean and variance as
    sample at[0], channel at[1] (any position)."""
    _check(kind, shape, groups)
    n, c = at
    N, C, _, _ = shape
    m = np.zeros(shape, dtype=bool)
    if kind == "batch":
        m[:, c] = True  # (N, H, W) of one channel
    elif kind == "layer":
        m[n] = True  # (C, H, W) of one sample
    elif kind == "instance":
        m[n, c] = True  # (H, W) of one sample and channel
    else:
        size = C // groups
        g = c // size
        m[n, g * size : (g + 1) * size] = True  # (C/G, H, W) of one sample
    return m


def stat_count(kind: str, shape: tuple[int, int, int, int], groups: int = 2) -> int:
    """How many (mean, variance) pairs the normalization computes for a tensor of `shape`."""
    _check(kind, shape, groups)
    N, C, _, _ = shape
    return {"batch": C, "layer": N, "instance": N * C, "group": N * groups}[kind]


def normalize(kind: str, x: np.ndarray, groups: int = 2, eps: float = 1e-5) -> np.ndarray:
    """x (N, C, H, W) through bnlib's function for `kind`, without gamma and beta."""
    x = np.asarray(x, dtype=np.float64)
    _check(kind, x.shape, groups)
    if kind == "batch":
        C = x.shape[1]
        y, _ = bn_forward(x, np.ones(C), np.zeros(C), eps)
        return y
    if kind == "layer":
        return layer_norm(x, eps=eps)
    if kind == "instance":
        return instance_norm(x, eps=eps)
    return group_norm(x, groups, eps=eps)


def online_stream(
    n: int = 1000, decay: float = 0.99, drift: float = 1.0, seed: int = 0
) -> dict[str, np.ndarray]:
    """One feature arriving one sample at a time: a noisy value whose baseline drifts by
    `drift` over the stream and starts far from 0 (around 5). Returns the input `x`, the
    online-normalized output `y` (bnlib.core.norms.OnlineNorm), the running mean `mu` each
    sample was normalized with, and `bn1`, what batch norm gives at batch size 1 (zeros)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    x = 5.0 + drift * 3.0 * t + rng.normal(0.0, 1.0, n)  # (n,)
    norm = OnlineNorm(1, decay=decay)
    mu = np.empty(n)
    y = np.empty(n)
    for i in range(n):  # one sample per call: batch size 1
        mu[i] = norm.mu[0]
        y[i] = norm(x[i : i + 1, None])[0, 0]
    bn1 = np.zeros(n)  # (x - mean of one value) = 0 for every sample
    return {"x": x, "y": y, "mu": mu, "bn1": bn1}
