"""Lesson 12: covariate shift or a smoother landscape? Both tested on a small net.

Words: assets/lessons/why-it-works.md; settings and table arithmetic:
bnlib/lessons/why_it_works.py; figures: bnlib/viz/why_it_works.py; cached runs and what
each experiment shows: bnlib/ui/why_view.py.
"""

import streamlit as st

from bnlib.lessons.why_it_works import LR, NOISE, NOISE_STEPS, SEED, SETTINGS, STEPS
from bnlib.lessons.why_it_works_code import NUMPY, TORCH
from bnlib.ui.lesson import code_tabs, header, next_lesson, prose, run_button, words
from bnlib.ui.level import why_box
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.why_view import band, landscape_results, noisy_training
from bnlib.ui.widgets import link_notices, setting_widget

URL = "why-it-works"

header(URL)
link_notices(SETTINGS)
prose(URL, "intro")

st.header("Experiment 1: shake the distributions on purpose")
prose(URL, "noise")


@st.fragment
def noise_section() -> None:
    c1, c2 = st.columns(2)
    noise = setting_widget(NOISE, c1)
    steps = setting_widget(NOISE_STEPS, c2)
    band(noise)
    if not run_button("l11_noise_on", "Train with the noise (about 10 s)"):
        return
    seed = int(st.session_state.get(SEED.key, SEED.default))
    noisy_training(noise, steps, seed)


noise_section()
why_box(words(URL, "noise-why"))

st.header("Experiment 2: how smooth is the loss along the gradient?")
prose(URL, "landscape")
prose(URL, "probes")


@st.fragment
def landscape_section() -> None:
    c1, c2, c3 = st.columns(3)
    lr = setting_widget(LR, c1)
    steps = setting_widget(STEPS, c2)
    seed = seed_control(SEED, c3)
    if not run_button("l11_land_on", "Train and probe (about 2 s)"):
        return
    landscape_results(lr, steps, seed)


landscape_section()
with st.expander("What our runs show (five seeds, two learning rates)"):
    prose(URL, "our-runs")

st.header("So why does it work?")
prose(URL, "so-why")

code_tabs(NUMPY, TORCH)

check_yourself(URL)
next_lesson(URL)
