"""Lesson 4: gamma and beta, the learned scale and shift."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.lessons import gamma_beta as lesson
from bnlib.lessons import gamma_beta_code as code
from bnlib.lessons.gamma_beta import EPS, NAMES, PRESETS, SIG_GAMMA, demo_inputs, sigmoid_view
from bnlib.lessons.settings import L4, L4_BETA_A, L4_BETA_B, L4_GAMMA_A, L4_GAMMA_B, L4_SEED
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.gamma_beta import gamma_beta_figure, sigmoid_gamma_figure

URL = "gamma-beta"

header(URL)
link_notices((*L4, *lesson.SETTINGS))


@st.cache_data(show_spinner=False, max_entries=32)
def batch(seed: int):
    return lesson.batch(seed)


def _apply(values) -> None:
    (ga, ba), (gb, bb) = values
    st.session_state[L4_GAMMA_A.key], st.session_state[L4_BETA_A.key] = ga, ba
    st.session_state[L4_GAMMA_B.key], st.session_state[L4_BETA_B.key] = gb, bb


def _undo() -> None:
    seed = int(st.session_state.get(L4_SEED.key, L4_SEED.default))
    _, _, mean, var = batch(seed)
    _apply(lesson.undo_values(mean, var))


prose(URL, "intro")

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
    seed = seed_control(L4_SEED)
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

prose(URL, "undo-note")
prose(URL, "affine-optional")


@st.fragment
def why_gamma() -> None:
    g = float(setting_widget(SIG_GAMMA))
    x_hat = demo_inputs()
    one, yours = sigmoid_view(x_hat, 1.0), sigmoid_view(x_hat, g)
    chart(
        sigmoid_gamma_figure,
        x_hat,
        (1.0, g),
        key="l4_sigmoid",
        alt=f"A sigmoid fed γ·x̂ for {len(x_hat)} normalized values: at γ = 1, {one.low_slope:.0%} "
        f"of the inputs reach |z| > 2 and the outputs stay near the middle; at γ = {nf.num(g, 3)}, "
        f"{yours.low_slope:.0%} do and the outputs spread towards 0 and 1.",
    )
    a, b, c, d = st.columns(4)
    a.metric("inputs with |γ·x̂| > 2, γ = 1", f"{one.low_slope:.0%}")
    b.metric("inputs with |γ·x̂| > 2, your γ", f"{yours.low_slope:.0%}")
    c.metric("straight-line fit R², γ = 1", nf.fixed(one.r2, 3))
    d.metric("straight-line fit R², your γ", nf.fixed(yours.r2, 3))


st.subheader("Why γ matters")
prose(URL, "why-gamma")
why_gamma()
code_tabs(code.NUMPY, code.TORCH)
check_yourself(URL)
next_lesson(URL)
