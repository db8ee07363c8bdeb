"""The lab's trainer: structure, equivalence with plain PyTorch, batching, faults, seeds."""

import copy
import math
import threading

import numpy as np
import pytest
import torch
from torch import nn

from bnlib.lab import TrainConfig, build_model, run_comparison, train
from bnlib.lab.data import load_dataset
from bnlib.lab.engine import DIAG_NAMES, BatchRenorm1d, batch_order, resolve_device

torch.set_num_threads(1)  # the CI box is small and shared; one thread is also the fastest here

TINY = TrainConfig(depth=2, width=16, steps=12, eval_every=4, diag_every=4)


def _kinds(model):
    return [type(m).__name__ for m in model]


def test_layer_structure_follows_the_config():
    m = build_model(TINY.replace(norm="bn_before"))
    assert _kinds(m) == ["Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Linear"]
    assert m[0].bias is None and m[3].bias is None  # redundant bias before BN is dropped
    assert m[-1].bias is not None  # the output layer keeps its bias
    m = build_model(TINY.replace(norm="bn_before", bias_before_norm=True))
    assert m[0].bias is not None
    m = build_model(TINY.replace(norm="bn_after", activation="sigmoid"))
    assert _kinds(m)[:3] == ["Linear", "Sigmoid", "BatchNorm1d"] and m[0].bias is not None
    m = build_model(TINY)
    assert _kinds(m) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"] and m[0].bias is not None
    assert _kinds(build_model(TINY.replace(norm="layer")))[1] == "LayerNorm"
    gn = build_model(TINY.replace(norm="group", groups=4))[1]
    assert isinstance(gn, nn.GroupNorm) and gn.num_groups == 4
    assert isinstance(build_model(TINY.replace(norm="batch_renorm"))[1], BatchRenorm1d)
    m = build_model(TINY.replace(depth=5, width=32))
    assert sum(isinstance(x, nn.Linear) for x in m) == 6 and m[0].in_features == 64


def _reference_losses(cfg: TrainConfig) -> list[float]:
    """A plain PyTorch loop: nn.Sequential, torch.optim, the same batches."""
    data = load_dataset("digits")
    dt = getattr(torch, cfg.dtype)
    x, y = torch.tensor(data.x_train, dtype=dt), torch.tensor(data.y_train)
    model = build_model(cfg).train()
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(cfg.momentum, 0.999))
    else:
        mom = cfg.momentum if cfg.optimizer == "momentum" else 0.0
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=mom)
    out = []
    for idx in batch_order(cfg.seed, len(y), cfg.batch_size, cfg.steps):
        idx = torch.as_tensor(idx)
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


@pytest.mark.parametrize(
    "changes",
    [
        {"norm": "none"},
        {"norm": "bn_before", "optimizer": "momentum"},
        {"norm": "bn_after", "activation": "tanh"},
        {"norm": "layer", "activation": "gelu", "optimizer": "adam", "lr": 0.01},
        {"norm": "group", "groups": 4, "activation": "sigmoid", "init": "kaiming"},
        {"norm": "bn_before", "bias_before_norm": True, "init": "xavier", "bn_momentum": 0.3},
        {"norm": "batch_renorm", "init": "small_gaussian", "init_std": 0.2},
    ],
)
def test_engine_matches_a_plain_pytorch_loop(changes):
    cfg = TINY.replace(dtype="float64", seed=3, **changes)
    ours, _ = train(cfg)
    ref = _reference_losses(cfg)
    np.testing.assert_allclose(
        ours.train_loss, ref, rtol=1e-9, atol=1e-11, err_msg=f"ours vs torch for {changes}"
    )


@pytest.mark.parametrize("norm", ["none", "bn_before", "bn_after", "layer", "batch_renorm"])
def test_train_mode_accuracy_is_the_trained_network_on_whole_batches(norm):
    """val_acc_train_mode: each whole batch of the validation set normalized by its own
    statistics, as nn.Sequential in train mode does; checked on the final network."""
    cfg = TINY.replace(dtype="float64", norm=norm, batch_size=32, seed=2)
    run, model = train(cfg)
    data = load_dataset("digits")
    x, y = torch.tensor(data.x_val), torch.tensor(data.y_val)
    n = len(y) // cfg.batch_size * cfg.batch_size
    hits = []
    with torch.no_grad():
        for i in range(0, n, cfg.batch_size):
            m = copy.deepcopy(model).train()  # a forward in train mode moves running stats
            hits.append(m(x[i : i + cfg.batch_size]).argmax(1) == y[i : i + cfg.batch_size])
    assert run.val_acc_train_mode[-1] == pytest.approx(torch.cat(hits).double().mean().item())
    eval_acc = (model.eval()(x).argmax(1) == y).double().mean().item()
    assert run.val_acc[-1] == pytest.approx(eval_acc)


