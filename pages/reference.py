"""Reference: benefits, code, parameters per framework, momentum converter, bugs, FAQ."""

import streamlit as st

from bnlib.pitfalls import PARAMETERS, bug_numbers, converter
from bnlib.settings import Setting
from bnlib.ui.lesson import code_tabs, header
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices
from bnlib.viz.lessons2 import momentum_weights_figure

URL = "reference"
TORCH = Setting("ref_torch", "float", 0.1, "PyTorch momentum", min=0.0, max=1.0, step=0.01)
KERAS = Setting("ref_keras", "float", 0.9, "Keras momentum", min=0.0, max=1.0, step=0.01)
SETTINGS = (TORCH, KERAS)  # a converter, not an experiment: kept per session, not in the URL


@st.cache_data(show_spinner=False)
def numbers() -> dict:
    return bug_numbers(0)


header(URL)
link_notices(SETTINGS)

st.header("What BN buys you")
st.markdown(
    """
- **Higher learning rates.** Ioffe and Szegedy trained Inception with BN at 5× and 30×
  the original learning rate; without BN such rates diverge.
- **Fewer steps.** BN-Inception matched the original network's accuracy in 14 times fewer
  training steps (same paper).
- **Less fuss about initialization.** BN(a·Wx) = BN(Wx) for any a > 0: a weight scale that
  is off by 8× changes nothing downstream (lesson 7 shows it on digits).
- **A little regularization.** Each sample is normalized with its batch companions, a
  noise that changes every step. It sometimes lets you drop dropout, not always.
- **Very deep nets.** ResNets of 50 to 152 layers (He et al., 2016) put BN after every
  convolution.
"""
)

st.header("In code")
code_tabs(
    """
import numpy as np
from bnlib.batchnorm import BatchNorm

bn = BatchNorm(100)            # num_features = 100
y = bn(x)                      # train mode: batch statistics, updates running ones
bn.eval()
y_test = bn(x_test)            # eval mode: running_mean, running_var
dx = bn.backward(dy)           # also sets bn.dgamma, bn.dbeta
""",
    """
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(64, 100, bias=False), nn.BatchNorm1d(100), nn.ReLU(),
    nn.Linear(100, 10),
)
# conv nets: nn.Conv2d(3, 32, 3, bias=False), nn.BatchNorm2d(32), nn.ReLU()
model.train()   # before training steps
model.eval()    # before validation, test and deployment
""",
    """
import keras
from keras import layers

model = keras.Sequential([
    layers.Dense(100, use_bias=False),
    layers.BatchNormalization(),        # momentum=0.99, epsilon=1e-3
    layers.Activation("relu"),
    layers.Dense(10),
])
# fit() runs BN in training mode; predict() and evaluate() in inference mode
""",
)

st.header("Key parameters and their defaults")
st.table(PARAMETERS, border="horizontal")

st.header("Momentum converter")
st.markdown(
    """
The two frameworks write the same running average with opposite weights. PyTorch's
momentum is the weight of the **new** batch, Keras' is the weight of the **old** average,
so one is 1 minus the other.
"""
)
st.latex(
    r"\text{PyTorch: } \hat\mu \leftarrow (1 - m)\,\hat\mu + m\,\mu_B \qquad"
    r"\text{Keras: } \hat\mu \leftarrow m\,\hat\mu + (1 - m)\,\mu_B"
)


def _from_torch() -> None:
    st.session_state[KERAS.key] = converter(st.session_state[TORCH.key], "torch")["keras"]


def _from_keras() -> None:
    st.session_state[TORCH.key] = converter(st.session_state[KERAS.key], "keras")["torch"]


@st.fragment
def momentum_converter() -> None:
    # seed both values before the widgets exist (allowed), then only callbacks change them
    if TORCH.key not in st.session_state:
        st.session_state[TORCH.key] = TORCH.default
    if KERAS.key not in st.session_state:
        st.session_state[KERAS.key] = converter(st.session_state[TORCH.key], "torch")["keras"]
    c1, c2 = st.columns(2)
    torch_m = c1.number_input(
        TORCH.label,
        min_value=0.0,
        max_value=1.0,
        step=0.01,
        format="%.4f",
        key=TORCH.key,
        on_change=_from_torch,
    )
    c2.number_input(
        KERAS.label,
        min_value=0.0,
        max_value=1.0,
        step=0.01,
        format="%.4f",
        key=KERAS.key,
        on_change=_from_keras,
    )
    conv = converter(float(torch_m if torch_m is not None else TORCH.default), "torch")
    half = conv["half_life"]
    st.markdown(
        f"PyTorch **{conv['torch']:.4g}** ⇔ Keras **{conv['keras']:.4g}**. "
        + (
            f"A batch's weight halves every {half:.1f} batches; the average mostly reflects "
            f"the last {3 * half:.0f} or so."
            if half is not None
            else "At 0 the running statistics never move; at 1 they are just the last batch."
        )
    )
    st.plotly_chart(
        momentum_weights_figure(conv["torch"]),
        width="stretch",
        key="ref_chart",
        alt=(
            f"Bars: the weight of each of the last 40 batches in the running average for "
            f"PyTorch momentum {conv['torch']:.4g}; the newest batch weighs {conv['torch']:.3f}."
        ),
    )


