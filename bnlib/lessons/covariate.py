"""A tiny sigmoid MLP trained with and without BN, recording how its layer inputs move.

This is a small-scale replay of Ioffe & Szegedy (2015), Figure 1: fully connected
sigmoid layers, mini-batch SGD, and the 15th / 50th / 85th percentiles of the inputs to
the sigmoids of the last hidden layer, measured on held-out data as training goes on.

numpy only. The network per hidden layer:
    without BN:  h = sigmoid(W x + b)
    with BN:     h = sigmoid(BN(W x))        (no bias: BN's beta takes its place)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnlib.core.batchnorm import BatchNorm
from bnlib.core.batchnorm import forward as bn_forward
from bnlib.data.digits import load_digits
from bnlib.data.paths import ASSETS
from bnlib.lessons import PERCENTILES


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + e^-z)


@dataclass(frozen=True)
class ShiftRun:
    """What one training run recorded at each checkpoint.

    steps:       (K,)            training step of each checkpoint (0 = before training)
    bands:       (K, L, H, 3)    15/50/85th percentile of each sigmoid input, per layer and unit
    accuracy:    (K,)            accuracy on the held-out set
    loss:        (K,)            mean cross-entropy on the held-out set
    """

    steps: np.ndarray
    bands: np.ndarray
    accuracy: np.ndarray
    loss: np.ndarray
    use_bn: bool


def _split(X, y, test_fraction, rng):
    idx = rng.permutation(len(X))
    n_test = int(round(len(X) * test_fraction))
    return X[idx[n_test:]], y[idx[n_test:]], X[idx[:n_test]], y[idx[:n_test]]


class _MLP:
    def __init__(self, sizes, use_bn, rng):
        self.use_bn = use_bn
        # plain N(0, 1) weights scaled by 1/sqrt(fan_in): the simple init of the era
        self.W = [
            rng.normal(0, 1 / np.sqrt(a), (a, b)) for a, b in zip(sizes, sizes[1:], strict=False)
        ]
        self.b = [np.zeros(b) for b in sizes[1:]]
        n_hidden = len(sizes) - 2
        self.bn = [BatchNorm(sizes[i + 1]) for i in range(n_hidden)] if use_bn else []

    def forward(self, x, keep=False, probe=False):
        """Returns logits and the sigmoid inputs z of every hidden layer.

        probe=True normalizes a BN layer with the statistics of x itself (the held-out set)
        without touching the running averages: what the layer does to a large batch now.
        """
        zs, acts, h = [], [x], x
        for i in range(len(self.W) - 1):
            a = h @ self.W[i]  # (N, H)
            if not self.use_bn:
                z = a + self.b[i]
            elif probe:
                bn = self.bn[i]
                z = bn_forward(a, bn.gamma, bn.beta, bn.eps)[0]
            else:
                z = self.bn[i](a)
            h = sigmoid(z)
            zs.append(z)
            acts.append(h)
        logits = h @ self.W[-1] + self.b[-1]
        if keep:
            self._acts = acts
        return logits, zs

    def step(self, x, y, lr):
        logits, _ = self.forward(x, keep=True)
        n = len(x)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), y] -= 1.0
        g = p / n  # dLoss/dlogits, (N, 10)
        acts = self._acts
        gW = [None] * len(self.W)
        gb = [None] * len(self.b)
        gW[-1], gb[-1] = acts[-1].T @ g, g.sum(axis=0)
        dh = g @ self.W[-1].T
        for i in range(len(self.W) - 2, -1, -1):
            h = acts[i + 1]
            dz = dh * h * (1.0 - h)  # sigmoid'
            if self.use_bn:
                da = self.bn[i].backward(dz)
                bn = self.bn[i]
                bn.gamma -= lr * bn.dgamma
                bn.beta -= lr * bn.dbeta
            else:
                da = dz
                gb[i] = dz.sum(axis=0)
            gW[i] = acts[i].T @ da
            dh = da @ self.W[i].T
        for i in range(len(self.W)):
            self.W[i] -= lr * gW[i]
            if gb[i] is not None and (i == len(self.W) - 1 or not self.use_bn):
                self.b[i] -= lr * gb[i]


def train_shift_run(
    X,
    y,
    use_bn: bool,
    hidden: int = 32,
    layers: int = 3,
    batch_size: int = 60,
    steps: int = 1500,
    lr: float = 0.5,
    every: int = 25,
    seed: int = 0,
    test_fraction: float = 0.25,
) -> ShiftRun:
    """Train the MLP with mini-batch SGD; record percentile bands every `every` steps.

    X: (N, D) inputs (already scaled), y: (N,) integer labels. The held-out split, the
    initial weights and the batch order depend only on `seed`, so the runs with and without
    BN see the same data in the same order and start from the same weights.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (N, D) and y (N,), got {X.shape} and {y.shape}.")
    if steps < 1 or every < 1 or batch_size < 2:
        raise ValueError("steps and every must be >= 1, batch_size >= 2.")
    rng = np.random.default_rng(seed)
    Xtr, ytr, Xte, yte = _split(X, y, test_fraction, rng)
    n_classes = int(y.max()) + 1
    net = _MLP(
        [X.shape[1]] + [hidden] * layers + [n_classes], use_bn, np.random.default_rng(seed + 1)
    )
    order_rng = np.random.default_rng(seed + 2)

    rec_steps, bands, acc, loss = [], [], [], []

    def record(step):
        logits, zs = net.forward(Xte, probe=True)
        z = np.stack(zs)  # (L, N, H)
        bands.append(np.percentile(z, PERCENTILES, axis=1).transpose(1, 2, 0))  # (L, H, 3)
        logp = logits - logits.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        loss.append(float(-logp[np.arange(len(yte)), yte].mean()))
        acc.append(float((logits.argmax(axis=1) == yte).mean()))
        rec_steps.append(step)

    record(0)
    perm, pos = order_rng.permutation(len(Xtr)), 0
    for step in range(1, steps + 1):
        if pos + batch_size > len(perm):
            perm, pos = order_rng.permutation(len(Xtr)), 0
        idx = perm[pos : pos + batch_size]
        pos += batch_size
        net.step(Xtr[idx], ytr[idx], lr)
        if step % every == 0 or step == steps:
            record(step)
    return ShiftRun(np.array(rec_steps), np.array(bands), np.array(acc), np.array(loss), use_bn)


