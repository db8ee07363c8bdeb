"""Lesson 10: where batch norm struggles, and the normalizations that avoid the batch."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.lessons.alternatives import (
    KIND_LABELS,
    POOLED_OVER,
    WHEN_TO_USE,
    WU_HE,
    normalize,
    online_stream,
    shared_mask,
    stat_count,
)
from bnlib.settings import Setting
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, run_button
from bnlib.ui.level import explain, term, why_box
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.alternatives import (
    batch_sweep_figure,
    norm_block_figure,
    online_norm_figure,
    single_class_figure,
)

URL = "alternatives"
BLOCK = (4, 6, 2, 2)  # (N, C, H, W) drawn as cubes
KIND = Setting(
    "l10_kind",
    "choice",
    "batch",
    "Normalization",
    choices=("batch", "layer", "instance", "group"),
)
GROUPS = Setting("l10_groups", "choice", 2, "Groups (group norm)", choices=(1, 2, 3, 6))
EPOCHS = Setting(
    "l10_epochs",
    "choice",
    2,
    "Epochs per run",
    choices=(2, 5),
    help="Every batch size sees the same number of samples. 5 epochs takes about 2.5 times longer.",
)
STEPS = Setting("l10_steps", "choice", 600, "Training steps", choices=(600, 1500, 3000))
WARMUP = Setting(
    "l10_warmup",
    "choice",
    0.25,
    "Renorm warm-up (share of the run)",
    choices=(0.0, 0.25, 0.5),
)
DECAY = Setting("l10_decay", "choice", 0.99, "Decay a", choices=(0.9, 0.99, 0.999))
DRIFT = Setting("l10_drift", "float", 1.0, "Drift of the baseline", min=0.0, max=3.0, step=0.25)
SEED = Setting("l10_seed", "int", 0, "Seed", min=0, max=1_000_000)
SETTINGS = (KIND, GROUPS, EPOCHS, STEPS, WARMUP, DECAY, DRIFT, SEED)

NORM_LABELS = {
    "none": "No normalization",
    "bn_before": "Batch norm",
    "batch_renorm": "Batch renorm",
    "group": "Group norm (4 groups)",
    "layer": "Layer norm",
}
FORMULAS = {
    "batch": r"\mu_c = \frac{1}{NHW}\sum_{n,h,w} x_{nchw}, \quad "
    r"\sigma_c^2 = \frac{1}{NHW}\sum_{n,h,w} (x_{nchw} - \mu_c)^2",
    "layer": r"\mu_n = \frac{1}{CHW}\sum_{c,h,w} x_{nchw}, \quad "
    r"\sigma_n^2 = \frac{1}{CHW}\sum_{c,h,w} (x_{nchw} - \mu_n)^2",
    "instance": r"\mu_{nc} = \frac{1}{HW}\sum_{h,w} x_{nchw}, \quad "
    r"\sigma_{nc}^2 = \frac{1}{HW}\sum_{h,w} (x_{nchw} - \mu_{nc})^2",
    "group": r"\mu_{ng} = \frac{G}{CHW}\sum_{c \in g}\sum_{h,w} x_{nchw}, \quad "
    r"\sigma_{ng}^2 = \frac{G}{CHW}\sum_{c \in g}\sum_{h,w} (x_{nchw} - \mu_{ng})^2",
}
CALLS = {
    "batch": "from bnlib.core.batchnorm import forward\ny, cache = forward(x, gamma, beta)   # x: (N, C, H, W)",
    "layer": "from bnlib.core.norms import layer_norm\ny = layer_norm(x)                    # over (C, H, W) of each sample",
    "instance": "from bnlib.core.norms import instance_norm\ny = instance_norm(x, gamma, beta)     # over (H, W) of each (n, c)",
    "group": "from bnlib.core.norms import group_norm\ny = group_norm(x, num_groups=G)      # over (C/G, H, W) of each sample",
}


@st.cache_data(show_spinner=False)
def block(kind: str, groups: int):
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


header(URL)
link_notices(SETTINGS)

st.markdown(
    f"""
Batch norm takes its statistics from the other samples in the batch. That is its
strength and the root of every weakness this lesson measures:

