"""bnlib.core.conv against torch's conv2d, and BN's per-channel statistics on feature maps."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.core.batchnorm import batch_stats, forward
from bnlib.core.conv import (
    conv2d,
    digit_images,
    kernel_bank,
    per_pixel_zero_variance,
    statistic_counts,
)
from bnlib.data.digits import load_digits


@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("shape", [(2, 1, 8, 8), (3, 2, 5, 7)])
def test_conv2d_matches_torch(shape, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    w = rng.normal(size=(4, shape[1], 3, 3))
    b = rng.normal(size=4)
    ours = conv2d(x, w, b, padding=padding)
    ref = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=padding
    ).numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-12, err_msg="ours vs torch conv2d")


def test_conv2d_explains_channel_mismatch():
    with pytest.raises(ValueError, match="input channels"):
        conv2d(np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 3, 3)))


def test_bank_channels_differ_and_bn_evens_them_out():
    x, _ = load_digits()
    _, w, b = kernel_bank()
    f = conv2d(digit_images(x[:64]), w, b, padding=1)
    assert f.shape == (64, 4, 8, 8)
    mean, var = batch_stats(f)
    assert np.ptp(mean) > 2 and np.sqrt(var).max() / np.sqrt(var).min() > 3
    y, cache = forward(f)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-4)
    assert cache.mean.shape == (4,) and cache.m == 64 * 64


def test_statistic_counts():
    assert statistic_counts(64, 14, 14) == {
        "per_channel": 64,
        "per_pixel": 64 * 14 * 14,
        "values_per_channel_stat": 196,
    }


def test_per_pixel_zero_variance():
    f = np.ones((5, 2, 3, 3))
    f[:, 0, 1, 1] = np.arange(5)
    assert per_pixel_zero_variance(f) == 17
