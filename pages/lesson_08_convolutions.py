"""Lesson 8: BN after a convolution keeps one mean and one variance per channel."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.conv import KERNEL_NAMES, per_pixel_zero_variance, statistic_counts
from bnlib.course.lesson_text import lesson_text
from bnlib.lessons.conv import (
    BATCH,
    CHANNEL,
    CODE,
    SEED,
    SETTINGS,
    SHOWN,
    TORCH,
    channel_table,
)
from bnlib.ui.charts import chart
from bnlib.ui.conv_view import features, torch_check
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.level import level
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.conv import channel_histograms_figure, feature_maps_figure

URL = "convolutions"

header(URL)
link_notices(SETTINGS)

prose(URL, "intro")
prose(URL, "setup")


@st.fragment
def explorer() -> None:
    c1, c2 = st.columns(2)
    batch = int(setting_widget(BATCH, c1))
    channel = setting_widget(CHANNEL, c2)
    seed = seed_control(SEED, c1)
    images, f, y, mean, var = features(batch, seed)
    j = KERNEL_NAMES.index(channel)
    k = min(SHOWN, batch)
    chart(
        feature_maps_figure,
        images[:k, 0],
        f[:k, j],
        y[:k, j],
        channel,
        key="l8_maps",
        alt=f"{k} digit images, their '{channel}' feature maps before BN (mean {nf.fixed(mean[j], 2)}, "
        f"standard deviation {nf.fixed(np.sqrt(var[j]), 2)}) and after BN (mean 0, deviation 1).",
    )
    chart(
        channel_histograms_figure,
        f,
        y,
        KERNEL_NAMES,
        key="l8_hist",
        alt="Histograms of the four channels' values pooled over images and positions: "
        "before BN they sit at different places with different widths; after BN all four "
        "are centred on 0 with spread 1.",
    )
    n, c, h, w = f.shape
    st.dataframe(channel_table(f, y, mean, var), hide_index=True)
    counts = statistic_counts(c, h, w)
    zero = per_pixel_zero_variance(f)
    st.subheader("How many statistics?")
    m1, m2, m3 = st.columns(3)
    m1.metric("Means kept per channel (BatchNorm2d)", counts["per_channel"])
    m2.metric("Means kept per pixel", counts["per_pixel"])
    m3.metric("Pixel positions with zero variance", zero)
    counts_text = lesson_text(URL).get("counts", level())
    st.markdown(counts_text.format(c=c, n=n, h=h, w=w, nhw=n * h * w, chw=c * h * w, zero=zero))


explorer()


@st.fragment
def check() -> None:
    st.subheader("Checked against PyTorch")
    on = setting_widget(TORCH)
    if not on:
        st.caption(
            "Switch on to run the same feature maps through torch.nn.BatchNorm2d (float64) and "
            "bnlib's BatchNorm for three training steps and one eval step."
        )
        return
    batch = int(st.session_state.get(BATCH.key, BATCH.default))
    seed = int(st.session_state.get(SEED.key, SEED.default))
    with st.spinner("Loading PyTorch…"):
        worst = torch_check(batch, seed)
    cols = st.columns(len(worst))
    for col, (name, value) in zip(cols, worst.items(), strict=True):
        col.metric(f"Max |ours - torch|, {name}", f"{nf.sci(value, 1)}")
    verdict = max(worst.values()) <= 1e-10
    msg = (
        f"bnlib agrees with BatchNorm2d to {nf.sci(max(worst.values()), 0)} on a ({batch}, 4, 8, 8) "
        "batch: outputs, running mean, running variance (stored unbiased) and eval output."
    )
    if verdict:
        st.success(msg, icon=":material/check_circle:")
    else:
        st.error("bnlib and PyTorch disagree: " + msg)


check()

code_tabs(*CODE)

check_yourself(URL)
next_lesson(URL)
