"""Lesson 6: gradient flow, the backward pass."""

import time

import numpy as np
import streamlit as st

from bnlib import format as nf
from bnlib.core.batchnorm import backward, backward_steps, forward
from bnlib.core.gradcheck import numerical_gradient, rel_error
from bnlib.lessons.settings import L6, L6_BATCH, L6_EPS, L6_GAMMA, L6_SEED, L6_TIMING_N, L6_TORCH
from bnlib.ui.charts import chart
from bnlib.ui.lesson import code_tabs, header, next_lesson
from bnlib.ui.lesson_widgets import seed_controls
from bnlib.ui.quiz import check_yourself
from bnlib.ui.widgets import link_notices, setting_widget
from bnlib.viz.gradient_flow import bn_graph_dot, gradient_paths_figure, timing_figure

URL = "gradient-flow"
BETA = 0.25  # beta does not enter any gradient except dbeta itself

header(URL)
link_notices(L6)


@st.cache_data(show_spinner=False, max_entries=64)
def tiny_batch(m: int, gamma: float, eps: float, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 1.5, (m, 1)).round(2)  # (m, 1): one feature, short numbers
    dy = rng.normal(0.0, 1.0, (m, 1)).round(2)  # upstream gradient dL/dy
    y, cache = forward(x, gamma, BETA, eps)
    return x, dy, y, cache, backward_steps(dy, cache)


@st.cache_data(show_spinner=False, max_entries=64)
def numeric_check(m: int, gamma: float, eps: float, seed: int):
    x, dy, _, cache, _ = tiny_batch(m, gamma, eps, seed)
    dx, dgamma, dbeta = backward(dy, cache)
    g, b = np.array([gamma]), np.array([BETA])
    num_dx = numerical_gradient(lambda v: forward(v, g, b, eps)[0], x, dy)
    num_dg = numerical_gradient(lambda v: forward(x, v, b, eps)[0], g, dy)
    num_db = numerical_gradient(lambda v: forward(x, g, v, eps)[0], b, dy)
    ours = np.concatenate([dx[:, 0], dgamma, dbeta])
    numerical = np.concatenate([num_dx[:, 0], num_dg, num_db])
    return ours, numerical


@st.cache_data(show_spinner=False, max_entries=64)
def torch_check(m: int, gamma: float, eps: float, seed: int):
    import torch  # lazily: only when the learner asks for this column

    x, dy, _, _, _ = tiny_batch(m, gamma, eps, seed)
    bn = torch.nn.BatchNorm1d(1, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.fill_(gamma)
        bn.bias.fill_(BETA)
    xt = torch.tensor(x, requires_grad=True)
    bn(xt).backward(torch.tensor(dy))
    return np.concatenate(
        [xt.grad.numpy()[:, 0], bn.weight.grad.numpy(), bn.bias.grad.numpy()]
    ).astype(np.float64)


def best_time(fn, repeats: int = 5) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run_timing() -> None:
    n = int(st.session_state.get(L6_TIMING_N.key, L6_TIMING_N.default))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 64))
    dy = rng.normal(size=(n, 64))
    _, cache = forward(x)
    st.session_state["l6_timing"] = {
        "n": n,
        "compact": best_time(lambda: backward(dy, cache)),
        "steps": best_time(lambda: backward_steps(dy, cache)),
    }


st.markdown(
    "In most layers each output depends on its own input. In BN every output depends on "
    "**every** input of the batch, because μ_B and σ²_B are computed from all of them. So a "
    "gradient reaching x_i comes back along three paths: directly through x̂_i, through the "
    "variance, and through the mean. First the graph and the formulas, then a batch small "
    "enough to read every number."
)

st.subheader("The computation graph")
st.graphviz_chart(
    bn_graph_dot(),
    width="stretch",
    alt="The BN graph: x feeds the mean, x minus the mean feeds the variance, both feed "
    "x-hat, which with gamma and beta gives y. Dashed arrows carry the gradients back.",
)
st.caption(
    "Solid arrows: the forward pass. Dashed: where the gradient splits. x reaches y three "
    "ways (directly, through μ_B, through σ²_B), so dx is a sum of three terms."
)
st.subheader("The backward pass")
st.markdown(
    "The backward pass, node by node. dy is the gradient arriving from above (random "
    "below, as if from a loss); every other quantity follows from it:"
)
st.latex(
    r"\frac{\partial L}{\partial \beta} = \sum_i dy_i \qquad "
    r"\frac{\partial L}{\partial \gamma} = \sum_i dy_i\,\hat{x}_i \qquad "
    r"d\hat{x}_i = dy_i\,\gamma"
)
st.latex(
    r"d\sigma^2 = \sum_i d\hat{x}_i\,(x_i - \mu_B)\cdot\left(-\tfrac{1}{2}\right)(\sigma_B^2 + \varepsilon)^{-3/2}"
)
st.latex(
    r"d\mu = \sum_i d\hat{x}_i \cdot \frac{-1}{\sqrt{\sigma_B^2 + \varepsilon}}"
    r" + d\sigma^2 \cdot \frac{-2}{m}\sum_i (x_i - \mu_B)"
)
st.latex(
    r"dx_i = \underbrace{\frac{d\hat{x}_i}{\sqrt{\sigma_B^2+\varepsilon}}}_{\text{direct}}"
    r" + \underbrace{d\sigma^2\,\frac{2(x_i - \mu_B)}{m}}_{\text{through }\sigma^2}"
    r" + \underbrace{\frac{d\mu}{m}}_{\text{through }\mu}"
)


