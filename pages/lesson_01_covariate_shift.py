"""Lesson 1: the problem BN was invented for, internal covariate shift."""

import streamlit as st

from bnlib import format as nf
from bnlib.lessons import covariate_code as code
from bnlib.lessons.covariate import FLAT, band_summary, checkpoint, flat_fraction, load_runs
from bnlib.lessons.settings import L1, L1_EVERY, L1_LAYER, L1_LR, L1_SEED, L1_STEP, L1_UNIT
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.covariate import accuracy_figure, shift_bands_figure

URL = "covariate-shift"

header(URL)
link_notices(L1)


@st.cache_data(show_spinner="Training two small networks (about a second)…", max_entries=16)
def runs(lr: float, seed: int):
    return load_runs(lr, seed)


# The chart is what a visitor waits for: its element is sent first and the introduction is
# filled into a container placed above it (same order on screen, earlier chart; the prose
# and KaTeX otherwise delay the first chart of a cold start).
intro = st.container()


@st.fragment
def replay() -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        layer = int(setting_widget(L1_LAYER))
    with c2:
        unit = int(setting_widget(L1_UNIT))
    with c3:
        lr = float(setting_widget(L1_LR))
    step = int(setting_widget(L1_STEP))
    seed = int(seed_control(L1_SEED))
    plain, bn = runs(lr, seed)
    k = checkpoint(step, L1_EVERY, len(plain.steps))
    band_plain = plain.bands[:, layer - 1, unit]  # (K, 3)
    band_bn = bn.bands[:, layer - 1, unit]
    chart(
        shift_bands_figure,
        plain.steps,
        band_plain,
        band_bn,
        k,
        flat=FLAT,
        key="l1_bands",
        alt=f"Layer {layer}, unit {unit}: the 15th to 85th percentile band of the sigmoid "
        f"input over training. At step {plain.steps[k]} without BN it spans "
        f"{nf.fixed(band_plain[k, 0], 2)} to {nf.fixed(band_plain[k, 2], 2)}; with BN "
        f"{nf.fixed(band_bn[k, 0], 2)} to {nf.fixed(band_bn[k, 2], 2)}. Regions beyond ±{nf.num(FLAT, 6)} are shaded.",
    )
    a, b, c, d = st.columns(4)
    a.metric("median, without BN", f"{nf.fixed(band_plain[k, 1], 2, signed=True)}")
    b.metric("median, with BN", f"{nf.fixed(band_bn[k, 1], 2, signed=True)}")
    c.metric("band beyond ±2, without BN", f"{flat_fraction(band_plain[k], FLAT):.0%}")
    d.metric("band beyond ±2, with BN", f"{flat_fraction(band_bn[k], FLAT):.0%}")
    chart(
        accuracy_figure,
        plain.steps,
        plain.accuracy,
        bn.accuracy,
        k,
        key="l1_accuracy",
        alt=f"Held-out accuracy over training: at step {plain.steps[k]}, "
        f"{plain.accuracy[k]:.0%} without BN and {bn.accuracy[k]:.0%} with BN.",
    )
    p, q = band_summary(band_plain), band_summary(band_bn)
    st.markdown(
        f"For this unit: without BN the band starts {nf.fixed(p.width_start, 2)} wide and ends "
        f"{nf.fixed(p.width_end, 2)} wide (×{nf.fixed(p.width_end / max(p.width_start, 1e-9), 0)}), "
        f"and its median wanders by up to {nf.fixed(p.drift, 2)}. With BN it starts "
        f"{nf.fixed(q.width_start, 2)} wide and ends {nf.fixed(q.width_end, 2)} wide "
        f"(×{nf.fixed(q.width_end / max(q.width_start, 1e-9), 1)}), its median moving by up to "
        f"{nf.fixed(q.drift, 2)}. After {plain.steps[-1]} steps the held-out accuracy "
        f"is {plain.accuracy[-1]:.0%} without BN and {bn.accuracy[-1]:.0%} with BN."
    )


replay()
with intro:
    for section in ("intro", "why-it-hurts", "experiment"):
        prose(URL, section)

prose(URL, "read-the-chart")
prose(URL, "caution")
code_tabs(code.NUMPY, code.TORCH)
check_yourself(URL)
next_lesson(URL)
