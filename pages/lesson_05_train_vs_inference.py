"""Lesson 5: training versus inference (words: assets/lessons/train-vs-inference.md)."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import keras_to_torch_momentum, torch_to_keras_momentum
from bnlib.lessons import running as lr
from bnlib.lessons import running_code as code
from bnlib.lessons import settings as ls
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.running import companions_figure, running_stats_figure

URL = "train-vs-inference"

header(URL)
link_notices(ls.L5)
run_stream = st.cache_data(show_spinner=False, max_entries=64)(lr.lesson_stream)


def _convert_momentum() -> None:
    # the switch has just changed: re-express the slider's value in the new convention
    v = float(st.session_state.get(ls.L5_MOMENTUM.key, ls.L5_MOMENTUM.default))
    st.session_state[ls.L5_MOMENTUM.key] = round(1.0 - v, 6)


prose(URL, "intro")


@st.fragment
def stream_view() -> None:
    c1, c2, c3 = st.columns([1, 2, 1])
    with c1:
        conv = setting_widget(ls.L5_CONVENTION, on_change=_convert_momentum)
    with c2:
        mom = setting_widget(ls.L5_MOMENTUM, format="%.3f")
    with c3:
        m = setting_widget(ls.L5_BATCH)
    drift = setting_widget(ls.L5_DRIFT)
    seed = seed_control(ls.L5_SEED)
    w = float(mom) if conv == "PyTorch" else keras_to_torch_momentum(float(mom))
    other = "Keras" if conv == "PyTorch" else "PyTorch"
    st.caption(
        f"{conv} momentum {nf.num(mom, 6)} = {other} momentum {nf.num(1 - mom, 6)}: each new batch gets weight "
        f"{nf.num(w, 3)}, and the average remembers roughly the last {nf.fixed(min(1 / w, lr.STEPS) if w else lr.STEPS, 0)} "
        "batches."
    )
    if conv == "PyTorch" and w >= 0.5:
        st.warning(
            f"PyTorch momentum {nf.num(w, 6)} gives the newest batch {w:.0%} of the weight: the running "
            "average is almost just the last batch. If this number came from Keras code, the "
            f"PyTorch equivalent is {nf.num(1 - w, 6)}."
        )
    if w == 0.0:
        st.info("Momentum 0: the running statistics never move from their start (mean 0, var 1).")
    stream, r, biased = run_stream(int(m), bool(drift), int(seed), w)
    chart(
        running_stats_figure,
        *lr.stats_series(stream, r, biased),
        key="l5_stream",
        alt=f"{lr.STEPS} batches of {m} samples: grey dots for each batch's mean and variance, the "
        f"running averages as lines (momentum {nf.num(w, 6)} in PyTorch's convention), the population "
        "values dashed.",
    )
    ratios = lr.settled_ratios(stream, r, biased)
    labels = ("running_var ÷ true variance", "biased average ÷ true variance")
    labels += (f"biased ÷ unbiased; (m − 1)/m = {nf.fixed((m - 1) / m, 3)}",)
    for col, label, value in zip(st.columns(3), labels, ratios, strict=True):
        col.metric(label, nf.fixed(value, 3))
    st.caption(
        "Ratios averaged over batches 51 to 150; batch noise moves the first two by a few "
        "percent, the third is exact."
    )
    prose(URL, "biased-variance", factor=nf.fixed((m - 1) / m, 2))
    fold_view(r.layer)
    eval_demo(r.layer, int(seed))


def fold_view(layer) -> None:
    st.subheader("At inference BN is one multiply and one add")
    prose(URL, "fold")
    scale, shift, table = lr.fold_table(layer)
    c1, c2 = st.columns([1, 2])
    c1.metric("scale", f"{nf.fixed(scale, 4)}")
    c1.metric("shift", f"{nf.fixed(shift, 4)}")
    c2.dataframe(table, hide_index=True)
    st.caption(
        f"γ = {lr.GAMMA}, β = {lr.BETA} stand in for learned values; mean and var are the running "
        "statistics after the stream above."
    )


def eval_demo(layer, seed: int) -> None:
    st.subheader('The "forgot model.eval()" bug')
    prose(URL, "eval-demo", x0=lr.X0, batches=lr.DEMO_BATCHES)
    k = int(setting_widget(ls.L5_COMPANIONS))
    try:
        train_out, eval_out = lr.companion_outputs(layer, lr.X0, lr.demo_companions(seed, k))
    except ValueError as exc:
        st.error(f"Training mode, batch of one: {exc}")
        scale, shift = layer.fold()
        prose(URL, "batch-of-one", x0=lr.X0, y=nf.fixed(scale[0] * lr.X0 + shift[0], 4))
        return
    chart(
        companions_figure,
        train_out,
        eval_out,
        lr.X0,
        key="l5_companions_chart",
        alt=f"The output for x = {lr.X0} in {lr.DEMO_BATCHES} batches of {k}: in training mode it "
        f"ranges from {nf.fixed(train_out.min(), 2)} to {nf.fixed(train_out.max(), 2)}; in eval mode it is "
        f"{nf.fixed(eval_out, 2)} every time.",
    )
    a, b = st.columns(2)
    a.metric("training mode: spread of outputs", f"{nf.fixed(np.ptp(train_out), 3)}")
    b.metric("eval mode: spread of outputs", f"{nf.fixed(0.0, 3)}")
    prose(URL, "slips")


stream_view()

st.subheader("Momentum converter")


@st.fragment
def converter() -> None:
    c1, c2 = st.columns(2)
    opts = dict(min_value=0.0, max_value=1.0, step=0.01, format="%.4f")
    kv = c1.number_input("Keras / TensorFlow momentum", value=0.9, key="l5_conv_keras", **opts)
    c1.metric("PyTorch momentum", f"{nf.num(keras_to_torch_momentum(kv), 4)}")
    tv = c2.number_input("PyTorch momentum", value=0.1, key="l5_conv_torch", **opts)
    c2.metric("Keras / TensorFlow momentum", f"{nf.num(torch_to_keras_momentum(tv), 4)}")
    st.caption("Keras' default 0.99 is PyTorch 0.01; PyTorch's default 0.1 is Keras 0.9.")


converter()

code_tabs(code.NUMPY, code.TORCH, code.KERAS)
check_yourself(URL)
next_lesson(URL)
