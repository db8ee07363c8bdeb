"""Lesson 5: training versus inference."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import keras_to_torch_momentum, torch_to_keras_momentum
from bnlib.lessons.running import batch_stream, companion_outputs, ema, replay
from bnlib.lessons.settings import (
    L5,
    L5_BATCH,
    L5_COMPANIONS,
    L5_CONVENTION,
    L5_DRIFT,
    L5_MOMENTUM,
    L5_SEED,
)
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.lesson_widgets import seed_controls
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.running import companions_figure, running_stats_figure

URL = "train-vs-inference"
STEPS = 150  # batches in the stream
GAMMA, BETA = 1.5, 0.5  # pretend these were learned
X0 = 1.5  # the sample of the eval() demo
DEMO_BATCHES = 8

header(URL)
link_notices(L5)


@st.cache_data(show_spinner=False, max_entries=64)
def run_stream(m: int, drift: bool, seed: int, momentum_torch: float):
    stream = batch_stream(m, STEPS, drift=drift, seed=seed)
    r = replay(stream, momentum_torch, GAMMA, BETA)
    biased = ema(stream.batch_var, momentum_torch, init=1.0)
    return stream, r, biased


def _convert_momentum() -> None:
    # the switch has just changed: re-express the slider's value in the new convention
    v = float(st.session_state.get(L5_MOMENTUM.key, L5_MOMENTUM.default))
    st.session_state[L5_MOMENTUM.key] = round(1.0 - v, 6)


st.markdown(
    "In training, BN normalizes with the statistics of the batch in front of it. At "
    "inference there may be a single image, or a batch that is all one class; its statistics "
    "would be noise. So during training each BN layer also keeps a **running average** of "
    "the batch means and variances, and uses those fixed numbers at inference. The update "
    "is one line:"
)
st.latex(
    r"\text{running} \leftarrow (1 - \text{momentum})\cdot\text{running} + "
    r"\text{momentum}\cdot\text{batch statistic}\qquad\text{(PyTorch, momentum} = 0.1)"
)
st.latex(
    r"\text{moving} \leftarrow \text{momentum}\cdot\text{moving} + "
    r"(1 - \text{momentum})\cdot\text{batch statistic}\qquad\text{(Keras, momentum} = 0.99)"
)
st.markdown(
    "Same average, opposite meaning of the word: in PyTorch momentum is the weight of the "
    "**new** batch, in Keras the weight of the **old** average. PyTorch 0.1 is Keras 0.9."
)


@st.fragment
def stream_view() -> None:
    c1, c2, c3 = st.columns([1, 2, 1])
    with c1:
        conv = setting_widget(L5_CONVENTION, on_change=_convert_momentum)
    with c2:
        mom = setting_widget(L5_MOMENTUM, format="%.3f")
    with c3:
        m = setting_widget(L5_BATCH)
    drift = setting_widget(L5_DRIFT)
    seed = seed_controls(L5_SEED)
    w = float(mom) if conv == "PyTorch" else keras_to_torch_momentum(float(mom))
    other = "Keras" if conv == "PyTorch" else "PyTorch"
    st.caption(
        f"{conv} momentum {nf.num(mom, 6)} = {other} momentum {nf.num(1 - mom, 6)}: each new batch gets weight "
        f"{nf.num(w, 3)}, and the average remembers roughly the last {nf.fixed(min(1 / w, STEPS) if w else STEPS, 0)} "
        "batches."
    )
    if conv == "PyTorch" and w >= 0.5:
        st.warning(
            f"PyTorch momentum {nf.num(w, 6)} gives the newest batch {w:.0%} of the weight: the running "
            "average is almost just the last batch. If this number came from Keras code, the "
            f"PyTorch equivalent is {nf.num(1 - w, 6)}."
        )
    if w == 0.0:
        st.info("Momentum 0: the running statistics never move from their start (mean 0, var 1).")
    stream, r, biased = run_stream(int(m), bool(drift), int(seed), w)
    chart(
        running_stats_figure,
        stream.batch_mean,
        r.running_mean,
        stream.pop_mean,
        stream.batch_var_unbiased,
        r.running_var,
        biased,
        stream.pop_var,
        key="l5_stream",
        alt=f"{STEPS} batches of {m} samples: grey dots for each batch's mean and variance, the "
        f"running averages as lines (momentum {nf.num(w, 6)} in PyTorch's convention), the population "
        "values dashed.",
    )
    # ratios to the true variance at the same step, averaged once the average has settled
    late = slice(STEPS // 3, None)
    a, b, c = st.columns(3)
    a.metric(
        "running_var ÷ true variance",
        f"{nf.fixed((r.running_var / stream.pop_var)[late].mean(), 3)}",
    )
    b.metric(
        "biased average ÷ true variance", f"{nf.fixed((biased / stream.pop_var)[late].mean(), 3)}"
    )
    c.metric(
        f"biased ÷ unbiased; (m − 1)/m = {nf.fixed((m - 1) / m, 3)}",
        f"{nf.fixed((biased / r.running_var)[late].mean(), 3)}",
    )
    st.caption(
        "Ratios averaged over batches 51 to 150; batch noise moves the first two by a few "
        "percent, the third is exact."
    )
    st.markdown(
        f"BN divides each batch by its **biased** variance (divide by m). PyTorch nevertheless "
        f"stores the **unbiased** one, σ²_B · m/(m − 1), in `running_var`, as the paper does "
        f"for inference. The biased average settles about a factor (m − 1)/m = "
        f"{nf.fixed((m - 1) / m, 2)} below the truth; at m = 2 that is half. Try batch size 2."
    )
    fold_view(r.layer)
    eval_demo(r.layer, int(seed))


def fold_view(layer) -> None:
    st.subheader("At inference BN is one multiply and one add")
    st.markdown(
        "With the running statistics frozen, every term except x is a constant, so the whole "
        "layer collapses into y = scale · x + shift per feature. Deployed models often fold "
        "this into the weights of the layer before, and BN costs nothing at inference."
    )
    st.latex(
        r"y = \underbrace{\frac{\gamma}{\sqrt{\text{var} + \varepsilon}}}_{\text{scale}}\,x"
        r" + \underbrace{\beta - \frac{\gamma\,\text{mean}}{\sqrt{\text{var} + \varepsilon}}}_{\text{shift}}"
    )
    scale, shift = layer.fold()
    xs = np.array([-2.0, 0.0, 1.5, 4.0]).reshape(-1, 1)  # (4, 1)
    y_eval = layer(xs)[:, 0]
    y_fold = scale[0] * xs[:, 0] + shift[0]
    c1, c2 = st.columns([1, 2])
    c1.metric("scale", f"{nf.fixed(scale[0], 4)}")
    c1.metric("shift", f"{nf.fixed(shift[0], 4)}")
    c2.dataframe(
        {
            "x": xs[:, 0],
            "BN in eval mode": y_eval,
            "scale · x + shift": y_fold,
            "difference": nf.clean(np.abs(y_eval - y_fold)),
        },
        hide_index=True,
    )
    st.caption(
        f"γ = {GAMMA}, β = {BETA} stand in for learned values; mean and var are the running "
        "statistics after the stream above."
    )


def eval_demo(layer, seed: int) -> None:
    st.subheader('The "forgot model.eval()" bug')
    st.markdown(
        f"Take one sample, x = {X0}, and put it in {DEMO_BATCHES} different batches, each time "
        "with other random companions. In training mode its output depends on who it shares "
        "the batch with. In eval mode it is the same every time."
    )
    k = int(setting_widget(L5_COMPANIONS))
    rng = np.random.default_rng(seed + 101)
    comps = rng.normal(2.0, 1.5, (DEMO_BATCHES, k - 1))  # (batches, companions)
    try:
        train_out, eval_out = companion_outputs(layer, X0, comps)
    except ValueError as exc:
        st.error(f"Training mode, batch of one: {exc}")
        st.markdown(
            "This is PyTorch's behaviour too (`Expected more than 1 value per channel when "
            "training`). In eval mode a batch of one is fine: "
            f"x = {X0} gives {nf.fixed(layer.fold()[0][0] * X0 + layer.fold()[1][0], 4)}."
        )
        return
    chart(
        companions_figure,
        train_out,
        eval_out,
        X0,
        key="l5_companions_chart",
        alt=f"The output for x = {X0} in {DEMO_BATCHES} batches of {k}: in training mode it "
        f"ranges from {nf.fixed(train_out.min(), 2)} to {nf.fixed(train_out.max(), 2)}; in eval mode it is "
        f"{nf.fixed(eval_out, 2)} every time.",
    )
    a, b = st.columns(2)
    a.metric("training mode: spread of outputs", f"{nf.fixed(np.ptp(train_out), 3)}")
    b.metric("eval mode: spread of outputs", f"{nf.fixed(0.0, 3)}")
    st.markdown(
        "Other classic slips: evaluating before the running statistics have settled (start "
        "of the stream above); test data from another distribution than the training data, "
        "which the stored statistics do not describe (switch on drift above for a relative: "
        "when the data keep moving, the running average lags behind them); in TensorFlow 1, "
        "a train op that did not depend on the `UPDATE_OPS` collection, which left the moving "
        "averages at their initial 0 and 1; and in Keras confusing `trainable=False` with "
        "`training=False` when fine-tuning."
    )


stream_view()

st.subheader("Momentum converter")


@st.fragment
def converter() -> None:
    c1, c2 = st.columns(2)
    with c1:
        kv = st.number_input(
            "Keras / TensorFlow momentum",
            min_value=0.0,
            max_value=1.0,
            value=0.9,
            step=0.01,
            format="%.4f",
            key="l5_conv_keras",
        )
        st.metric("PyTorch momentum", f"{nf.num(keras_to_torch_momentum(kv), 4)}")
    with c2:
        tv = st.number_input(
            "PyTorch momentum",
            min_value=0.0,
            max_value=1.0,
            value=0.1,
            step=0.01,
            format="%.4f",
            key="l5_conv_torch",
        )
        st.metric("Keras / TensorFlow momentum", f"{nf.num(torch_to_keras_momentum(tv), 4)}")
    st.caption("Keras' default 0.99 is PyTorch 0.01; PyTorch's default 0.1 is Keras 0.9.")


converter()

code_tabs(
    """
from bnlib.core.batchnorm import BatchNorm

bn = BatchNorm(1, momentum=0.1)     # PyTorch's convention
for batch in batches:               # each (m, 1)
    bn(batch)                       # training: batch stats; updates running_mean / running_var
bn.eval()
y = bn(x_test)                      # inference: running statistics, any batch size
scale, shift = bn.fold()            # the same thing as one affine map
""",
    """
import torch

bn = torch.nn.BatchNorm1d(1, momentum=0.1)
model.train()                       # batch statistics, running stats updated
...
model.eval()                        # running statistics: outputs no longer depend on the batch
with torch.no_grad():
    y = model(x_test)
print(bn.running_mean, bn.running_var)   # running_var holds the unbiased estimate
""",
    """
from tensorflow import keras

bn = keras.layers.BatchNormalization(momentum=0.9)   # = PyTorch momentum 0.1
y_train = bn(x, training=True)      # batch statistics, moving averages updated
y_infer = bn(x, training=False)     # moving averages
""",
)
check_yourself(URL)
next_lesson(URL)