momentum_converter()

st.header("Bug checklist")
n = numbers()
st.markdown(
    f"""
1. **Call `model.eval()` before testing.** In train mode a sample's output depends on the
   rest of its batch: the same digit-sized sample, put in two different batches of 8,
   came out up to {n["eval_gap"]:.2f} apart here. In eval mode it is fixed.
2. **Watch the last batch.** A final batch of one sample cannot be normalized in train
   mode; PyTorch and bnlib both stop with "{n["batch_of_one"]}" Use `drop_last=True` in
   the DataLoader, or make sure no batch has a single sample.
3. **Convert momentum when porting.** Keras' 0.99 typed into PyTorch means each new batch
   gets 99% of the weight: after three batches around 0 and one around 5 the running mean
   was {n["ported_running_mean"]:.2f}. With the converted 0.01 it was
   {n["converted_running_mean"]:.2f}. Copy eps too: 1e-3 vs 1e-5.
4. **Drop the bias before BN.** `Linear(..., bias=False)`, `Conv2d(..., bias=False)`,
   `Dense(..., use_bias=False)`. The bias cancels in the mean subtraction and its gradient
   is zero (lesson 7): parameters that never learn.
5. **`running_var` is unbiased.** PyTorch stores the batch variance times m / (m − 1):
   for a batch of 8 that is {n["unbiased_ratio"]:.4f} (= 8/7) times `x.var()`. Compare with
   `torch.var(x, unbiased=True)` (or `np.var(x, ddof=1)`), not the biased one.
6. **Freeze BN properly when fine-tuning.** Setting `requires_grad=False` on gamma and
   beta does not stop the running statistics: one training-mode batch from a shifted
   domain moved a running mean from 0 to {n["frozen_drift"]:.2f}. Put the BN layers in
   eval mode (`bn.eval()` after `model.train()`). In Keras, `layer.trainable = False` on a
   BatchNormalization layer also switches it to inference mode.
"""
)

st.header("Questions learners ask")
FAQ = {
    "Why put BN before the activation?": """
Because then the activation always receives values with mean 0 and spread 1 per unit, away
from the flat tails. In lesson 7, with the weights 8× too large, tanh saw about 6% of its
inputs in its flat tails with BN before it and about 73% with BN after. The original paper
puts it before; putting it after also trains, sometimes better.""",
    "What if the batch size is 1?": """
In training mode the batch variance of a single value is 0 and every output is
(x − x) / sqrt(eps) = 0, so PyTorch refuses. Statistics from tiny batches are also noisy:
at batch 2 BN trains poorly. Use eval mode for single-sample inference (running statistics),
and group norm or layer norm when training batches must be tiny.""",
    "Are gamma and beta updated by backprop?": """
Yes, like any weight: dL/dgamma = Σ dy · x̂ and dL/dbeta = Σ dy, summed over the batch (and
positions, for convolutions). The running mean and variance are not learned: they are
buffers, updated by the forward pass in training mode.""",
    "Is BN the same as normalizing the input data?": """
No. Normalizing the inputs happens once, before training, with fixed statistics of the
data set, and only for the first layer. BN sits inside the network, in front of many
layers, and recomputes its statistics on every training batch as the weights change.""",
    "Does BN replace dropout?": """
Sometimes. BN's batch noise regularizes a little, and the BN paper removed dropout from
Inception without losing accuracy. ResNets use BN and no dropout. But with large batches
the noise shrinks (its size goes like 1 / sqrt(m)), and some models still gain from
dropout on top.""",
    "How is BN used in CNNs?": """
After each convolution, before the nonlinearity, with one mean and variance per channel,
pooled over the batch and all positions: BatchNorm2d(64) keeps 64 of each, whatever the
image size (lesson 8).""",
    "Is BN used in Transformers?": """
Rarely. Transformers use layer norm (the original 2017 Transformer by Vaswani et al. does),
which normalizes each token over its features. It needs no batch statistics, so padding,
varying sequence lengths and batch size 1 at inference cause no trouble.""",
    "How does BN differ from weight normalization?": """
Weight normalization (Salimans and Kingma, 2016) rewrites each weight vector as
w = g · v / ||v||, fixing its length with a learned g. It looks at weights only, never at
data, so it behaves the same in training and inference and has no batch dependence. BN
normalizes the activations, using the data in the batch.""",
    "How does BN help against vanishing gradients?": """
Two ways. It keeps pre-activations in the range where sigmoid and tanh have a useful slope
(in lesson 7: under 0.1% of sigmoid inputs saturated with BN before it, 50% without, for a
badly scaled layer). And since BN(a·Wx) = BN(Wx), scaling the weights by a scales their
gradient by 1/a, so layers cannot drift into sizes where gradients vanish or explode.""",
}
for q, a in FAQ.items():
    with st.expander(q):
        st.markdown(a.strip())

check_yourself(URL)