FLAT = 2.0  # |z| beyond this: sigmoid'(z) < 0.105, 42% of its peak of 0.25 (the "low-slope zone")


def checkpoint(step: int, every: int, count: int) -> int:
    """The index of the checkpoint nearest training step `step` (one every `every` steps)."""
    return int(np.clip(round(step / every), 0, count - 1))


@dataclass(frozen=True)
class BandSummary:
    """How one unit's band (checkpoints, 3) moved over training: widths and median drift."""

    width_start: float
    width_end: float
    drift: float  # the largest distance of the median from its starting value


def band_summary(band: np.ndarray) -> BandSummary:
    """Summary of a (checkpoints, 3) band of 15th / 50th / 85th percentiles."""
    band = np.asarray(band, dtype=np.float64)
    return BandSummary(
        float(np.ptp(band[0])),
        float(np.ptp(band[-1])),
        float(np.abs(band[:, 1] - band[0, 1]).max()),
    )


def flat_fraction(z_band: np.ndarray, threshold: float = 2.0) -> float:
    """How much of a (15th, 85th) percentile band lies beyond |z| > threshold (0..1)."""
    lo, hi = float(z_band[0]), float(z_band[-1])
    width = max(hi - lo, 1e-12)
    inside = max(0.0, min(hi, threshold) - max(lo, -threshold))
    return 1.0 - inside / width


# --- the default runs, precomputed so that the lesson opens instantly -----------------------

PRECOMPUTED = ASSETS / "data" / "covariate_shift_runs.npz"
DEFAULTS = dict(hidden=32, layers=3, batch_size=60, steps=2000, every=25)


def digits_runs(lr: float = 0.5, seed: int = 0) -> tuple[ShiftRun, ShiftRun]:
    """The runs without and with BN on the 8x8 digits (pixels scaled to 0..1)."""
    X, y = load_digits()
    X = X / 16.0
    return (
        train_shift_run(X, y, False, lr=lr, seed=seed, **DEFAULTS),
        train_shift_run(X, y, True, lr=lr, seed=seed, **DEFAULTS),
    )


def _key(lr: float, seed: int) -> str:
    return f"lr{lr:g}_seed{seed}"


def save_precomputed(settings=((0.1, 0), (0.5, 0), (1.0, 0), (2.0, 0)), path: Path = PRECOMPUTED):
    """Train the given (lr, seed) pairs and store their records (small floats) in one .npz."""
    arrays = {}
    for lr, seed in settings:
        for run in digits_runs(lr, seed):
            k = f"{_key(lr, seed)}_{'bn' if run.use_bn else 'plain'}"
            arrays[f"{k}_steps"] = run.steps.astype(np.int32)
            arrays[f"{k}_bands"] = run.bands.astype(np.float16)  # 3 digits are plenty for a chart
            arrays[f"{k}_accuracy"] = run.accuracy.astype(np.float32)
            arrays[f"{k}_loss"] = run.loss.astype(np.float32)
    np.savez_compressed(path, **arrays)


def load_runs(
    lr: float = 0.5, seed: int = 0, path: Path = PRECOMPUTED
) -> tuple[ShiftRun, ShiftRun]:
    """The precomputed runs when this (lr, seed) was stored, else train them now (~1 s)."""
    if path.is_file():
        with np.load(path) as data:
            k = _key(lr, seed)
            if f"{k}_plain_steps" in data:
                return tuple(
                    ShiftRun(
                        data[f"{k}_{tag}_steps"].astype(np.int64),
                        data[f"{k}_{tag}_bands"].astype(np.float64),
                        data[f"{k}_{tag}_accuracy"].astype(np.float64),
                        data[f"{k}_{tag}_loss"].astype(np.float64),
                        tag == "bn",
                    )
                    for tag in ("plain", "bn")
                )
    return digits_runs(lr, seed)


if __name__ == "__main__":  # python -m bnlib.lessons.covariate  rewrites the precomputed file
    save_precomputed()
    print(f"wrote {PRECOMPUTED} ({PRECOMPUTED.stat().st_size / 1e3:.0f} kB)")
