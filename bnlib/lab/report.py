"""What the lab page says about a comparison, in words: the progress line, the "what to
notice" line after a run, and the summary table with readable columns.

Pure functions of a Comparison (and its Progress): no streamlit, and nothing here
trains. The exports (bnlib.lab.export) keep the machine names; this is for people.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bnlib.format import duration
from bnlib.lab.config import FIELD_LABELS, NORM_LABELS, TrainConfig, choice_label
from bnlib.lab.engine import Comparison, Progress, RunResult
from bnlib.lab.export import summary_rows

__all__ = ["config_steps", "progress_line", "readable_summary", "what_to_notice"]

TARGET = 0.9  # the accuracy the notice and the summary count steps to
MIN_GAP = 0.02  # a train/eval accuracy gap below this is not worth a sentence


def _share(x: float) -> str:
    return f"{round(100 * x)} %"


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f} %"


# --- progress ---------------------------------------------------------------------------------


def config_steps(res: Comparison) -> dict[str, tuple[int, int]]:
    """label -> (steps done, steps in all) for each config: its seeds train side by side, so
    the furthest seed says where the config is (a diverged seed stops where it diverged)."""
    out = {}
    for label, runs in res.by_label().items():
        out[label] = (max(r.steps_done for r in runs), max(r.total_steps for r in runs))
    return out


def progress_line(p: Progress, res: Comparison, running: bool) -> str:
    """ "37 % · 740 of 2,000 steps · about 1 min left": the share of all the work, the
    steps of each config (one count when every config is at the same step), and the time
    left at the pace so far. The percentage is rounded down, so 100 % means finished."""
    pct = f"{math.floor(100 * p.fraction + 1e-9)} %"
    steps = config_steps(res)
    if len(set(steps.values())) <= 1:
        done, total = next(iter(steps.values()), (0, 0))
        where = f"{done:,} of {total:,} steps"
    else:
        where = ", ".join(f"{lab} {d:,} of {t:,}" for lab, (d, t) in steps.items()) + " steps"
    parts = [pct, where]
    if running:
        # the first steps include loading data and building the networks: too early to say
        early = p.eta_s is None or (p.fraction < 0.02 and p.elapsed_s < 3.0)
        parts.append("estimating the time left" if early else f"{duration(p.eta_s)} left")
    elif p.steps_done >= p.steps_total and res.elapsed_s > 0:
        parts.append(f"took {duration(res.elapsed_s)}")
    return " · ".join(parts)


# --- what to notice ---------------------------------------------------------------------------


def lower_first(text: str) -> str:
    """ "No normalization" -> "no normalization"; "BN before ..." keeps its capitals."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _names(a: TrainConfig, b: TrainConfig) -> tuple[str, str] | None:
    """How to call the two configs in a sentence ("with no normalization", "with BN before
    the activation"), from the first field in which they differ; None if they are equal."""
    fields = [f for f in FIELD_LABELS if getattr(a, f) != getattr(b, f)]
    if not fields:
        return None
    f = "norm" if "norm" in fields else fields[0]
    if f == "norm":
        return tuple(f"with {lower_first(NORM_LABELS[c.norm])}" for c in (a, b))
    what = lower_first(FIELD_LABELS[f].split(" (")[0])
    return tuple(f"with {what} {choice_label(f, getattr(c, f))}" for c in (a, b))


def _reach(runs: Sequence[RunResult], target: float) -> str:
    """When a config's seeds reached `target`: "after 69 steps" (median over seeds), "in 2
    of 3 seeds, after 69 steps" or "never within 1,500 steps"."""
    steps = [s for s in (r.steps_to_acc(target) for r in runs) if s is not None]
    if not steps:
        return f"never within {max(r.total_steps for r in runs):,} steps"
    median = round(float(np.median(steps)))
    if len(steps) == len(runs):
        return f"after {median:,} steps"
    return f"in {len(steps)} of {len(runs)} seeds, after {median:,} steps"


def _median_reach(runs: Sequence[RunResult], target: float) -> float:
    """Median step to `target` over all seeds, a seed that never got there counting as
    infinitely slow (so the faster config is the one most seeds say is faster)."""
    steps = [r.steps_to_acc(target) for r in runs]
    return float(np.median([math.inf if s is None else s for s in steps]))


def _final(runs: Sequence[RunResult]) -> float:
    accs = [r.final_val_acc for r in runs if r.status != "diverged"]
    accs = [a for a in accs if math.isfinite(a)]
    return float(np.mean(accs)) if accs else math.nan


