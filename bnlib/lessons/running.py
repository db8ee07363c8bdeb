"""Running (exponential moving) averages of batch statistics, for the train/inference lesson.

PyTorch's convention, used throughout bnlib:
    running = (1 - momentum) * running + momentum * batch_stat      momentum = 0.1
Keras' convention writes the same average with momentum_keras = 1 - momentum.
numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnlib import format as nf
from bnlib.core._checks import check_momentum, check_positive_int
from bnlib.core.batchnorm import BatchNorm, forward


def ema(values, momentum: float, init: float) -> np.ndarray:
    """The running average after each value, PyTorch convention: shape like `values` (T,)."""
    w = check_momentum(momentum, allow_none=False)
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    r = float(init)
    for t, v in enumerate(values):
        r = (1.0 - w) * r + w * v  # the one line BN's running statistics come from
        out[t] = r
    return out


@dataclass(frozen=True)
class Stream:
    """A stream of batches of one feature, with the population it was drawn from.

    batches: (T, m); pop_mean, pop_var: (T,) the true mean and variance at each step.
    """

    batches: np.ndarray
    pop_mean: np.ndarray
    pop_var: np.ndarray

    @property
    def batch_mean(self) -> np.ndarray:
        return self.batches.mean(axis=1)

    @property
    def batch_var(self) -> np.ndarray:
        """Biased (divide by m): what BN normalizes with."""
        return self.batches.var(axis=1)

    @property
    def batch_var_unbiased(self) -> np.ndarray:
        """Divide by m - 1: what PyTorch stores in running_var."""
        return self.batches.var(axis=1, ddof=1)


def batch_stream(
    m: int,
    steps: int,
    mean: float = 2.0,
    std: float = 1.5,
    drift: bool = False,
    seed: int = 0,
) -> Stream:
    """Normal batches of size m. With drift the true mean moves from `mean` to `mean` + 3
    and the spread grows by half over the stream (the slow change a training net shows)."""
    m = check_positive_int(m, "m")
    steps = check_positive_int(steps, "steps")
    t = np.linspace(0.0, 1.0, steps)
    pop_mean = mean + (3.0 * t if drift else 0.0 * t)
    pop_std = std * (1.0 + 0.5 * t if drift else np.ones_like(t))
    rng = np.random.default_rng(seed)
    batches = pop_mean[:, None] + pop_std[:, None] * rng.standard_normal((steps, m))
    return Stream(batches, pop_mean, pop_std**2)


@dataclass(frozen=True)
class Replay:
    """A BN layer trained on a stream: running statistics after every batch, and the layer."""

    running_mean: np.ndarray  # (T,)
    running_var: np.ndarray  # (T,) unbiased, as PyTorch stores it
    layer: BatchNorm


def replay(stream: Stream, momentum: float, gamma: float = 1.0, beta: float = 0.0) -> Replay:
    """Feed every batch of `stream` through a one-feature BatchNorm in training mode.

    momentum is PyTorch's (weight of the new batch). The layer starts from PyTorch's
    initial running_mean = 0, running_var = 1.
    """
    layer = BatchNorm(1, momentum=check_momentum(momentum, allow_none=False))
    layer.gamma[:] = gamma
    layer.beta[:] = beta
    rm, rv = [], []
    for b in stream.batches:
        layer(b.reshape(-1, 1))  # (m, 1); updates the running statistics
        rm.append(float(layer.running_mean[0]))
        rv.append(float(layer.running_var[0]))
    return Replay(np.array(rm), np.array(rv), layer.eval())


def companion_outputs(
    layer: BatchNorm, x0: float, companions: np.ndarray
) -> tuple[np.ndarray, float]:
    """The output for one sample x0 when it shares a batch with different companions.

    companions: (K, k) other samples; each row forms a batch [x0, *row]. Returns the training-
    mode outputs for x0 (K,), normalized with each batch's own statistics, and the eval-mode
    output, which uses the running statistics and so is the same for every batch.
    Raises ValueError (PyTorch's message) when k = 0: a batch of one in training mode.
    """
    companions = np.asarray(companions, dtype=np.float64)
    outs = []
    for row in companions:
        batch = np.concatenate([[x0], row]).reshape(-1, 1)  # (k + 1, 1)
        y, _ = forward(batch, layer.gamma, layer.beta, layer.eps)  # training mode, no state
        outs.append(float(y[0, 0]))
    scale, shift = layer.fold()
    return np.array(outs), float(scale[0] * x0 + shift[0])


# --- Lesson 5's fixed choices and experiments -------------------------------------------------

STEPS = 150  # batches in the stream
GAMMA, BETA = 1.5, 0.5  # pretend these were learned
X0 = 1.5  # the sample of the eval() demo
DEMO_BATCHES = 8
FOLD_XS = (-2.0, 0.0, 1.5, 4.0)  # inputs of the "BN is one multiply and one add" table


def lesson_stream(
    m: int, drift: bool, seed: int, momentum_torch: float, steps: int = STEPS
) -> tuple[Stream, Replay, np.ndarray]:
    """Lesson 5's stream, the layer replayed on it, and the running average of the biased
    batch variances (T,) that a layer storing σ²_B itself would keep."""
    stream = batch_stream(m, steps, drift=drift, seed=seed)
    r = replay(stream, momentum_torch, GAMMA, BETA)
    biased = ema(stream.batch_var, momentum_torch, init=1.0)
    return stream, r, biased


def stats_series(stream: Stream, r: Replay, biased: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arguments of bnlib.viz.running.running_stats_figure, in its order."""
    return (
        stream.batch_mean,
        r.running_mean,
        stream.pop_mean,
        stream.batch_var_unbiased,
        r.running_var,
        biased,
        stream.pop_var,
    )


def settled_ratios(stream: Stream, r: Replay, biased: np.ndarray) -> tuple[float, float, float]:
    """running_var / true variance, biased average / true variance and biased / unbiased,
    each taken at the same step and averaged over the last two thirds of the stream."""
    late = slice(len(biased) // 3, None)  # once the average has settled
    return (
        float((r.running_var / stream.pop_var)[late].mean()),
        float((biased / stream.pop_var)[late].mean()),
        float((biased / r.running_var)[late].mean()),
    )


def fold_table(layer: BatchNorm, xs=FOLD_XS) -> tuple[float, float, dict[str, np.ndarray]]:
    """The eval-mode layer's scale and shift (feature 0), and a table comparing the layer's
    output with scale · x + shift for the inputs `xs`."""
    scale, shift = layer.fold()
    x = np.asarray(xs, dtype=np.float64).reshape(-1, 1)  # (n, 1)
    y_eval = layer(x)[:, 0]
    y_fold = scale[0] * x[:, 0] + shift[0]
    return (
        float(scale[0]),
        float(shift[0]),
        {
            "x": x[:, 0],
            "BN in eval mode": y_eval,
            "scale · x + shift": y_fold,
            "difference": nf.clean(np.abs(y_eval - y_fold)),
        },
    )


def demo_companions(seed: int, k: int, batches: int = DEMO_BATCHES) -> np.ndarray:
    """The random companions of X0 in the eval() demo: (batches, k - 1) samples."""
    rng = np.random.default_rng(seed + 101)
    return rng.normal(2.0, 1.5, (batches, k - 1))
