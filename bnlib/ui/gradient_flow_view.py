"""Lesson 6's cached experiments (bnlib.lessons.gradient_flow), its PyTorch column, the
gradient-check view and scale invariance with numbers (bnlib.lessons.scale_invariance)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.gradcheck import rel_error
from bnlib.lessons import gradient_flow as lg
from bnlib.lessons import scale_invariance as si
from bnlib.lessons.settings import L6_SCALE, L6_TORCH
from bnlib.ui.charts import chart
from bnlib.ui.lesson import prose, words
from bnlib.ui.widgets import setting_widget
from bnlib.viz.gradient_flow import weight_growth_figure

URL = "gradient-flow"
GROWTH_LRS = (0.1, 1.0, 10.0)
GROWTH_STEPS = 100

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


sgd_growth = st.cache_data(show_spinner=False, max_entries=8)(si.sgd_growth)


@st.fragment
def scale_invariance() -> None:
    """Multiply the weights feeding BN by a: output, gradient and relative step, measured;
    then plain SGD at three learning rates lengthening W."""
    prose(URL, "scale")
    a = float(setting_widget(L6_SCALE))
    s = si.scaled(a)
    cols = st.columns(4)
    cols[0].metric("max |y(aW) − y(W)|", nf.sci(s.output_change, 1), help="Zero up to ε.")
    cols[1].metric("‖∇L(aW)‖ ÷ ‖∇L(W)‖", nf.num(s.grad_ratio, 4), help="1/a")
    cols[2].metric("relative step, aW ÷ W", nf.num(s.step_ratio, 4), help="1/a²")
    help_cos = "Each unit's gradient is at right angles to its weights."
    cols[3].metric("largest |cos(W, ∇L)|", nf.sci(s.max_cos, 1), help=help_cos)
    st.caption(
        words(
            URL,
            "scale-caption",
            a=nf.num(a, 4),
            change=nf.sci(s.output_change, 1),
            grad=nf.num(s.grad_ratio, 4),
            inv=nf.num(1 / a, 4),
            step=nf.num(s.step_ratio, 4),
            inv2=nf.num(1 / a**2, 4),
        )
    )
    prose(URL, "growth")
    runs = {f"lr {nf.num(lr, 3)}": sgd_growth(lr, GROWTH_STEPS) for lr in GROWTH_LRS}
    small, mid, big = runs.values()
    chart(
        weight_growth_figure,
        np.arange(GROWTH_STEPS),
        runs,
        key="l6_growth",
        alt=f"Over {GROWTH_STEPS} SGD steps the weight length grows from "
        f"{nf.fixed(small.norm[0], 2)} to {nf.fixed(small.norm[-1], 2)}, "
        f"{nf.fixed(mid.norm[-1], 2)} and {nf.fixed(big.norm[-1], 2)} at learning rates "
        "0.1, 1 and 10, and the relative step falls as it grows.",
    )
    st.caption(
        words(
            URL,
            "growth-caption",
            steps=GROWTH_STEPS,
            start=nf.fixed(small.norm[0], 2),
            lr_small=nf.fixed(small.norm[-1], 2),
            lr_mid=nf.fixed(mid.norm[-1], 2),
            lr_big=nf.fixed(big.norm[-1], 2),
            first_big=nf.fixed(big.rel_step[0], 1),
            loss_big=nf.sci(big.loss[-1], 1),
        )
    )
