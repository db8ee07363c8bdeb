"""Lesson 10: layer, instance and group norm, and how each behaves as the batch shrinks.

Text: assets/lessons/alternatives.md. Batch renorm and online norm, once the second half of
this page, are lesson 11 (pages/lesson_10b_non_random_batches.py).
"""

import streamlit as st

from bnlib import format as nf
from bnlib.lessons.alternatives import (
    AXES_SETTINGS,
    CALLS,
    EPOCHS,
    FORMULAS,
    GROUPS,
    KIND,
    KIND_LABELS,
    NORM_LABELS,
    POOLED_OVER,
    SEED,
    WHEN_TO_USE,
    WU_HE,
)
from bnlib.lessons.alternatives_code import AXES_CODE
from bnlib.ui.alternatives_view import block, sweep
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose, run_button, words
from bnlib.ui.level import why_box
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.alternatives import batch_sweep_figure, norm_block_figure

URL = "alternatives"

header(URL)
link_notices(AXES_SETTINGS)
prose(URL, "intro")

st.header("Four ways to pick the statistics")
prose(URL, "axes")


@st.fragment
def axes_section() -> None:
    c1, c2 = st.columns(2)
    kind = setting_widget(KIND, c1, format_func=lambda k: KIND_LABELS[k])
    groups = setting_widget(GROUPS, c2, disabled=kind != "group")
    m, count, mean, var = block(kind, int(groups))
    left, right = st.columns([3, 2])
    with left:
        chart(
            norm_block_figure,
            m,
            f"{KIND_LABELS[kind]}: pooled over {POOLED_OVER[kind]}",
            key="l10_block",
            alt=f"A block of 4 samples, 6 channels and 4 positions drawn as cubes. "
            f"{KIND_LABELS[kind]} colours {int(m.sum())} of the {m.size} cubes: they share "
            f"one mean and variance; the block needs {count} such pairs.",
        )
    with right:
        for line in FORMULAS[kind].split(r", \quad "):
            st.latex(line)
        st.latex(
            r"\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta"
        )
        st.code(CALLS[kind], language="python")
        a, b = st.columns(2)
        a.metric("Mean/variance pairs", count)
        b.metric("Values per pair", int(m.sum()))
        st.caption(
            f"Checked on random numbers (mean 3, std 2) through bnlib: the blue values "
            f"come out with mean {nf.sci(mean, 1, signed=True)} and variance {nf.fixed(var, 5)} (eps pulls it just below 1)."
        )
    if kind == "group":
        st.caption(words(URL, "group-note"))


axes_section()

st.header("Batch size: BN against group and layer norm")
prose(URL, "batch-size")
st.table(
    [
        {
            "Images per GPU": str(n),
            "BN error (%)": f"{nf.fixed(b, 1)}",
            "GN error (%)": f"{nf.fixed(g, 1)}",
        }
        for n, b, g in zip(WU_HE["images_per_gpu"], WU_HE["bn"], WU_HE["gn"], strict=True)
    ],
    border="horizontal",
)


@st.fragment
def sweep_section() -> None:
    c1, c2 = st.columns(2)
    epochs = setting_widget(EPOCHS, c1)
    seed = seed_control(SEED, c2)
    if not run_button("l10_sweep_on", "Run the sweep (about 10 s)"):
        st.caption("18 short training runs: 3 normalizations x 6 batch sizes.")
        return
    with st.spinner("Training 18 networks..."):
        res = sweep(int(epochs), int(seed))
    err = res.error
    chart(
        batch_sweep_figure,
        res.batch_sizes,
        err,
        NORM_LABELS,
        WU_HE,
        key="l10_sweep",
        alt=f"Validation error against batch size. Batch norm: {nf.fixed(100 * err['bn_before'][0], 0)}% at "
        f"batch 2, {nf.fixed(100 * err['bn_before'][4], 1)}% at 32. Group norm: "
        f"{nf.fixed(100 * err['group'][0], 1)}% and {nf.fixed(100 * err['group'][4], 1)}%. Next to it, Wu and "
        "He's ImageNet numbers.",
    )
    m = st.columns(3)
    m[0].metric("BN error, batch 2", f"{err['bn_before'][0]:.1%}")
    m[1].metric("BN error, batch 32", f"{err['bn_before'][4]:.1%}")
    m[2].metric(
        "Group norm error, batch 2 to 64",
        f"{err['group'].min():.1%} to {err['group'].max():.1%}",
    )
    st.caption(
        f"{nf.num(res.epochs, 6)} epochs at every batch size: {res.steps[0]} steps at batch 2, "
        f"{res.steps[-1]} at batch 64. Same seed, same initial weights for every net."
    )


sweep_section()
why_box(words(URL, "tiny-batch-why"))

with st.expander("Small batches in practice: what people do, and what BN costs"):
    prose(URL, "in-practice")

st.header("When to use what")
st.table(
    [r for r in WHEN_TO_USE if r["Normalization"] in KIND_LABELS.values()], border="horizontal"
)
prose(URL, "rule-of-thumb")
code_tabs(*AXES_CODE)

check_yourself(URL)
next_lesson(URL)
