"""Lessons 10 and 11 (alternatives, non-random batches): the cached computations behind
their sections, and their text with glossary links.

The pages stay glue: widgets -> these -> a figure from bnlib.viz.alternatives.
"""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from bnlib.course.lesson_text import lesson_text
from bnlib.lessons.alternatives import normalize, online_stream, shared_mask, stat_count
from bnlib.ui.level import level, term

BLOCK = (4, 6, 2, 2)  # (N, C, H, W) drawn as cubes
# [[glossary term]] or [[glossary term|words shown]] in a lesson text: a glossary link for
# beginners (bnlib.ui.level.term), the plain words for everyone else.
_TERM = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")


def words(url_path: str, name: str) -> str:
    """Section `name` of the page's text at the reader's level, glossary terms linked."""
    text = lesson_text(url_path).get(name, level())
    return _TERM.sub(lambda m: term(m.group(1), m.group(2)), text)


def say(url_path: str, name: str, box=None) -> str:
    """Write section `name` (see words) as markdown into `box` (default: the page)."""
    text = words(url_path, name)
    (box or st).markdown(text)
    return text


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
