"""The lab's trainer: MLPs with a pluggable normalization, trained many at a time.

Runs that share their shapes (same data, depth, width, batch size, number of steps and
optimizer family) are trained together as one stack: every weight has a leading run axis
R, layers are batched matmuls (`torch.baddbmm`), and all parameters of the stack live in
one flat tensor so the optimizer is a handful of whole-tensor operations. What may differ
inside a stack: seed, learning rate, momentum, initialization, the normalization and
where it sits, the Linear bias, BN momentum, renorm clips and noise.

Runs are independent (the loss is a sum of per-run losses, and no operation mixes runs),
so a stack gives the same numbers as training each run alone; tests check this against a
plain `nn.Sequential` + `torch.optim` loop.

Public API:
    run_comparison(configs, seeds, callback=None, cancel=None) -> Comparison
    train(config, callback=None, cancel=None) -> (RunResult, nn.Sequential)
    build_model(config) -> nn.Sequential        (the initial network, PyTorch modules)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bnlib.lab.config import (
    LARGE_GAUSSIAN_STD,
    MAX_CONFIGS,
    MAX_SEEDS,
    TrainConfig,
    steps_per_epoch,
    validate,
)
from bnlib.lab.data import Dataset, load_dataset

__all__ = [
    "DIAG_NAMES",
    "Comparison",
    "Progress",
    "RunResult",
    "batch_order",
    "build_model",
    "resolve_device",
    "run_comparison",
    "train",
]

MANUAL_BACKWARD = True  # False: let autograd differentiate forward() (slower, same numbers)
PERCENTILES = (0.15, 0.50, 0.85)
PROBE_MAX = 1000  # validation samples used for layer diagnostics
POOLED_MAX = 2048  # values per layer and run for the pooled percentiles
DIAG_NAMES = (
    "pre_p15",  # percentiles of every unit's input to the nonlinearity, pooled
    "pre_p50",
    "pre_p85",
    "unit_p15",  # the same for the watched unit only
    "unit_p50",
    "unit_p85",
    "act_mean",  # activations (what the next layer receives)
    "act_std",
    "saturation",  # share of sigmoid/tanh inputs where the slope is < 10% of its peak
    "dead",  # share of ReLU/GELU units that never fire on the probe set
    "grad_norm",  # ||dL/dW|| of the layer's weight at that step
    "update_ratio",  # ||delta W|| / ||W||
    "gamma_mean",
    "beta_mean",
    "running_mean_mean",
    "running_var_mean",
)
LAYER_STATS = tuple(n for n in DIAG_NAMES if n not in ("grad_norm", "update_ratio"))
STATS_NORMS = ("bn_before", "bn_after", "batch_renorm")  # keep running statistics
AFFINE_NORMS = ("bn_before", "bn_after", "batch_renorm", "layer", "group")
ADAM_BETA2, ADAM_EPS = 0.999, 1e-8
NARROW_OUT = 16  # output layers narrower than this use transposed matmuls (faster on CPU)
NATIVE_BN = True  # bn_before/bn_after training steps use aten.native_batch_norm (fused)


# --- results ---------------------------------------------------------------------------------


@dataclass
class RunResult:
    """Everything recorded for one (config, seed). Lists grow while training runs."""

    label: str  # the config's label, e.g. "A"
    config: TrainConfig
    total_steps: int
    status: str = "pending"  # pending | running | finished | diverged | cancelled
    diverged_at: int | None = None
    steps_done: int = 0
    train_loss: list[float] = field(default_factory=list)  # one per step, steps 1..T
    eval_steps: list[int] = field(default_factory=list)  # step 0 = before training
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)  # eval mode (running statistics)
    val_acc_train_mode: list[float] = field(default_factory=list)  # batch statistics
    diag_steps: list[int] = field(default_factory=list)
    diag: dict[str, list[list[float]]] = field(
        default_factory=lambda: {k: [] for k in DIAG_NAMES}
    )  # name -> one list of `depth` values per diagnostics step

    @property
    def message(self) -> str:
        if self.status == "diverged":
            return f"diverged at step {self.diverged_at}"
        if self.status == "cancelled":
            return f"stopped at step {self.steps_done}"
        return self.status

    @property
    def final_val_acc(self) -> float:
        return self.val_acc[-1] if self.val_acc else math.nan

    def band_width(self, layer: int = -1) -> np.ndarray:
        """Width p85 - p15 of the watched unit's input band in `layer`, per diagnostics step."""
        hi = np.array([row[layer] for row in self.diag["unit_p85"]], dtype=float)
        lo = np.array([row[layer] for row in self.diag["unit_p15"]], dtype=float)
        return hi - lo

    def steps_to_acc(self, target: float) -> int | None:
        """First evaluated step at which eval-mode val accuracy reached `target`."""
        for s, a in zip(self.eval_steps, self.val_acc, strict=False):
            if a >= target:
                return s
        return None


@dataclass
class Progress:
    steps_done: int  # summed over all runs' stacks, as stack-steps
    steps_total: int
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.steps_done / max(1, self.steps_total))

    @property
    def eta_s(self) -> float | None:
        if self.steps_done == 0:
            return None
        return self.elapsed_s * (self.steps_total - self.steps_done) / self.steps_done


@dataclass
class Comparison:
    runs: list[RunResult]
    device: str = "cpu"
    notices: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    steps_per_s: float = 0.0  # run-steps per second (a stack of R runs counts R per step)
    cancelled: bool = False

    def by_label(self) -> dict[str, list[RunResult]]:
        out: dict[str, list[RunResult]] = {}
        for r in self.runs:
            out.setdefault(r.label, []).append(r)
        return out


# --- device ----------------------------------------------------------------------------------


