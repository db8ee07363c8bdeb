"""Reference: benefits, code, parameters per framework, momentum converter, bugs, FAQ."""

import streamlit as st

from bnlib import format as nf
from bnlib.course.lesson_text import lesson_text
from bnlib.course.reference import CODE, FAQ, bug_values
from bnlib.lessons.pitfalls import PARAMETERS, bug_numbers, converter
from bnlib.settings import Setting
from bnlib.ui.lesson import code_tabs, header, prose
from bnlib.ui.level import level
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices
from bnlib.viz.running import momentum_weights_figure

URL = "reference"
TORCH = Setting("ref_torch", "float", 0.1, "PyTorch momentum", min=0.0, max=1.0, step=0.01)
KERAS = Setting("ref_keras", "float", 0.9, "Keras momentum", min=0.0, max=1.0, step=0.01)
SETTINGS = (TORCH, KERAS)  # a converter, not an experiment: kept per session, not in the URL


@st.cache_data(show_spinner=False)
def numbers() -> dict:
    return bug_numbers(0)


header(URL)
link_notices(SETTINGS)

st.header("What BN buys you")
prose(URL, "benefits")

st.header("In code")
code_tabs(*CODE)

st.header("Key parameters and their defaults")
st.table(PARAMETERS, border="horizontal")

st.header("Momentum converter")
prose(URL, "momentum")


def _from_torch() -> None:
    st.session_state[KERAS.key] = converter(st.session_state[TORCH.key], "torch")["keras"]


def _from_keras() -> None:
    st.session_state[TORCH.key] = converter(st.session_state[KERAS.key], "keras")["torch"]


@st.fragment
def momentum_converter() -> None:
    # seed both values before the widgets exist (allowed), then only callbacks change them
    if TORCH.key not in st.session_state:
        st.session_state[TORCH.key] = TORCH.default
    if KERAS.key not in st.session_state:
        st.session_state[KERAS.key] = converter(st.session_state[TORCH.key], "torch")["keras"]
    c1, c2 = st.columns(2)
    torch_m = c1.number_input(
        TORCH.label,
        min_value=0.0,
        max_value=1.0,
        step=0.01,
        format="%.4f",
        key=TORCH.key,
        on_change=_from_torch,
    )
    c2.number_input(
        KERAS.label,
        min_value=0.0,
        max_value=1.0,
        step=0.01,
        format="%.4f",
        key=KERAS.key,
        on_change=_from_keras,
    )
    conv = converter(float(torch_m if torch_m is not None else TORCH.default), "torch")
    half = conv["half_life"]
    st.markdown(
        f"PyTorch **{nf.num(conv['torch'], 4)}** ⇔ Keras **{nf.num(conv['keras'], 4)}**. "
        + (
            f"A batch's weight halves every {nf.fixed(half, 1)} batches; the average mostly reflects "
            f"the last {nf.fixed(3 * half, 0)} or so."
            if half is not None
            else "At 0 the running statistics never move; at 1 they are just the last batch."
        )
    )
    st.plotly_chart(
        momentum_weights_figure(conv["torch"]),
        width="stretch",
        key="ref_chart",
        alt=(
            f"Bars: the weight of each of the last 40 batches in the running average for "
            f"PyTorch momentum {nf.num(conv['torch'], 4)}; the newest batch weighs {nf.fixed(conv['torch'], 3)}."
        ),
    )


momentum_converter()

st.header("Bug checklist")
bugs = lesson_text(URL).get("bugs", level())
st.markdown(bugs.format(**bug_values(numbers())))

st.header("Questions learners ask")
for question, section in FAQ:
    with st.expander(question):
        prose(URL, section)

st.header("Papers cited in this course")
prose(URL, "papers")

check_yourself(URL)
