"""bnlib batch norm (forward + backward) against torch's CPU batch norm, same process.

Reports, per shape and dtype, the median time of each and the ratio bnlib / torch.
Target (issue 2): ratio <= 1.5 at (4096, 1024).

    python benchmarks/bench_bn.py [--repeats 30] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from bnlib.core import batchnorm as bn

SHAPES = [(256, 1024), (4096, 1024)]


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(shape, dtype, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(2, 3, size=shape).astype(dtype)
    dy = rng.normal(size=shape).astype(dtype)
    gamma = np.ones(shape[1], dtype)
    beta = np.zeros(shape[1], dtype)

    def ours():
        _, cache = bn.forward(x, gamma, beta)
        bn.backward(dy, cache)

    xt = torch.from_numpy(x).requires_grad_(True)
    gt = torch.from_numpy(gamma.copy()).requires_grad_(True)
    bt = torch.from_numpy(beta.copy()).requires_grad_(True)
    dyt = torch.from_numpy(dy)

    def theirs():
        xt.grad = gt.grad = bt.grad = None
        y = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
        y.backward(dyt)

    # interleave to share the machine's noise fairly
    t_ours, t_torch = [], []
    for _ in range(3):
        t_ours.append(median_time(ours, repeats))
        t_torch.append(median_time(theirs, repeats))
    o, t = statistics.median(t_ours), statistics.median(t_torch)
    return {
        "shape": list(shape),
        "dtype": np.dtype(dtype).name,
        "bnlib_ms": round(o * 1e3, 3),
        "torch_ms": round(t * 1e3, 3),
        "ratio": round(o / t, 3),
    }


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = [bench(s, d, args.repeats) for s in SHAPES for d in (np.float32, np.float64)]
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"{'shape':>14} {'dtype':>8} {'bnlib ms':>10} {'torch ms':>10} {'ratio':>7}")
    for r in rows:
        print(
            f"{str(tuple(r['shape'])):>14} {r['dtype']:>8} {r['bnlib_ms']:>10.3f} "
            f"{r['torch_ms']:>10.3f} {r['ratio']:>7.2f}"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return rows


if __name__ == "__main__":
    main()