- **Small batches** give noisy statistics (lesson 3), and at batch size 1 there are none.
- **Training and inference differ**: batch statistics while training, running averages
  after (lesson 5).
- **Samples are no longer independent**: one sample's output depends on its neighbours,
  which goes badly wrong when a batch is not a random mix.
- **Sequences and recurrent nets** would need statistics per time step, and sequences
  come in different lengths.

The fixes keep the idea (subtract a mean, divide by a standard deviation) and change
where the statistics come from: {term("layer norm")}, instance norm,
{term("group norm")}, {term("batch renormalization", "batch renorm")} and
{term("online normalization", "online norm")}.
"""
)

st.header("Four ways to pick the statistics")
explain(
    beginner=(
        "A conv layer's output is a 4-D block: N samples, C channels, and an H x W grid of "
        "positions. Every method below subtracts a mean and divides by a standard deviation; "
        "they differ only in **which numbers share one mean**. Pick one and look at the blue cubes."
    ),
    intermediate=(
        "For an (N, C, H, W) activation, each method pools a different set of axes into one "
        "mean and variance. Blue cubes share the statistics of sample 2, channel 3."
    ),
)


@st.fragment
def axes_section() -> None:
    c1, c2 = st.columns(2)
    kind = setting_widget(KIND, c1, format_func=lambda k: KIND_LABELS[k])
    groups = setting_widget(GROUPS, c2, disabled=kind != "group")
    m, count, mean, var = block(kind, int(groups))
    left, right = st.columns([3, 2])
    with left:
        chart(
            norm_block_figure,
            m,
            f"{KIND_LABELS[kind]}: pooled over {POOLED_OVER[kind]}",
            key="l10_block",
            alt=f"A block of 4 samples, 6 channels and 4 positions drawn as cubes. "
            f"{KIND_LABELS[kind]} colours {int(m.sum())} of the {m.size} cubes: they share "
            f"one mean and variance; the block needs {count} such pairs.",
        )
    with right:
        for line in FORMULAS[kind].split(r", \quad "):
            st.latex(line)
        st.latex(
            r"\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta"
        )
        st.code(CALLS[kind], language="python")
        a, b = st.columns(2)
        a.metric("Mean/variance pairs", count)
        b.metric("Values per pair", int(m.sum()))
        st.caption(
            f"Checked on random numbers (mean 3, std 2) through bnlib: the blue values "
            f"come out with mean {nf.sci(mean, 1, signed=True)} and variance {nf.fixed(var, 5)} (eps pulls it just below 1)."
        )
    if kind == "group":
        st.caption(
            "Group norm with 1 group is layer norm; with one group per channel (6 here) it is "
            "instance norm. Wu and He used 32 groups."
        )


axes_section()

st.header("Batch size: BN against group and layer norm")
st.markdown(
    """
