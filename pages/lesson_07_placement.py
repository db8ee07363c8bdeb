"""Lesson 7: where BN goes relative to the nonlinearity, and the bias it makes useless."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.data.digits import load_digits
from bnlib.lessons.placement import (
    ACTIVATIONS,
    PLACEMENT_TABLE,
    SATURATION_EDGE,
    bias_demo,
    compare_placement,
)
from bnlib.settings import Setting
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.placement import placement_figure

URL = "placement"
ACT = Setting("l7_act", "choice", "tanh", "Activation", choices=ACTIVATIONS)
SCALE = Setting(
    "l7_scale",
    "choice",
    2.0,
    "Weight scale (times He initialization)",
    choices=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
)
SHIFT = Setting("l7_shift", "float", 0.0, "Bias offset", min=-3.0, max=3.0, step=0.5)
BATCH = Setting("l7_batch", "choice", 64, "Batch size", choices=(16, 32, 64, 128, 256))
SEED = Setting("l7_seed", "int", 0, "Seed", min=0, max=1_000_000)
BIAS = Setting("l7_bias", "float", 5.0, "Size of the bias before BN", min=0.0, max=20.0, step=1.0)
SETTINGS = (ACT, SCALE, SHIFT, BATCH, SEED, BIAS)


@st.cache_data(show_spinner=False)
def digit_batch(batch: int, seed: int) -> np.ndarray:
    x, _ = load_digits()
    rows = np.random.default_rng(seed).choice(len(x), size=batch, replace=False)
    return x[rows] / 16.0  # pixels 0..16 -> 0..1, as one would feed them


@st.cache_data(show_spinner=False)
def placement(act: str, scale: float, shift: float, batch: int, seed: int):
    r = compare_placement(digit_batch(batch, seed), act, 100, scale, shift, seed)
    return r, r.summary()


header(URL)
link_notices(SETTINGS)

st.markdown(
    """
A layer computes z = W x + b, then a nonlinearity. BN can sit on either side of that
nonlinearity. Ioffe and Szegedy put it **before** (on z), and that is still the common
choice. Some people put it **after**. Here is what the nonlinearity sees in each case.
"""
)
st.latex(
    r"\text{before: } a = \phi\big(\mathrm{BN}(Wx)\big) \qquad "
    r"\text{after: } a = \mathrm{BN}\big(\phi(Wx + b)\big)"
)


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

st.markdown(
    """
**What to notice.** With BN before the activation, the left column does not move when you
change the weight scale or the bias offset: BN undoes both. Here γ = 1 and β = 0, their
values at initialization, so each unit gets mean 0 and variance 1: tanh sees about 7% of
its inputs saturated (slope under 10% of its peak), sigmoid almost none, and no ReLU unit
is dead (a batch centred on 0 with any spread has some positive values).
That describes the start of training. Once γ and β are learned, the activation receives
mean β and spread γ, and BN no longer guarantees anything: a learned β below about −2γ
leaves a ReLU unit nearly silent (over 97% zeros for bell-shaped inputs), and with β/γ
below −√(m − 1) no sample of a batch of m can get through, because no x̂ exceeds √(m − 1).

With BN after, the activation gets z raw. Turn the weight scale up to 8 and about 73% of
tanh's inputs land in the flat tails (sigmoid: about 50%). With ReLU and the bias offset at
-3, about three quarters of the units output 0 for every image in the batch. BN after them cannot
revive a dead unit: a column of zeros stays zeros.

The after placement is not useless. Its output is centred (bottom right, mean 0), while
ReLU after BN emits only non-negative values (bottom left, mean about 0.4). Some tasks
train better one way, some the other; before is the more common choice, and the paper's.
"""
)

st.header("The bias before BN does nothing")
st.markdown(
    """
BN subtracts the batch mean of every unit. A constant bias b shifts z and its mean by the
same amount, so it cancels. Its gradient is zero too, so it never learns anything. Beta,
added after the normalization, does the bias's job. That is why you see
`Linear(..., bias=False)` and `Conv2d(..., bias=False)` before BN layers.
"""
)
st.latex(
    r"\mathrm{BN}(z + b) = \gamma\,\frac{(z + b) - (\mu_B + b)}{\sqrt{\sigma_B^2 + \epsilon}} + \beta"
    r" = \mathrm{BN}(z)"
)


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
st.markdown(
    """
Recurrent nets are the odd one out: the same weights run at every time step, so BN would
need separate statistics per step, and sequences of different lengths make that awkward.
Layer norm (Ba, Kiros and Hinton, 2016) normalizes each sample on its own and fits better.
"""
)

code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import forward

z = x @ W                      # (N, D): no bias, BN's beta plays that role
y, cache = forward(z, gamma, beta)
a = np.tanh(y)                 # BN before the activation
""",
    """
import torch.nn as nn

block = nn.Sequential(
    nn.Linear(64, 100, bias=False),   # the bias would cancel anyway
    nn.BatchNorm1d(100),
    nn.Tanh(),
)
""",
    """
from keras import layers, Sequential

block = Sequential([
    layers.Dense(100, use_bias=False),
    layers.BatchNormalization(),
    layers.Activation("tanh"),
])
""",
)

check_yourself(URL)
next_lesson(URL)
