"""R runs of one shape trained as one network: weights with a run axis, autograd backward.

Every weight has a leading run axis R, (R, in, out), and layers are batched matmuls on
feature-major activations, (R, out, in) @ (R, in, N). BN treats the runs' units as R*F
channels of one fused batch-norm call, gamma and beta included. Runs
never mix (no operation reduces over the run axis), so the loss can be the sum of the
runs' losses and autograd's backward gives each run its own gradient.

All parameters live in one flat tensor: the shaped tensors the forward pass uses are views
of it, each an autograd leaf whose gradient is copied into one flat gradient tensor, so
the optimizer is a few whole-tensor operations. What may differ between the runs of a stack:
seed, learning rate, momentum, initialization, the normalization and where it sits, the
Linear bias, BN momentum, renorm clips and noise.
"""

from __future__ import annotations

import math
import threading
from typing import NamedTuple

import torch
import torch.nn.functional as F

from bnlib.lab.config import TrainConfig
from bnlib.lab.data import Dataset
from bnlib.lab.model import init_linear

__all__ = ["AFFINE_NORMS", "STATS_NORMS", "Cancelled", "Params", "Segment", "Stack"]

STATS_NORMS = ("bn_before", "bn_after", "batch_renorm")  # keep running statistics
AFFINE_NORMS = ("bn_before", "bn_after", "batch_renorm", "layer", "group")
ADAM_BETA2, ADAM_EPS = 0.999, 1e-8


class Cancelled(Exception):
    """Raised inside training when the cancel event is set."""


class Params(NamedTuple):
    """The stack's parameters by role; every tensor has the run axis first."""

    W: list[torch.Tensor]  # L+1 of (R, in, out)
    b: list[torch.Tensor]  # L+1 of (R, 1, out)
    gamma: list[torch.Tensor]  # L of (R, 1, width)
    beta: list[torch.Tensor]  # L of (R, 1, width)

    def flat_list(self) -> list[torch.Tensor]:
        return [*self.W, *self.b, *self.gamma, *self.beta]


class Segment(NamedTuple):
    """Runs lo..hi-1 of a stack normalize the same way (kind None: not at all)."""

    kind: str | None
    momentum: float  # their BN momentum (a segment never mixes two)
    lo: int
    hi: int


def segments(kinds: list[str | None], momenta: list[float]) -> list[Segment]:
    """Maximal runs of neighbours with the same (kind, momentum), covering every run."""
    out, lo = [], 0
    for j in range(1, len(kinds) + 1):
        if j == len(kinds) or (kinds[j], momenta[j]) != (kinds[lo], momenta[lo]):
            out.append(Segment(kinds[lo], momenta[lo], lo, j))
            lo = j
    return out


