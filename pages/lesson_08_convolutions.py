"""Lesson 8: BN after a convolution keeps one mean and one variance per channel."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import BatchNorm, forward
from bnlib.core.conv import (
    KERNEL_NAMES,
    conv2d,
    digit_images,
    kernel_bank,
    per_pixel_zero_variance,
    statistic_counts,
)
from bnlib.data.digits import load_digits
from bnlib.settings import Setting
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.conv import channel_histograms_figure, feature_maps_figure

URL = "convolutions"
BATCH = Setting("l8_batch", "choice", 32, "Batch size N", choices=(4, 8, 16, 32, 64, 128, 256))
CHANNEL = Setting("l8_channel", "choice", "blur", "Channel to show", choices=KERNEL_NAMES)
SEED = Setting("l8_seed", "int", 0, "Seed", min=0, max=1_000_000)
TORCH = Setting("l8_torch", "bool", False, "Check bnlib against PyTorch's BatchNorm2d")
SETTINGS = (BATCH, CHANNEL, SEED, TORCH)
SHOWN = 6  # images drawn side by side


@st.cache_data(show_spinner=False)
def features(batch: int, seed: int):
    """Digits (N, 1, 8, 8), their feature maps (N, 4, 8, 8) and the maps after BN."""
    x, _ = load_digits()
    rows = np.random.default_rng(seed).choice(len(x), size=batch, replace=False)
    images = digit_images(x[rows])
    _, w, b = kernel_bank()
    f = conv2d(images, w, b, padding=1)  # (N, 4, 8, 8)
    y, cache = forward(f)  # statistics per channel over (N, H, W)
    return images, f, y, cache.mean, cache.var


@st.cache_data(show_spinner=False)
def torch_check(batch: int, seed: int) -> dict[str, float]:
    """The same maps through bnlib's BatchNorm and torch.nn.BatchNorm2d, float64, 3 steps."""
    import torch  # only here: the rest of the page needs no torch

    _, f, _, _, _ = features(batch, seed)
    rng = np.random.default_rng(seed + 1)
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.normal(0.0, 1.0, 4)
    ours = BatchNorm(4)
    ours.gamma, ours.beta = gamma.copy(), beta.copy()
    ref = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(gamma))
        ref.bias.copy_(torch.from_numpy(beta))
    worst = {"train output": 0.0, "running_mean": 0.0, "running_var": 0.0, "eval output": 0.0}
    for step in range(3):  # three batches: shifted copies, so running stats move
        xb = f + step
        y_ours = ours(xb)
        y_ref = ref(torch.from_numpy(xb)).detach().numpy()
        worst["train output"] = max(worst["train output"], float(np.abs(y_ours - y_ref).max()))
    rm = ref.running_mean.numpy()
    rv = ref.running_var.numpy()
    worst["running_mean"] = float(np.abs(ours.running_mean - rm).max())
    worst["running_var"] = float(np.abs(ours.running_var - rv).max())
    ours.eval()
    ref.eval()
    y_eval = ref(torch.from_numpy(f)).detach().numpy()
    worst["eval output"] = float(np.abs(ours(f) - y_eval).max())
    return worst


header(URL)
link_notices(SETTINGS)

st.markdown(
    """
A convolution slides one small kernel over the whole image. Every position of an output
channel comes from the same weights, so all those positions measure the same thing. BN
respects that: it keeps **one mean and one variance per channel**, pooled over the images
in the batch *and* over every position.
"""
)
st.latex(
    r"\mu_c = \frac{1}{N H W}\sum_{n,h,w} x_{n,c,h,w} \qquad "
    r"\sigma_c^2 = \frac{1}{N H W}\sum_{n,h,w} (x_{n,c,h,w} - \mu_c)^2"
)
st.markdown(
    """
Below, real 8×8 handwritten digits go through a convolution with four hand-made 3×3
kernels (vertical edges, horizontal edges, a blur and a spot detector, padding 1, so maps
stay 8×8). Each channel comes out with its own offset and spread. BN puts all four on the
same footing.
"""
)


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
    st.dataframe(
        {
            "channel": list(KERNEL_NAMES),
            "mean before": np.round(mean, 3),
            "std before": np.round(np.sqrt(var), 3),
            "mean after": np.round(y.mean(axis=(0, 2, 3)), 3) + 0.0,
            "std after": np.round(y.std(axis=(0, 2, 3)), 3),
            "values pooled (N·H·W)": [n * h * w] * c,
        },
        hide_index=True,
    )
    counts = statistic_counts(c, h, w)
    zero = per_pixel_zero_variance(f)
    st.subheader("How many statistics?")
    m1, m2, m3 = st.columns(3)
    m1.metric("Means kept per channel (BatchNorm2d)", counts["per_channel"])
    m2.metric("Means kept per pixel", counts["per_pixel"])
    m3.metric("Pixel positions with zero variance", zero)
    st.markdown(
        f"""
Per channel, BN keeps {c} means and {c} variances, each estimated from
{n} × {h} × {w} = **{n * h * w} values**. Treating every pixel position as its own feature
would need {c} × {h} × {w} = **{c * h * w}** of each, every one estimated from only the
{n} values at that spot. Worse, it would break the point of a convolution: the same
stroke would be normalized differently depending on where in the image it sits. In this
batch {zero} of the {c * h * w} positions never change at all (the blank margins of the
digits), so a per-pixel BN would have no spread to divide by there, only eps.
"""
    )


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

code_tabs(
    """
from bnlib.core.batchnorm import forward

# f: (N, C, H, W) -> one mean and one variance per channel, over N, H and W
y, cache = forward(f, gamma, beta)
cache.mean.shape   # (C,)
""",
    """
import torch.nn as nn

block = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1, bias=False),
    nn.BatchNorm2d(4),          # num_features = channels, not C*H*W
    nn.ReLU(),
)
""",
    """
from keras import layers, Sequential

block = Sequential([
    layers.Conv2D(4, 3, padding="same", use_bias=False),
    layers.BatchNormalization(axis=-1),   # channels-last: the channel axis
    layers.Activation("relu"),
])
""",
)

check_yourself(URL)
next_lesson(URL)
