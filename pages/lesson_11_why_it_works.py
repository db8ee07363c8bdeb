"""Lesson 11: covariate shift or a smoother landscape? Both tested on a small net."""

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.lessons.noisy_bn import noisy_unit_percentiles
from bnlib.settings import Setting
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson, run_button
from bnlib.ui.level import explain, term, why_box
from bnlib.ui.quiz import check_yourself
from bnlib.ui.seeding import seed_control
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.why_it_works import accuracy_curves_figure, landscape_figure, noise_band_figure

URL = "why-it-works"
NOISE = Setting(
    "l11_noise",
    "float",
    0.5,
    "Noise strength (std of the random scale and shift)",
    min=0.0,
    max=1.0,
    step=0.25,
)
NOISE_STEPS = Setting("l11_noise_steps", "choice", 600, "Training steps", choices=(600, 1500, 3000))
LR = Setting("l11_lr", "choice", 0.5, "Learning rate", choices=(0.1, 0.2, 0.5))
STEPS = Setting("l11_steps", "choice", 300, "Training steps", choices=(300, 1000, 2000))
SEED = Setting("l11_seed", "int", 0, "Seed", min=0, max=1_000_000)
SETTINGS = (NOISE, NOISE_STEPS, LR, STEPS, SEED)


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

    probe_every = max(10, steps // 40)
    return landscape_experiment(steps=steps, lr=lr, probe_every=probe_every, seed=seed)


header(URL)
link_notices(SETTINGS)

st.markdown(
    f"""
Ioffe and Szegedy (2015) explained BN with {term("internal covariate shift")}: every
layer's inputs keep moving as earlier layers learn, and BN holds them still. Lesson 1
showed BN resetting each unit's centre and spread at every batch. But *is that why it
trains faster*? Santurkar, Tsipras, Ilyas and Madry (2018) tested the story. You can rerun
simplified versions of two of their experiments here, on the digits MLP (3 hidden ReLU
layers of 100 units).
"""
)

st.header("Experiment 1: shake the distributions on purpose")
st.markdown(
    """
After every BN layer, give each unit a fresh random scale and shift at **every** training
step. Its distribution now jumps around more than it would without BN at all. If steady
distributions were the secret, this net should train badly. This is a simplification of
Santurkar et al.'s (2018) version: they add i.i.d. noise to every single activation, drawn
with a non-zero mean and a non-unit variance that are themselves redrawn at each step;
here one random scale and one shift are shared by all samples of a unit.
"""
)
st.latex(
    r"y = \big(\gamma \hat x + \beta\big)(1 + s) + t, \qquad s, t \sim \mathcal{N}(0, \text{noise}^2)"
)


@st.fragment
def noise_section() -> None:
    c1, c2 = st.columns(2)
    noise = setting_widget(NOISE, c1)
    steps = setting_widget(NOISE_STEPS, c2)
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
        f"What a single unit looks like, 100 steps, 256 samples: BN's median stays within "
        f"{nf.fixed(np.abs(plain[:, 1]).max(), 2)} of 0; with the noise it lands anywhere up to "
        f"{nf.fixed(np.abs(noisy[:, 1]).max(), 2)} away."
    )
    if not run_button("l11_noise_on", "Train with the noise (about 3 s)"):
        return
    seed = int(st.session_state.get(SEED.key, SEED.default))
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
        f"SGD at 0.1, batch 32, {steps} steps. The noisy net ends {abs(gap):.1%} "
        f"{'below' if gap > 0 else 'above'} plain BN and "
        f"{abs(acc['BN + noise'] - acc['No BN']):.1%} "
        f"{'above' if acc['BN + noise'] >= acc['No BN'] else 'below'} the net without BN."
    )


noise_section()
why_box(
    "The noisy net keeps BN's normalization and its effect on the gradients; it only loses "
    "the steady distributions. That it still trains says the steadiness is not what matters most."
)

st.header("Experiment 2: how smooth is the loss along the gradient?")
st.markdown(
    f"""
Santurkar et al.'s alternative: BN makes the {term("loss landscape")} smoother, so a
gradient step lands where the gradient predicted. We measure that while two nets train
(same initial weights, same batches), one with BN and one without. Every few steps, at the
current weights w with batch gradient g, we try step sizes η from 0.5 to 4 times the
learning rate and record:
"""
)
st.latex(
    r"\underbrace{L(w - \eta g)}_{\text{loss landscape}} \qquad "
    r"\underbrace{\lVert \nabla L(w - \eta g) - \nabla L(w) \rVert}_{\text{gradient predictiveness}}"
    r"\qquad \underbrace{\max_\eta \frac{\lVert \nabla L(w - \eta g) - \nabla L(w) \rVert}"
    r"{\lVert \eta g \rVert}}_{\text{effective } \beta\text{-smoothness}}"
)
explain(
    beginner=(
        "A wide band in the top panel means the loss changes a lot depending on how far you "
        "step: a bumpy landscape, where a big learning rate is a gamble. A low middle panel "
        "means the gradient you computed is still right after the step."
    ),
    expert=(
        "All probes use the step's own batch and, for BN, its batch statistics, with the "
        "running averages left untouched: it is the landscape SGD actually sees. g includes "
        "gamma and beta for the BN net and the biases for the plain one."
    ),
)