Wu and He (2018) trained ResNet-50 on ImageNet with fewer and fewer images per GPU. Batch
norm's error climbs from 23.6% to 34.7%; group norm stays at about 24%. Below you can run a
small version of the same sweep: the digits MLP with each normalization at batch sizes 2 to
64, the same number of epochs each, and the learning rate scaled with the batch
(0.05 x B / 32). Accuracy is measured in inference mode, with running statistics.
"""
)
st.table(
    [
        {
            "Images per GPU": str(n),
            "BN error (%)": f"{nf.fixed(b, 1)}",
            "GN error (%)": f"{nf.fixed(g, 1)}",
        }
        for n, b, g in zip(WU_HE["images_per_gpu"], WU_HE["bn"], WU_HE["gn"], strict=True)
    ],
    border="horizontal",
)


@st.fragment
def sweep_section() -> None:
    c1, c2 = st.columns(2)
    epochs = setting_widget(EPOCHS, c1)
    seed = seed_control(SEED, c2)
    if not run_button("l10_sweep_on", "Run the sweep (about 10 s)"):
        st.caption("18 short training runs: 3 normalizations x 6 batch sizes.")
        return
    with st.spinner("Training 18 networks..."):
        res = sweep(int(epochs), int(seed))
    err = res.error
    chart(
        batch_sweep_figure,
        res.batch_sizes,
        err,
        NORM_LABELS,
        WU_HE,
        key="l10_sweep",
        alt=f"Validation error against batch size. Batch norm: {nf.fixed(100 * err['bn_before'][0], 0)}% at "
        f"batch 2, {nf.fixed(100 * err['bn_before'][4], 1)}% at 32. Group norm: "
        f"{nf.fixed(100 * err['group'][0], 1)}% and {nf.fixed(100 * err['group'][4], 1)}%. Next to it, Wu and "
        "He's ImageNet numbers.",
    )
    m = st.columns(3)
    m[0].metric("BN error, batch 2", f"{err['bn_before'][0]:.1%}")
    m[1].metric("BN error, batch 32", f"{err['bn_before'][4]:.1%}")
    m[2].metric(
        "Group norm error, batch 2 to 64",
        f"{err['group'].min():.1%} to {err['group'].max():.1%}",
    )
    st.caption(
        f"{nf.num(res.epochs, 6)} epochs at every batch size: {res.steps[0]} steps at batch 2, "
        f"{res.steps[-1]} at batch 64. Same seed, same initial weights for every net."
    )


sweep_section()
why_box(
    "With 2 samples, each normalized value is +1 or -1 (up to eps) whatever the input, and "
    "the running averages that inference uses are built from those wild estimates. Group "
    "and layer norm compute everything inside one sample, so the batch size does not enter."
)

st.header("Batches that hold one class")
st.markdown(
    """
BN assumes each batch is a fair sample of the data. Break that on purpose: fill every
batch with images of a single digit. BN then learns to tell digits apart *relative to the
batch's own mean*, which at inference is replaced by the running mean over all digits. The
same net with no normalization, with group norm and with batch renorm trains on the same
batches.
"""
)
st.latex(
    r"\text{batch renorm: } \hat x = \frac{x - \mu_B}{\sigma_B}\, r + d, \quad "
    r"r = \mathrm{clip}_{[1/r_{max},\, r_{max}]}\!\Big(\frac{\sigma_B}{\sigma}\Big), \quad "
    r"d = \mathrm{clip}_{[-d_{max},\, d_{max}]}\!\Big(\frac{\mu_B - \mu}{\sigma}\Big)"
)
explain(
    beginner=(
        "Batch renorm (Ioffe 2017) corrects each batch's statistics towards the running ones, "
        "by a factor r and a shift d that are clipped and not trained through. It starts as "
        "plain BN (r_max = 1, d_max = 0) and lets the clips open during a warm-up, once the "
        "running averages are worth trusting."
    ),
    expert=(
        "Ioffe (2017): r and d are held constant in backprop, so the gradient is BN's, scaled "
        "by r. With r = sigma_B / sigma and d = (mu_B - mu) / sigma unclipped, the training "
        "output equals the inference output exactly. Here r_max rises 1 -> 3 and d_max 0 -> 5 "
        "linearly over the warm-up; the running averages use momentum 0.01."
    ),
)


@st.fragment
def single_class_section() -> None:
    c1, c2 = st.columns(2)
    steps = setting_widget(STEPS, c1)
    warmup = setting_widget(WARMUP, c2)
    if not run_button("l10_single_on", "Train on one-class batches (about 4 s)"):
        st.caption(
            "Four nets, 3 hidden ReLU layers of 100, batch 32, SGD at 0.05. 3000 steps take "
            "about five times longer."
        )
        return
    seed = int(st.session_state.get(SEED.key, SEED.default))
    with st.spinner(f"Training four networks for {steps} steps..."):
        res = single_class(int(steps), float(warmup), seed)
    acc = res.final
    chart(
        single_class_figure,
        res.eval_steps,
        res.val_acc,
        NORM_LABELS,
        res.r_max,
        res.d_max,
        key="l10_single",
        alt="Validation accuracy while training on one-class batches: "
        + ", ".join(f"{NORM_LABELS[k]} {v:.0%}" for k, v in acc.items())
        + ". Below, batch renorm's r_max and d_max warm-up.",
    )
    cols = st.columns(len(acc))
    for col, (k, v) in zip(cols, acc.items(), strict=True):
        col.metric(NORM_LABELS[k], f"{v:.0%}")
    st.caption(
        f"Final validation accuracy after {steps} steps (running statistics for BN and renorm; "
        "the validation set is shuffled, as real data would be). Chance is 10%."
    )


single_class_section()
st.markdown(
    """
