"""Lesson 3: how big a batch? Batch statistics are noisy estimates."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import forward
from bnlib.core.signals import SIGNALS, sample_batches
from bnlib.lessons.estimates import DEFAULT_SIZES, estimates_by_size, population
from bnlib.lessons.settings import L3, L3_BATCH, L3_DIST, L3_SEED
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.lesson_widgets import seed_controls
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.estimates import batch_grid_figure, estimate_scatter_figure

URL = "batch-size"
GRID = 12  # small histograms in the grid
PER_SIZE = 60  # batches per size in the scatter

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


def batch_of_one_message() -> str:
    try:
        forward(np.array([[0.7]]))  # (1, 1): one sample, one feature
    except ValueError as exc:
        return str(exc)
    return ""


st.markdown(
    "μ_B and σ²_B are not the true mean and variance of a layer's inputs: they are estimates "
    "from m samples, and estimates scatter. The scatter of a mean shrinks like 1/√m: four "
    "times the batch halves the noise. Draw a dozen batches from one distribution and see how "
    "different they look."
)
st.latex(r"\operatorname{sd}(\mu_B) = \frac{\sigma}{\sqrt{m}}")


@st.fragment
def explorer() -> None:
    c1, c2 = st.columns(2)
    with c1:
        kind = setting_widget(L3_DIST, format_func=lambda k: SIGNALS[k].label)
    with c2:
        m = int(setting_widget(L3_BATCH))
    seed = seed_controls(L3_SEED)
    p = pop(kind)
    batches = grid_batches(kind, m, int(seed))
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

    st.subheader("Noise against batch size")
    st.markdown(
        f"Each grey dot is one batch: {PER_SIZE} batches at each size from 2 to 512. The dashed "
        "lines are the population value ± one standard error, which narrows like 1/√m. The "
        "green line marks your batch size."
    )
    est = scatter_data(kind, int(seed))
    chart(
        estimate_scatter_figure,
        est.sizes,
        est.means,
        est.variances,
        p.mean,
        p.var,
        p.mean_se(est.sizes),
        p.var_se(est.sizes),
        highlight=m,
        seed=int(seed),
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


explorer()

st.subheader("So how big?")
st.markdown(
    "Small batches make normalization jittery: the same sample gets a different x̂ every step "
    "because its companions changed. Below roughly 8 to 16 samples that noise is large "
    "enough to hurt training (at m = 8 the mean wanders by σ/√8 ≈ 0.35σ). Very large "
    "batches cost memory and give fewer updates per epoch. Pooling statistics over many "
    "batches would be steadier but stale: it would mix activations made by older weights, "
    "and no gradient would flow through them. In practice one mini-batch is the natural "
    "unit, and common batch sizes run from 64 to 1024; at 64 the mean's noise is σ/8."
)

st.subheader("A batch of one")
st.markdown(
    "With m = 1 the batch mean is the sample itself, so x − μ_B = 0 and σ²_B = 0. Only ε keeps "
    "the division finite, and every output is exactly β: the layer has forgotten its input. "
    "PyTorch refuses to do this in training mode. bnlib refuses too; its message opens with "
    "the same phrase as PyTorch's and then says why:"
)
st.code(batch_of_one_message(), language=None, wrap_lines=True)
st.markdown(
    "In eval mode a single sample is fine, because the running statistics (lesson 5) do not "
    "depend on the batch. A common way to hit this error by accident is a last batch of size "
    "1 at the end of an epoch; `drop_last=True` in the DataLoader avoids it."
)

code_tabs(
    """
import numpy as np
from bnlib.core.signals import sample_batches

for m in (2, 8, 32, 128, 512):
    b = sample_batches("skewed", m, num_batches=1000, seed=0)   # (1000, m)
    print(m, b.mean(axis=1).std(), 1 / np.sqrt(m))  # sd of the mean vs sigma/sqrt(m), sigma = 1
""",
    """
import torch

bn = torch.nn.BatchNorm1d(4)
bn(torch.randn(1, 4))
# ValueError: Expected more than 1 value per channel when training,
#             got input size torch.Size([1, 4])
bn.eval()
bn(torch.randn(1, 4))      # fine: uses running_mean and running_var
""",
)
check_yourself(URL)
next_lesson(URL)
