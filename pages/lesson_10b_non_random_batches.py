"""Lesson 11: when batches are not random. One-class batches, batch renorm, and online norm
at batch size 1.

Text: assets/lessons/non-random-batches.md. Once the second half of lesson 10, so its
settings keep their l10_ keys (bnlib.lessons.alternatives) and old links still work.
"""

import streamlit as st

from bnlib import format as nf
from bnlib.lessons.alternatives import (
    BATCHES_SETTINGS,
    DECAY,
    DRIFT,
    KIND_LABELS,
    NORM_LABELS,
    SEED,
    STEPS,
    WARMUP,
    WHEN_TO_USE,
)
from bnlib.lessons.alternatives_code import BATCHES_CODE
from bnlib.ui.alternatives_view import single_class, stream
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose, run_button, words
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.alternatives import online_norm_figure, single_class_figure

URL = "non-random-batches"

header(URL)
link_notices(BATCHES_SETTINGS)
prose(URL, "intro")

st.header("Batches that hold one class")
prose(URL, "one-class")
prose(URL, "renorm")


@st.fragment
def single_class_section() -> None:
    c1, c2, c3 = st.columns([2, 2, 3])
    steps = setting_widget(STEPS, c1)
    warmup = setting_widget(WARMUP, c2)
    seed = seed_control(SEED, c3)  # the same seed as lesson 10's sweep
    if not run_button("l10_single_on", "Train on one-class batches (about 4 s)"):
        st.caption(words(URL, "single-class-setup"))
        return
    with st.spinner(f"Training four networks for {steps} steps..."):
        res = single_class(int(steps), float(warmup), int(seed))
    acc = res.final
    chart(
        single_class_figure,
        res.eval_steps,
        res.val_acc,
        NORM_LABELS,
        res.r_max,
        res.d_max,
        key="l10_single",
        alt="Validation accuracy while training on one-class batches: "
        + ", ".join(f"{NORM_LABELS[k]} {v:.0%}" for k, v in acc.items())
        + ". Below, batch renorm's r_max and d_max warm-up.",
    )
    cols = st.columns(len(acc))
    for col, (k, v) in zip(cols, acc.items(), strict=True):
        col.metric(NORM_LABELS[k], f"{v:.0%}")
    st.caption(
        f"Final validation accuracy after {steps} steps (running statistics for BN and renorm; "
        "the validation set is shuffled, as real data would be). Chance is 10%."
    )


single_class_section()
prose(URL, "renorm-result")

st.header("Batch size 1: online normalization")
prose(URL, "online")


@st.fragment
def online_section() -> None:
    c1, c2 = st.columns(2)
    decay = setting_widget(DECAY, c1)
    drift = setting_widget(DRIFT, c2)
    s = stream(float(decay), float(drift))
    tail = s["y"][-250:]
    chart(
        online_norm_figure,
        s,
        key="l10_online",
        alt=f"1000 samples arriving one at a time. With a = {decay}, online normalization's "
        f"output over the last 250 has mean {nf.fixed(tail.mean(), 2)} and std {nf.fixed(tail.std(), 2)}; "
        "batch norm at batch size 1 outputs 0 throughout.",
    )
    a, b, c = st.columns(3)
    a.metric("Output mean, last 250 samples", f"{nf.fixed(tail.mean(), 2)}")
    b.metric("Output std, last 250 samples", f"{nf.fixed(tail.std(), 2)}")
    c.metric("Memory of the averages", f"~{nf.fixed(1 / (1 - float(decay)), 0)} samples")
    st.caption(words(URL, "online-lag"))


online_section()
st.caption(words(URL, "online-note"))

st.header("When to use what")
st.table(
    [r for r in WHEN_TO_USE if r["Normalization"] not in KIND_LABELS.values()],
    border="horizontal",
)
code_tabs(*BATCHES_CODE)

check_yourself(URL)
next_lesson(URL)
