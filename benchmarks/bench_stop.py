"""How promptly Stop ends a training job, as a ratio to one training step of the same job.

The tests (tests/unit/test_lab_faults.py) hold a job at a known step and check that Stop
costs no further step and under a second of the worker's CPU; wall time is measured here
instead, because on a shared machine it counts the wait for a core too.

For each config: train under a gate that holds the worker after step k, time k steps,
press Stop, time until the worker has exited. Reports stop wall ms, the worker's CPU ms
after Stop, and stop wall ÷ mean step wall (same run).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_stop.py [--repeats 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

from bnlib.lab import config as C
from bnlib.lab.config import TrainConfig
from bnlib.lab.jobs import Job, cap_torch_threads

CASES = {
    "default preset (2 configs x 3 seeds)": ([TrainConfig(), TrainConfig(norm="bn_before")], 3),
    "largest net, batch 1024 (2 x 1)": (
        [
            TrainConfig(depth=C.MAX_DEPTH, width=C.MAX_WIDTH, batch_size=C.MAX_BATCH, steps=50),
            TrainConfig(
                depth=C.MAX_DEPTH, width=C.MAX_WIDTH, batch_size=C.MAX_BATCH, steps=50,
                norm="bn_before",
            ),
        ],
        1,
    ),
}  # fmt: skip


class HoldAfter:
    def __init__(self, k: int):
        self.k, self.n = k, 0
        self.t_first = self.t_held = None
        self.held = threading.Event()
        self.cpu_at_release = 0.0

    def __call__(self, progress, cancel):
        self.n += 1
        if self.n == 1:
            self.t_first = time.perf_counter()
        if self.n >= self.k:
            self.t_held = time.perf_counter()
            self.held.set()
            cancel.wait()
            self.cpu_at_release = time.thread_time()


def measure(configs, seeds: int, k: int = 6) -> dict:
    gate = HoldAfter(k)
    job = Job(configs, range(seeds), [chr(65 + i) for i in range(len(configs))], gate=gate)
    job.start()
    gate.held.wait()
    step_s = (gate.t_held - gate.t_first) / (k - 1)
    t0 = time.perf_counter()
    job.stop()
    job.thread.join()
    stop_s = time.perf_counter() - t0
    return {
        "step_ms": step_s * 1e3,
        "stop_ms": stop_s * 1e3,
        "cpu_after_stop_ms": (job.worker_cpu_s - gate.cpu_at_release) * 1e3,
        "stop_per_step": stop_s / step_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args()
    cap_torch_threads(1)
    out = {}
    for name, (configs, seeds) in CASES.items():
        rows = [measure(configs, seeds) for _ in range(args.repeats)]
        out[name] = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        r = out[name]
        print(
            f"{name}: step {r['step_ms']:.1f} ms, stop {r['stop_ms']:.1f} ms "
            f"({r['stop_per_step']:.2f} steps), worker CPU after stop {r['cpu_after_stop_ms']:.1f} ms"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
