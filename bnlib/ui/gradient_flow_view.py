"""Lesson 6's cached experiments (bnlib.lessons.gradient_flow), its PyTorch column and the
gradient-check view."""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.gradcheck import rel_error
from bnlib.lessons import gradient_flow as lg
from bnlib.lessons.settings import L6_TORCH
from bnlib.ui.widgets import setting_widget

tiny_batch = st.cache_data(show_spinner=False, max_entries=64)(lg.tiny_batch)
numeric_check = st.cache_data(show_spinner=False, max_entries=64)(lg.numeric_check)


@st.cache_data(show_spinner=False, max_entries=64)
def torch_check(m: int, gamma: float, eps: float, seed: int) -> np.ndarray:
    """(dx_1..dx_m, dγ, dβ) from PyTorch autograd; ImportError without torch."""
    import torch  # lazily: only when the learner asks for this column

    x, dy, _, _, _ = lg.tiny_batch(m, gamma, eps, seed)
    bn = torch.nn.BatchNorm1d(1, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.fill_(gamma)
        bn.bias.fill_(lg.BETA)
    xt = torch.tensor(x, requires_grad=True)
    bn(xt).backward(torch.tensor(dy))
    return np.concatenate(
        [xt.grad.numpy()[:, 0], bn.weight.grad.numpy(), bn.bias.grad.numpy()]
    ).astype(np.float64)


def gradient_check(m: int, gamma: float, eps: float, seed: int) -> None:
    """The gradient-check table (formula, numerical, optionally PyTorch) and its errors."""
    ours, numerical = numeric_check(m, gamma, eps, seed)
    check = {"quantity": lg.check_names(m), "bnlib (formula)": ours, "numerical": numerical}
    if setting_widget(L6_TORCH):
        try:
            check["PyTorch autograd"] = torch_check(m, gamma, eps, seed)
        except ImportError:
            st.warning("PyTorch is not installed here, so the autograd column is left out.")
    st.dataframe(check, hide_index=True, key="l6_check_table")
    cols = st.columns(2)
    err = nf.sci(rel_error(ours, numerical), 1)
    cols[0].metric("relative error, formula vs numerical", err)
    if "PyTorch autograd" in check:
        err = nf.sci(rel_error(ours, check["PyTorch autograd"]), 1)
        cols[1].metric("relative error, formula vs PyTorch", err)
