"""Lessons 10 and 11 (alternatives, non-random batches): the cached computations behind
their sections (their text goes through bnlib.ui.lesson.prose).

The pages stay glue: widgets -> these -> a figure from bnlib.viz.alternatives.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib.lessons.alternatives import normalize, online_stream, shared_mask, stat_count

BLOCK = (4, 6, 2, 2)  # (N, C, H, W) drawn as cubes


@st.cache_data(show_spinner=False)
def block(kind: str, groups: int):
    """Lesson 10's cube block: the shared mask, the number of (mean, variance) pairs, and
    the mean and variance of the blue values after bnlib's normalization."""
    x = np.random.default_rng(0).normal(3.0, 2.0, BLOCK)
    m = shared_mask(kind, BLOCK, (1, 2), groups)
    y = normalize(kind, x, groups)
    return m, stat_count(kind, BLOCK, groups), float(y[m].mean()), float(y[m].var())


@st.cache_data(show_spinner=False, max_entries=8)
def sweep(epochs: int, seed: int):
    from bnlib.lab.experiments import batch_size_sweep  # torch only when it runs

    return batch_size_sweep(epochs=float(epochs), seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def single_class(steps: int, warmup: float, seed: int):
    from bnlib.lab.experiments import single_class_experiment

    return single_class_experiment(steps=steps, warmup=warmup, seed=seed)


@st.cache_data(show_spinner=False)
def stream(decay: float, drift: float):
    return online_stream(n=1000, decay=decay, drift=drift, seed=0)
