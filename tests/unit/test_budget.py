"""Issue 15 §2: a training job's memory and work are estimated before it starts and held
to the server's budget; a job that outlives the wall-clock limit is stopped and says so."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from bnlib.lab import config as C
from bnlib.lab.budget import Budget, check, estimate
from bnlib.lab.config import TrainConfig
from bnlib.lab.jobs import Job, TrainingQueue
from tests.support.gates import WAIT_S, StepGate

LARGEST = TrainConfig(
    depth=C.MAX_DEPTH, width=C.MAX_WIDTH, batch_size=C.MAX_BATCH, steps=C.MAX_STEPS
)


@pytest.fixture
def defaults(monkeypatch):
    for name in ("BNLAB_JOB_MAX_MB", "BNLAB_JOB_MAX_CPU_S", "BNLAB_JOB_MAX_S", "BNLAB_CPU_GFLOPS"):
        monkeypatch.delenv(name, raising=False)
    return Budget.from_env()


def test_the_default_budget_is_for_a_small_server(defaults):
    assert defaults == Budget(max_bytes=2**30, max_cpu_s=600, max_wall_s=1200, gflops=20)


@pytest.mark.parametrize("raw", ["abc", "-5", "0", "nan", "inf", ""])
def test_a_malformed_setting_keeps_the_default(monkeypatch, defaults, raw):
    monkeypatch.setenv("BNLAB_JOB_MAX_MB", raw)
    assert Budget.from_env().max_bytes == defaults.max_bytes


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("BNLAB_JOB_MAX_MB", "256")
    monkeypatch.setenv("BNLAB_JOB_MAX_S", "90")
    b = Budget.from_env()
    assert b.max_bytes == 256 * 2**20 and b.max_wall_s == 90


def test_every_preset_fits_the_default_budget(defaults):
    for name, preset in C.PRESETS.items():
        check(preset.configs(), 3, defaults)  # raises if not
        assert estimate(preset.configs(), 3).bytes < defaults.max_bytes / 2, name


def test_the_largest_job_the_page_allows_is_refused_with_what_to_lower(defaults):
    with pytest.raises(ValueError) as info:
        check([LARGEST, LARGEST.replace(norm="bn_before")], C.MAX_SEEDS, defaults)
    msg = str(info.value)
    assert "MB of memory" in msg and "lower the width, depth or batch size" in msg


def test_too_much_work_is_refused_with_what_to_lower(defaults):
    long = TrainConfig(depth=10, width=256, batch_size=128, steps=C.MAX_STEPS)
    assert estimate([long], 1).bytes < defaults.max_bytes  # memory is fine...
    with pytest.raises(ValueError, match="minutes of computing.*fewer steps or epochs"):
        check([long, long], 5, defaults)  # ...but not the work


def test_more_seeds_cost_proportionally_more():
    cfg = TrainConfig()
    one, three = estimate([cfg], 1), estimate([cfg], 3)
    assert three.flops == pytest.approx(3 * one.flops) and three.run_steps == 3 * one.run_steps


MEASURE = textwrap.dedent(
    """
    import json, sys
    import torch
    from bnlib.lab.config import TrainConfig
    from bnlib.lab.data import load_dataset
    from bnlib.lab.engine import run_comparison
    torch.set_num_threads(1)
    cfgs = [TrainConfig(**c) for c in json.loads(sys.argv[1])]
    c = cfgs[0]
    load_dataset(c.dataset, c.n_samples, c.val_fraction, c.standardize, c.data_seed)
    def status_kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    before = status_kb("VmRSS")
    run_comparison(cfgs, seeds=range(int(sys.argv[2])))
    # VmHWM is this process's own peak: unlike ru_maxrss it does not inherit the peak of
    # the (large) pytest process it was forked from
    print(json.dumps({"grew_bytes": (status_kb("VmHWM") - before) * 1024}))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("shape", "seeds"),
    [
        ({"depth": 8, "width": 512, "batch_size": 512, "steps": 6}, 2),
        ({"depth": 3, "width": 100, "batch_size": 60, "steps": 300}, 3),
        ({"depth": 20, "width": 256, "batch_size": 1024, "steps": 3, "optimizer": "adam"}, 1),
        ({"depth": 20, "width": 512, "batch_size": 64, "steps": 6, "optimizer": "adam"}, 2),
    ],
)
def test_the_memory_estimate_is_not_below_what_training_uses(shape, seeds):
    cfgs = [TrainConfig(**shape), TrainConfig(**shape, norm="bn_before")]
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps([shape, {**shape, "norm": "bn_before"}]),
         str(seeds)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    grew = json.loads(out.stdout.strip().splitlines()[-1])["grew_bytes"]
    est = estimate(cfgs, seeds).bytes
    print(f"{shape} x {seeds} seeds: estimated {est / 2**20:.0f} MB, grew {grew / 2**20:.0f} MB")
    assert est >= grew, f"estimated {est / 2**20:.0f} MB, training grew by {grew / 2**20:.0f} MB"


def test_a_job_past_the_wall_clock_limit_is_stopped_and_says_so():
    gate = StepGate(allow=2)
    budget = Budget(max_bytes=2**30, max_cpu_s=600, max_wall_s=0.0, gflops=20)
    job = Job([TrainConfig(depth=1, width=8, steps=50)], [0], ["A"],
              TrainingQueue(capacity=1, gate=gate, budget=budget)).start()  # fmt: skip
    job.thread.join(WAIT_S)
    assert job.state == "done" and job.timed_out and job.result.cancelled
    assert job.progress.steps_done == 1  # stopped after the first step that saw the limit


def test_a_job_within_the_limit_is_not_stopped():
    budget = Budget(max_bytes=2**30, max_cpu_s=600, max_wall_s=3600, gflops=20)
    job = Job([TrainConfig(depth=1, width=8, steps=20)], [0], ["A"],
              TrainingQueue(capacity=1, budget=budget)).start()  # fmt: skip
    job.thread.join(WAIT_S)
    assert job.state == "done" and not job.timed_out and not job.result.cancelled


def test_a_job_over_budget_is_refused_before_any_thread():
    budget = Budget(max_bytes=2**20, max_cpu_s=600, max_wall_s=3600, gflops=20)
    with pytest.raises(ValueError, match="MB of memory"):
        Job([TrainConfig()], [0, 1, 2], ["A"], TrainingQueue(capacity=1, budget=budget))
