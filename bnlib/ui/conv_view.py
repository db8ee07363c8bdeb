"""Lesson 8's cached experiments: the digits' feature maps, and the check against PyTorch."""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib.core.batchnorm import BatchNorm
from bnlib.data.digits import load_digits
from bnlib.lessons import conv


@st.cache_data(show_spinner=False)
def features(batch: int, seed: int):
    """Digits (N, 1, 8, 8), their feature maps (N, 4, 8, 8) and the maps after BN."""
    x, _ = load_digits()
    return conv.features(x, batch, seed)


@st.cache_data(show_spinner=False)
def torch_check(batch: int, seed: int) -> dict[str, float]:
    """The same maps through bnlib's BatchNorm and torch.nn.BatchNorm2d, float64, 3 steps."""
    import torch  # only here: the rest of the page needs no torch

    _, f, _, _, _ = features(batch, seed)
    rng = np.random.default_rng(seed + 1)
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.normal(0.0, 1.0, 4)
    ours = BatchNorm(4)
    ours.gamma, ours.beta = gamma.copy(), beta.copy()
    ref = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(gamma))
        ref.bias.copy_(torch.from_numpy(beta))
    worst = {"train output": 0.0, "running_mean": 0.0, "running_var": 0.0, "eval output": 0.0}
    for step in range(3):  # three batches: shifted copies, so running stats move
        xb = f + step
        y_ours = ours(xb)
        y_ref = ref(torch.from_numpy(xb)).detach().numpy()
        worst["train output"] = max(worst["train output"], float(np.abs(y_ours - y_ref).max()))
    rm = ref.running_mean.numpy()
    rv = ref.running_var.numpy()
    worst["running_mean"] = float(np.abs(ours.running_mean - rm).max())
    worst["running_var"] = float(np.abs(ours.running_var - rv).max())
    ours.eval()
    ref.eval()
    y_eval = ref(torch.from_numpy(f)).detach().numpy()
    worst["eval output"] = float(np.abs(ours(f) - y_eval).max())
    return worst
