"""A small 2-D convolution in numpy, a fixed bank of 3x3 kernels, and BN's statistic counts.

conv2d computes what torch.nn.functional.conv2d computes (cross-correlation, stride 1):

    out[n, o, i, j] = b[o] + sum_{c, u, v} x[n, c, i + u, j + v] * w[o, c, u, v]

Shapes: x (N, C_in, H, W), w (C_out, C_in, kh, kw) -> (N, C_out, H - kh + 1 + 2p, ...).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bnlib.core._checks import as_float_array


def conv2d(x, w, b=None, padding: int = 0) -> np.ndarray:
    """Stride-1 2-D cross-correlation with zero padding, as torch's conv2d does it."""
    x = as_float_array(x, min_ndim=4)
    w = as_float_array(w, name="w", min_ndim=4)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"conv2d expects x (N, C, H, W) and w (O, C, kh, kw), got {x.shape}, {w.shape}."
        )
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} input channels but w expects {w.shape[1]} (axis 1 of both)."
        )
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    if x.shape[2] < kh or x.shape[3] < kw:
        raise ValueError(f"the {kh}x{kw} kernel is larger than the padded input {x.shape[2:]}.")
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
    out = np.einsum("nchwuv,ocuv->nohw", win, w, optimize=True)  # (N, O, Ho, Wo)
    if b is not None:
        out += np.asarray(b, dtype=out.dtype).reshape(1, -1, 1, 1)
    return out


# Four hand-made 3x3 kernels: each channel responds to something different, and their
# outputs have very different means and spreads, which is what per-channel BN evens out.
KERNELS: dict[str, np.ndarray] = {
    "vertical edges": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0) * 4.0,
    "spots": np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]) * 0.5,
}
BIASES = np.array([0.0, 0.0, 2.0, -1.0])  # (C,)
KERNEL_NAMES: tuple[str, ...] = tuple(KERNELS)  # one output channel each


def kernel_bank() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(names, w (4, 1, 3, 3), b (4,)) for a one-channel (grey) input."""
    names = KERNEL_NAMES
    w = np.stack([KERNELS[k] for k in names])[:, None]  # (C_out=4, C_in=1, 3, 3)
    return names, w, BIASES.copy()


def digit_images(x_flat: np.ndarray) -> np.ndarray:
    """(N, 64) rows of 8x8 digits -> (N, 1, 8, 8) images with values scaled to 0..1."""
    x_flat = np.asarray(x_flat, dtype=np.float64)
    return (x_flat / 16.0).reshape(-1, 1, 8, 8)


def statistic_counts(c: int, h: int, w: int) -> dict[str, int]:
    """How many means (and as many variances) BN keeps for a (N, C, H, W) feature map.

    per_channel: BatchNorm2d, one per channel, pooled over N, H and W.
    per_pixel: treating every (c, h, w) position as its own feature (BatchNorm1d on the
    flattened map): C * H * W of them, each estimated from N values only.
    """
    return {"per_channel": c, "per_pixel": c * h * w, "values_per_channel_stat": h * w}


def per_pixel_zero_variance(f: np.ndarray, tol: float = 1e-12) -> int:
    """How many (c, h, w) positions of f (N, C, H, W) have zero variance over the batch:
    a per-pixel BN would map them to 0 and learn nothing there."""
    return int((np.asarray(f).var(axis=0) <= tol).sum())
