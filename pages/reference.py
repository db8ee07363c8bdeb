"""Reference: benefits, code, parameters per framework, momentum converter, bugs, FAQ."""

import streamlit as st

from bnlib import format as nf
from bnlib.lessons.pitfalls import PARAMETERS, bug_numbers, converter
from bnlib.settings import Setting
from bnlib.ui.lesson import code_tabs, header
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices
from bnlib.viz.running import momentum_weights_figure

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
- **Higher learning rates.** Ioffe and Szegedy (2015) trained BN-Inception at 5× and 30×
  the original learning rate (their BN-x5 and BN-x30). They did not train the plain
  Inception at those rates, so the paper does not show that it would diverge there; the
  training lab lets you try that comparison on a small net.
- **Fewer steps.** BN-x5 reached the original Inception's best accuracy in about 14 times
  fewer training steps (Ioffe and Szegedy, 2015). That run changed more than BN: it also
  raised the learning rate, removed dropout and local response normalization, weakened
  the L2 penalty and sped up the learning-rate decay, among other changes.
- **Less fuss about initialization.** BN(a·Wx) = BN(Wx) for any a > 0: a weight scale that
  is off by 8× does not change the layer's output (up to ε; lesson 7 shows it on digits).
  It does change the training: the gradient with respect to W shrinks by 1/a.
- **A little regularization.** Each sample is normalized with its batch companions, a
  noise that changes every step. It sometimes lets you drop dropout, not always.
- **Very deep nets.** ResNets of 50 to 152 layers (He et al., 2016) put BN after every
  convolution. Their skip connections matter as much: without them, deep BN nets have
  exploding gradients at initialization (Yang et al., 2019).
"""
)

st.header("In code")
code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import BatchNorm

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
        f"PyTorch **{nf.num(conv['torch'], 4)}** ⇔ Keras **{nf.num(conv['keras'], 4)}**. "
        + (
            f"A batch's weight halves every {nf.fixed(half, 1)} batches; the average mostly reflects "
            f"the last {nf.fixed(3 * half, 0)} or so."
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
            f"PyTorch momentum {nf.num(conv['torch'], 4)}; the newest batch weighs {nf.fixed(conv['torch'], 3)}."
        ),
    )


momentum_converter()

st.header("Bug checklist")
n = numbers()
st.markdown(
    f"""
1. **Call `model.eval()` before testing.** In train mode a sample's output depends on the
   rest of its batch: the same digit-sized sample, put in two different batches of 8,
   came out up to {nf.fixed(n["eval_gap"], 2)} apart here. In eval mode it is fixed.
2. **Watch the last batch.** A final batch of one sample cannot be normalized in train
   mode. bnlib stops with "{n["batch_of_one"]}" PyTorch raises a ValueError that opens with
   the same words and names the size as `torch.Size([1, ...])`. Use `drop_last=True` in
   the DataLoader, or make sure no batch has a single sample.
3. **Convert momentum when porting.** Keras' 0.99 typed into PyTorch means each new batch
   gets 99% of the weight: after three batches around 0 and one around 5 the running mean
   was {nf.fixed(n["ported_running_mean"], 2)}. With the converted 0.01 it was
   {nf.fixed(n["converted_running_mean"], 2)}. Copy eps too: 1e-3 vs 1e-5.
4. **Drop the bias before BN.** `Linear(..., bias=False)`, `Conv2d(..., bias=False)`,
   `Dense(..., use_bias=False)`. The bias cancels in the mean subtraction and its gradient
   is zero (lesson 7): parameters that never learn.
5. **`running_var` is unbiased.** PyTorch stores the batch variance times m / (m − 1):
   for a batch of 8 that is {nf.fixed(n["unbiased_ratio"], 4)} (= 8/7) times the *biased* variance,
   `x.var(unbiased=False)` in PyTorch or `np.var(x)` in NumPy. A torch tensor's plain
   `x.var()` is already the unbiased one, so compare with `x.var()` in PyTorch (or
   `np.var(x, ddof=1)`), not with the biased value.
6. **Freeze BN properly when fine-tuning.** Setting `requires_grad=False` on gamma and
   beta does not stop the running statistics: one training-mode batch from a shifted
   domain moved a running mean from 0 to {nf.fixed(n["frozen_drift"], 2)}. Put the BN layers in
   eval mode (`bn.eval()` after `model.train()`). In Keras, `layer.trainable = False` on a
   BatchNormalization layer also switches it to inference mode.
"""
)

st.header("Questions learners ask")
FAQ = {
    "Why put BN before the activation?": """