@pytest.mark.parametrize("norm", ["none", "bn_before"])
def test_layer_diagnostics_are_the_trained_networks_own(norm):
    """The last diagnostics row, recomputed from the final nn.Sequential in train mode on
    the probe: pooled and watched-unit percentiles of each ReLU's input, the activations'
    mean and std, and the share of units that never fire."""
    from bnlib.lab.config import PROBE_SAMPLES
    from bnlib.lab.diagnostics import PERCENTILES, POOLED_MAX

    cfg = TINY.replace(dtype="float64", norm=norm, watch_unit=5, seed=1)
    run, model = train(cfg)
    x = torch.tensor(load_dataset("digits").x_val[:PROBE_SAMPLES])
    seen = []
    for m in model:
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(lambda _m, inp, out: seen.append((inp[0], out)))
    with torch.no_grad():
        model.train()(x)
    for i, (z, a) in enumerate(seen):
        z, a = z.numpy(), a.numpy()
        pooled = z.reshape(-1)[:: max(1, z.size // POOLED_MAX)]
        q = np.concatenate([np.quantile(pooled, PERCENTILES), np.quantile(z[:, 5], PERCENTILES)])
        names = ("pre_p15", "pre_p50", "pre_p85", "unit_p15", "unit_p50", "unit_p85")
        want = {
            **dict(zip(names, q, strict=True)),
            "act_mean": a.mean(),
            "act_std": a.std(),
            "dead": (z.max(0) <= 0).mean(),
        }
        for name, value in want.items():
            assert run.diag[name][-1][i] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def _strip(run):
    return {
        "train_loss": run.train_loss,
        "val_loss": run.val_loss,
        "val_acc": run.val_acc,
        "val_acc_train_mode": run.val_acc_train_mode,
        **{k: np.array(v, dtype=float) for k, v in run.diag.items()},
    }


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_batched_equals_sequential(dtype):
    base = TINY.replace(dtype=dtype, optimizer="momentum", lr=0.05, steps=20)
    configs = [
        base.replace(norm="none"),
        base.replace(norm="bn_before"),
        base.replace(norm="bn_after", lr=0.02),
        base.replace(norm="batch_renorm", init="small_gaussian", init_std=0.1),
    ]
    seeds = [0, 5]
    batched = run_comparison(configs, seeds)
    tol = {"float64": 1e-10, "float32": 2e-4}[dtype]
    for run in batched.runs:
        alone = run_comparison([run.config], seeds=None).runs[0]
        a, b = _strip(run), _strip(alone)
        for key in a:
            np.testing.assert_allclose(
                np.asarray(a[key], float), np.asarray(b[key], float), rtol=tol, atol=tol,
                err_msg=f"{key} of {run.label}/seed {run.config.seed}: batched vs alone",
            )  # fmt: skip


def test_same_seed_same_result_other_seed_differs():
    cfg = TINY.replace(norm="bn_before")
    a, b = (run_comparison([cfg], seeds=[4]).runs[0] for _ in range(2))
    assert a.train_loss == b.train_loss
    for k in DIAG_NAMES:
        np.testing.assert_array_equal(np.array(a.diag[k]), np.array(b.diag[k]), err_msg=k)
    c = run_comparison([cfg], seeds=[5]).runs[0]
    assert c.train_loss != a.train_loss


def test_divergence_stops_only_that_run():
    bad = TrainConfig(lr=10.0, init="large_gaussian", depth=5, steps=40)
    good = TrainConfig(norm="bn_before", steps=40)
    res = run_comparison([bad, good], seeds=[0, 1])
    for r in res.runs:
        if r.label == "A":
            assert r.status == "diverged" and r.diverged_at is not None
            assert r.message == f"diverged at step {r.diverged_at}"
            assert len(r.train_loss) == r.diverged_at - 1  # the last finite loss was recorded
            assert all(math.isfinite(v) for v in r.train_loss)
        else:
            assert r.status == "finished" and len(r.train_loss) == 40
            assert r.final_val_acc > 0.8


def test_cancel_stops_within_one_step():
    cancel = threading.Event()
    seen = []

    def callback(p):
        seen.append(p.steps_done)
        if len(seen) == 5:
            cancel.set()

    res = run_comparison([TINY.replace(steps=500), TINY.replace(norm="layer", steps=500)], [0, 1],
                         callback=callback, cancel=cancel)  # fmt: skip
    assert res.cancelled
    for r in res.runs:
        assert r.status == "cancelled" and r.steps_done == 5 and r.message == "stopped at step 5"


def test_progress_reaches_total():
    last = []
    res = run_comparison([TINY], seeds=[0, 1], callback=last.append)
    assert last[-1].steps_done == last[-1].steps_total == 2 * TINY.steps
    assert last[-1].fraction == 1.0 and last[-1].eta_s == 0
    assert res.steps_per_s > 0 and res.device == "cpu"


def test_records_cover_every_metric():
    run = run_comparison([TINY.replace(activation="tanh", norm="bn_before")], [0]).runs[0]
    assert run.eval_steps == [0, 4, 8, 12] and run.diag_steps == [0, 4, 8, 12]
    assert len(run.train_loss) == 12
    for name in DIAG_NAMES:
        assert len(run.diag[name]) == 4 and all(len(row) == 2 for row in run.diag[name]), name
    lo, mid, hi = (np.array(run.diag[k]) for k in ("pre_p15", "pre_p50", "pre_p85"))
    assert (lo <= mid).all() and (mid <= hi).all()
    sat = np.array(run.diag["saturation"])
    assert ((sat >= 0) & (sat <= 1)).all()
    assert np.isnan(np.array(run.diag["dead"])).all()  # no dead units for tanh
    assert (
        np.isnan(run.diag["grad_norm"][0]).all() and (np.array(run.diag["grad_norm"][1:]) > 0).all()
    )
    assert (np.array(run.diag["running_var_mean"][1:]) > 0).all()
    plain = run_comparison([TINY], [0]).runs[0]
    assert np.isnan(np.array(plain.diag["gamma_mean"])).all()


def test_trained_model_is_returned():
    cfg = TINY.replace(norm="bn_before", steps=40)
    run, model = train(cfg)
    data = load_dataset("digits")
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(data.x_val, dtype=torch.float32)).argmax(1).numpy()
    assert np.isclose((pred == data.y_val).mean(), run.final_val_acc, atol=1e-6)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this host has CUDA")
def test_cuda_request_falls_back_to_cpu_with_a_notice():
    dev, notice = resolve_device("cuda")
    assert dev.type == "cpu" and "CUDA" in notice
    res = run_comparison([TINY.replace(device="cuda")], [0])
    assert res.device == "cpu" and any("CUDA" in n for n in res.notices)
    assert res.runs[0].status == "finished"


def test_too_many_runs_are_refused():
    with pytest.raises(ValueError, match="at most"):
        run_comparison([TINY] * 5, [0])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu"])
def test_a_mixed_stack_matches_each_run_alone(activation):
    """Four norms (noisy BN, layer norm with its bias, clipped renorm) share one stack: the
    segment code must give every run exactly what it gets trained alone."""
    base = TINY.replace(dtype="float64", activation=activation, optimizer="adam", lr=0.01, steps=15)
    configs = [
        base.replace(norm="none"),
        base.replace(norm="bn_after", norm_noise=0.1),
        base.replace(norm="layer", bias_before_norm=True),
        base.replace(norm="batch_renorm", renorm_rmax=1.5, renorm_dmax=0.5),
    ]
    stacked = run_comparison(configs, [0, 1])
    for a in stacked.runs:
        b = run_comparison([a.config], seeds=None).runs[0]
        for key, va in _strip(a).items():
            np.testing.assert_allclose(
                np.asarray(va, float), np.asarray(_strip(b)[key], float), rtol=1e-9, atol=1e-11,
                err_msg=f"{key} of {a.config.norm}: stacked vs alone",
            )  # fmt: skip


def test_one_class_batches_hold_a_single_class():
    labels = np.repeat(np.arange(3), 25)
    order = batch_order(0, len(labels), 5, 40, labels)
    assert order.shape == (40, 5)
    assert all(len(set(labels[row])) == 1 for row in order)
    res = run_comparison([TINY.replace(norm="bn_before", batching="one_class")], [0])
    assert res.runs[0].status == "finished"


def test_hooks_run_every_step_and_a_restoring_probe_changes_nothing():
    """The landscape experiment's pattern: a probe moves the weights, takes gradients there
    and puts everything back; training must go on exactly as without it."""
    from bnlib.lab.trainer import Hooks

    seen = {"on_batch": [], "probe": [], "after_step": []}

    def probe(k, stack, xb, yb, grad):
        seen["probe"].append(k)
        w0, g0 = stack.flat.clone(), grad.clone()
        with torch.no_grad():
            stack.flat.sub_(0.3 * grad)
        stack.backward(stack.losses(xb, yb, mode="batch"))
        with torch.no_grad():
            stack.flat.copy_(w0)
            grad.copy_(g0)

    hooks = Hooks(
        on_batch=lambda k, stack: seen["on_batch"].append(k),
        probe=probe,
        after_step=lambda k, stack, losses: seen["after_step"].append(k),
    )
    cfgs = [TINY.replace(dtype="float64"), TINY.replace(dtype="float64", norm="bn_before")]
    probed = run_comparison(cfgs, [0], hooks=hooks)
    plain = run_comparison(cfgs, [0])
    assert all(v == list(range(1, TINY.steps + 1)) for v in seen.values()), seen
    for a, b in zip(probed.runs, plain.runs, strict=True):
        for key, va in _strip(a).items():
            np.testing.assert_array_equal(
                np.asarray(va, float), np.asarray(_strip(b)[key], float), key
            )
