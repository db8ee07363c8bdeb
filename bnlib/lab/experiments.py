"""Experiments for lessons 10 and 11, built on the lab's trainer (bnlib.lab.trainer).

    landscape_experiment      loss and gradient probed along the gradient direction
                              (Santurkar et al. 2018) while two nets train in one stack:
                              the trainer's `probe` hook
    batch_size_sweep          BN vs group norm vs layer norm from batch 2 to 64
    noisy_bn_experiment       random per-unit shift and scale after BN (`norm_noise`)
    single_class_experiment   one-class batches, batch renorm's r_max / d_max warm-up;
                              still its own loop over `build_model`'s modules

Every function is deterministic for a given seed and returns plain numpy arrays in a
small dataclass, so pages can cache the results and figure builders can draw them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bnlib.lab.config import TrainConfig
from bnlib.lab.data import load_dataset
from bnlib.lab.modules import BatchRenorm1d
from bnlib.lab.trainer import Hooks, build_model, run_comparison

__all__ = [
    "LandscapeResult",
    "NoiseResult",
    "SingleClassResult",
    "SweepResult",
    "batch_size_sweep",
    "landscape_experiment",
    "noisy_bn_experiment",
    "renorm_schedule",
    "single_class_experiment",
    "single_class_order",
]

# The net every experiment here uses: 3 hidden ReLU layers of 100 units on the 8x8 digits.
BASE = TrainConfig(dataset="digits", depth=3, width=100, activation="relu", optimizer="sgd")
EVAL_POINTS = 20  # validation checks per run


def _single_threaded(fn):
    """Run `fn` with torch on one thread, restored afterwards. These nets are tiny (batches
    of 2..64, 100 units): with two or more intra-op threads on a busy 2-core host each step
    spent ~45 ms waiting on thread hand-offs, against ~1 ms on one thread."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    return wrapper


def _data(cfg: TrainConfig):
    d = load_dataset(cfg.dataset, cfg.n_samples, cfg.val_fraction, cfg.standardize, cfg.data_seed)
    x_tr = torch.as_tensor(d.x_train, dtype=torch.float32)
    x_va = torch.as_tensor(d.x_val, dtype=torch.float32)
    return d, x_tr, torch.as_tensor(d.y_train), x_va, torch.as_tensor(d.y_val)


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    was = model.training
    model.eval()  # running statistics, as at inference
    with torch.no_grad():
        acc = float((model(x).argmax(1) == y).double().mean())
    model.train(was)
    return acc


# --- single-class batches and batch renorm ----------------------------------------------------


def single_class_order(y: np.ndarray, batch_size: int, steps: int, seed: int) -> np.ndarray:
    """(steps, batch_size) indices where every batch holds samples of one class only.

    The class of each batch is drawn at random; within a class, samples are taken from a
    fresh permutation, so every sample is used about equally often.
    """
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    pools = {c: np.flatnonzero(y == c) for c in classes}
    queues = {c: [] for c in classes}
    out = np.empty((steps, batch_size), dtype=np.int64)
    for k, c in enumerate(rng.choice(classes, size=steps)):
        q = queues[c]
        while len(q) < batch_size:
            q.extend(rng.permutation(pools[c]).tolist())
        out[k] = q[:batch_size]
        del q[:batch_size]
    return out


