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