@st.fragment
def landscape_section() -> None:
    c1, c2, c3 = st.columns(3)
    lr = setting_widget(LR, c1)
    steps = setting_widget(STEPS, c2)
    seed = seed_control(SEED, c3)
    if not run_button("l11_land_on", "Train and probe (about 2 s)"):
        return
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
    rows = []
    for name, key in (
        ("Loss range", "loss_range"),
        ("Gradient change", "grad_change"),
        ("Beta-smoothness", "beta"),
    ):
        a, b = s["No BN"][key], s["BN"][key]
        rows.append(
            {
                "Measure (mean over the run)": name,
                "No BN": f"{nf.num(a, 3)}",
                "BN": f"{nf.num(b, 3)}",
                "No BN / BN": f"{nf.num(a / b, 2)}x" if b > 0 and np.isfinite(a / b) else "n/a",
            }
        )
    st.table(rows, border="horizontal")
    ratio = s["No BN"]["loss_range"] / max(s["BN"]["loss_range"], 1e-12)
    st.caption(
        f"This run: the loss band is {nf.fixed(ratio, 1)}x wider without BN, the gradient changes "
        f"{nf.fixed(s['No BN']['grad_change'] / max(s['BN']['grad_change'], 1e-12), 1)}x as much, and "
        f"β-smoothness comes out at {nf.fixed(s['No BN']['beta'] / max(s['BN']['beta'], 1e-12), 2)}x. "
        f"Final validation accuracy: {res.val_acc['No BN']:.1%} without BN, "
        f"{res.val_acc['BN']:.1%} with."
    )


landscape_section()

st.markdown(
    """
**What our runs show.** At learning rate 0.5, over five seeds (300 steps), the loss band was
3 to 12 times wider without BN and the gradient changed 1.4 to 3.3 times as much. The
effective β-smoothness did *not* follow: it came out 0.8 to 1 times BN's, that is,
slightly *higher* with BN. At 0.1 the nets without BN barely move early on (the default
initialization shrinks the signal layer by layer), their landscape looks flat, and the
comparison is mixed. Santurkar et al. report all three measures smaller with BN, by up to
two orders of magnitude, on deep conv nets; a three-layer MLP on 8x8 digits is a much
gentler problem. The direction agrees for the first two measures; the size does not.
"""
)

st.header("So why does it work?")
explain(
    beginner="""
Nobody has a complete answer yet. Here is where things stand:

- **Covariate shift** was the first story (Ioffe and Szegedy, 2015). Santurkar et al.'s
  (2018) noise experiment argues it cannot be the whole story: their nets whose
  distributions jumped around every step still trained about as well.
- **A smoother landscape** (Santurkar et al., 2018) is the best-supported single account,
  and it is still debated. Experiment 2 shows the loss changing less along each step with
  BN; that is one proposed reason bigger learning rates work. In our runs the third
  measure, β-smoothness, did not improve with BN.
- **Other accounts** compete and add to it: BN makes a layer's output ignore the scale of
  its weights, so the weights' length acts like an automatic learning-rate schedule (Arora
  et al., 2019); BN is what makes large learning rates usable, and those help most
  (Bjorck et al., 2018); and batch noise regularizes a little.
""",
    expert="""
The mechanism is still debated.

- **Internal covariate shift** (Ioffe and Szegedy 2015): challenged by the noise
  experiment, and by Santurkar et al.'s finding that BN nets can show *more* shift under a
  gradient-based definition of it.
- **Smoothing** (Santurkar et al. 2018): smaller Lipschitz constants of the loss and its
  gradient in the normalized reparametrization. The best-supported single account, still
  debated. Our β-smoothness numbers (slightly *worse* with BN) show how sensitive such
  measurements are to scale and initialization.
- **Large learning rates** (Bjorck et al. 2018): BN's main gift is that it permits large
  steps, whose noise helps generalization; without BN, activations and gradients grow
  with depth and such steps diverge.
- **Length-direction decoupling** (Kohler et al. 2019): BN splits each weight vector's
  length from its direction, which provably speeds up optimization in some settings.
- **Scale invariance and auto rate-tuning**: BN(aWu) = BN(Wu), so the gradient shrinks as
  1/a when weights grow; with weight decay this gives an effective learning rate that adapts
  itself (van Laarhoven 2017), and gradient descent converges without tuning the rate of
  the scale-invariant weights (Arora et al. 2019).
- **Not a cure for depth**: a mean-field analysis (Yang et al. 2019) shows that deep BN nets
  without skip connections have exploding gradients at initialization.
- **Regularization** from batch noise, and the removal of large outlier eigenvalues of the
  Hessian (Ghorbani et al. 2019), are further pieces. None alone explains everything.
""",
)

code_tabs(
    """
# the probes, in words (bnlib.lab.experiments.landscape_experiment does this in torch)
g = grad(L, w)
for eta in lr * np.array([0.5, 1, 2, 3, 4]):
    loss_at[eta] = L(w - eta * g)
    change[eta] = np.linalg.norm(grad(L, w - eta * g) - g)
beta = max(change[eta] / np.linalg.norm(eta * g) for eta in change)
""",
    """
import torch, torch.nn.functional as F
from torch.nn.utils import parameters_to_vector as to_vec, vector_to_parameters as to_params

params = list(model.parameters())
loss = F.cross_entropy(model(xb), yb)
g = torch.cat([p.reshape(-1) for p in torch.autograd.grad(loss, params)])
w0 = to_vec(params).detach().clone()
for bn in bns:
    bn.momentum = 0.0            # probing must not move the running averages
for eta in lr * torch.tensor([0.5, 1.0, 2.0, 3.0, 4.0]):
    to_params(w0 - eta * g, params)
    lp = F.cross_entropy(model(xb), yb)
    gp = torch.cat([p.reshape(-1) for p in torch.autograd.grad(lp, params)])
    print(float(eta), float(lp), float((gp - g).norm()))
to_params(w0, params)
""",
)

check_yourself(URL)
next_lesson(URL)