def renorm_schedule(
    steps: int, warmup: float, r_max: float = 3.0, d_max: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """(r_max, d_max) per step: plain BN (1, 0) for the first tenth of the warm-up, then a
    linear ramp to the final clips at `warmup` (a share of the run). warmup=0: full clips
    from the start. Ioffe (2017) did the same over tens of thousands of steps."""
    t = np.arange(1, steps + 1, dtype=np.float64)
    if warmup <= 0:
        return np.full(steps, r_max), np.full(steps, d_max)
    end = warmup * steps
    start = 0.1 * end
    frac = np.clip((t - start) / max(end - start, 1.0), 0.0, 1.0)
    return 1.0 + (r_max - 1.0) * frac, d_max * frac


@dataclass
class SingleClassResult:
    norms: tuple[str, ...]
    steps: int
    eval_steps: np.ndarray  # (E,)
    val_acc: dict[str, np.ndarray]  # norm -> (E,) accuracy in eval mode
    train_loss: dict[str, np.ndarray]  # norm -> (steps,)
    r_max: np.ndarray  # (steps,) the renorm warm-up used
    d_max: np.ndarray
    clipped: np.ndarray = field(default_factory=lambda: np.zeros(0))  # share of r at its clip

    @property
    def final(self) -> dict[str, float]:
        return {n: float(a[-1]) for n, a in self.val_acc.items()}


def _train_ordered(cfg, order, x_tr, y_tr, x_va, y_va, eval_steps, rd=None):
    """Plain SGD on `build_model(cfg)` with a given batch order. rd: per-step (r_max, d_max)."""
    torch.manual_seed(cfg.seed)
    model = build_model(cfg).float().train()
    renorms = [m for m in model if isinstance(m, BatchRenorm1d)]
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    losses = np.empty(len(order))
    accs, clipped = [], []
    marks = set(int(s) for s in eval_steps)
    for k, idx in enumerate(order, start=1):
        if rd is not None:
            for m in renorms:
                m.rmax, m.dmax = float(rd[0][k - 1]), float(rd[1][k - 1])
        xb, yb = x_tr[idx], y_tr[idx]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses[k - 1] = float(loss.detach())
        if k in marks:
            accs.append(_accuracy(model, x_va, y_va))
            if renorms:
                with torch.no_grad():  # how often r sits at a clip on this batch (first layer)
                    m0 = renorms[0]
                    h = model[0](xb)
                    sd = torch.sqrt(h.var(0, unbiased=False) + m0.eps)
                    r = sd / torch.sqrt(m0.running_var + m0.eps)
                    clipped.append(float(((r >= m0.rmax) | (r <= 1 / m0.rmax)).double().mean()))
    return np.array(accs), losses, np.array(clipped)


@_single_threaded
def single_class_experiment(
    steps: int = 600,
    seed: int = 0,
    lr: float = 0.05,
    batch_size: int = 32,
    warmup: float = 0.25,
    norms: Sequence[str] = ("none", "bn_before", "batch_renorm", "group"),
    renorm_momentum: float = 0.01,
) -> SingleClassResult:
    """Train the same net with each normalization on batches that each hold one class.

    Accuracy is measured in eval mode (BN and renorm use their running statistics) on the
    shuffled validation set, as a deployed model would see it.
    """
    cfg0 = BASE.replace(lr=lr, batch_size=batch_size, seed=seed, steps=steps)
    d, x_tr, y_tr, x_va, y_va = _data(cfg0)
    order = single_class_order(d.y_train, batch_size, steps, seed)
    eval_steps = np.unique(np.linspace(0, steps, EVAL_POINTS + 1).round().astype(int)[1:])
    r_max, d_max = renorm_schedule(steps, warmup)
    accs, losses, clipped = {}, {}, np.zeros(0)
    for norm in norms:
        cfg = cfg0.replace(norm=norm)
        if norm == "batch_renorm":
            cfg = cfg.replace(bn_momentum=renorm_momentum)
            a, lo, clipped = _train_ordered(
                cfg, order, x_tr, y_tr, x_va, y_va, eval_steps, (r_max, d_max)
            )
        else:
            a, lo, _ = _train_ordered(cfg, order, x_tr, y_tr, x_va, y_va, eval_steps)
        accs[norm], losses[norm] = a, lo
    return SingleClassResult(tuple(norms), steps, eval_steps, accs, losses, r_max, d_max, clipped)


# --- batch-size sweep -------------------------------------------------------------------------


@dataclass
class SweepResult:
    norms: tuple[str, ...]
    batch_sizes: tuple[int, ...]
    error: dict[str, np.ndarray]  # norm -> (len(batch_sizes),) validation error, eval mode
    steps: np.ndarray  # steps taken at each batch size
    lr: np.ndarray  # learning rate used at each batch size
    epochs: float


@_single_threaded
def batch_size_sweep(
    batch_sizes: Sequence[int] = (2, 4, 8, 16, 32, 64),
    norms: Sequence[str] = ("bn_before", "group", "layer"),
    epochs: float = 3.0,
    base_lr: float = 0.05,
    base_batch: int = 32,
    seed: int = 0,
) -> SweepResult:
    """Validation error of each normalization at each batch size, same number of epochs.

    The learning rate scales with the batch (lr = base_lr * B / base_batch), the usual
    linear rule, so every run sees the same data for the same total step length.
    """
    n_train = len(_data(BASE)[0].y_train)
    errs = {n: [] for n in norms}
    steps_used, lrs = [], []
    for b in batch_sizes:
        steps = max(1, round(epochs * n_train / b))
        lr = base_lr * b / base_batch
        cfgs = [
            BASE.replace(
                norm=n,
                batch_size=b,
                lr=lr,
                steps=steps,
                seed=seed,
                eval_every=steps,
                diag_every=steps,
            )
            for n in norms
        ]
        res = run_comparison(cfgs, seeds=None, labels=list(norms))
        for n, r in zip(norms, res.runs, strict=True):
            errs[n].append(1.0 - r.final_val_acc)
        steps_used.append(steps)
        lrs.append(lr)
    return SweepResult(
        tuple(norms),
        tuple(batch_sizes),
        {n: np.array(v) for n, v in errs.items()},
        np.array(steps_used),
        np.array(lrs),
        epochs,
    )


# --- noisy BN -------------------------------------------------------------------------------


@dataclass
class NoiseResult:
    labels: tuple[str, ...]
    noise: float
    eval_steps: np.ndarray
    val_acc: dict[str, np.ndarray]
    train_loss: dict[str, np.ndarray]

    @property
    def final(self) -> dict[str, float]:
        return {k: float(v[-1]) for k, v in self.val_acc.items()}


NOISE_LABELS = ("No BN", "BN", "BN + noise")
DEEP = BASE.replace(depth=10, activation="tanh", lr=1.0)  # the lab's deep preset: BN matters


@_single_threaded
def noisy_bn_experiment(
    noise: float = 0.5, steps: int = 600, lr: float = 1.0, batch_size: int = 32, seed: int = 0
) -> NoiseResult:
    """A simpler cousin of Santurkar et al.'s (2018) noisy-BN test (theirs: a VGG on CIFAR-10),
    on DEEP, where no BN stays near chance: every unit after each BN layer gets a fresh scale
    1 + N(0, noise^2) and shift N(0, noise^2) every step. Against no BN and plain BN."""
    base = DEEP.replace(
        lr=lr, batch_size=batch_size, steps=steps, seed=seed, eval_every=max(1, steps // 20)
    )
    cfgs = [
        base.replace(norm="none"),
        base.replace(norm="bn_before"),
        base.replace(norm="bn_before", norm_noise=float(noise)),
    ]
    res = run_comparison(cfgs, seeds=None, labels=list(NOISE_LABELS))
    runs = dict(zip(NOISE_LABELS, res.runs, strict=True))
    return NoiseResult(
        NOISE_LABELS,
        float(noise),
        np.array(runs["BN"].eval_steps),
        {k: np.array(r.val_acc) for k, r in runs.items()},
        {k: np.array(r.train_loss) for k, r in runs.items()},
    )


# --- loss landscape probes ------------------------------------------------------------------


@dataclass
class LandscapeResult:
    labels: tuple[str, ...]  # "No BN", "BN"
    probe_steps: np.ndarray  # (P,) training steps at which the probes ran
    multiples: np.ndarray  # (E,) step sizes eta as multiples of the learning rate
    lr: float
    loss: dict[str, np.ndarray]  # label -> (P, E) L(w - eta g) on the probe batch
    grad_change: dict[str, np.ndarray]  # label -> (P, E) ||grad L(w - eta g) - grad L(w)||
    grad_norm: dict[str, np.ndarray]  # label -> (P,) ||g||
    val_acc: dict[str, float]  # at the end, eval mode

    def loss_range(self, label: str) -> np.ndarray:
        """(P,) spread max - min of the probed losses at each probe step."""
        a = self.loss[label]
        return a.max(1) - a.min(1)

    def beta_smoothness(self, label: str) -> np.ndarray:
        """(P,) max over eta of ||grad change|| / ||eta g||: the effective beta-smoothness."""
        step_len = self.multiples[None, :] * self.lr * self.grad_norm[label][:, None]
        return (self.grad_change[label] / np.maximum(step_len, 1e-12)).max(1)

    def summary(self) -> dict[str, dict[str, float]]:
        """Means over the run's probe steps of the three measures, per label (NaN probes,
        from a diverged run, are skipped)."""
        return {
            k: {
                "loss_range": float(np.nanmean(self.loss_range(k))),
                "grad_change": float(np.nanmean(self.grad_change[k].max(1))),
                "beta": float(np.nanmean(self.beta_smoothness(k))),
            }
            for k in self.labels
        }


LANDSCAPE_LABELS = ("No BN", "BN")


@_single_threaded
def landscape_experiment(
    steps: int = 300,
    lr: float = 0.5,
    batch_size: int = 32,
    probe_every: int = 10,
    multiples: Sequence[float] = (0.5, 1.0, 2.0, 3.0, 4.0),
    seed: int = 0,
) -> LandscapeResult:
    """Train a net with and without BN (same init, same batches, one stack) and every
    `probe_every` steps look along the gradient: for each eta = multiple * lr, the loss at
    w - eta g and how far the gradient there differs from g (Santurkar et al. 2018, 3.1).
    Probes use the step's own batch and, for BN, its batch statistics, without touching
    the running averages: what the optimizer is about to see, not the test loss.
    """
    mult = np.asarray(multiples, dtype=np.float64)
    base = BASE.replace(
        lr=lr, batch_size=batch_size, seed=seed, steps=steps, eval_every=steps, diag_every=steps
    )
    cfgs = [base.replace(norm=norm) for norm in ("none", "bn_before")]
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per probe: (R, E), (R, E), (R,)

    def probe(k, stack, xb, yb, grad):
        if (k - 1) % probe_every:
            return
        with torch.no_grad():
            used = stack.lr_base != 0  # leave out what a run does not have (bias before BN)
            g, g_all, w0 = grad * used, grad.clone(), stack.flat.clone()
        losses, changes = [], []
        for eta in mult * lr:
            with torch.no_grad():
                stack.flat.copy_(w0 - eta * g)
            lp = stack.losses(xb, yb, mode="batch")  # batch statistics, running ones untouched
            gp = stack.backward(lp)
            with torch.no_grad():
                changes.append(stack.run_norms((gp - g) * used).cpu().numpy())
            losses.append(lp.detach().cpu().numpy())
        with torch.no_grad():
            stack.flat.copy_(w0)
            grad.copy_(g_all)  # the trainer updates with the step's own gradient
            gn = stack.run_norms(g).cpu().numpy()
        rows.append((np.stack(losses, 1), np.stack(changes, 1), gn))

    res = run_comparison(cfgs, seeds=None, labels=list(LANDSCAPE_LABELS), hooks=Hooks(probe=probe))
    loss, change, gnorm = (
        {
            lab: np.array([r[m][j] for r in rows], np.float64)
            for j, lab in enumerate(LANDSCAPE_LABELS)
        }
        for m in range(3)
    )
    acc = {lab: run.final_val_acc for lab, run in zip(LANDSCAPE_LABELS, res.runs, strict=True)}
    probe_steps = np.arange(0, steps, probe_every)
    return LandscapeResult(LANDSCAPE_LABELS, probe_steps, mult, lr, loss, change, gnorm, acc)