def resolve_device(requested: str) -> tuple[torch.device, str | None]:
    """Map auto/cpu/cuda/mps to an available device; a notice says when we fell back."""
    has_cuda = torch.cuda.is_available()
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if requested == "auto":
        return torch.device("cuda" if has_cuda else "mps" if has_mps else "cpu"), None
    if requested == "cuda" and not has_cuda:
        return torch.device("cpu"), "CUDA was requested but no CUDA device is present: ran on CPU."
    if requested == "mps" and not has_mps:
        return torch.device("cpu"), "MPS was requested but is not available here: ran on CPU."
    return torch.device(requested), None


# --- batch order and initialization ----------------------------------------------------------


def batch_order(
    seed: int, n_train: int, batch_size: int, steps: int, labels: np.ndarray | None = None
) -> np.ndarray:
    """(steps, batch_size) training indices, a fresh shuffle each epoch, ragged ends dropped.

    With `labels`, every batch holds a single class (batches cut per class, then shuffled):
    the non-i.i.d. case where batch statistics describe one class, not the data.
    """
    rng = np.random.default_rng(seed)
    if labels is None:
        per_epoch = steps_per_epoch(batch_size, n_train)
        epoch = lambda: rng.permutation(n_train)[: per_epoch * batch_size].reshape(-1, batch_size)  # noqa: E731
    else:
        labels = np.asarray(labels)

        def epoch():
            rows = []
            for c in np.unique(labels):
                idx = rng.permutation(np.flatnonzero(labels == c))
                n = len(idx) // batch_size * batch_size
                rows.append(idx[:n].reshape(-1, batch_size))
            rows = np.concatenate(rows)
            if len(rows) == 0:
                raise ValueError(f"no class has {batch_size} training samples; lower batch_size.")
            return rows[rng.permutation(len(rows))]

    out, n = [], 0
    while n < steps:
        out.append(epoch())
        n += len(out[-1])
    return np.concatenate(out)[:steps]


