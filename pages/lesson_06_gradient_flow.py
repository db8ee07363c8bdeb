"""Lesson 6: gradient flow, the backward pass (words: assets/lessons/gradient-flow.md)."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.lessons import gradient_flow as lg
from bnlib.lessons import gradient_flow_code as code
from bnlib.lessons.settings import L6, L6_BATCH, L6_EPS, L6_GAMMA, L6_SEED, L6_TIMING_N
from bnlib.ui.charts import chart
from bnlib.ui.gradient_flow_view import gradient_check, scale_invariance, tiny_batch
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose, words
from bnlib.ui.level import at_most
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.gradient_flow import bn_graph_dot, gradient_paths_figure, timing_figure

URL = "gradient-flow"

header(URL)
link_notices(L6)


def run_timing() -> None:
    n = int(st.session_state.get(L6_TIMING_N.key, L6_TIMING_N.default))
    st.session_state["l6_timing"] = lg.time_backward(n)


prose(URL, "intro")

st.subheader("The computation graph")
st.graphviz_chart(
    bn_graph_dot(),
    width="stretch",
    alt="The BN graph: x feeds the mean, x minus the mean feeds the variance, both feed "
    "x-hat, which with gamma and beta gives y. Dashed arrows carry the gradients back.",
)
st.caption(words(URL, "graph-caption"))


@st.fragment
def walkthrough() -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        m = int(setting_widget(L6_BATCH))
    with c2:
        gamma = float(setting_widget(L6_GAMMA))
    with c3:
        eps = float(setting_widget(L6_EPS, format_func=nf.eps))
    seed = int(seed_control(L6_SEED))
    x, dy, y, cache, g = tiny_batch(m, gamma, eps, seed)
    mu, var, inv = float(cache.mean[0]), float(cache.var[0]), float(cache.inv_std[0])
    rows = np.arange(1, m + 1)

    st.subheader("Forward")
    labels = ("μ_B", "σ²_B", "1/√(σ²_B + ε)", "γ, β")
    values = (nf.fixed(mu, 4), nf.fixed(var, 4), nf.fixed(inv, 4))
    values += (f"{nf.num(gamma, 6)}, {nf.num(lg.BETA, 6)}",)
    for col, label, value in zip(st.columns(4), labels, values, strict=True):
        col.metric(label, value)
    forward = {"i": rows, "x": x[:, 0], "x − μ_B": cache.x_centered[:, 0]}
    forward |= {"x̂": cache.x_hat[:, 0], "y = γx̂ + β": y[:, 0]}
    st.dataframe(forward, hide_index=True, key="l6_forward_table")

    st.subheader("Backward, with numbers")
    names = (("dβ", "dbeta"), ("dγ", "dgamma"), ("dσ²", "dvar"), ("dμ", "dmu"))
    for col, (label, name) in zip(st.columns(4), names, strict=True):
        col.metric(label, nf.fixed(g[name][0], 4))
    columns = {"dy": dy, "dx̂ = γ·dy": g["dx_hat"], "direct": g["dx_direct"]}
    columns |= {"through σ²": g["dx_via_var"], "through μ": g["dx_via_mean"], "dx": g["dx"]}
    table = {"i": rows} | {k: v[:, 0] for k, v in columns.items()}
    st.dataframe(table, hide_index=True, key="l6_backward_table")
    chart(
        gradient_paths_figure,
        g["dx_direct"],
        g["dx_via_var"],
        g["dx_via_mean"],
        g["dx"],
        key="l6_paths",
        alt=f"For each of the {m} samples, dx split into three stacked bars (direct, through the "
        "variance, through the mean) with their sum marked.",
    )
    formulas_title = "The formulas behind these numbers"
    if at_most("beginner"):
        prose(URL, "formulas", box=st.expander(formulas_title))
    else:
        st.subheader(formulas_title)
        prose(URL, "formulas")
    prose(URL, "geometry")

    total, along_xhat, predicted = lg.gradient_sums(dy, cache, g["dx"], gamma, eps)
    a, b, c = st.columns(3)
    a.metric("Σ dx_i", nf.sci(total, 1), help="Zero up to rounding (about 1e-16).")
    help_b = "Zero only when ε = 0; the next column gives its exact value."
    b.metric("Σ dx_i · x̂_i", nf.sci(along_xhat, 1), help=help_b)
    help_c = "The exact value of Σ dx_i · x̂_i, from the compact formula below."
    c.metric("γ·ε/(σ²_B+ε)^(3/2) · Σ dy_i·x̂_i", nf.sci(predicted, 1), help=help_c)
    prose(URL, "sums", ratio=nf.sci(eps / (var + eps), 1))

    st.subheader("Gradient check")
    prose(URL, "gradient-check")
    gradient_check(m, gamma, eps, seed)


walkthrough()

st.subheader("Scale invariance: big weights take small steps")
scale_invariance()

st.subheader("Compact backward vs step by step")
prose(URL, "compact")


@st.fragment
def timing() -> None:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    with c1:
        n = setting_widget(L6_TIMING_N)
    with c2:
        st.button("Time both", key="l6_time", on_click=run_timing, icon=":material/timer:")
    res = st.session_state.get("l6_timing")
    if not res:
        st.caption(f"Press the button to time both on a ({n}, 64) batch on this server.")
        return
    chart(
        timing_figure,
        ["compact formula", "step by step"],
        [res["compact"], res["steps"]],
        key="l6_timing_chart",
        alt=f"Best of 5 on a ({res['n']}, 64) batch: compact {nf.fixed(res['compact'] * 1e3, 2)} ms, "
        f"step by step {nf.fixed(res['steps'] * 1e3, 2)} ms.",
    )
    st.metric(
        f"speed-up of the compact form, ({res['n']}, 64) batch",
        f"{nf.fixed(res['steps'] / res['compact'], 1)}×",
    )


timing()

code_tabs(code.NUMPY, code.TORCH)
check_yourself(URL)
next_lesson(URL)