Batch renorm recovers part of the gap, not all of it: its correction is clipped, and the
running averages it corrects towards swing with every batch's class. Group norm never looks
across samples, so one-class batches are just batches to it.
"""
)

st.header("Batch size 1: online normalization")
st.markdown(
    """
With one sample per step, BN has nothing to average: x minus the mean of x is 0 for every
input. Online normalization (Chiley et al. 2019) normalizes each sample with statistics of
the samples **before** it, then updates them. Below, a single feature arrives one value at
a time, starting near 5 and drifting upwards.
"""
)
st.latex(
    r"y_t = \frac{x_t - \mu_{t-1}}{\sqrt{\sigma^2_{t-1} + \epsilon}}, \quad "
    r"\sigma^2_t = a\,\sigma^2_{t-1} + a(1-a)(x_t - \mu_{t-1})^2, \quad "
    r"\mu_t = a\,\mu_{t-1} + (1-a)\,x_t"
)


@st.fragment
def online_section() -> None:
    c1, c2 = st.columns(2)
    decay = setting_widget(DECAY, c1)
    drift = setting_widget(DRIFT, c2)
    s = stream(float(decay), float(drift))
    tail = s["y"][-250:]
    chart(
        online_norm_figure,
        s,
        key="l10_online",
        alt=f"1000 samples arriving one at a time. With a = {decay}, online normalization's "
        f"output over the last 250 has mean {nf.fixed(tail.mean(), 2)} and std {nf.fixed(tail.std(), 2)}; "
        "batch norm at batch size 1 outputs 0 throughout.",
    )
    a, b, c = st.columns(3)
    a.metric("Output mean, last 250 samples", f"{nf.fixed(tail.mean(), 2)}")
    b.metric("Output std, last 250 samples", f"{nf.fixed(tail.std(), 2)}")
    c.metric("Memory of the averages", f"~{nf.fixed(1 / (1 - float(decay)), 0)} samples")
    st.caption(
        "The running mean lags a drifting input by about drift rate x memory, so the output "
        "sits a little above 0 while the baseline moves. With a = 0.999 (the paper's default) "
        "1000 samples are not yet enough to forget the starting guess (mean 0, variance 1)."
    )


online_section()
st.caption(
    "The real method also corrects the backward pass so gradients stay normalized; this "
    "demo shows the forward statistics only. Weight normalization (Salimans and Kingma, "
    "2016) is another batch-free option: it rewrites each weight vector as a length times "
    "a direction and never looks at activations."
)

st.header("When to use what")
st.table(WHEN_TO_USE, border="horizontal")
st.markdown(
    """
A rule of thumb: BN is the default for conv nets and MLPs with 16 or more samples per
batch. Below 8, reach for group norm; for Transformers and recurrent nets, layer norm.
"""
)

code_tabs(
    """
import numpy as np
from bnlib.core.norms import group_norm, layer_norm, instance_norm, OnlineNorm

x = np.random.randn(2, 32, 8, 8)   # (N, C, H, W): a batch of two
y_gn = group_norm(x, num_groups=8)  # per sample, 8 groups of 4 channels
y_ln = layer_norm(x)                # per sample, all channels
y_in = instance_norm(x)             # per sample and channel

online = OnlineNorm(num_features=32, decay=0.999)
y_t = online(x_t)                   # x_t: (1, 32), one sample at a time
""",
    """
import torch.nn as nn

nn.GroupNorm(num_groups=8, num_channels=32)
nn.LayerNorm(normalized_shape=[32, 8, 8])
nn.InstanceNorm2d(32, affine=True)
nn.BatchNorm2d(32)
# batch renorm is not in PyTorch; bnlib.lab.engine.BatchRenorm1d is a short version
""",
    """
from keras import layers

layers.GroupNormalization(groups=8)
layers.LayerNormalization()
layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 3, "dmax": 5})
""",
)

check_yourself(URL)
next_lesson(URL)
