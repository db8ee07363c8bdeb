"""Lesson 12's Streamlit side: cached runs and what each experiment shows once it has run.

The page (pages/lesson_11_why_it_works.py) keeps the widgets; words come from
assets/lessons/why-it-works.md at the reader's level, {{name}} placeholders filled here.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.lessons.noisy_bn import noisy_unit_percentiles
from bnlib.lessons.why_it_works import measure_rows, noise_verdict, probe_every, ratio
from bnlib.ui.charts import chart
from bnlib.ui.lesson import words
from bnlib.viz.why_it_works import accuracy_curves_figure, landscape_figure, noise_band_figure

URL = "why-it-works"


@st.cache_data(show_spinner=False)
def noise_band(noise: float):
    return noisy_unit_percentiles(steps=100, noise=noise, seed=0)


@st.cache_data(show_spinner=False, max_entries=16)
def noisy_run(noise: float, steps: int, seed: int):
    from bnlib.lab.experiments import noisy_bn_experiment  # torch only when it runs

    return noisy_bn_experiment(noise=noise, steps=steps, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def landscape(lr: float, steps: int, seed: int):
    from bnlib.lab.experiments import landscape_experiment

    return landscape_experiment(steps=steps, lr=lr, probe_every=probe_every(steps), seed=seed)


def band(noise: float) -> None:
    """One unit's 15/50/85th percentiles over 100 steps, plain BN beside BN + noise."""
    plain, noisy = noise_band(float(noise))
    chart(
        noise_band_figure,
        np.arange(1, len(plain) + 1),
        plain,
        noisy,
        key="l11_band",
        alt=f"One unit over 100 steps. After plain BN its median stays within "
        f"{nf.fixed(np.abs(plain[:, 1]).max(), 2)} of 0; with noise {noise} it wanders up to "
        f"{nf.fixed(np.abs(noisy[:, 1]).max(), 2)} away and the band's width changes every step.",
    )
    st.caption(
        words(
            URL,
            "band-caption",
            plain=nf.fixed(np.abs(plain[:, 1]).max(), 2),
            noisy=nf.fixed(np.abs(noisy[:, 1]).max(), 2),
        )
    )


def noisy_training(noise: float, steps: int, seed: int) -> None:
    """Train no BN, BN and BN + noise; their accuracy curves and final accuracies."""
    with st.spinner("Training three networks..."):
        res = noisy_run(float(noise), int(steps), seed)
    acc = res.final
    chart(
        accuracy_curves_figure,
        res.eval_steps,
        res.val_acc,
        key="l11_noise_acc",
        alt="Validation accuracy over training: "
        + ", ".join(f"{k} {v:.1%}" for k, v in acc.items())
        + f", with noise strength {noise}.",
    )
    cols = st.columns(3)
    for col, (k, v) in zip(cols, acc.items(), strict=True):
        col.metric(f"{k}: val accuracy", f"{v:.1%}")
    gap = acc["BN"] - acc["BN + noise"]
    st.caption(
        words(
            URL,
            "noise-caption",
            steps=steps,
            gap=f"{abs(gap):.1%}",
            gap_side="below" if gap > 0 else "above",
            vs_plain=f"{abs(acc['BN + noise'] - acc['No BN']):.1%}",
            plain_side="above" if acc["BN + noise"] >= acc["No BN"] else "below",
            verdict=words(URL, "verdict-" + noise_verdict(acc)),
        )
    )


def landscape_results(lr: float, steps: int, seed: int) -> None:
    """Train and probe both nets; the three measures as bands, a table and a caption."""
    with st.spinner("Training two networks and probing the landscape..."):
        res = landscape(float(lr), int(steps), int(seed))
    s = res.summary()
    beta = {k: res.beta_smoothness(k) for k in res.labels}
    chart(
        landscape_figure,
        res.probe_steps,
        res.loss,
        res.grad_change,
        beta,
        key="l11_landscape",
        alt=f"Bands over {steps} training steps at learning rate {lr}. Mean loss range: "
        f"{nf.fixed(s['No BN']['loss_range'], 3)} without BN, {nf.fixed(s['BN']['loss_range'], 3)} with BN. "
        f"Mean gradient change: {nf.fixed(s['No BN']['grad_change'], 2)} vs "
        f"{nf.fixed(s['BN']['grad_change'], 2)}. Beta-smoothness: {nf.fixed(s['No BN']['beta'], 1)} vs "
        f"{nf.fixed(s['BN']['beta'], 1)}.",
    )
    st.table(measure_rows(s), border="horizontal")
    st.caption(
        words(
            URL,
            "landscape-caption",
            loss_ratio=nf.fixed(ratio(s["No BN"]["loss_range"], s["BN"]["loss_range"]), 1),
            grad_ratio=nf.fixed(ratio(s["No BN"]["grad_change"], s["BN"]["grad_change"]), 1),
            beta_ratio=nf.fixed(ratio(s["No BN"]["beta"], s["BN"]["beta"]), 2),
            acc_plain=f"{res.val_acc['No BN']:.1%}",
            acc_bn=f"{res.val_acc['BN']:.1%}",
        )
    )
