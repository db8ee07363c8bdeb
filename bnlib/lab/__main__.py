"""Headless comparisons: `python -m bnlib.lab --help`.

Example: the same net with and without BN, three seeds, results in runs/demo/:

    python -m bnlib.lab --norms none bn_before --seeds 0 1 2 --epochs 20 --out runs/demo
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig, validate


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
        help="torch CPU threads, 1 to 4 x the CPU cores (default: 1; small nets rarely gain "
        "from more, and a busy machine loses a lot to thread contention)",
    )
    g.add_argument(
        "--quiet",
        action="store_true",
        help="print only the summary table (no progress lines on stderr)",
    )
    t = p.add_argument_group("config (shared by every config of the comparison)")
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        # default=None tells "not given" apart; the help shows TrainConfig's real default.
        shown = str(getattr(TrainConfig(), f.name)).replace("%", "%%")
        shown = "unset" if f.default is None else shown
        kw = {"help": f"{C.field_help(f.name)} (default: {shown})", "default": None}
        if f.metadata["choices"]:
            kw["choices"] = f.metadata["choices"]
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


OUT_FILES = ("results.json", "metrics.csv")


def max_threads() -> int:
    """The most --threads accepts: 4 x the CPU cores (torch crashes on absurd values)."""
    return 4 * (os.cpu_count() or 1)


def check_threads(threads: int) -> int:
    hi = max_threads()
    if not 1 <= threads <= hi:
        raise ValueError(
            f"--threads must be between 1 and {hi} (4 x the {hi // 4} CPU core(s) here), got "
            f"{threads}. More threads than cores only contend; 1 is best for small nets."
        )
    return threads


def check_seeds(seeds: list[int]) -> list[int]:
    bad = [s for s in seeds if not 0 <= s <= 2**31 - 1]
    if bad:
        raise ValueError(
            f"--seeds must be >= 0 (and below 2**31), got {bad[0]}; any non-negative integer "
            "gives a reproducible run."
        )
    if len(set(seeds)) != len(seeds):
        raise ValueError("--seeds lists a seed twice; give distinct seeds.")
    return seeds


def check_out(out: Path) -> None:
    """Make sure the results can be written *before* training: a folder that exists or can be
    created, and files inside it that can be written. Raises ValueError saying what to fix."""
    if out.exists() and not out.is_dir():
        raise ValueError(
            f"--out {out} is an existing file; it must be a folder (results.json and "
            "metrics.csv are written inside it). Choose another path."
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"--out {out}: the folder cannot be created ({exc.strerror or exc}). Choose a "
            "path you can write to."
        ) from None
    for name in OUT_FILES:
        path = out / name
        if path.is_dir():
            raise ValueError(f"--out {out}: {path} is a folder, so {name} cannot be written.")
        probe = out / f".{name}.write-test"
        try:
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise ValueError(
                f"--out {out}: cannot write there ({exc.strerror or exc}). Choose a folder "
                "you can write to."
            ) from None


class ProgressPrinter:
    """Progress lines for long runs: the first step, then every 10 % or every `every_s`
    seconds, whichever comes first. `clock` is injectable so tests need no waiting."""

    def __init__(
        self, stream=None, every_s: float = 10.0, clock: Callable[[], float] | None = None
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.every_s = every_s
        self.clock = clock or time.monotonic
        self._last_pct = None
        self._last_t = None

    def __call__(self, p) -> None:
        pct = int(100 * p.fraction)
        now = self.clock()
        due = (
            self._last_pct is None
            or pct >= self._last_pct + 10
            or now - self._last_t >= self.every_s
            or p.steps_done >= p.steps_total
        )
        if not due or (self._last_pct == 100 and pct == 100):
            return
        self._last_pct, self._last_t = pct, now
        eta = "" if p.eta_s is None else f", about {_duration(p.eta_s)} left"
        print(
            f"  {pct:3d}% ({p.steps_done:,}/{p.steps_total:,} run-steps{eta})",
            file=self.stream,
            flush=True,
        )


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # everything that can be wrong is found before torch loads and training starts
        check_threads(args.threads)
        check_seeds(args.seeds)
        configs, labels = configs_from_args(args)
        check_out(args.out)
    except ValueError as exc:
        parser.error(str(exc))

    import torch

    from bnlib.lab.engine import run_comparison
    from bnlib.lab.export import summary_table, to_csv, to_json

    torch.set_num_threads(args.threads)
    report = None if args.quiet else ProgressPrinter()
    try:
        res = run_comparison(
            configs, args.seeds, callback=report, cancel=threading.Event(), labels=labels
        )
    except ValueError as exc:
        parser.error(str(exc))
    try:
        (args.out / "results.json").write_text(to_json(res))
        (args.out / "metrics.csv").write_text(to_csv(res))
    except OSError as exc:  # checked before training; the disk may still fill up
        print(summary_table(res))
        print(f"error: could not write the results to {args.out}: {exc}", file=sys.stderr)
        return 1
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
