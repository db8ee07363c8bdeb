"""Home: what batch normalization is, in one screen, with one live demo and the course map."""

import streamlit as st

from bnlib import format as nf
from bnlib.core import batchnorm, signals
from bnlib.settings import Setting
from bnlib.ui import progress
from bnlib.ui.course_map import render_course_map
from bnlib.ui.level import why_box
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.home import before_after_strip

SHIFT = Setting("home_shift", "float", 10.0, "Where the batch sits (its mean)", -50.0, 50.0, 1.0)
SPREAD = Setting("home_spread", "float", 4.0, "How spread out it is", 0.1, 20.0, 0.1)
progress.mark_visited("home")

st.title("Batch Norm Lab")
st.markdown(
    "Deep networks learn faster when every layer receives numbers on a sensible scale. "
    "**Batch normalization** (Ioffe & Szegedy, 2015) enforces that from inside the network: "
    "for each feature it takes the current mini-batch, subtracts the batch mean, divides by "
    "the batch standard deviation, and then applies a learned scale **γ** and shift **β**."
)
st.latex(
    r"\hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y_i = \gamma\,\hat{x}_i + \beta"
)

why_box(
    "Imagine one layer receiving numbers around 1000 while the next receives numbers "
    "around 0.01: one learning rate cannot suit both. BN puts every feature of every layer "
    "back on a common footing (mean 0, spread 1) at each training step, then lets the "
    "network learn the scale and shift it actually wants.",
    title="Why would a network need this?",
)
link_notices([SHIFT, SPREAD])


@st.fragment
def demo() -> None:
    st.subheader("Try it: eight samples, one feature")
    left, right = st.columns([1, 2])
    with left:
        shift = setting_widget(SHIFT)
        spread = setting_widget(SPREAD)
        raw = signals.sample("normal", 8, seed=1)
        x = (shift + spread * raw).reshape(-1, 1)  # (8, 1): batch of 8, one feature
        y, cache = batchnorm.forward(x, 1.0, 0.0)
        st.markdown(
            f"Batch mean μ_B = **{nf.fixed(cache.mean[0], 3)}**, variance σ²_B = **{nf.fixed(cache.var[0], 3)}**  \n"
            f"After BN: mean **{nf.fixed(y.mean(), 3, signed=True)}**, standard deviation **{nf.fixed(y.std(), 3)}**"
        )
        st.caption(
            "Move the sliders: the raw dots travel and stretch, the normalized dots do not "
            "budge. BN removes where a batch sits and how wide it is, and keeps the order and "
            "relative gaps of the samples."
        )
    with right:
        fig = before_after_strip(x[:, 0], y[:, 0])
        st.plotly_chart(
            fig,
            width="stretch",
            key="home_demo_chart",
            alt=(
                f"Eight raw values centred near {nf.num(shift, 6)} with spread {nf.num(spread, 6)}, each joined to "
                "its normalized value; the normalized values stay centred on 0 with spread 1."
            ),
        )


demo()

st.subheader("The course")
st.markdown(
    "Eleven short lessons, each built around something to move or run, then the training "
    "lab where you can watch BN change a real network's learning."
)
render_course_map()
