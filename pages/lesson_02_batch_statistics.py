"""Lesson 2: batch statistics, the four steps."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import forward
from bnlib.core.signals import SIGNALS, sample
from bnlib.lessons.settings import L2, L2_BATCH, L2_DIST, L2_EPS, L2_SEED
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.lesson_widgets import seed_controls
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.batch_statistics import eps_effect_figure, features_figure, four_steps_figure

URL = "batch-statistics"
header(URL)
link_notices(L2)


@st.cache_data(show_spinner=False, max_entries=64)
def normalize_one(kind: str, m: int, eps: float, seed: int):
    x = sample(kind, m, seed).reshape(-1, 1)  # (m, 1): one feature
    y, cache = forward(x, eps=eps)
    return x[:, 0], x[:, 0] - cache.mean[0], y[:, 0], float(cache.mean[0]), float(cache.var[0])


@st.cache_data(show_spinner=False, max_entries=64)
def normalize_features(m: int, eps: float, seed: int):
    rng = np.random.default_rng(seed)
    # three features far apart: centres 10, -3 and 7, spreads 1, 0.5 and 3
    x = rng.normal([10.0, -3.0, 7.0], [1.0, 0.5, 3.0], size=(m, 3))  # (m, 3)
    y, cache = forward(x, eps=eps)
    return x, y, cache.mean, cache.var


st.markdown(
    "A BN layer looks at one mini-batch of m samples and, for each feature on its own, "
    "does four small things. Two of them *measure* the batch, two of them *change* it."
)
st.latex(r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i \qquad \text{(1: batch mean)}")
st.latex(
    r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} (x_i - \mu_B)^2 \qquad \text{(2: batch variance, divided by } m\text{)}"
)
st.latex(
    r"\hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}} \qquad \text{(3: shift, then scale)}"
)
st.latex(r"y_i = \gamma\,\hat{x}_i + \beta \qquad \text{(4: learned scale and shift, lesson 4)}")
st.markdown(
    "Below, γ = 1 and β = 0, so the output is x̂ itself. Pick a distribution and watch the "
    "three histograms: the axis numbers change, the **shape does not**. A bimodal batch stays "
    "bimodal and a skewed one stays skewed: normalizing moves and stretches, it does not make "
    "anything Gaussian."
)


@st.fragment
def four_steps() -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        kind = setting_widget(L2_DIST, format_func=lambda k: SIGNALS[k].label)
    with c2:
        m = setting_widget(L2_BATCH)
    with c3:
        eps = setting_widget(L2_EPS, format_func=nf.eps)
    seed = seed_controls(L2_SEED)
    try:
        raw, centered, scaled, mu, var = normalize_one(kind, int(m), float(eps), int(seed))
    except ValueError as exc:
        st.error(str(exc))
        return
    st.caption(SIGNALS[kind].description)
    a, b, c, d = st.columns(4)
    a.metric("μ_B (batch mean)", f"{nf.num(mu, 4)}")
    b.metric("σ²_B (batch variance)", f"{nf.num(var, 4)}")
    c.metric(
        "mean of x̂",
        f"{nf.num(scaled.mean(), 2)}",
        help="Tiny numbers like 1e-17 are floating-point rounding; in exact arithmetic it is 0.",
    )
    d.metric("std of x̂", f"{nf.fixed(scaled.std(), 6)}", help="√(σ² / (σ² + ε)): just under 1.")
    chart(
        four_steps_figure,
        raw,
        centered,
        scaled,
        key="l2_four_steps",
        alt=f"Three histograms of the same {m} samples ({SIGNALS[kind].label}): raw, centred "
        f"on zero and scaled to unit spread; the shape is the same in all three.",
    )
    if var == 0.0:
        st.warning(
            f"Every sample is the same, so σ²_B = 0 and x − μ_B = 0. BN computes "
            f"0 / √(0 + {nf.eps(eps)}) = 0 for every sample. Without ε it would be 0 / 0, which is "
            "not a number (NaN), and one NaN spreads to every weight it touches."
        )
    elif m <= 4:
        st.info(
            f"With only {m} samples the 'distribution' is a handful of bars: the statistics "
            "are estimates, and lesson 3 measures how noisy they are."
        )

    many_features(int(m), float(eps), int(seed))
    eps_curve(float(eps))


def many_features(m: int, eps: float, seed: int) -> None:
    st.subheader("Each feature on its own")
    st.markdown(
        "A layer with 256 units computes 256 means and 256 variances: every feature gets its "
        "own pair. Here are three features centred near 10, −3 and 7, with spreads 1, 0.5 and "
        "3. Before BN they live in different places on one axis; after BN all three sit on the "
        "same standard footing, around 0 with spread 1. Batch size and eps are the ones above."
    )
    x, y, mean, var = normalize_features(max(m, 2), eps, seed)
    names = ["feature 1", "feature 2", "feature 3"]
    chart(
        features_figure,
        x,
        y,
        names,
        key="l2_features",
        alt="Three features: before BN centred at about 10, -3 and 7 with different spreads; "
        "after BN all three centred at 0 with the same spread.",
    )
    st.dataframe(
        {
            "feature": names,
            "μ_B": np.round(mean, 3),
            "σ²_B": np.round(var, 3),
            "mean after": np.round(y.mean(axis=0), 6) + 0.0,
            "std after": np.round(y.std(axis=0), 4),
        },
        hide_index=True,
    )


def eps_curve(eps: float) -> None:
    st.subheader("What ε is for")
    st.markdown(
        "Pick **Constant** above: every sample equals 3.0, the variance is exactly 0, and the "
        "division in step 3 would be 0 / 0. ε turns it into 0 / √ε = 0. The price is small: for any "
        "feature, the output's spread is √(σ² / (σ² + ε)) instead of 1. That only matters when the "
        "variance is not much bigger than ε. The curve below is for a feature with variance 1e-4 "
        "(say, activations that barely move)."
    )
    grid = np.geomspace(1e-8, 1.0, 81)
    chart(
        eps_effect_figure,
        1e-4,
        grid,
        eps,
        key="l2_eps_curve",
        alt=f"The std of the normalized output for variance 1e-4 falls from 1 to 0 as eps grows "
        f"from 1e-8 to 1; at eps = {nf.eps(eps)} it is {nf.fixed(np.sqrt(1e-4 / (1e-4 + eps)), 3)}.",
    )


four_steps()

st.subheader("Why a common footing helps")
st.markdown(
    "Think of two inputs: a price in dollars (values near 1000) and an interest rate (values "
    "near 0.01). The gradient of a weight is proportional to its input, so the price's weight "
    "gets gradients about 100,000 times larger than the rate's, so one learning rate is either far too big for one weight or far "
    "too small for the other. After normalization both features have spread 1, and both "
    "weights get gradients of a similar size."
)

code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import forward

x = np.random.default_rng(0).normal([10, -3, 7], [1, 0.5, 3], size=(256, 3))
mu = x.mean(axis=0)                  # (3,) one mean per feature
var = x.var(axis=0)                  # (3,) biased: divides by m
x_hat = (x - mu) / np.sqrt(var + 1e-5)
y, cache = forward(x, gamma=1.0, beta=0.0, eps=1e-5)
assert np.allclose(y, x_hat)
""",
    """
import torch

x = torch.randn(256, 3, dtype=torch.float64) * torch.tensor([1, 0.5, 3]) + torch.tensor([10, -3, 7])
bn = torch.nn.BatchNorm1d(3, eps=1e-5, dtype=torch.float64)   # gamma=1, beta=0 at start
y = bn(x)                            # training mode: uses this batch's mean and variance
print(y.mean(0), y.std(0, unbiased=False))   # about 0 and just under 1
""",
)
check_yourself(URL)
next_lesson(URL)
