"""The lab's words about a comparison (bnlib.lab.report), checked against the numbers of
small real trainings: every figure in a sentence is recomputed here from the runs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from bnlib.format import duration
from bnlib.lab import TrainConfig, run_comparison
from bnlib.lab.engine import Comparison, Progress, RunResult
from bnlib.lab.export import summary_rows
from bnlib.lab.report import (
    TARGET,
    config_steps,
    progress_line,
    readable_summary,
    what_to_notice,
)

torch.set_num_threads(1)

BASE = TrainConfig(depth=2, width=32, steps=150, eval_every=10, diag_every=50)
SEEDS = [0, 1]


def _median_steps(runs) -> float:
    """Recomputed from the eval curves: the first evaluated step at or above 90 %."""
    firsts = []
    for r in runs:
        hits = [s for s, a in zip(r.eval_steps, r.val_acc, strict=True) if a >= TARGET]
        firsts.append(hits[0] if hits else math.inf)
    return float(np.median(firsts))


@pytest.fixture(scope="module")
def bn_or_not():
    return run_comparison([BASE, BASE.replace(norm="bn_before")], SEEDS)


def test_the_notice_says_which_config_got_there_first_and_when(bn_or_not):
    groups = bn_or_not.by_label()
    plain, bn = _median_steps(groups["A"]), _median_steps(groups["B"])
    assert math.isfinite(bn), "BN should reach 90 % here: the test needs both to"
    text = what_to_notice(bn_or_not)
    first, second = ("B", "A") if bn <= plain else ("A", "B")
    names = {"A": "no normalization", "B": "BN before the activation"}
    t1 = _median_steps(groups[first])
    assert text.startswith(f"With {names[first]}, validation accuracy reached 90 % after ")
    assert f"after {round(t1):,} steps; with {names[second]}, " in text
    t2 = _median_steps(groups[second])
    if math.isfinite(t2):
        assert f"with {names[second]}, after {round(t2):,} steps" in text
        if t2 >= 2 * t1:
            assert f"({t2 / t1:.1f} times as many)" in text
    else:
        assert f"never within {BASE.steps:,} steps" in text


def test_a_stopped_or_lone_run_has_nothing_to_notice(bn_or_not):
    stopped = Comparison(runs=bn_or_not.runs, cancelled=True)
    assert what_to_notice(stopped) is None
    lone = Comparison(runs=[r for r in bn_or_not.runs if r.label == "A"])
    assert what_to_notice(lone) is None


def test_diverged_seeds_are_counted():
    bad = TrainConfig(lr=10.0, init="large_gaussian", depth=5, steps=40, eval_every=10)
    good = TrainConfig(norm="bn_before", depth=2, width=32, steps=40, eval_every=10)
    res = run_comparison([bad, good], SEEDS)
    n_div = sum(r.status == "diverged" for r in res.runs if r.label == "A")
    assert n_div >= 1, "the test needs a diverging seed"
    text = what_to_notice(res)
    assert f"With no normalization, {n_div} of 2 seeds diverged" in text
    assert not any(r.status == "diverged" for r in res.runs if r.label == "B")


def test_bn_with_tiny_batches_shows_its_train_eval_gap():
    tiny = TrainConfig(depth=2, width=32, steps=120, eval_every=20, batch_size=2, lr=0.02)
    res = run_comparison([tiny.replace(norm="bn_before"), tiny.replace(norm="group")], SEEDS)
    bn = res.by_label()["A"]
    train_mode = np.mean([r.val_acc_train_mode[-1] for r in bn])
    eval_mode = np.mean([r.val_acc[-1] for r in bn])
    assert abs(train_mode - eval_mode) >= 0.02, "batches of 2 should open a gap"
    text = what_to_notice(res)
    assert (
        f"With batches of 2, A's BN scores {100 * train_mode:.1f} % using each batch's own "
        f"statistics (train mode) and {100 * eval_mode:.1f} % using its running averages"
    ) in text
    assert "group norm" in text  # the other config is named by its normalization


def test_identical_configs_are_about_seed_luck():
    cfg = BASE.replace(steps=30)
    res = run_comparison([cfg, cfg], SEEDS, labels=["A", "B"])
    fa, fb = (np.mean([r.val_acc[-1] for r in rs]) for rs in res.by_label().values())
    text = what_to_notice(res)
    assert text.startswith("A and B are the same network")
    assert f"differ by {abs(fa - fb) * 100:.1f} points" in text


def test_a_difference_other_than_the_norm_names_the_setting():
    cfg = BASE.replace(steps=20)
    res = run_comparison([cfg, cfg.replace(optimizer="adam")], [0])
    text = what_to_notice(res)
    assert "with optimizer sgd" in text.lower() and "with optimizer adam" in text.lower()


# --- progress ---------------------------------------------------------------------------------


def test_progress_counts_steps_per_config_while_it_trains():
    cfg = TrainConfig(depth=1, width=16, steps=12, eval_every=4)
    lines = []
    res = Comparison(runs=[])

    def look(p: Progress):
        lines.append((p.steps_done, p.steps_total, progress_line(p, res, running=True)))

    run_comparison([cfg, cfg.replace(norm="bn_before")], [0, 1, 2], callback=look, result=res)
    # one stack of 6 runs: each tick is one step of every run
    for k, (done, total, line) in enumerate(lines, start=1):
        assert (done, total) == (6 * k, 72)
        assert line.startswith(f"{math.floor(100 * k / 12)} % · {k} of 12 steps · "), line
        assert re.search(r" · (estimating the time left|.* left)$", line), line
    end = progress_line(Progress(72, 72, res.elapsed_s), res, running=False)
    assert end == f"100 % · 12 of 12 steps · took {duration(res.elapsed_s)}"


def test_configs_trained_one_after_the_other_are_counted_apart():
    a = TrainConfig(depth=1, width=16, steps=8, eval_every=4)
    b = a.replace(width=32)  # another shape: its own stack, trained after A's
    seen = []
    res = Comparison(runs=[])
    run_comparison(
        [a, b], [0], result=res, callback=lambda p: seen.append(progress_line(p, res, True))
    )
    assert seen[7].startswith("50 % · A 8 of 8, B 0 of 8 steps")
    assert seen[10].startswith("68 % · A 8 of 8, B 3 of 8 steps")
    assert config_steps(res) == {"A": (8, 8), "B": (8, 8)}


def _fake(label: str, steps_done: int, total: int) -> RunResult:
    return RunResult(label, TrainConfig(), total, status="running", steps_done=steps_done)


@pytest.mark.parametrize(
    ("done", "elapsed", "eta"),
    [(1500, 60.0, "about 20 s"), (740, 60.0, "about 2 min"), (100, 60.0, "about 19 min")],
)
def test_the_time_left_is_the_pace_so_far_in_words(done, elapsed, eta):
    res = Comparison(runs=[_fake("A", done, 2000), _fake("B", done, 2000)])
    line = progress_line(Progress(2 * done, 4000, elapsed), res, running=True)
    assert line == f"{math.floor(100 * done / 2000)} % · {done:,} of 2,000 steps · {eta} left"
    # and nothing but an honest "estimating" while it is too early to tell
    early = progress_line(Progress(2, 4000, 0.5), res, running=True)
    assert early.endswith("estimating the time left")


def test_the_percentage_reaches_100_only_at_the_end():
    res = Comparison(runs=[_fake("A", 1999, 2000)])
    assert progress_line(Progress(1999, 2000, 10.0), res, True).startswith("99 % · 1,999 of")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "a few seconds"),
        (9.9, "a few seconds"),
        (12, "about 10 s"),
        (37, "about 35 s"),
        (89, "about 1 min"),
        (622, "about 10 min"),
        (4800, "about 1 h 20 min"),
        (7300, "about 2 h"),
        (math.nan, "an unknown time"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds, text):
    assert duration(seconds) == text


# --- summary ----------------------------------------------------------------------------------


def test_the_readable_summary_matches_the_machine_one(bn_or_not):
    people, machine = readable_summary(bn_or_not), summary_rows(bn_or_not)
    assert [r["Config"] for r in people] == [r["config"] for r in machine] == ["A", "B"]
    assert [r["Normalization"] for r in people] == ["No normalization", "BN before the activation"]
    for p, m in zip(people, machine, strict=True):
        assert not [k for k in p if "_" in k]
        assert p["Final accuracy (mean)"] == f"{100 * m['final_val_acc_mean']:.1f} %"
        reach = m["steps_to_90pct"]
        assert p["Steps to 90 % (median)"] == ("never" if reach is None else f"{reach:,.0f}")