class Stack:
    """R runs of one shape: parameters, running statistics, optimizer state."""

    def __init__(
        self,
        cfgs: list[TrainConfig],
        data: Dataset,
        device: torch.device,
        cancel: threading.Event | None = None,
    ):
        self.cancel = cancel  # checked between layers: Stop ends even a big step promptly
        c0 = cfgs[0]
        self.cfgs, self.R, self.L = cfgs, len(cfgs), c0.depth
        self.device, self.dtype = device, getattr(torch, c0.dtype)
        self.act, self.width, self.groups, self.eps = c0.activation, c0.width, c0.groups, c0.eps
        self.adam = c0.optimizer == "adam"
        self.dims = dims = [data.n_features] + [c0.width] * c0.depth + [data.n_classes]
        R, dev, dt = self.R, device, self.dtype

        # Per-run weights and biases, drawn run by run from the run's own seed.
        gens = [torch.Generator().manual_seed(c.seed) for c in cfgs]
        Ws, bs = [], []
        self.bias_on: list[torch.Tensor] = []  # per layer, (R,) 1.0 where the run has a bias
        for i in range(len(dims) - 1):
            self.check_cancel()  # drawing a big stack's weights takes seconds
            pairs = [
                init_linear(c, dims[i], dims[i + 1], g) for c, g in zip(cfgs, gens, strict=True)
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
        tensors = Ws + bs + gammas + betas
        self.shapes = [t.shape for t in tensors]
        self.flat = torch.cat([t.reshape(-1) for t in tensors]).to(dev, dt)
        self.grad = torch.zeros_like(self.flat)
        self._grad_views = self.views(self.grad)
        # Leaves that share storage with `flat`, so the optimizer updates them in one op.
        self.leaves = [v.requires_grad_(True) for v in self.views()]
        self.params = self._split(self.leaves)

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
        self.buf = torch.zeros_like(self.flat)
        self.buf2 = torch.zeros_like(self.buf) if self.adam else None
        self.t = 0

        # Normalization per run, at the "pre" (before the activation) or "post" slot, as
        # neighbouring runs that share it: a norm is computed only on the runs that use it.
        kinds = [c.norm for c in cfgs]
        moms = [c.bn_momentum for c in cfgs]
        self.pre_segs = segments(
            [k if k not in ("none", "bn_after") else None for k in kinds], moms
        )
        self.post_segs = segments(["bn_after" if k == "bn_after" else None for k in kinds], moms)
        self.has_pre = any(s.kind is not None for s in self.pre_segs)
        self.has_post = any(s.kind is not None for s in self.post_segs)
        col = lambda vals: torch.tensor(vals, dtype=dt, device=dev).view(R, 1, 1, 1)  # noqa: E731
        self.rmax = col([c.renorm_rmax for c in cfgs])  # (R, 1, 1, 1): against (R, k, m, F)
        self.dmax = col([c.renorm_dmax for c in cfgs])
        self.noise = col([c.norm_noise for c in cfgs]).view(R, 1, 1)
        self.noisy = any(c.norm_noise > 0 for c in cfgs)
        self.noise_gens = [torch.Generator().manual_seed(c.seed + 7919) for c in cfgs]
        self.running_mean = [
            torch.zeros(R, 1, c0.width, dtype=dt, device=dev) for _ in range(self.L)
        ]
        self.running_var = [torch.ones(R, 1, c0.width, dtype=dt, device=dev) for _ in range(self.L)]
        self.active = torch.ones(R, dtype=torch.bool)
        self._pending: list[tuple] = []  # running-statistics updates of the last forward

    # -- parameters --

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled

    def _per_element(self, per_run: torch.Tensor, masks: list[torch.Tensor]) -> torch.Tensor:
        parts = []
        for shape, m in zip(self.shapes, masks, strict=True):
            parts.append((per_run * m).repeat_interleave(math.prod(shape[1:])))
        return torch.cat(parts).to(self.device, self.dtype)

    def views(self, flat: torch.Tensor | None = None) -> list[torch.Tensor]:
        """`flat` (default: the parameters) cut into the shaped tensors, sharing storage."""
        flat = self.flat if flat is None else flat
        out, i = [], 0
        for s in self.shapes:
            n = math.prod(s)
            out.append(flat[i : i + n].view(s))
            i += n
        return out

    def _split(self, tensors: list[torch.Tensor]) -> Params:
        L = self.L
        return Params(
            tensors[: L + 1], tensors[L + 1 : 2 * L + 2], tensors[2 * L + 2 : 3 * L + 2],
            tensors[3 * L + 2 :],
        )  # fmt: skip

    def split(self, flat: torch.Tensor) -> Params:
        """A flat tensor laid out like the parameters (a gradient, an update) by role."""
        return self._split(self.views(flat))

    def set_inactive(self, run: int) -> None:
        """Freeze a diverged run: zero its learning rate everywhere."""
        self.active[run] = False
        keep = self._per_element(self.active.double(), [torch.ones(self.R)] * len(self.shapes))
        self.lr_el = self.lr_base * keep

    # -- forward --
    # Activations run feature-major, (R, F, N): a run's units are rows, samples columns.
    # A segment of runs is then one contiguous (1, R'*F, N) block for PyTorch's fused BN
    # kernel (channels = the runs' units, gamma and beta inside it), batches of `chunk`
    # samples are (1, R'*F*k, chunk), and nothing is copied to change layout. Measured
    # against the sample-major layout with a separate gamma/beta op: 8-9 % faster per step.

    def _normalize(self, seg: Segment, z, layer, mode, chunk):
        """The runs of `seg`, z (R', F, N), normalized, then scaled by gamma and shifted by
        beta. mode: "train" (batch statistics, running ones moved by `commit_stats`),
        "batch" (each `chunk` samples' own statistics, nothing moved), "eval" (running)."""
        R, Fd, N = z.shape
        sl = slice(seg.lo, seg.hi)
        kind, eps = seg.kind, self.eps
        gamma, beta = self.params.gamma[layer][sl], self.params.beta[layer][sl]  # (R', 1, F)
        rm, rv = self.running_mean[layer][sl], self.running_var[layer][sl]  # (R', 1, F)
        if kind in ("bn_before", "bn_after") and mode != "eval":
            k = N // chunk  # PyTorch's kernel, one channel per unit and chunk
            w, b = gamma.reshape(-1), beta.reshape(-1)
            if k > 1:
                w, b = (t.mT.expand(R, Fd, k).reshape(-1) for t in (gamma, beta))
            y, mean, invstd = torch.native_batch_norm(
                z.reshape(1, R * Fd * k, chunk), w, b, None, None, True, 0.0, eps
            )
            if mode == "train":  # moving them here would change a tensor autograd needs
                var = invstd.detach().view(R, 1, Fd).pow(-2) - eps
                self._pending.append((rm, rv, mean.detach().view(R, 1, Fd), var, N, seg.momentum))
            return y.view(R, Fd, N)
        if kind == "layer":  # per sample, over its features
            xhat = F.layer_norm(z.mT, (Fd,), eps=eps).mT
        elif kind == "group":
            xhat = F.group_norm(z.mT.reshape(R * N, Fd), self.groups, eps=eps).view(R, N, Fd).mT
        elif mode == "eval":
            xhat = (z - rm.mT) * torch.rsqrt(rv.mT + eps)
        else:
            xhat = self._renorm(z, rm, rv, sl, mode == "train", seg, chunk)
        return torch.addcmul(beta.mT, xhat, gamma.mT)

    def _renorm(self, z, rm, rv, sl, update, seg, chunk):
        """Batch renorm's x_hat, z (R', F, N): each chunk's own mean and biased variance, then
        r and d from the moving mean and sigma. With `update` the moving ones move."""
        R, Fd, N = z.shape
        zc = z.view(R, Fd, N // chunk, chunk)  # statistics over each chunk of `chunk` samples
        mu = zc.mean(3, keepdim=True)
        dev = zc - mu
        sd = torch.sqrt((dev * dev).mean(3, keepdim=True) + self.eps)  # torch.var: slow on CPU
        with torch.no_grad():  # Ioffe (2017): r and d are constants for backprop
            mu_b, sd_b = mu.detach(), sd.detach()
            rm4, sigma = rm.mT.unsqueeze(-1), torch.sqrt(rv + self.eps).mT.unsqueeze(-1)
            rmax, dmax = self.rmax[sl], self.dmax[sl]
            r = torch.minimum(torch.maximum(sd_b / sigma, 1 / rmax), rmax)
            d = torch.minimum(torch.maximum((mu_b - rm4) / sigma, -dmax), dmax)
            if update:  # the paper's moving averages of mu and sigma, stored as
                # running_var = sigma^2 - eps so that eval mode is BN's formula
                self._pending.append((rm, rv, mu_b[:, :, 0].mT, sd_b[:, :, 0].mT, 0, seg.momentum))
        return (dev / sd * r + d).view(R, Fd, N)

    def commit_stats(self) -> None:
        """Move the running statistics by the last training forward's batch statistics,
        running = (1 - momentum) * running + momentum * batch (PyTorch's convention): for BN
        the mean and unbiased variance; for batch renorm the mean and sigma (n = 0 marks it)."""
        with torch.no_grad():
            for rm, rv, mu, v, n, m in self._pending:
                rm.lerp_(mu, m)
                if n:  # v: biased variance of n samples
                    rv.lerp_(v * (n / max(1, n - 1)), m)
                else:  # v: sigma_B; the moving sigma is sqrt(running_var + eps)
                    rv.copy_(torch.sqrt(rv + self.eps).lerp_(v, m).square_() - self.eps)
        self._pending = []

    def _slot(self, segs, z, layer, mode, chunk):
        """Each segment's norm, gamma and beta on its runs of z (R, F, N); the runs without a
        norm here pass through (their gamma and beta stay 1 and 0, never trained)."""
        if len(segs) == 1:
            s = segs[0]
            out = z if s.kind is None else self._normalize(s, z, layer, mode, chunk)
        else:
            pieces = z.split([s.hi - s.lo for s in segs])
            out = torch.cat(
                [
                    p if s.kind is None else self._normalize(s, p, layer, mode, chunk)
                    for s, p in zip(segs, pieces, strict=True)
                ]
            )
        if self.noisy and mode == "train":
            scale, shift = self._draw_noise(segs, z.shape[1])
            out = out * (1 + scale.mT) + shift.mT
        return out

    def _draw_noise(self, segs, width):
        """Per-run random scale and shift (R, 1, F) for noisy BN, drawn from each run's own
        stream and only where the run has a norm in this slot (zero elsewhere), so a run
        draws the same noise alone or in any stack."""
        normed = [s.kind is not None for s in segs for _ in range(s.lo, s.hi)]
        zero = torch.zeros(1, width, dtype=torch.float64)
        return (
            torch.stack(
                [
                    torch.randn(1, width, generator=g, dtype=torch.float64) if on else zero
                    for g, on in zip(self.noise_gens, normed, strict=True)
                ]
            ).to(self.device, self.dtype)
            * self.noise
            for _ in range(2)
        )

    def _activate(self, z):
        if self.act == "relu":
            return torch.relu(z)
        if self.act == "tanh":
            return torch.tanh(z)
        if self.act == "sigmoid":
            return torch.sigmoid(z)
        return F.gelu(z)

    def _forward(self, x, mode, chunk, seen=None, runs=slice(None)):
        """x (R', N, D) -> logits (R', C, N), feature-major, for the stack's runs `runs` (a
        slice; all by default, which training needs); appends (z, a) per hidden layer, each
        (R', F, N), to `seen` if given."""
        p, L = self.params, self.L
        lo, hi, _ = runs.indices(self.R)
        pre, post = self.pre_segs, self.post_segs
        # All runs: the leaves as they are (a [:] on each would be a SliceBackward node that
        # copies a full-size zero gradient, 5-6 % of a step).
        W, b = p.W, p.b
        if (lo, hi) != (0, self.R):  # segments cut to the runs, keeping the stack's numbers
            assert mode != "train", "training takes every run"
            W, b = [w[runs] for w in p.W], [t[runs] for t in p.b]
            pre, post = (
                [
                    Segment(s.kind, s.momentum, max(s.lo, lo), min(s.hi, hi))
                    for s in segs
                    if s.lo < hi and s.hi > lo
                ]
                for segs in (pre, post)
            )
        chunk = chunk or x.shape[1]
        h = x.mT
        self._pending = []
        for i in range(L):
            self.check_cancel()
            z = torch.baddbmm(b[i].mT, W[i].mT, h)  # (R, out, in) @ (R, in, N)
            if self.has_pre:
                z = self._slot(pre, z, i, mode, chunk)
            a = self._activate(z)
            h = self._slot(post, a, i, mode, chunk) if self.has_post else a
            if seen is not None:
                seen.append((z, a))
        return torch.baddbmm(b[L].mT, W[L].mT, h)

    def forward(self, x, mode="train", chunk=None, capture=False, runs=slice(None)):
        """x (R', N, D) -> logits (R', N, C) of runs `runs`; with capture also per hidden
        layer (pre, act), feature-major (R', F, N)."""
        seen = [] if capture else None
        logits = self._forward(x, mode, chunk, seen, runs).mT
        return (logits, seen) if capture else logits

    # -- training step --

    def losses(self, x, y, mode="train", chunk=None):
        """Per-run mean cross-entropy (R,) on x (R, N, D), y (R, N)."""
        return F.cross_entropy(self._forward(x, mode, chunk), y, reduction="none").mean(1)

    def backward(self, losses: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """Fill `self.grad` with d(sum of the kept runs' losses)/d parameters; returns it."""
        total = losses.sum() if keep is None else torch.where(keep, losses, 0.0).sum()
        grads = torch.autograd.grad(total, self.leaves, allow_unused=True, materialize_grads=True)
        torch._foreach_copy_(self._grad_views, grads)  # weight gradients come transposed
        if keep is not None:  # a dead run's NaNs stay in its own slice; its lr is 0 anyway
            torch.nan_to_num_(self.grad, nan=0.0, posinf=0.0, neginf=0.0)
        return self.grad

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

    def run_norms(self, flat: torch.Tensor) -> torch.Tensor:
        """(R,) each run's Euclidean norm of `flat` (laid out like the parameters)."""
        return torch.stack([t.flatten(1).square().sum(1) for t in self.views(flat)]).sum(0).sqrt()

    def layer_norms(self, flat: torch.Tensor) -> torch.Tensor:
        """(R, L) Frobenius norms of the hidden layers' weights in `flat`."""
        return torch.stack([w.flatten(1).norm(dim=1) for w in self.split(flat).W[: self.L]], 1)