def _init_linear(cfg: TrainConfig, fan_in: int, fan_out: int, gen: torch.Generator):
    """(W of shape (fan_in, fan_out), b of shape (fan_out,)) in float64, drawn from `gen`."""
    if cfg.init == "default":  # what nn.Linear does: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        bound = 1.0 / math.sqrt(fan_in)
        w = (torch.rand(fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        b = (torch.rand(fan_out, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        return w.T, b
    std = {
        "kaiming": math.sqrt(2.0 / fan_in),
        "xavier": math.sqrt(2.0 / (fan_in + fan_out)),
        "small_gaussian": cfg.init_std,
        "large_gaussian": LARGE_GAUSSIAN_STD,
    }[cfg.init]
    w = torch.randn(fan_out, fan_in, generator=gen, dtype=torch.float64) * std
    return w.T, torch.zeros(fan_out, dtype=torch.float64)


# --- the stack -------------------------------------------------------------------------------


def _segments(kinds: list) -> list[tuple]:
    """[(kind, lo, hi)]: maximal runs of equal neighbours in `kinds`, covering all of it."""
    out, lo = [], 0
    for j in range(1, len(kinds) + 1):
        if j == len(kinds) or kinds[j] != kinds[lo]:
            out.append((kinds[lo], lo, j))
            lo = j
    return out


def _group_key(cfg: TrainConfig, n_train: int) -> tuple:
    steps = (
        cfg.steps
        if cfg.steps is not None
        else cfg.epochs * steps_per_epoch(cfg.batch_size, n_train)
    )
    return (
        cfg.dataset, cfg.n_samples, cfg.val_fraction, cfg.standardize, cfg.data_seed,
        cfg.depth, cfg.width, cfg.activation, cfg.groups, cfg.eps, cfg.batch_size, steps,
        cfg.batching,
        cfg.optimizer == "adam", cfg.device, cfg.dtype, cfg.eval_every, cfg.diag_every,
        cfg.watch_unit,
    )  # fmt: skip


class _Stack:
    """R runs of one shape: flat parameters, running statistics, optimizer state."""

    # Set by _train_stack: checked between layers, so Stop ends even a step of a 20-layer,
    # 512-wide stack with batches of 1024 (seconds of work) within a fraction of a second.
    cancel: threading.Event | None = None

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _Cancelled

    def __init__(
        self,
        cfgs: list[TrainConfig],
        data: Dataset,
        device: torch.device,
        cancel: threading.Event | None = None,
    ):
        self.cancel = cancel  # drawing a big stack's weights takes seconds: stop in between
        c0 = cfgs[0]
        self.cfgs, self.R, self.L = cfgs, len(cfgs), c0.depth
        self.device, self.dtype = device, getattr(torch, c0.dtype)
        self.act, self.width, self.groups, self.eps = c0.activation, c0.width, c0.groups, c0.eps
        self.adam = c0.optimizer == "adam"
        dims = [data.n_features] + [c0.width] * c0.depth + [data.n_classes]
        self.dims = dims
        R, dev, dt = self.R, device, self.dtype

        # Per-run weights and biases, drawn run by run from the run's own seed.
        gens = [torch.Generator().manual_seed(c.seed) for c in cfgs]
        Ws, bs = [], []
        self.bias_on: list[torch.Tensor] = []  # per layer, (R,) 1.0 where the run has a bias
        for i in range(len(dims) - 1):
            self._check_cancel()
            pairs = [
                _init_linear(c, dims[i], dims[i + 1], g) for c, g in zip(cfgs, gens, strict=True)
            ]
            Ws.append(torch.stack([w for w, _ in pairs]))  # (R, in, out)
            bias_on = torch.tensor(
                [i == self.L or c.norm in ("none", "bn_after") or c.bias_before_norm for c in cfgs],
                dtype=torch.float64,
            )
            bs.append(torch.stack([b for _, b in pairs]).unsqueeze(1) * bias_on.view(R, 1, 1))
            self.bias_on.append(bias_on)
        gammas = [torch.ones(R, 1, c0.width, dtype=torch.float64) for _ in range(self.L)]
        betas = [torch.zeros(R, 1, c0.width, dtype=torch.float64) for _ in range(self.L)]

        # One flat leaf holds everything; `_views` cuts it into shaped views each forward.
        tensors = Ws + bs + gammas + betas
        self.shapes = [t.shape for t in tensors]
        self.flat = torch.cat([t.reshape(-1) for t in tensors]).to(dev, dt)

        # Per-element learning rate (0 where a parameter is unused by that run: the bias in
        # front of a norm, gamma/beta without a norm) and per-element momentum.
        lr = torch.tensor([c.lr for c in cfgs], dtype=torch.float64)
        mom = torch.tensor(
            [c.momentum if c.optimizer in ("momentum", "adam") else 0.0 for c in cfgs],
            dtype=torch.float64,
        )
        affine = torch.tensor([c.norm in AFFINE_NORMS for c in cfgs], dtype=torch.float64)
        masks = [torch.ones(R)] * len(Ws) + self.bias_on + [affine] * (2 * self.L)
        self.lr_base = self._per_element(lr, masks)
        self.lr_el = self.lr_base.clone()
        self.mom_el = self._per_element(mom, [torch.ones(R)] * len(masks))
        self.plain_sgd = not self.adam and not bool(mom.any())
        self.grad = torch.zeros_like(self.flat)
        self.buf = torch.zeros_like(self.flat)
        self.buf2 = torch.zeros_like(self.buf) if self.adam else None
        self.t = 0

        # Normalization per run: which kind at the "pre" (before activation) and "post" slot.
        kinds = [c.norm for c in cfgs]
        pre_kinds = [k if k not in ("none", "bn_after") else None for k in kinds]
        post_kinds = ["bn_after" if k == "bn_after" else None for k in kinds]
        self.pre, self.post = self._slot(pre_kinds), self._slot(post_kinds)
        # The same as runs of neighbours, [(kind or None, lo, hi)], for the training step: a
        # norm is computed only on the runs that use it (slices of the run axis), no masks.
        self.pre_segs, self.post_segs = _segments(pre_kinds), _segments(post_kinds)
        self._step_views = None  # (parameter views, gradient views), made on first use
        self.tracks = any(k in STATS_NORMS for k in kinds)
        col = lambda vals: torch.tensor(vals, dtype=dt, device=dev).view(R, 1, 1)  # noqa: E731
        self.bn_mom = col([c.bn_momentum for c in cfgs])
        self.rmax = col([c.renorm_rmax for c in cfgs])
        self.dmax = col([c.renorm_dmax for c in cfgs])
        self.noise = col([c.norm_noise for c in cfgs])
        self.noisy = any(c.norm_noise > 0 for c in cfgs)
        self.noise_gens = [torch.Generator().manual_seed(c.seed + 7919) for c in cfgs]
        self.running_mean = [
            torch.zeros(R, 1, c0.width, dtype=dt, device=dev) for _ in range(self.L)
        ]
        self.running_var = [torch.ones(R, 1, c0.width, dtype=dt, device=dev) for _ in range(self.L)]
        self.active = torch.ones(R, dtype=torch.bool)

    def _per_element(self, per_run: torch.Tensor, masks: list[torch.Tensor]) -> torch.Tensor:
        parts = []
        for shape, m in zip(self.shapes, masks, strict=True):
            n = math.prod(shape[1:])
            parts.append((per_run * m).repeat_interleave(n))
        return torch.cat(parts).to(self.device, self.dtype)

    def _slot(self, kinds: list[str | None]) -> list[tuple[str, torch.Tensor | None]]:
        """[(kind, mask)]: mask is None when every run of the stack uses that kind."""
        out = []
        for k in sorted({k for k in kinds if k is not None}):
            mask = torch.tensor([kk == k for kk in kinds], device=self.device).view(self.R, 1, 1)
            out.append((k, None if bool(mask.all()) else mask))
        return out

    def views(self, flat: torch.Tensor | None = None) -> list[torch.Tensor]:
        """`flat` (default: the parameters) cut into the shaped tensors, sharing storage."""
        flat = self.flat if flat is None else flat
        out, i = [], 0
        for s in self.shapes:
            n = math.prod(s)
            out.append(flat[i : i + n].view(s))
            i += n
        return out

    def set_inactive(self, run: int) -> None:
        """Freeze a diverged run: zero its learning rate everywhere."""
        self.active[run] = False
        keep = self._per_element(self.active.double(), [torch.ones(self.R)] * len(self.shapes))
        self.lr_el = self.lr_base * keep

    # -- forward --

    def _norm(self, kind, z, layer, gamma, beta, mode, chunk, mask=None):
        """Normalize z (R, N, F). mode: "train" (batch stats, update running stats),
        "batch" (batch stats, no update), "eval" (running stats). chunk: batch size of stats."""
        R, N, Fd = z.shape
        eps = self.eps
        if kind == "layer":
            mu = z.mean(-1, keepdim=True)  # per sample, over features
            var = z.var(-1, unbiased=False, keepdim=True)
            return (z - mu) / torch.sqrt(var + eps) * gamma + beta
        if kind == "group":
            zg = z.view(R, N, self.groups, Fd // self.groups)
            mu = zg.mean(-1, keepdim=True)
            var = zg.var(-1, unbiased=False, keepdim=True)
            return ((zg - mu) / torch.sqrt(var + eps)).view(R, N, Fd) * gamma + beta
        rm, rv = self.running_mean[layer], self.running_var[layer]
        if mode == "eval":
            return (z - rm) / torch.sqrt(rv + eps) * gamma + beta
        zc = z.view(R, N // chunk, chunk, Fd)  # statistics over each chunk of `chunk` samples
        mu = zc.mean(2, keepdim=True)
        dev = zc - mu
        var = (dev * dev).mean(2, keepdim=True)  # biased, as BN normalizes with
        inv = torch.rsqrt(var + eps)
        xhat = dev * inv
        if kind == "batch_renorm":
            rsd = torch.sqrt(rv + eps).unsqueeze(1)
            r = (1 / (inv * rsd)).clamp(1 / self.rmax.unsqueeze(1), self.rmax.unsqueeze(1)).detach()
            d = (mu - rm.unsqueeze(1)) / rsd
            d = torch.maximum(
                torch.minimum(d, self.dmax.unsqueeze(1)), -self.dmax.unsqueeze(1)
            ).detach()
            xhat = xhat * r + d
        if mode == "train" and kind in STATS_NORMS:
            # mask: the runs that really use this kind here (others just share the compute)
            self._pending_stats.append(
                (layer, mask, slice(None), mu.detach()[:, 0], var.detach()[:, 0], chunk)
            )
        return torch.addcmul(beta, xhat.view(R, N, Fd), gamma)

    def _apply_slot(self, slot, z, layer, gamma, beta, mode, chunk):
        out = z
        for kind, mask in slot:
            y = self._norm(kind, z, layer, gamma, beta, mode, chunk, mask)
            out = y if mask is None else torch.where(mask, y, out)
        if slot and self.noisy and mode == "train":
            scale, shift = self._draw_noise(z.shape[-1])
            out = out * (1 + scale) + shift
        return out

    def _draw_noise(self, width):
        """Per-run random scale and shift (R, 1, F) for noisy BN, from each run's own stream."""
        scale, shift = (
            torch.stack(
                [torch.randn(1, width, generator=g, dtype=torch.float64) for g in self.noise_gens]
            ).to(self.device, self.dtype)
            * self.noise
            for _ in range(2)
        )
        return scale, shift

    def _activate(self, z):
        if self.act == "relu":
            return torch.relu(z)
        if self.act == "tanh":
            return torch.tanh(z)
        if self.act == "sigmoid":
            return torch.sigmoid(z)
        return F.gelu(z)

    def forward(self, x, params, mode="train", chunk=None, capture=False):
        """x (R, N, D) -> logits (R, N, C); with capture also per-layer (pre, act)."""
        L = self.L
        Ws, bs = params[: L + 1], params[L + 1 : 2 * L + 2]
        gammas, betas = params[2 * L + 2 : 3 * L + 2], params[3 * L + 2 :]
        chunk = chunk or x.shape[1]
        self._pending_stats = []
        h, seen = x, []
        for i in range(L):
            self._check_cancel()
            z = torch.baddbmm(bs[i], h, Ws[i])  # (R, N, in) @ (R, in, out) + (R, 1, out)
            z = self._apply_slot(self.pre, z, i, gammas[i], betas[i], mode, chunk)
            a = self._activate(z)
            h = self._apply_slot(self.post, a, i, gammas[i], betas[i], mode, chunk)
            if capture:
                seen.append((z, a))
        logits = torch.baddbmm(bs[L], h, Ws[L])
        return (logits, seen) if capture else logits

    # -- training step with a hand-written backward pass --------------------------------------
    #
    # The same maths as forward() + autograd, written out so each step is a few dozen
    # whole-stack tensor operations with no graph bookkeeping; about twice as fast for the
    # lab's small nets. Tests compare it with autograd and with plain PyTorch modules.

    def _norm_train(self, kind, z, layer, gamma, beta, sl, out):
        """Training-mode normalization of z (R', N, F), the runs `sl` of the stack (gamma and
        beta are already cut to them); writes y into `out`, returns the cache for backward."""
        R, N, Fd = z.shape
        if (
            NATIVE_BN
            and kind in ("bn_before", "bn_after")
            and bool((self.bn_mom[sl] == self.bn_mom[sl][0]).all())
        ):
            # PyTorch's own fused kernel, as nn.BatchNorm1d calls it: the runs' units side by
            # side as R*F channels, (N, R*F); updates the running statistics in place.
            x2 = z.transpose(0, 1).reshape(N, R * Fd)
            rm, rv = self.running_mean[layer][sl].view(-1), self.running_var[layer][sl].view(-1)
            w, b = gamma.reshape(-1), beta.reshape(-1)
            y, mean, invstd = torch.ops.aten.native_batch_norm(
                x2, w, b, rm, rv, True, float(self.bn_mom[sl][0]), self.eps
            )
            out.copy_(y.view(N, R, Fd).transpose(0, 1))
            return "native", x2, w, rm, rv, mean, invstd, self.eps
        if kind == "layer":
            zs = z
        elif kind == "group":
            zs = z.view(R, N, self.groups, Fd // self.groups)
        else:
            zs = z.unsqueeze(1)  # (R, 1, N, F): statistics over the batch axis 2
        axis = -1 if kind in ("layer", "group") else 2
        mu = zs.mean(axis, keepdim=True)
        dev = zs - mu
        var = (dev * dev).mean(axis, keepdim=True)  # biased, as every norm normalizes with
        inv = torch.rsqrt(var + self.eps)
        xhat = dev * inv
        r = d = None
        if kind == "batch_renorm":
            rm = self.running_mean[layer][sl].unsqueeze(1)
            rv = self.running_var[layer][sl].unsqueeze(1)
            rsd = torch.sqrt(rv + self.eps)
            rmax, dmax = self.rmax[sl].unsqueeze(1), self.dmax[sl].unsqueeze(1)
            r = torch.minimum(torch.maximum(1 / (inv * rsd), 1 / rmax), rmax)
            d = torch.minimum(torch.maximum((mu - rm) / rsd, -dmax), dmax)
            xn = (xhat * r + d).view(R, N, Fd)
        else:
            xn = xhat.view(R, N, Fd)
        if kind in STATS_NORMS:
            self._pending_stats.append((layer, None, sl, mu[:, 0], var[:, 0], N))
        torch.addcmul(beta, xn, gamma, out=out)
        return kind, xhat, inv, xn, r, axis

    @staticmethod
    def _norm_back(dy, gamma, cache, dz):
        """dz (written into `dz`), dgamma, dbeta for one norm; dy (R', N, F)."""
        R, N, Fd = dy.shape
        if cache[0] == "native":
            x2, w, rm, rv, mean, invstd, eps = cache[1:]
            dx, dw, db = torch.ops.aten.native_batch_norm_backward(
                dy.transpose(0, 1).reshape(N, R * Fd), x2, w, rm, rv, mean, invstd, True, eps,
                [True, True, True],
            )  # fmt: skip
            dz.copy_(dx.view(N, R, Fd).transpose(0, 1))
            return dw.view(R, 1, Fd), db.view(R, 1, Fd)
        kind, xhat, inv, xn, r, axis = cache
        dgamma = (dy * xn).sum(1, keepdim=True)
        dbeta = dy.sum(1, keepdim=True)
        g = dy * gamma
        if r is not None:
            g = g * r.view(R, 1, Fd)
        g = g.view(xhat.shape)
        m1 = g.mean(axis, keepdim=True)
        m2 = (g * xhat).mean(axis, keepdim=True)
        torch.mul(g.sub_(m1).sub_(xhat * m2), inv, out=dz.view(xhat.shape))
        return dgamma, dbeta

    def _slot_train(self, segs, z, layer, gamma, beta):
        """Normalize each run's slice of z with its own kind (None: left as it is)."""
        out, caches = torch.empty_like(z), []
        for kind, lo, hi in segs:
            if kind is None:
                out[lo:hi].copy_(z[lo:hi])
            else:
                sl = slice(lo, hi)
                caches.append(
                    self._norm_train(kind, z[sl], layer, gamma[sl], beta[sl], sl, out[sl])
                )
        noise = None
        if self.noisy:
            noise = self._draw_noise(z.shape[-1])
            out = out * (1 + noise[0]) + noise[1]
        return out, (segs, caches, noise)

    def _slot_back(self, dy, gamma, state, dgamma, dbeta, accumulate):
        """dz for one slot; its runs' gamma/beta gradients go into (or add to) dgamma, dbeta."""
        segs, caches, noise = state
        if noise is not None:
            dy = dy * (1 + noise[0])
        dz, caches = torch.empty_like(dy), iter(caches)
        for kind, lo, hi in segs:
            sl = slice(lo, hi)
            if kind is None:
                dz[sl].copy_(dy[sl])
                if not accumulate:
                    dgamma[sl].zero_()
                    dbeta[sl].zero_()
                continue
            dg, db = self._norm_back(dy[sl], gamma[sl], next(caches), dz[sl])
            if accumulate:
                dgamma[sl].add_(dg)
                dbeta[sl].add_(db)
            else:
                dgamma[sl].copy_(dg)
                dbeta[sl].copy_(db)
        return dz

    def _act_back(self, da, z, a):
        if self.act == "relu":
            return torch.ops.aten.threshold_backward(da, z, 0.0)  # da where z > 0, else 0
        if self.act == "tanh":
            return da * (1 - a * a)
        if self.act == "sigmoid":
            return da * (a * (1 - a))
        cdf = 0.5 * (1 + torch.erf(z * 0.7071067811865476))
        pdf = torch.exp(-0.5 * z * z) * 0.3989422804014327
        return da * (cdf + z * pdf)

    def train_step(self, x, y, active):
        """Forward and backward on one batch per run. x (R, B, D), y (R, B), active (R,) bool.

        Returns (per-run losses (R,), flat gradient); inactive runs get no gradient signal.
        """
        L = self.L
        if self._step_views is None:  # views stay valid: flat and grad change in place only
            self._step_views = (self.views(), self.views(self.grad))
        p, g = self._step_views
        Ws, bs = p[: L + 1], p[L + 1 : 2 * L + 2]
        gammas, betas = p[2 * L + 2 : 3 * L + 2], p[3 * L + 2 :]
        pre = post = None
        has_pre = any(k is not None for k, _, _ in self.pre_segs)
        has_post = any(k is not None for k, _, _ in self.post_segs)
        self._pending_stats = []
        h, tape = x, []
        for i in range(L):
            self._check_cancel()
            z = torch.baddbmm(bs[i], h, Ws[i])  # (R, B, in) @ (R, in, out) + (R, 1, out)
            if has_pre:
                z, pre = self._slot_train(self.pre_segs, z, i, gammas[i], betas[i])
            a = self._activate(z)
            hn = a
            if has_post:
                hn, post = self._slot_train(self.post_segs, a, i, gammas[i], betas[i])
            tape.append((h, z, a, pre, post))
            h = hn
        narrow = Ws[L].shape[-1] < NARROW_OUT
        if narrow:  # few classes: (W^T h^T)^T runs 3x faster than h W in a CPU bmm
            logits = torch.baddbmm(bs[L].mT, Ws[L].mT, h.mT).mT.contiguous()
        else:
            logits = torch.baddbmm(bs[L], h, Ws[L])  # (R, B, C)
        logp = torch.log_softmax(logits, -1)
        losses = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1).mean(1)  # (R,)
        # d(sum of active losses)/d logits = (softmax - onehot) / B for active runs
        dl = logp.exp()
        dl.scatter_add_(-1, y.unsqueeze(-1), torch.full_like(dl[..., :1], -1.0))
        dl = dl * (active.view(-1, 1, 1).to(dl.dtype) / y.shape[1])
        if not bool(active.all()):
            dl = torch.nan_to_num(dl, nan=0.0, posinf=0.0, neginf=0.0)
        if narrow:
            g[L].copy_(torch.bmm(dl.mT, h).mT)
        else:
            torch.bmm(h.mT, dl, out=g[L])
        torch.sum(dl, 1, keepdim=True, out=g[2 * L + 1])
        dh = torch.bmm(dl, Ws[L].mT)
        for i in reversed(range(L)):
            self._check_cancel()
            h_in, zn, a, pre, post = tape[i]
            gi, bi = g[2 * L + 2 + i], g[3 * L + 2 + i]
            if post is not None:
                dh = self._slot_back(dh, gammas[i], post, gi, bi, accumulate=False)
            dz = self._act_back(dh, zn, a)
            if pre is not None:  # a run uses one slot at most; the other left zeros for it
                dz = self._slot_back(dz, gammas[i], pre, gi, bi, accumulate=post is not None)
            elif post is None:
                gi.zero_()
                bi.zero_()
            torch.bmm(h_in.mT, dz, out=g[i])
            torch.sum(dz, 1, keepdim=True, out=g[L + 1 + i])
            if i:
                dh = torch.bmm(dz, Ws[i].mT)
        return losses, self.grad

    def commit_stats(self) -> None:
        """Fold the last training forward's batch statistics into the running averages:
        running = (1 - momentum) * running + momentum * batch_stat (PyTorch's convention),
        with the unbiased variance m/(m-1) * var, and only for runs that use this norm."""
        with torch.no_grad():
            for layer, mask, sl, mu, var, m in self._pending_stats:
                w = self.bn_mom[sl] if mask is None else self.bn_mom * mask
                self.running_mean[layer][sl].lerp_(mu, w)
                self.running_var[layer][sl].lerp_(var * (m / max(1, m - 1)), w)
        self._pending_stats = []

    # -- optimizer --

    def step(self, grad: torch.Tensor) -> torch.Tensor:
        """One SGD(+momentum) or Adam update of the flat parameters; returns the update."""
        with torch.no_grad():
            self.t += 1
            if self.adam:
                b1 = self.mom_el
                self.buf.mul_(b1).add_((1 - b1) * grad)
                self.buf2.mul_(ADAM_BETA2).addcmul_(grad, grad, value=1 - ADAM_BETA2)
                bc1 = 1 - b1**self.t
                bc2 = 1 - ADAM_BETA2**self.t
                upd = self.lr_el / bc1 * self.buf / (self.buf2.sqrt() / math.sqrt(bc2) + ADAM_EPS)
            elif self.plain_sgd:  # no momentum anywhere in the stack: skip the buffer
                upd = self.lr_el * grad
            else:
                self.buf.mul_(self.mom_el).add_(grad)
                upd = self.lr_el * self.buf
            self.flat.sub_(upd)
        return upd


def _loss_per_run(logits, y):
    R, N, C = logits.shape
    return (
        F.cross_entropy(logits.reshape(R * N, C), y.reshape(-1), reduction="none")
        .view(R, N)
        .mean(1)
    )


def _layer_norms(stack: _Stack, flat: torch.Tensor) -> np.ndarray:
    """(R, L) Frobenius norms of the hidden layers' weights in `flat`."""
    Ws = stack.views(flat)[: stack.L]
    return torch.stack([w.flatten(1).norm(dim=1) for w in Ws], 1).double().cpu().numpy()


# --- the training loop -----------------------------------------------------------------------


class _Cancelled(Exception):
    pass


def _train_stack(stack, data_t, runs, steps, callback, cancel, progress, t0):
    (xtr, ytr, xva, yva) = data_t
    R, dev, c0 = stack.R, stack.device, stack.cfgs[0]
    n_train = xtr.shape[0]
    labels = ytr.cpu().numpy() if c0.batching == "one_class" else None
    order = np.stack(
        [batch_order(c.seed, n_train, c0.batch_size, steps, labels) for c in stack.cfgs]
    )
    order_t = torch.as_tensor(order, device=dev)  # (R, steps, B)
    eval_every = c0.eval_every or steps_per_epoch(c0.batch_size, n_train)
    diag_every = c0.diag_every or max(5, steps // 40)
    B = c0.batch_size
    n_chunk = (xva.shape[0] // B) * B  # whole batches of val data for train-mode accuracy
    xva_r = xva.unsqueeze(0).expand(R, -1, -1).contiguous()
    yva_r = yva.unsqueeze(0).expand(R, -1)
    stack.cancel = cancel
    for r in runs:
        r.status = "running"

    def evaluate(k):
        with torch.no_grad():
            p = stack.views()
            logits = stack.forward(xva_r, p, mode="eval")
            vl = _loss_per_run(logits, yva_r).double().cpu().numpy()
            va = (logits.argmax(-1) == yva_r).double().mean(1).cpu().numpy()
            if n_chunk >= B:
                lt = stack.forward(xva_r[:, :n_chunk], p, mode="batch", chunk=B)
                vt = (lt.argmax(-1) == yva_r[:, :n_chunk]).double().mean(1).cpu().numpy()
            else:
                vt = np.full(R, np.nan)
        for j, r in enumerate(runs):
            if stack.active[j]:
                r.eval_steps.append(k)
                r.val_loss.append(float(vl[j]))
                r.val_acc.append(float(va[j]))
                r.val_acc_train_mode.append(float(vt[j]))

    def diagnose(k, grad, upd, w_before):
        """Layer statistics on a fixed probe of validation data, batch statistics, no update."""
        L = stack.L
        with torch.no_grad():
            p = stack.views()
            _, seen = stack.forward(xva_r[:, :PROBE_MAX], p, mode="batch", capture=True)
            # Everything per layer in torch, in the run's dtype, one conversion at the end.
            nan = torch.full((R,), math.nan, dtype=stack.dtype, device=dev)
            per_layer, quantiles = [], []  # L tensors (R, 8), L arrays (R, 6)
            for i, (z, a) in enumerate(seen):
                stack._check_cancel()
                flat = z.reshape(R, -1)
                flat = flat[:, :: max(1, flat.shape[1] // POOLED_MAX)]  # an even subsample
                # numpy's partition-based quantile: several times faster than torch's sort here
                pooled = np.quantile(flat.double().cpu().numpy(), PERCENTILES, axis=1)  # (3, R)
                unit = np.quantile(
                    z[:, :, c0.watch_unit].double().cpu().numpy(), PERCENTILES, axis=1
                )
                quantiles.append(np.concatenate([pooled, unit]).T)
                a_mean = a.mean((1, 2), keepdim=True)
                a_dev = a - a_mean  # two passes, as numpy's std (torch's std is slow on CPU)
                if stack.act in ("sigmoid", "tanh"):
                    slope = a * (1 - a) / 0.25 if stack.act == "sigmoid" else 1 - a * a
                    sat = (slope < 0.1).to(a.dtype).mean((1, 2))
                else:
                    sat = nan
                dead = (
                    (z.amax(1) <= 0).to(z.dtype).mean(1) if stack.act in ("relu", "gelu") else nan
                )
                per_layer.append(
                    torch.stack(
                        [a_mean.view(R), (a_dev * a_dev).mean((1, 2)).sqrt(), sat, dead]
                        + [
                            t.mean((1, 2))
                            for t in (
                                p[2 * L + 2 + i],
                                p[3 * L + 2 + i],
                                stack.running_mean[i],
                                stack.running_var[i],
                            )
                        ],
                        1,
                    )
                )
            layer_table = np.concatenate(
                [np.stack(quantiles, 1), torch.stack(per_layer, 1).double().cpu().numpy()], 2
            )  # (R, L, len(LAYER_STATS))
            rows = {name: list(layer_table[:, :, s].T) for s, name in enumerate(LAYER_STATS)}
            if grad is not None:
                gn = _layer_norms(stack, grad)
                with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN in a dying run
                    ur = _layer_norms(stack, upd) / np.maximum(w_before, 1e-30)
            else:
                gn = ur = np.full((R, L), np.nan)
            rows["grad_norm"] = list(gn.T)
            rows["update_ratio"] = list(ur.T)
        table = {name: np.stack(rows[name], axis=1) for name in DIAG_NAMES}  # (R, L) each
        for j, r in enumerate(runs):
            if not stack.active[j]:
                continue
            norm = stack.cfgs[j].norm
            r.diag_steps.append(k)
            for name in DIAG_NAMES:
                vals = table[name][j].tolist()
                if (name.startswith(("gamma", "beta")) and norm not in AFFINE_NORMS) or (
                    name.startswith("running") and norm not in STATS_NORMS
                ):
                    vals = [math.nan] * L
                r.diag[name].append(vals)

    evaluate(0)
    diagnose(0, None, None, None)
    for k in range(1, steps + 1):
        if cancel is not None and cancel.is_set():
            raise _Cancelled
        idx = order_t[:, k - 1]  # (R, B)
        flat_idx = idx.reshape(-1)  # index_select is several times faster than x[idx] here
        xb = xtr.index_select(0, flat_idx).view(R, B, -1)  # (R, B, D)
        yb = ytr.index_select(0, flat_idx).view(R, B)
        if MANUAL_BACKWARD:
            losses, grad = stack.train_step(xb, yb, stack.active.to(dev))
            lv = losses.double().cpu().numpy()
        else:  # autograd, kept as the reference the hand-written pass is tested against
            params = [v.requires_grad_(True) for v in stack.views()]
            losses = _loss_per_run(stack.forward(xb, params, mode="train"), yb)
            lv = losses.detach().double().cpu().numpy()
            keep = torch.as_tensor(stack.active.numpy() & np.isfinite(lv), device=dev)
            grads = torch.autograd.grad(
                losses[keep].sum(), params, allow_unused=True, materialize_grads=True
            )
            grad = torch.cat([g.reshape(-1) for g in grads])
        finite = np.isfinite(lv)
        for j in np.flatnonzero(~finite & stack.active.numpy()):
            runs[j].status, runs[j].diverged_at = "diverged", k
            stack.set_inactive(int(j))
        act_np = stack.active.numpy()
        if not act_np.any():
            break
        stack.commit_stats()
        do_diag = k % diag_every == 0 or k == steps
        w_before = _layer_norms(stack, stack.flat.detach()) if do_diag else None
        upd = stack.step(grad)
        for j, r in enumerate(runs):
            if act_np[j]:
                r.train_loss.append(float(lv[j]))
                r.steps_done = k
        if k % eval_every == 0 or k == steps:
            evaluate(k)
        if do_diag:
            diagnose(k, grad, upd, w_before)
        progress.steps_done += R
        if callback is not None:
            callback(Progress(progress.steps_done, progress.steps_total, time.perf_counter() - t0))
    for r in runs:
        if r.status == "running":
            r.status = "finished"


def _prepare(configs, seeds, labels):
    configs = [validate(c) for c in configs]
    seeds = list(seeds) if seeds is not None else [None]
    if not configs:
        raise ValueError("give at least one config to train.")
    if len(configs) > MAX_CONFIGS or len(seeds) > MAX_SEEDS:
        raise ValueError(
            f"at most {MAX_CONFIGS} configs x {MAX_SEEDS} seeds per comparison; "
            f"got {len(configs)} x {len(seeds)}."
        )
    labels = list(labels) if labels else [chr(ord("A") + i) for i in range(len(configs))]
    runs = []
    for lab, cfg in zip(labels, configs, strict=True):
        for s in seeds:
            runs.append((lab, cfg if s is None else cfg.replace(seed=int(s))))
    return runs


def run_comparison(
    configs: Sequence[TrainConfig],
    seeds: Sequence[int] | None = (0,),
    callback: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    labels: Sequence[str] | None = None,
    result: Comparison | None = None,
    _keep: dict | None = None,
) -> Comparison:
    """Train every config with every seed; same-shaped runs are trained as one stack.

    seeds=None trains each config with its own `seed`. `callback(Progress)` is called after
    every step (from the training thread); setting `cancel` stops every run before its
    next step. Pass an empty `result` (Comparison(runs=[])) to watch it fill in live.
    """
    pairs = _prepare(configs, seeds, labels)
    result = result if result is not None else Comparison(runs=[])
    t0 = time.perf_counter()
    # Load data and group runs by shape.
    groups: dict[tuple, list[int]] = {}
    datasets: dict[tuple, Dataset] = {}
    new_runs: list[RunResult] = []
    for i, (lab, cfg) in enumerate(pairs):
        data = load_dataset(
            cfg.dataset, cfg.n_samples, cfg.val_fraction, cfg.standardize, cfg.data_seed
        )
        if data.notice and data.notice not in result.notices:
            result.notices.append(data.notice)
        key = _group_key(cfg, len(data.y_train))
        datasets[key] = data
        groups.setdefault(key, []).append(i)
        steps = key[11]
        new_runs.append(RunResult(lab, cfg, steps))
    result.runs.extend(new_runs)  # in one go, so a reader on another thread sees all or none
    progress = Progress(0, sum(r.total_steps for r in result.runs), 0.0)
    devices = set()
    try:
        for key, members in groups.items():
            cfgs = [pairs[i][1] for i in members]
            dev, notice = resolve_device(cfgs[0].device)
            if notice and notice not in result.notices:
                result.notices.append(notice)
            devices.add(str(dev))
            data = datasets[key]
            dt = getattr(torch, cfgs[0].dtype)
            data_t = (
                torch.as_tensor(data.x_train, dtype=dt, device=dev),
                torch.as_tensor(data.y_train, device=dev),
                torch.as_tensor(data.x_val, dtype=dt, device=dev),
                torch.as_tensor(data.y_val, device=dev),
            )
            stack = _Stack(cfgs, data, dev, cancel)
            runs = [new_runs[i] for i in members]
            if _keep is not None:
                _keep[key] = (stack, members)
            _train_stack(stack, data_t, runs, key[11], callback, cancel, progress, t0)
    except _Cancelled:
        result.cancelled = True
        for r in result.runs:
            if r.status in ("pending", "running"):
                r.status = "cancelled"
    result.device = ", ".join(sorted(devices)) or "cpu"
    result.elapsed_s = time.perf_counter() - t0
    result.steps_per_s = progress.steps_done / max(result.elapsed_s, 1e-9)
    return result


# --- single runs and PyTorch modules ---------------------------------------------------------


class BatchRenorm1d(nn.Module):
    """Batch renormalization (Ioffe 2017) for (N, F) inputs, running stats PyTorch-style."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, rmax=3.0, dmax=5.0, dtype=None):
        super().__init__()
        self.eps, self.momentum, self.rmax, self.dmax = eps, momentum, rmax, dmax
        self.weight = nn.Parameter(torch.ones(num_features, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", torch.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", torch.ones(num_features, dtype=dtype))

    def forward(self, x):
        if not self.training:
            return (x - self.running_mean) / torch.sqrt(
                self.running_var + self.eps
            ) * self.weight + self.bias
        mu, var = x.mean(0), x.var(0, unbiased=False)
        sd, rsd = torch.sqrt(var + self.eps), torch.sqrt(self.running_var + self.eps)
        r = (sd / rsd).clamp(1 / self.rmax, self.rmax).detach()
        d = ((mu - self.running_mean) / rsd).clamp(-self.dmax, self.dmax).detach()
        with torch.no_grad():
            m, n = self.momentum, x.shape[0]
            self.running_mean.mul_(1 - m).add_(m * mu)
            self.running_var.mul_(1 - m).add_(m * var * n / max(1, n - 1))
        return ((x - mu) / sd * r + d) * self.weight + self.bias


def _activation_module(name: str) -> nn.Module:
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}[name]()


def _to_sequential(stack: _Stack, j: int) -> nn.Sequential:
    """Run j of a stack as ordinary PyTorch modules (norm noise is not carried over)."""
    cfg, L, dt = stack.cfgs[j], stack.L, stack.dtype  # build in the run's dtype: exact copies
    p = [t.detach()[j] for t in stack.views()]
    Ws, bs, gammas, betas = (
        p[: L + 1],
        p[L + 1 : 2 * L + 2],
        p[2 * L + 2 : 3 * L + 2],
        p[3 * L + 2 :],
    )
    layers: list[nn.Module] = []
    for i in range(L + 1):
        has_bias = bool(stack.bias_on[i][j])
        lin = nn.Linear(stack.dims[i], stack.dims[i + 1], bias=has_bias, dtype=dt)
        with torch.no_grad():
            lin.weight.copy_(Ws[i].T)
            if has_bias:
                lin.bias.copy_(bs[i][0])
        layers.append(lin)
        if i == L:
            break
        norm = None
        if cfg.norm in ("bn_before", "bn_after"):
            norm = nn.BatchNorm1d(cfg.width, eps=cfg.eps, momentum=cfg.bn_momentum, dtype=dt)
        elif cfg.norm == "batch_renorm":
            norm = BatchRenorm1d(
                cfg.width, cfg.eps, cfg.bn_momentum, cfg.renorm_rmax, cfg.renorm_dmax, dt
            )
        elif cfg.norm == "layer":
            norm = nn.LayerNorm(cfg.width, eps=cfg.eps, dtype=dt)
        elif cfg.norm == "group":
            norm = nn.GroupNorm(cfg.groups, cfg.width, eps=cfg.eps, dtype=dt)
        if norm is not None:
            with torch.no_grad():
                norm.weight.copy_(gammas[i][0])
                norm.bias.copy_(betas[i][0])
                if cfg.norm in STATS_NORMS:
                    norm.running_mean.copy_(stack.running_mean[i][j, 0])
                    norm.running_var.copy_(stack.running_var[i][j, 0])
        if norm is not None and cfg.norm != "bn_after":
            layers.append(norm)
        layers.append(_activation_module(cfg.activation))
        if norm is not None and cfg.norm == "bn_after":
            layers.append(norm)
    return nn.Sequential(*layers).to(stack.dtype)


def build_model(config: TrainConfig) -> nn.Sequential:
    """The untrained network for `config`, with the same initial weights `train` starts from."""
    validate(config)
    data = load_dataset(
        config.dataset, config.n_samples, config.val_fraction, config.standardize, config.data_seed
    )
    return _to_sequential(_Stack([config], data, torch.device("cpu")), 0)


def train(
    config: TrainConfig,
    callback: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[RunResult, nn.Sequential]:
    """Train one config (its own seed); return its record and the trained network (on CPU)."""
    keep: dict = {}
    res = run_comparison([config], seeds=None, callback=callback, cancel=cancel, _keep=keep)
    run = res.runs[0]
    stack, _ = next(iter(keep.values()))
    return run, _to_sequential(stack, 0).cpu()
