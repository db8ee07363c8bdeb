"""Lesson 2: batch statistics, the four steps."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.signals import SIGNALS
from bnlib.lessons import batch_statistics as lesson
from bnlib.lessons import batch_statistics_code as code
from bnlib.lessons.settings import L2, L2_BATCH, L2_DIST, L2_EPS, L2_SEED
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.batch_statistics import (
    bowl_figure,
    eps_effect_figure,
    features_figure,
    four_steps_figure,
)

URL = "batch-statistics"
header(URL)
link_notices(L2)


@st.cache_data(show_spinner=False, max_entries=64)
def normalize_one(kind: str, m: int, eps: float, seed: int):
    return lesson.normalize_one(kind, m, eps, seed)


@st.cache_data(show_spinner=False, max_entries=64)
def normalize_features(m: int, eps: float, seed: int):
    return lesson.normalize_features(m, eps, seed)


prose(URL, "four-steps")
prose(URL, "shape")


@st.fragment
def four_steps() -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        kind = setting_widget(L2_DIST, format_func=lambda k: SIGNALS[k].label)
    with c2:
        m = setting_widget(L2_BATCH)
    with c3:
        eps = setting_widget(L2_EPS, format_func=nf.eps)
    seed = seed_control(L2_SEED)
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
    prose(URL, "each-feature")
    x, y, mean, var = normalize_features(max(m, 2), eps, seed)
    names = lesson.FEATURE_NAMES
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
    prose(URL, "eps")
    chart(
        eps_effect_figure,
        lesson.EPS_CURVE_VAR,
        lesson.EPS_GRID,
        eps,
        key="l2_eps_curve",
        alt=f"The std of the normalized output for variance 1e-4 falls from 1 to 0 as eps grows "
        f"from 1e-8 to 1; at eps = {nf.eps(eps)} it is {nf.fixed(lesson.normalized_std(lesson.EPS_CURVE_VAR, eps), 3)}.",
    )


four_steps()

st.subheader("Why a common footing helps")
prose(URL, "common-footing")
prose(URL, "bowl")
raw, flat = lesson.bowl(lesson.BOWL_SCALE, False), lesson.bowl(lesson.BOWL_SCALE, True)
chart(
    bowl_figure,
    raw,
    flat,
    key="l2_bowl",
    alt=f"Gradient descent needs {raw.steps_to_1pct} steps in the long thin bowl of raw "
    f"inputs and {flat.steps_to_1pct} in the round bowl of normalized ones.",
)
code_tabs(code.NUMPY, code.TORCH)
check_yourself(URL)
next_lesson(URL)
