"""Lesson 3: how big a batch? Batch statistics are noisy estimates."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.signals import SIGNALS, sample_batches
from bnlib.lessons import estimates_code as code
from bnlib.lessons.estimates import (
    DEFAULT_SIZES,
    GRID,
    PER_SIZE,
    batch_of_one_message,
    estimates_by_size,
    population,
)
from bnlib.lessons.settings import L3, L3_BATCH, L3_DIST, L3_SEED
from bnlib.ui.batch_size_view import stale_window
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.estimates import batch_grid_figure, estimate_scatter_figure

URL = "batch-size"

header(URL)
link_notices(L3)


@st.cache_data(show_spinner=False, max_entries=32)
def pop(kind: str):
    return population(kind)


@st.cache_data(show_spinner=False, max_entries=64)
def grid_batches(kind: str, m: int, seed: int) -> np.ndarray:
    return sample_batches(kind, m, GRID, seed)  # (GRID, m)


@st.cache_data(show_spinner=False, max_entries=64)
def scatter_data(kind: str, seed: int):
    return estimates_by_size(kind, DEFAULT_SIZES, PER_SIZE, seed)


prose(URL, "intro")


# The distribution and the sample are page-wide: both charts below follow them. The batch
# size moves only the grid of batches, so its slider reruns that fragment alone, and the
# scatter of 540 estimates is not drawn again on every step of the slider.
with st.columns(2)[0]:
    kind = setting_widget(L3_DIST, format_func=lambda k: SIGNALS[k].label)
seed = int(seed_control(L3_SEED))


@st.fragment
def batch_grid(kind: str, seed: int) -> None:
    m = int(setting_widget(L3_BATCH))
    p = pop(kind)  # cached; taken here so a rerun of the fragment alone uses its own kind
    batches = grid_batches(kind, m, seed)
    if m == 1:
        st.warning(
            "m = 1: each batch is a single value. Its mean is the value itself and its "
            "variance is 0, so training-mode BN would output β (0 by default) for every "
            "sample. See the end "
            "of the page for what PyTorch says."
        )
    chart(
        batch_grid_figure,
        batches,
        p.mean,
        key="l3_grid",
        alt=f"{GRID} small histograms, each one batch of {m} samples from the "
        f"{SIGNALS[kind].label} distribution; their means range from "
        f"{nf.fixed(batches.mean(axis=1).min(), 2)} to {nf.fixed(batches.mean(axis=1).max(), 2)} around the "
        f"population mean {nf.fixed(p.mean, 2)}.",
    )
    means = batches.mean(axis=1)
    a, b, c = st.columns(3)
    a.metric("population mean", f"{nf.fixed(p.mean, 3)}")
    b.metric(f"spread of these {GRID} batch means", f"{nf.fixed(means.std(), 3)}")
    c.metric("σ/√m (expected spread)", f"{nf.fixed(p.mean_se(m), 3)}")


batch_grid(kind, seed)

st.subheader("Noise against batch size")
st.markdown(
    f"Each grey dot is one batch: {PER_SIZE} batches at each size from 2 to 512. The dashed "
    "lines are the population value ± one standard error, which narrows like 1/√m."
)
est = scatter_data(kind, seed)
p = pop(kind)
chart(
    estimate_scatter_figure,
    est.sizes,
    est.means,
    est.variances,
    p.mean,
    p.var,
    p.mean_se(est.sizes),
    p.var_se(est.sizes),
    seed=seed,
    key="l3_scatter",
    alt="Batch means and variances against batch size on a log axis: the cloud of "
    "estimates narrows like one over the square root of m around the population value.",
)
sd_mean, sd_var = est.spread()
st.dataframe(
    {
        "batch size m": est.sizes,
        "spread of μ_B (measured)": sd_mean.round(4),
        "σ/√m": p.mean_se(est.sizes).round(4),
        "spread of σ²_B (measured)": sd_var.round(4),
        "mean of σ²_B": est.variances.mean(axis=1).round(4),
    },
    hide_index=True,
    key="l3_table",
)
st.caption(
    f"Population variance: {nf.fixed(p.var, 4)}. The average biased σ²_B sits a factor (m − 1)/m "
    "below it: at m = 2 about half, at m = 512 the gap is 0.2%."
)

st.subheader("So how big?")
prose(URL, "so-how-big")
stale_window()

st.subheader("A batch of one")
prose(URL, "batch-of-one")
st.code(batch_of_one_message(), language=None, wrap_lines=True)
prose(URL, "eval-mode")

code_tabs(code.NUMPY, code.TORCH)
check_yourself(URL)
next_lesson(URL)
