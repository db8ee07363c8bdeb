"""Lesson 4: gamma and beta, the learned scale and shift."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import forward
from bnlib.core.signals import sample
from bnlib.lessons.settings import L4, L4_BETA_A, L4_BETA_B, L4_GAMMA_A, L4_GAMMA_B, L4_SEED
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.lesson_widgets import seed_controls
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.gamma_beta import gamma_beta_figure

URL = "gamma-beta"
M = 200  # samples in the batch
EPS = 1e-5
NAMES = ("feature A", "feature B")

header(URL)
link_notices(L4)


@st.cache_data(show_spinner=False, max_entries=32)
def batch(seed: int):
    """Two features: A is normal around 4 (spread 2), B is skewed around -1.5 (spread 1.5)."""
    a = sample("normal", M, seed, loc=4.0, scale=2.0)
    b = sample("skewed", M, seed + 7919, scale=1.5) - 3.0
    x = np.column_stack([a, b])  # (M, 2)
    _, cache = forward(x, eps=EPS)
    return x, cache.x_hat, cache.mean, cache.var


PRESETS = {
    "Identity (γ=1, β=0)": ((1.0, 0.0), (1.0, 0.0)),
    "Double the spread (γ=2)": ((2.0, 0.0), (2.0, 0.0)),
    "Shift (β=3)": ((1.0, 3.0), (1.0, 3.0)),
    "Both (γ=2, β=3)": ((2.0, 3.0), (2.0, 3.0)),
}


def _apply(values) -> None:
    (ga, ba), (gb, bb) = values
    st.session_state[L4_GAMMA_A.key], st.session_state[L4_BETA_A.key] = ga, ba
    st.session_state[L4_GAMMA_B.key], st.session_state[L4_BETA_B.key] = gb, bb


def _undo() -> None:
    # the exact values (not rounded to the slider's step): gamma = sqrt(var + eps), beta = mean
    seed = int(st.session_state.get(L4_SEED.key, L4_SEED.default))
    _, _, mean, var = batch(seed)
    std = np.sqrt(var + EPS)
    _apply(((float(std[0]), float(mean[0])), (float(std[1]), float(mean[1]))))


st.markdown(
    "After step 3 every feature has mean 0 and spread 1. That is a strong constraint. A "
    "sigmoid fed such inputs gets about 68% of them within ±1 and 95% within ±2, the stretch "
    "where it bends least (at z = 1 it gives 0.73, its tangent line 0.75), so it acts much "
    "like a straight line; and a layer that needed a different centre has lost it. So BN "
    "ends with two numbers per feature that the network **learns** by backprop, like its "
    "weights:"
)
st.latex(r"y_i = \gamma\,\hat{x}_i + \beta")
st.markdown(
    "γ (gamma) sets the spread, β (beta) sets the centre: the output has mean β and standard "
    "deviation γ (times √(σ²/(σ²+ε)), which is 1 to five decimals here). PyTorch and Keras "
    "start them at γ = 1 and β = 0, so a fresh layer outputs x̂ exactly."
)

col_l, col_r = st.columns(2)
with col_l:
    st.markdown("**Computed** from each batch, never learned")
    st.markdown("μ_B, σ²_B: they change with every batch.")
with col_r:
    st.markdown("**Learned** by gradient descent")
    st.markdown("γ, β: one pair per feature, kept between batches.")


@st.fragment
def playground() -> None:
    st.markdown("**Presets**")
    cols = st.columns(len(PRESETS) + 1)
    for i, (name, values) in enumerate(PRESETS.items()):
        cols[i].button(name, key=f"l4_preset_{i}", on_click=_apply, args=(values,), width="stretch")
    cols[-1].button(
        "Undo the normalization",
        key="l4_preset_undo",
        on_click=_undo,
        type="primary",
        width="stretch",
        help="γ = √(σ²_B + ε) and β = μ_B: the layer hands back its input.",
    )
    c1, c2 = st.columns(2)
    with c1:
        ga = setting_widget(L4_GAMMA_A)
        ba = setting_widget(L4_BETA_A)
    with c2:
        gb = setting_widget(L4_GAMMA_B)
        bb = setting_widget(L4_BETA_B)
    seed = seed_controls(L4_SEED)
    x, x_hat, mean, var = batch(int(seed))
    gamma = np.array([ga, gb], dtype=np.float64)
    beta = np.array([ba, bb], dtype=np.float64)
    y = x_hat * gamma + beta  # (M, 2): step 4
    gap = np.abs(y - x).max(axis=0)

    chart(
        gamma_beta_figure,
        x,
        x_hat,
        y,
        NAMES,
        key="l4_chart",
        alt=f"Two features, each shown as input, normalized and output histograms. Feature A: "
        f"gamma {nf.num(ga, 3)}, beta {nf.num(ba, 3)}, output mean {nf.num(y[:, 0].mean(), 3)}, std {nf.num(y[:, 0].std(), 3)}. "
        f"Feature B: gamma {nf.num(gb, 3)}, beta {nf.num(bb, 3)}, output mean {nf.num(y[:, 1].mean(), 3)}, "
        f"std {nf.num(y[:, 1].std(), 3)}.",
    )
    for i, name in enumerate(NAMES):
        cols = st.columns(5)
        cols[0].metric(f"{name}: μ_B (computed)", f"{nf.fixed(mean[i], 4)}")
        cols[1].metric(f"{name}: √(σ²_B+ε) (computed)", f"{nf.fixed(np.sqrt(var[i] + EPS), 4)}")
        cols[2].metric(f"{name}: output mean", f"{nf.fixed(y[:, i].mean(), 4)}")
        cols[3].metric(f"{name}: output std", f"{nf.fixed(y[:, i].std(), 4)}")
        cols[4].metric(f"{name}: max |y − x|", f"{nf.num(gap[i], 2)}")
    if (gap < 1e-9).all():
        st.success(
            "γ = √(σ²_B + ε) and β = μ_B: the output equals the input, to about 1e-15. "
            "Whatever BN takes away, γ and β can give back, so adding BN never makes a "
            "layer less expressive."
        )


playground()

st.markdown(
    "Undo is a thought experiment, not something a network does: the batch statistics change "
    "every step while γ and β change slowly, so the learned values settle on whatever centre "
    "and spread help the loss. Draw a new sample after pressing undo and the gap comes back, "
    "because the new batch has a different mean."
)
st.markdown(
    "The affine part is optional. `nn.BatchNorm1d(C, affine=False)` keeps only steps 1–3; "
    "it is switched on by default in PyTorch and Keras (`center=True, scale=True`). It could "
    "just as well be a separate layer: nothing in steps 1–3 depends on γ or β."
)
code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import forward

x = np.random.default_rng(0).normal(4.0, 2.0, size=(200, 1))
y, cache = forward(x, gamma=1.0, beta=0.0)          # identity: y = x_hat
gamma = np.sqrt(cache.var + 1e-5)                   # undo the normalization
beta = cache.mean
y_back, _ = forward(x, gamma=gamma, beta=beta)
print(np.abs(y_back - x).max())                     # about 1e-15
""",
    """
import torch

bn = torch.nn.BatchNorm1d(2)          # bn.weight is gamma (ones), bn.bias is beta (zeros)
print(bn.weight.requires_grad)        # True: learned by backprop
with torch.no_grad():
    bn.weight.fill_(2.0)              # double the spread
    bn.bias.fill_(3.0)                # move the centre to 3
y = bn(torch.randn(200, 2))
print(y.mean(0), y.std(0, unbiased=False))   # about 3 and 2
""",
)
check_yourself(URL)
next_lesson(URL)