@st.fragment
def walkthrough() -> None:
    c1, c2, c3 = st.columns(3)
    with c1:
        m = setting_widget(L6_BATCH)
    with c2:
        gamma = setting_widget(L6_GAMMA)
    with c3:
        eps = setting_widget(L6_EPS, format_func=nf.eps)
    seed = seed_controls(L6_SEED)
    x, dy, y, cache, g = tiny_batch(int(m), float(gamma), float(eps), int(seed))
    mu, var, inv = float(cache.mean[0]), float(cache.var[0]), float(cache.inv_std[0])

    st.subheader("Forward")
    a, b, c, d = st.columns(4)
    a.metric("μ_B", f"{nf.fixed(mu, 4)}")
    b.metric("σ²_B", f"{nf.fixed(var, 4)}")
    c.metric("1/√(σ²_B + ε)", f"{nf.fixed(inv, 4)}")
    d.metric("γ, β", f"{nf.num(gamma, 6)}, {nf.num(BETA, 6)}")
    st.dataframe(
        {
            "i": np.arange(1, m + 1),
            "x": x[:, 0],
            "x − μ_B": cache.x_centered[:, 0],
            "x̂": cache.x_hat[:, 0],
            "y = γx̂ + β": y[:, 0],
        },
        hide_index=True,
        key="l6_forward_table",
    )

    st.subheader("Backward, with numbers")
    a, b, c, d = st.columns(4)
    a.metric("dβ", f"{nf.fixed(g['dbeta'][0], 4)}")
    b.metric("dγ", f"{nf.fixed(g['dgamma'][0], 4)}")
    c.metric("dσ²", f"{nf.fixed(g['dvar'][0], 4)}")
    d.metric("dμ", f"{nf.fixed(g['dmu'][0], 4)}")
    st.dataframe(
        {
            "i": np.arange(1, m + 1),
            "dy": dy[:, 0],
            "dx̂ = γ·dy": g["dx_hat"][:, 0],
            "direct": g["dx_direct"][:, 0],
            "through σ²": g["dx_via_var"][:, 0],
            "through μ": g["dx_via_mean"][:, 0],
            "dx": g["dx"][:, 0],
        },
        hide_index=True,
        key="l6_backward_table",
    )
    chart(
        gradient_paths_figure,
        g["dx_direct"],
        g["dx_via_var"],
        g["dx_via_mean"],
        g["dx"],
        key="l6_paths",
        alt=f"For each of the {m} samples, dx split into three stacked bars (direct, through the "
        "variance, through the mean) with their sum marked.",
    )
    dx = g["dx"][:, 0]
    x_hat = cache.x_hat[:, 0]
    # the exact value of the second sum: gamma * eps / (var + eps)^(3/2) * sum(dy * x_hat)
    predicted = float(gamma) * float(eps) * inv**3 * float((dy[:, 0] * x_hat).sum())
    a, b, c = st.columns(3)
    a.metric("Σ dx_i", f"{nf.sci(dx.sum(), 1)}", help="Zero up to rounding (about 1e-16).")
    b.metric(
        "Σ dx_i · x̂_i",
        f"{nf.sci((dx * x_hat).sum(), 1)}",
        help="Zero only when ε = 0; the next column gives its exact value.",
    )
    c.metric(
        "γ·ε/(σ²_B+ε)^(3/2) · Σ dy_i·x̂_i",
        f"{nf.sci(predicted, 1)}",
        help="The exact value of Σ dx_i · x̂_i, from the compact formula below.",
    )
    st.markdown(
        "The first sum is zero for every batch, γ, ε and dy: adding the same amount to every "
        "input changes nothing after BN, so the gradient has no component along that shift. "
        "The second is zero only when ε = 0. With ε > 0, stretching the batch does change x̂ "
        "a little (its spread is √(σ²/(σ²+ε)), not 1), so a small component survives, and "
        "the compact formula gives it exactly: γ·ε/(σ²+ε)^(3/2) · Σ dy_i·x̂_i, the third "
        f"number above. Here ε/(σ² + ε) = {nf.sci(eps / (var + eps), 1)}. It grows with ε (at ε = 1 "
        "it is no longer small) and when σ² is not much larger than ε; and because "
        "Σ dy_i·x̂_i adds m terms, it tends to grow like √m for random dy. Set ε to 1e-8 "
        "and watch it shrink a thousandfold."
    )
    # scale invariance, measured on this batch: x -> 10 x
    _, cache10 = forward(10.0 * x, float(gamma), BETA, float(eps))
    dx10 = backward(dy, cache10)[0][:, 0]
    a, b = st.columns(2)
    a.metric("max |x̂(10·x) − x̂(x)|", f"{nf.sci(np.abs(cache10.x_hat - cache.x_hat).max(), 1)}")
    if np.abs(dx).min() > 0:
        b.metric("dx(10·x) ÷ dx(x)", f"{nf.fixed(np.median(dx10 / dx), 4)}")
    else:
        b.metric("dx(10·x) ÷ dx(x)", "n/a", help="Some dx is 0 (γ = 0 stops every gradient).")
    st.caption(
        "Scale the batch by 10: x̂ stays the same (up to ε) and the gradient shrinks tenfold. "
        "So if the weights feeding BN grow by a factor a, their gradient shrinks by 1/a and "
        "each step changes them relatively less: their effective learning rate falls as they "
        "grow (van Laarhoven, 2017). That steadies training at large learning rates; it does "
        "not stop gradients from growing through many layers (Yang et al., 2019)."
    )

    st.subheader("Gradient check")
    st.markdown(
        "Compare the formulas with a numerical derivative: nudge each input by h = 1e-5 up and "
        "down and measure the change of Σ y·dy (central differences). In float64 the two agree "
        "to about 1e-9 or better."
    )
    ours, numerical = numeric_check(int(m), float(gamma), float(eps), int(seed))
    names = [f"dx_{i}" for i in range(1, m + 1)] + ["dγ", "dβ"]
    table = {"quantity": names, "bnlib (formula)": ours, "numerical": numerical}
    use_torch = setting_widget(L6_TORCH)
    if use_torch:
        try:
            table["PyTorch autograd"] = torch_check(int(m), float(gamma), float(eps), int(seed))
        except ImportError:
            st.warning("PyTorch is not installed here, so the autograd column is left out.")
    st.dataframe(table, hide_index=True, key="l6_check_table")
    cols = st.columns(2)
    cols[0].metric(
        "relative error, formula vs numerical", f"{nf.sci(rel_error(ours, numerical), 1)}"
    )
    if "PyTorch autograd" in table:
        cols[1].metric(
            "relative error, formula vs PyTorch",
            f"{nf.sci(rel_error(ours, table['PyTorch autograd']), 1)}",
        )