def what_to_notice(res: Comparison, target: float = TARGET) -> str | None:
    """One or two sentences on what this finished comparison of two configs shows, drawn
    from its own numbers: which one reached `target` validation accuracy (eval mode)
    sooner, and by how much; seeds that diverged; for BN, a gap between its accuracy with
    batch statistics and with running averages. None while there is nothing to say (a
    stopped run, not two configs, no evaluation yet)."""
    groups = res.by_label()
    if res.cancelled or len(groups) != 2 or any(not r.val_acc for r in res.runs):
        return None
    (la, ra), (lb, rb) = groups.items()
    names = _names(ra[0].config, rb[0].config)
    if names is None:  # A and B are the same network: what differs is luck
        fa, fb = _final(ra), _final(rb)
        return (
            f"{la} and {lb} are the same network with different seeds: their final accuracies "
            f"({_pct(fa)} and {_pct(fb)}) differ by {abs(fa - fb) * 100:.1f} points, "
            "which is how large seed-to-seed luck is here."
        )
    named = {la: names[0], lb: names[1]}
    out = []
    for label, runs in groups.items():
        n_div = sum(r.status == "diverged" for r in runs)
        if n_div:
            out.append(
                f"{named[label][0].upper()}{named[label][1:]}, {n_div} of {len(runs)} seeds "
                "diverged (the loss became infinite)."
            )

    def rank(lab):  # the faster first: median step, then seeds that got there, then accuracy
        reached = sum(r.steps_to_acc(target) is not None for r in groups[lab])
        return (_median_reach(groups[lab], target), -reached, -_final(groups[lab]))

    first, second = sorted(groups, key=rank)
    if all(r.steps_to_acc(target) is None for r in res.runs):
        out.append(
            f"Neither reached {_share(target)} validation accuracy: "
            f"{named[first]} it ended at {_pct(_final(groups[first]))}, "
            f"{named[second]} at {_pct(_final(groups[second]))}."
        )
    else:
        t1, t2 = _median_reach(groups[first], target), _median_reach(groups[second], target)
        line = (
            f"{named[first][0].upper()}{named[first][1:]}, validation accuracy reached "
            f"{_share(target)} {_reach(groups[first], target)}; {named[second]}, "
            f"{_reach(groups[second], target)}"
        )
        if math.isfinite(t2) and t2 >= 2 * t1 > 0:
            ratio = t2 / t1
            line += (
                f" ({ratio:.1f} times as many)" if ratio < 10 else f" ({ratio:.0f} times as many)"
            )
        out.append(line + ".")
    for label, runs in groups.items():
        cfg = runs[0].config
        if cfg.norm not in ("bn_before", "bn_after", "batch_renorm"):
            continue
        ok = [r for r in runs if r.status != "diverged" and r.val_acc_train_mode]
        if not ok:
            continue
        train_mode = float(np.mean([r.val_acc_train_mode[-1] for r in ok]))
        eval_mode = float(np.mean([r.val_acc[-1] for r in ok]))
        if abs(train_mode - eval_mode) >= MIN_GAP:
            out.append(
                f"With batches of {cfg.batch_size}, {label}'s BN scores {_pct(train_mode)} "
                f"using each batch's own statistics (train mode) and {_pct(eval_mode)} using "
                "its running averages (eval mode)."
            )
    return " ".join(out) or None


# --- summary ----------------------------------------------------------------------------------


def readable_summary(res: Comparison, target: float = TARGET) -> list[dict]:
    """export.summary_rows with column names and values for people: one row per config."""
    out = []
    key = f"steps_to_{round(100 * target)}pct"
    for row in summary_rows(res, target):
        reach = row[key]
        out.append(
            {
                "Config": row["config"],
                "Normalization": NORM_LABELS.get(row["norm"], row["norm"]),
                "Seeds": row["seeds"],
                "Final accuracy (mean)": _pct(row["final_val_acc_mean"]),
                "Spread (std)": (
                    "n/a"
                    if not math.isfinite(row["final_val_acc_std"])
                    else f"± {100 * row['final_val_acc_std']:.1f} pts"
                ),
                f"Steps to {_share(target)} (median)": "never"
                if reach is None
                else f"{reach:,.0f}",
                "Diverged seeds": row["diverged"],
                "Notes": row["notes"],
            }
        )
    return out
