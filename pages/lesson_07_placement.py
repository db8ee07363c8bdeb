"""Lesson 7: where BN goes relative to the nonlinearity, and the bias it makes useless."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.data.digits import load_digits
from bnlib.lessons.placement import (
    ACT,
    BATCH,
    BIAS,
    CODE,
    PLACEMENT_TABLE,
    SATURATION_EDGE,
    SCALE,
    SEED,
    SETTINGS,
    SHIFT,
    bias_demo,
    compare_placement,
    sample_digits,
)
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.placement import placement_figure

URL = "placement"


@st.cache_data(show_spinner=False)
def digit_batch(batch: int, seed: int) -> np.ndarray:
    x, _ = load_digits()
    return sample_digits(x, batch, seed)


@st.cache_data(show_spinner=False)
def placement(act: str, scale: float, shift: float, batch: int, seed: int):
    r = compare_placement(digit_batch(batch, seed), act, 100, scale, shift, seed)
    return r, r.summary()


header(URL)
link_notices(SETTINGS)

prose(URL, "intro")


@st.fragment
def explorer() -> None:
    c1, c2, c3, c4 = st.columns(4)
    act = setting_widget(ACT, c1)
    scale = setting_widget(SCALE, c2)
    shift = setting_widget(SHIFT, c3)
    batch = setting_widget(BATCH, c4)
    seed = seed_control(SEED, c1)
    r, s = placement(act, float(scale), float(shift), int(batch), seed)
    b, a = s["before"], s["after"]
    m1, m2, m3 = st.columns(3)
    if act == "relu":
        m1.metric("Dead units, BN before", f"{b['dead']:.0%}")
        m2.metric("Dead units, BN after", f"{a['dead']:.0%}")
        m3.metric("Inputs at or below 0, BN after", f"{a['negative']:.0%}")
    else:
        m1.metric("Saturated inputs, BN before", f"{b['saturated']:.1%}")
        m2.metric("Saturated inputs, BN after", f"{a['saturated']:.1%}")
        m3.metric("Mean of the output, BN before", f"{nf.fixed(b['out_mean'], 2)}")
    chart(
        placement_figure,
        r.received_before,
        r.received_after,
        r.out_before,
        r.out_after,
        act,
        SATURATION_EDGE.get(act),
        key="l7_chart",
        alt=(
            f"Histograms for a 64-to-100 {act} layer on {batch} digit images. With BN before "
            f"{act}, {b['saturated']:.1%} of its inputs are saturated and {b['dead']:.0%} of "
            f"units are dead; with BN after, {a['saturated']:.1%} and {a['dead']:.0%}."
        ),
    )
    st.caption(
        f"One dense layer, 64 pixel inputs to 100 units, on {batch} digits. Shaded: "
        + (
            "inputs at or below 0, where ReLU passes nothing back."
            if act == "relu"
            else f"the flat tails (|u| > {nf.fixed(SATURATION_EDGE[act], 2)}) where the slope of {act} "
            "is under 10% of its peak."
        )
    )


explorer()

prose(URL, "notice")

st.header("The bias before BN does nothing")
prose(URL, "bias")


@st.fragment
def bias_section() -> None:
    size = setting_widget(BIAS)
    d = bias_demo(digit_batch(64, 0), 16, float(size), seed=1)
    c1, c2, c3 = st.columns(3)
    c1.metric("Largest bias added", f"{nf.fixed(np.max(np.abs(d['bias'])), 2)}")
    c2.metric("Max |BN(z + b) - BN(z)|", f"{nf.sci(d['max_abs_diff'], 1)}")
    c3.metric("Gradient of b, relative", f"{nf.sci(d['grad_b_relative'], 1)}")
    st.caption(
        f"16 units, 64 digits, random gamma and beta. Outputs reach {nf.fixed(d['max_abs_output'], 1)} "
        f"in size; they differ by {nf.sci(d['max_abs_diff'], 1)} at most, which is floating-point "
        "rounding (float64 keeps about 16 digits). The gradient that would train b is the sum of "
        f"the gradients flowing into the 64 samples; they cancel to {nf.sci(d['max_abs_grad_b'], 1)}, "
        f"a share of {nf.sci(d['grad_b_relative'], 1)} of their total size."
    )


bias_section()

st.header("Where it goes, by layer kind")
st.table(PLACEMENT_TABLE, border="horizontal")
prose(URL, "recurrent")

code_tabs(*CODE)

check_yourself(URL)
next_lesson(URL)
