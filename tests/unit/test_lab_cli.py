"""`python -m bnlib.lab`: options, JSON/CSV output, summary table, clear errors."""

import csv
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bnlib.lab.__main__ import build_parser, main
from bnlib.lab.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]


def test_help_documents_every_option():
    text = build_parser().format_help()
    for f in dataclasses.fields(TrainConfig):
        assert "--" + f.name.replace("_", "-") in text, f.name
    for flag in ("--norms", "--seeds", "--preset", "--out", "--threads"):
        assert flag in text
    assert "None)" not in text.replace("(default: unset)", "")  # real defaults are shown


def test_cli_writes_valid_json_and_csv(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--norms", "none", "bn_before", "--seeds", "0", "1", "--steps", "10", "--depth", "2",
            "--width", "16", "--eval-every", "5", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "bn_before" in printed and "final val acc" in printed and "±" in printed
    doc = json.loads((out / "results.json").read_text())
    assert len(doc["runs"]) == 4 and {r["label"] for r in doc["runs"]} == {"A", "B"}
    run = doc["runs"][0]
    assert run["status"] == "finished" and len(run["train_loss"]) == 10
    assert run["eval_steps"] == [0, 5, 10] and run["config"]["width"] == 16
    assert {s["config"] for s in doc["summary"]} == {"A", "B"}
    with open(out / "metrics.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    metrics = {r["metric"] for r in rows}
    assert {"train_loss", "val_acc", "val_acc_train_mode", "unit_p85", "grad_norm"} <= metrics
    assert sum(r["metric"] == "train_loss" for r in rows) == 4 * 10


def test_cli_rejects_bad_values_with_a_message(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--depth", "40", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "depth must be in 1..20" in capsys.readouterr().err


def test_module_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "bnlib.lab", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and "--batch-size" in proc.stdout


# --- issue 15, section 4 -------------------------------------------------------------------

TINY = ["--steps", "3", "--depth", "1", "--width", "8", "--seeds", "0"]


def _cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "bnlib.lab", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_threads_are_bounded_with_a_clear_message(tmp_path):
    # 100000 threads used to crash torch (a segfault); now it is refused before torch loads
    proc = _cli("--threads", "100000", *TINY, "--out", str(tmp_path / "o"))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--threads must be between 1 and" in proc.stderr and "CPU core" in proc.stderr
    assert "Traceback" not in proc.stderr
    for bad in ("0", "-3"):
        proc = _cli("--threads", bad, *TINY, "--out", str(tmp_path / "o"))
        assert proc.returncode == 2 and "--threads must be between 1" in proc.stderr


def test_out_is_checked_before_training(tmp_path, capsys):
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    # not --quiet: the progress printer would show any training step on stderr
    with pytest.raises(SystemExit) as exc:
        main([*TINY, "--out", str(existing)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "is an existing file; it must be a folder" in err
    assert "run-steps" not in err  # refused before training started
    assert existing.read_text() == "keep me"
    with pytest.raises(SystemExit) as exc:
        main([*TINY, "--out", str(existing / "sub")])  # below a file: cannot be created
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "the folder cannot be created" in err and "run-steps" not in err
    (tmp_path / "d" / "results.json").mkdir(parents=True)
    with pytest.raises(SystemExit):
        main([*TINY, "--out", str(tmp_path / "d")])
    assert "results.json is a folder" in capsys.readouterr().err


def test_out_problem_exits_without_a_traceback(tmp_path):
    existing = tmp_path / "file"
    existing.write_text("")
    proc = _cli(*TINY, "--out", str(existing))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "must be a folder" in proc.stderr


def test_negative_seed_says_seeds_must_be_non_negative(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--seeds", "-1", "--steps", "3", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "--seeds must be >= 0" in capsys.readouterr().err


def test_long_runs_print_progress_with_eta():
    """A run whose first 10 % takes hours still reports: the first step, then at least every
    `every_s` seconds (a fake clock: nothing waits), with steps done and time left."""
    import io

    from bnlib.lab.__main__ import ProgressPrinter
    from bnlib.lab.engine import Progress

    now = [0.0]
    out = io.StringIO()
    printer = ProgressPrinter(out, every_s=10.0, clock=lambda: now[0])
    total = 10_000_000
    for t in range(1, 61):  # one minute at 100 run-steps/s: 0.06 % of the run
        now[0] = float(t)
        printer(Progress(100 * t, total, elapsed_s=now[0]))
    lines = out.getvalue().splitlines()
    assert lines[0] == "    0% (100/10,000,000 run-steps, about 27 h 46 min left)"
    assert len(lines) == 6  # the first step, then once per 10 s (t = 11, 21, 31, 41, 51)
    assert all("run-steps" in ln and "left" in ln for ln in lines)


def test_progress_goes_to_stderr_unless_quiet(tmp_path, capsys):
    assert main([*TINY, "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "run-steps" in captured.err and "left" in captured.err
    assert "run-steps" not in captured.out.split("device")[0]
    assert main([*TINY, "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
