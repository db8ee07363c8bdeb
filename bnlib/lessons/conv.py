"""Lesson 8: BN after a convolution keeps one mean and one variance per channel.

Real 8x8 digits go through four hand-made 3x3 kernels (bnlib.core.conv), padding 1, and
the (N, 4, 8, 8) feature maps through BN with statistics per channel over (N, H, W).
numpy only; the page caches these and draws them.
"""

from __future__ import annotations

import numpy as np

from bnlib.core.batchnorm import forward
from bnlib.core.conv import KERNEL_NAMES, conv2d, digit_images, kernel_bank
from bnlib.settings import Setting, register

# The lesson page's shareable settings (widget keys and URL parameters).
BATCH = Setting("l8_batch", "choice", 32, "Batch size N", choices=(4, 8, 16, 32, 64, 128, 256))
CHANNEL = Setting("l8_channel", "choice", "blur", "Channel to show", choices=KERNEL_NAMES)
SEED = Setting("l8_seed", "int", 0, "Seed", min=0, max=1_000_000)
TORCH = Setting("l8_torch", "bool", False, "Check bnlib against PyTorch's BatchNorm2d")
SETTINGS = register(BATCH, CHANNEL, SEED, TORCH)
SHOWN = 6  # images drawn side by side


def features(x: np.ndarray, batch: int, seed: int):
    """From the digits x (N_all, 64), `batch` of them drawn with `seed`: the images
    (N, 1, 8, 8), their feature maps (N, 4, 8, 8), the maps after BN, and BN's per-channel
    batch mean and variance (4,)."""
    rows = np.random.default_rng(seed).choice(len(x), size=batch, replace=False)
    images = digit_images(x[rows])
    _, w, b = kernel_bank()
    f = conv2d(images, w, b, padding=1)  # (N, 4, 8, 8)
    y, cache = forward(f)  # statistics per channel over (N, H, W)
    return images, f, y, cache.mean, cache.var


def channel_table(f: np.ndarray, y: np.ndarray, mean: np.ndarray, var: np.ndarray) -> dict:
    """Per channel: mean and std before and after BN, and how many values each pools."""
    n, c, h, w = f.shape
    return {
        "channel": list(KERNEL_NAMES),
        "mean before": np.round(mean, 3),
        "std before": np.round(np.sqrt(var), 3),
        "mean after": np.round(y.mean(axis=(0, 2, 3)), 3) + 0.0,
        "std after": np.round(y.std(axis=(0, 2, 3)), 3),
        "values pooled (N·H·W)": [n * h * w] * c,
    }


# The page's code tabs: NumPy (bnlib), PyTorch, Keras.
CODE = (
    """
from bnlib.core.batchnorm import forward

# f: (N, C, H, W) -> one mean and one variance per channel, over N, H and W
y, cache = forward(f, gamma, beta)
cache.mean.shape   # (C,)
""",
    """
import torch.nn as nn

block = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1, bias=False),
    nn.BatchNorm2d(4),          # num_features = channels, not C*H*W
    nn.ReLU(),
)
""",
    """
from keras import layers, Sequential

block = Sequential([
    layers.Conv2D(4, 3, padding="same", use_bias=False),
    layers.BatchNormalization(axis=-1),   # channels-last: the channel axis
    layers.Activation("relu"),
])
""",
)