Because then the activation receives values whose mean and spread per unit are set by β
and γ, whatever the weights below do. At initialization (γ = 1, β = 0) that is mean 0 and
spread 1, away from the flat tails; later the learned γ and β can move a unit anywhere,
into the tails included. In lesson 7, with the weights 8× too large and γ = 1, β = 0, tanh
saw about 7% of its inputs in its flat tails with BN before it and about 73% with BN after.
The original paper puts it before; putting it after also trains, sometimes better.""",
    "What if the batch size is 1?": """
In training mode the batch variance of a single value is 0 and every output is
γ · (x − x) / sqrt(eps) + β = β, so PyTorch refuses. Statistics from tiny batches are also noisy:
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
Sometimes. BN's batch noise regularizes a little, and Ioffe and Szegedy (2015) removed
dropout from BN-Inception without it overfitting more. ResNets (He et al., 2016) use BN and
no dropout. But with large batches
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
normalizes the activations, using the data in the batch. Weight normalization needs a
careful, data-dependent initialization, and on deep conv nets most later reports found
it short of BN.""",
    "How does BN help against vanishing gradients?": """
Partly. It keeps pre-activations at a mean and spread set by β and γ, which start in the
range where sigmoid and tanh have a useful slope (in lesson 7: under 0.1% of sigmoid inputs
saturated with BN before it, 50% with BN after it, for a badly scaled layer). And since
BN(a·Wx) = BN(Wx), scaling the weights by a scales their gradient by 1/a: weights that grow
take relatively smaller steps. That controls the effective learning rate of W (van
Laarhoven, 2017), not how gradients grow through depth: deep BN nets without skip
connections have exploding gradients at initialization (Yang et al., 2019).""",
}
for q, a in FAQ.items():
    with st.expander(q):
        st.markdown(a.strip())

st.header("Papers cited in this course")
st.markdown(
    """
- Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep network training
  by reducing internal covariate shift. https://arxiv.org/abs/1502.03167
- Ioffe, S. (2017). Batch renormalization. https://arxiv.org/abs/1702.03275
- Santurkar, S., Tsipras, D., Ilyas, A. and Madry, A. (2018). How does batch normalization
  help optimization? https://arxiv.org/abs/1805.11604
- Bjorck, J., Gomes, C., Selman, B. and Weinberger, K. Q. (2018). Understanding batch
  normalization. https://arxiv.org/abs/1806.02375
- Kohler, J., Daneshmand, H., Lucchi, A., Zhou, M., Neymeyr, K. and Hofmann, T. (2019).
  Exponential convergence rates for batch normalization: the power of length-direction
  decoupling in non-convex optimization. https://arxiv.org/abs/1805.10694
- Arora, S., Li, Z. and Lyu, K. (2019). Theoretical analysis of auto rate-tuning by batch
  normalization. https://arxiv.org/abs/1812.03981
- Yang, G., Pennington, J., Rao, V., Sohl-Dickstein, J. and Schoenholz, S. S. (2019). A mean
  field theory of batch normalization. https://arxiv.org/abs/1902.08129
- Ghorbani, B., Krishnan, S. and Xiao, Y. (2019). An investigation into neural net
  optimization via Hessian eigenvalue density. https://arxiv.org/abs/1901.10159
- van Laarhoven, T. (2017). L2 regularization versus batch and weight normalization.
  https://arxiv.org/abs/1706.05350
- Hoffer, E., Hubara, I. and Soudry, D. (2017). Train longer, generalize better: closing the
  generalization gap in large batch training of neural networks (ghost batch norm).
  https://arxiv.org/abs/1705.08741
- Wu, Y. and He, K. (2018). Group normalization. https://arxiv.org/abs/1803.08494
- Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer normalization.
  https://arxiv.org/abs/1607.06450
- Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016). Instance normalization: the missing
  ingredient for fast stylization. https://arxiv.org/abs/1607.08022
- Salimans, T. and Kingma, D. P. (2016). Weight normalization: a simple reparameterization
  to accelerate training of deep neural networks. https://arxiv.org/abs/1602.07868
- Chiley, V., Sharapov, I., Kosson, A., Koster, U., Reece, R., Samaniego de la Fuente, S.,
  Subbiah, V. and James, M. (2019). Online normalization for training neural networks.
  https://arxiv.org/abs/1905.05894
- He, K., Zhang, X., Ren, S. and Sun, J. (2016). Deep residual learning for image
  recognition. https://arxiv.org/abs/1512.03385
- Vaswani, A. et al. (2017). Attention is all you need. https://arxiv.org/abs/1706.03762
"""
)

check_yourself(URL)
