"""Headless comparisons: `python -m bnlib.lab --help`.

Example: the same net with and without BN, three seeds, results in runs/demo/:

    python -m bnlib.lab --norms none bn_before --seeds 0 1 2 --epochs 20 --out runs/demo
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import threading
from pathlib import Path

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig, validate

HELP = {
    "dataset": "data set: %(choices)s (default %(default)s)",
    "n_samples": "points in a synthetic 2-D set (default %(default)s)",
    "val_fraction": "share of the data held out for validation (default %(default)s)",
    "standardize": "scale inputs to zero mean and unit variance (default %(default)s)",
    "data_seed": "seed of the train/validation split and synthetic data (default %(default)s)",
    "depth": f"hidden layers, {C.MIN_DEPTH}..{C.MAX_DEPTH} (default %(default)s)",
    "width": f"units per hidden layer, up to {C.MAX_WIDTH} (default %(default)s)",
    "activation": "nonlinearity: %(choices)s (default %(default)s)",
    "init": "weight initialization: %(choices)s (default %(default)s)",
    "init_std": "std of the small_gaussian init (default %(default)s)",
    "norm": "normalization of every config unless --norms is given: %(choices)s (default %(default)s)",
    "bias_before_norm": "keep the Linear bias in front of a norm (default %(default)s)",
    "groups": "group norm: groups per layer, must divide width (default %(default)s)",
    "bn_momentum": "running-statistics momentum, PyTorch convention (default %(default)s)",
    "eps": "added to the variance inside every norm (default %(default)s)",
    "renorm_rmax": "batch renorm: clip for r (default %(default)s)",
    "renorm_dmax": "batch renorm: clip for d (default %(default)s)",
    "norm_noise": "std of random per-unit scale and shift after each norm (default %(default)s)",
    "optimizer": "optimizer: %(choices)s (default %(default)s)",
    "lr": f"learning rate, {C.MIN_LR:g}..{C.MAX_LR:g} (default %(default)s)",
    "momentum": "SGD momentum, or Adam's beta1 (default %(default)s)",
    "batch_size": f"samples per step, 2..{C.MAX_BATCH} (default %(default)s)",
    "batching": "random, or one_class (every batch holds one class) (default %(default)s)",
    "epochs": "passes over the training data (default %(default)s)",
    "steps": f"exact number of steps, up to {C.MAX_STEPS}; overrides --epochs (default: unset)",
    "seed": "weights and batch order; ignored when --seeds is given (default %(default)s)",
    "device": "auto, cpu, cuda or mps; missing devices fall back to cpu (default %(default)s)",
    "dtype": "float32 or float64 (default %(default)s)",
    "eval_every": "validate every k steps; 0 = once per epoch (default %(default)s)",
    "diag_every": "layer diagnostics every k steps; 0 = about 40 per run (default %(default)s)",
    "watch_unit": "unit whose percentile band is tracked in each layer (default %(default)s)",
}
CHOICES = {
    "dataset": C.DATASETS,
    "activation": C.ACTIVATIONS,
    "init": C.INITS,
    "norm": C.NORMS,
    "optimizer": C.OPTIMIZERS,
    "device": C.DEVICES,
    "dtype": C.DTYPES,
    "batching": C.BATCHINGS,
}


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bnlib.lab",
        description="Train MLPs with and without normalization side by side, headless. "
        "Writes every metric as JSON and CSV and prints a summary table.",
    )
    g = p.add_argument_group("comparison")
    g.add_argument(
        "--norms",
        nargs="+",
        choices=C.NORMS,
        metavar="NORM",
        help="one config per listed normalization, e.g. --norms none bn_before "
        f"(choices: {', '.join(C.NORMS)}; default: none bn_before, or the preset's pair)",
    )
    g.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0, 1, 2],
        help=f"seeds run for every config, at most {C.MAX_SEEDS} (default: 0 1 2)",
    )
    g.add_argument(
        "--preset",
        choices=list(PRESETS),
        metavar="NAME",
        help="start from a preset's two configs (A and B); other options override it. "
        f"Presets: {'; '.join(PRESETS)}",
    )
    g.add_argument(
        "--out", type=Path, default=Path("runs/lab"), help="output folder (default: runs/lab)"
    )
    g.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default: 1; small nets rarely gain from more, and a busy "
        "machine loses a lot to thread contention)",
    )
    g.add_argument("--quiet", action="store_true", help="print only the summary table")
    t = p.add_argument_group("config (shared by every config of the comparison)")
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        # default=None tells "not given" apart; the help shows TrainConfig's real default.
        shown = str(getattr(TrainConfig(), f.name)).replace("%", "%%")
        kw = {"help": HELP[f.name].replace("%(default)s", shown), "default": None}
        if f.name in CHOICES:
            kw["choices"] = CHOICES[f.name]
        if f.type in ("bool", bool):
            kw["type"], kw["metavar"] = _bool, "BOOL"
        elif f.type in ("int", int, "int | None"):
            kw["type"] = int
        elif f.type in ("float", float):
            kw["type"] = float
        t.add_argument(flag, **kw)
    return p


def configs_from_args(args) -> tuple[list[TrainConfig], list[str]]:
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(TrainConfig)
        if getattr(args, f.name) is not None
    }
    if args.preset:
        a, b = PRESETS[args.preset].configs()
        bases = [a, b]
    else:
        bases = [TrainConfig(norm=n) for n in ("none", "bn_before")]
    if args.norms:
        bases = [bases[0].replace(norm=n) for n in args.norms]
    configs = [validate(c.replace(**overrides)) for c in bases]
    if args.norms and "norm" in overrides:
        raise ValueError("give either --norm (one normalization for all) or --norms, not both.")
    labels = [chr(ord("A") + i) for i in range(len(configs))]
    return configs, labels


def main(argv: list[str] | None = None) -> int:
    import torch

    from bnlib.lab.engine import run_comparison
    from bnlib.lab.export import summary_table, to_csv, to_json

    parser = build_parser()
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, args.threads))
    try:
        configs, labels = configs_from_args(args)
        if len(set(args.seeds)) != len(args.seeds):
            raise ValueError("--seeds lists a seed twice; give distinct seeds.")
        last = [-1]

        def report(p):
            pct = int(100 * p.fraction)
            if not args.quiet and pct >= last[0] + 10:
                last[0] = pct
                eta = "" if p.eta_s is None else f", about {p.eta_s:.0f} s left"
                print(
                    f"  {pct:3d}% ({p.steps_done}/{p.steps_total} run-steps{eta})", file=sys.stderr
                )

        res = run_comparison(
            configs, args.seeds, callback=report, cancel=threading.Event(), labels=labels
        )
    except ValueError as exc:
        parser.error(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(to_json(res))
    (args.out / "metrics.csv").write_text(to_csv(res))
    for n in res.notices:
        print("note:", n)
    if not args.quiet:
        for lab, cfg in zip(labels, configs, strict=True):
            print(
                f"{lab}: norm={cfg.norm} activation={cfg.activation} depth={cfg.depth} "
                f"width={cfg.width} lr={cfg.lr} optimizer={cfg.optimizer} batch={cfg.batch_size}"
            )
        print(f"device {res.device}, {res.elapsed_s:.1f} s, {res.steps_per_s:.0f} run-steps/s")
    print(summary_table(res))
    if not args.quiet:
        print(f"wrote {args.out / 'results.json'} and {args.out / 'metrics.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
