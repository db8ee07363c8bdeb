"""Training-lab throughput: the batched trainer against a naive sequential PyTorch loop.

Workload (the lab's default comparison): 2 configs (no BN, BN before the activation) x 3
seeds, an MLP with 3 hidden layers of 100 ReLU units, the 8x8 digits (1438 training
images), batches of 60, plain SGD, 20 epochs, validation once per epoch.

Rates are medians over --repeats, the variants interleaved within each repeat. Times are process CPU seconds (time.process_time), not wall time: the machine this was
written on is shared, and CPU time is what a busy neighbour cannot inflate much. With one
thread the two agree on an idle machine. Prints run-steps per CPU-second for both, the ratio, the trainer's achieved GFLOP/s and the
machine's measured matmul GFLOP/s (same thread count). Usage:

    python benchmarks/bench_lab.py [--threads 1] [--repeats 3] [--epochs 20] [--json out.json]

--json also writes ratio_with_diagnostics and ratio_without_diagnostics (trainer run-steps/s
over the naive loop's, same run) and diagnostics_cost (1 - with / without).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bnlib.lab import TrainConfig, run_comparison  # noqa: E402
from bnlib.lab.data import load_dataset  # noqa: E402

NORMS = ("none", "bn_before")
SEEDS = (0, 1, 2)
DEPTH, WIDTH, BATCH, LR = 3, 100, 60, 0.1


def naive_reference(epochs: int) -> tuple[int, float]:
    """What one would write first: one nn.Sequential after another, torch.optim.SGD."""
    data = load_dataset("digits")
    x = torch.tensor(data.x_train, dtype=torch.float32)
    y = torch.tensor(data.y_train)
    xv = torch.tensor(data.x_val, dtype=torch.float32)
    yv = torch.tensor(data.y_val)
    steps = 0
    t0 = time.process_time()
    for norm in NORMS:
        for seed in SEEDS:
            torch.manual_seed(seed)
            layers, width_in = [], x.shape[1]
            for _ in range(DEPTH):
                bn = norm == "bn_before"
                layers += [nn.Linear(width_in, WIDTH, bias=not bn)]
                layers += [nn.BatchNorm1d(WIDTH)] if bn else []
                layers += [nn.ReLU()]
                width_in = WIDTH
            model = nn.Sequential(*layers, nn.Linear(WIDTH, data.n_classes))
            opt = torch.optim.SGD(model.parameters(), lr=LR)
            for _ in range(epochs):
                model.train()
                perm = torch.randperm(len(x))
                for i in range(0, len(x) - BATCH + 1, BATCH):
                    idx = perm[i : i + BATCH]
                    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    steps += 1
                model.eval()
                with torch.no_grad():
                    (model(xv).argmax(1) == yv).float().mean().item()
    return steps, time.process_time() - t0


def batched(epochs: int, diagnostics: bool) -> tuple[int, float]:
    extra = {} if diagnostics else {"diag_every": 10**6}
    configs = [TrainConfig(norm=n, epochs=epochs, lr=LR, **extra) for n in NORMS]
    t0 = time.process_time()
    res = run_comparison(configs, SEEDS)
    dt = time.process_time() - t0
    assert all(r.status == "finished" for r in res.runs)
    return sum(len(r.train_loss) for r in res.runs), dt


def matmul_gflops(n: int = 1024, reps: int = 20) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(reps):
            a @ b
        best = min(best, time.process_time() - t0)
    return 2 * n**3 * reps / best / 1e9


def matmul_only_rate(R: int = 6, n_in: int = 64, n_out: int = 10, reps: int = 200) -> float:
    """Run-steps/s if a stacked step did nothing but its matmuls (forward, dW, dh), at the
    shapes the lab uses: the ceiling for any trainer built from these batched GEMMs."""
    dims = [n_in] + [WIDTH] * DEPTH + [n_out]
    Ws = [torch.randn(R, a, b) for a, b in zip(dims[:-1], dims[1:], strict=False)]
    x = torch.randn(R, BATCH, n_in)

    def step():
        hs, h = [], x
        for W in Ws:
            hs.append(h)
            h = torch.bmm(h, W)
        dz = h
        for i in reversed(range(len(Ws))):
            torch.bmm(hs[i].mT, dz)
            if i:
                dz = torch.bmm(dz, Ws[i].mT)

    for _ in range(20):
        step()
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(reps):
            step()
        best = min(best, time.process_time() - t0)
    return R * reps / best


def flops_per_run_step(n_in: int = 64, n_out: int = 10) -> float:
    """Matmul FLOPs of one training step of one run: forward 2*B*in*out, backward twice that."""
    dims = [n_in] + [WIDTH] * DEPTH + [n_out]
    return 6 * BATCH * sum(a * b for a, b in zip(dims[:-1], dims[1:], strict=False))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads for every measurement"
    )
    ap.add_argument("--repeats", type=int, default=5, help="median of this many timings")
    ap.add_argument("--epochs", type=int, default=20, help="epochs per run")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    load_dataset("digits")
    batched(1, True)  # warm-up: imports, allocator
    rows, spread = {}, {}
    load0 = os.getloadavg()[0]
    fns = {
        "naive sequential": lambda: naive_reference(args.epochs),
        "batched, with diagnostics": lambda: batched(args.epochs, True),
        "batched, no diagnostics": lambda: batched(args.epochs, False),
    }
    rates: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(args.repeats):  # interleaved, so a busy spell hits every variant alike
        for name, fn in fns.items():
            steps, dt = fn()
            rates[name].append(steps / dt)
    for name, r in rates.items():
        rows[name] = statistics.median(r)
        spread[name] = (min(r), max(r))
    peak = matmul_gflops()
    fl = flops_per_run_step()
    rows["matmuls only (ceiling)"] = ceiling = matmul_only_rate()
    spread["matmuls only (ceiling)"] = (ceiling, ceiling)
    load1 = os.getloadavg()[0]
    ref = rows["naive sequential"]
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, threads={args.threads}"
    )
    print(f"workload: {len(NORMS)} configs x {len(SEEDS)} seeds, {DEPTH}x{WIDTH} MLP, digits, "
          f"batch {BATCH}, {args.epochs} epochs; {fl / 1e6:.1f} MFLOP per run-step")  # fmt: skip
    print(
        f"matmul peak (1024x1024 float32): {peak:.1f} GFLOP/s; load average {load0:.1f} -> {load1:.1f}"
    )
    print(f"median of {args.repeats} (min-max) in run-steps per CPU-second")
    print(
        f"{'':28}{'run-steps/s':>12}{'min-max':>14}{'vs naive':>10}{'GFLOP/s':>10}{'% of peak':>11}"
    )
    for name, rate in rows.items():
        gf = rate * fl / 1e9
        lo, hi = spread[name]
        print(f"{name:28}{rate:12.0f}{f'{lo:.0f}-{hi:.0f}':>14}{rate / ref:9.2f}x{gf:10.2f}"
              f"{100 * gf / peak:10.1f}%")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"threads": args.threads, "matmul_gflops": peak,
                                         "flops_per_run_step": fl, "run_steps_per_s": rows,
                                         "min_max": spread, "loadavg": [load0, load1],
                                         "ratio_with_diagnostics": rows["batched, with diagnostics"] / ref,
                                         "ratio_without_diagnostics": rows["batched, no diagnostics"] / ref,
                                         "diagnostics_cost": 1 - rows["batched, with diagnostics"] / rows["batched, no diagnostics"]},
                                        indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