walkthrough()

st.subheader("Compact backward vs step by step")
st.markdown(
    "Following the graph node by node allocates a full-size array for every intermediate. "
    "Collecting the terms gives one expression that needs only two sums per feature:"
)
st.latex(
    r"dx = \frac{\gamma}{m\sqrt{\sigma_B^2+\varepsilon}}"
    r"\left(m\,dy - \sum_i dy_i - \hat{x}\sum_i dy_i\,\hat{x}_i\right)"
)


@st.fragment
def timing() -> None:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    with c1:
        n = setting_widget(L6_TIMING_N)
    with c2:
        st.button("Time both", key="l6_time", on_click=run_timing, icon=":material/timer:")
    res = st.session_state.get("l6_timing")
    if not res:
        st.caption(f"Press the button to time both on a ({n}, 64) batch on this server.")
        return
    chart(
        timing_figure,
        ["compact formula", "step by step"],
        [res["compact"], res["steps"]],
        key="l6_timing_chart",
        alt=f"Best of 5 on a ({res['n']}, 64) batch: compact {nf.fixed(res['compact'] * 1e3, 2)} ms, "
        f"step by step {nf.fixed(res['steps'] * 1e3, 2)} ms.",
    )
    st.metric(
        f"speed-up of the compact form, ({res['n']}, 64) batch",
        f"{nf.fixed(res['steps'] / res['compact'], 1)}×",
    )


timing()

code_tabs(
    """
import numpy as np
from bnlib.core.batchnorm import forward, backward, backward_steps
from bnlib.core.gradcheck import numerical_gradient, rel_error

x = np.random.default_rng(0).normal(2, 1.5, (8, 1))
dy = np.random.default_rng(1).normal(size=(8, 1))
y, cache = forward(x, gamma=1.5, beta=0.25)
dx, dgamma, dbeta = backward(dy, cache)          # compact formula
steps = backward_steps(dy, cache)                # every node of the graph
num = numerical_gradient(lambda v: forward(v, 1.5, 0.25)[0], x, dy)
print(rel_error(dx, num), dx.sum())             # about 1e-11 and 1e-15: sum(dx) is always 0
print((dx * cache.x_hat).sum())                  # -4.7e-05: not 0, because eps = 1e-5 > 0
s = dy * cache.x_hat
print(1.5 * 1e-5 / (cache.var + 1e-5) ** 1.5 * s.sum())   # the same -4.7e-05, exactly
""",
    """
import torch

x = torch.randn(8, 1, dtype=torch.float64, requires_grad=True)
bn = torch.nn.BatchNorm1d(1, dtype=torch.float64)
y = bn(x)
dy = torch.randn_like(y)
y.backward(dy)
print(x.grad.sum(), bn.weight.grad, bn.bias.grad)   # sum of dx is ~1e-16
torch.autograd.gradcheck(lambda v: bn(v), (x,))      # numerical vs autograd
""",
)
check_yourself(URL)
next_lesson(URL)
