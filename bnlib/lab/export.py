"""Comparison results as JSON, CSV (long format: one value per row) and a summary table."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

import numpy as np

from bnlib.lab.engine import DIAG_NAMES, Comparison

__all__ = ["summary_rows", "summary_table", "to_csv", "to_json", "to_json_dict"]


def _clean(v):
    """NaN/inf -> None, so the JSON is valid for every reader."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    return v


def to_json_dict(res: Comparison) -> dict:
    runs = []
    for r in res.runs:
        runs.append(
            {
                "label": r.label,
                "seed": r.config.seed,
                "config": dataclasses.asdict(r.config),
                "status": r.status,
                "message": r.message,
                "diverged_at": r.diverged_at,
                "steps_done": r.steps_done,
                "total_steps": r.total_steps,
                "train_loss": list(r.train_loss),
                "eval_steps": list(r.eval_steps),
                "val_loss": list(r.val_loss),
                "val_acc": list(r.val_acc),
                "val_acc_train_mode": list(r.val_acc_train_mode),
                "diag_steps": list(r.diag_steps),
                "diag": {k: [list(row) for row in r.diag[k]] for k in DIAG_NAMES},
            }
        )
    return _clean(
        {
            "device": res.device,
            "notices": list(res.notices),
            "elapsed_s": res.elapsed_s,
            "run_steps_per_s": res.steps_per_s,
            "cancelled": res.cancelled,
            "summary": summary_rows(res),
            "runs": runs,
        }
    )


def to_json(res: Comparison) -> str:
    return json.dumps(to_json_dict(res), allow_nan=False)


CSV_HEADER = ("label", "seed", "metric", "step", "layer", "value")


def to_csv(res: Comparison) -> str:
    """Long format: label, seed, metric, step, layer ('' for whole-network metrics), value."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    for r in res.runs:
        key = (r.label, r.config.seed)
        for k, v in enumerate(list(r.train_loss), start=1):
            w.writerow((*key, "train_loss", k, "", repr(float(v))))
        for name in ("val_loss", "val_acc", "val_acc_train_mode"):
            for s, v in zip(list(r.eval_steps), list(getattr(r, name)), strict=False):
                w.writerow((*key, name, s, "", repr(float(v))))
        steps = list(r.diag_steps)
        for name in DIAG_NAMES:
            for s, row in zip(steps, list(r.diag[name]), strict=False):
                for layer, v in enumerate(row, start=1):
                    w.writerow(
                        (*key, name, s, layer, "" if not math.isfinite(v) else repr(float(v)))
                    )
    return buf.getvalue()


def summary_rows(res: Comparison, target: float = 0.9) -> list[dict]:
    """One row per config label: final val accuracy mean ± std over seeds, diverged runs, ..."""
    rows = []
    for label, runs in res.by_label().items():
        cfg = runs[0].config
        accs = np.array([r.final_val_acc for r in runs if r.status != "diverged"], dtype=float)
        accs = accs[np.isfinite(accs)]
        reach = [r.steps_to_acc(target) for r in runs]
        reach = [s for s in reach if s is not None]
        rows.append(
            {
                "config": label,
                "norm": cfg.norm,
                "seeds": len(runs),
                "final_val_acc_mean": float(accs.mean()) if accs.size else math.nan,
                "final_val_acc_std": float(accs.std()) if accs.size else math.nan,
                f"steps_to_{round(100 * target)}pct": float(np.median(reach)) if reach else None,
                "diverged": sum(r.status == "diverged" for r in runs),
                "notes": "; ".join(
                    f"seed {r.config.seed}: {r.message}"
                    for r in runs
                    if r.status in ("diverged", "cancelled")
                ),
            }
        )
    return rows


def summary_table(res: Comparison) -> str:
    """Plain-text table for the terminal."""
    lines = [f"{'config':<8}{'norm':<14}{'seeds':>6}  {'final val acc':<18}{'to 90%':>8}  diverged"]
    for row in summary_rows(res):
        acc = row["final_val_acc_mean"]
        acc_s = "n/a" if not math.isfinite(acc) else f"{acc:.3f} ± {row['final_val_acc_std']:.3f}"
        reach = row["steps_to_90pct"]
        reach_s = "never" if reach is None else f"{reach:.0f}"
        lines.append(
            f"{row['config']:<8}{row['norm']:<14}{row['seeds']:>6}  {acc_s:<18}{reach_s:>8}  "
            f"{row['diverged']}" + (f"  ({row['notes']})" if row["notes"] else "")
        )
    return "\n".join(lines)
