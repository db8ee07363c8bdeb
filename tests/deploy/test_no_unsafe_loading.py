"""Hardening: no code path deserializes or evaluates what a visitor could supply.

An AST scan of every Python file the app or its tools ship (tests excluded): no pickle-
family loads, no torch.load without weights_only=True, no numpy allow_pickle=True, no
pandas read_pickle, no unsafe yaml, no eval/exec. Uploads must be parsed as data
(CSV/numbers), never as objects or code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from deploy_helpers import ROOT

SKIP_DIRS = {".venv", "venv", ".git", "tests", "__pycache__", "node_modules", "build", "dist"}
PICKLE_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "marshal",
    "joblib",
    "shelve",
}


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return "?"


def kwarg(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_const(node: ast.AST | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


UNPICKLING = {"load", "loads", "Unpickler", "open"}


def call_problem(call: ast.Call) -> str | None:
    """Why this call may deserialize or run untrusted input, or None."""
    name = dotted(call.func)
    head, _, attr = name.rpartition(".")
    if name in {"eval", "exec", "builtins.eval", "builtins.exec"}:
        return "evaluates code"
    if head.split(".")[-1] in PICKLE_MODULES and attr in UNPICKLING:
        return "unpickles"
    if name.endswith("torch.load") and not is_const(kwarg(call, "weights_only"), True):
        return "torch.load without weights_only=True"
    allow_pickle = kwarg(call, "allow_pickle")
    if attr == "load" and head in {"np", "numpy"} and allow_pickle is not None:
        return None if is_const(allow_pickle, False) else "numpy load with allow_pickle"
    if attr == "read_pickle" or name == "read_pickle":
        return "unpickles"
    if head == "yaml" and attr in {"unsafe_load", "full_load", "unsafe_load_all", "full_load_all"}:
        return "unsafe yaml"
    if head == "yaml" and attr in {"load", "load_all"}:
        loader = kwarg(call, "Loader")
        return (
            None if loader is not None and "Safe" in dotted(loader) else "yaml without SafeLoader"
        )
    return None


def problems(source: str, filename: str = "<src>") -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module in PICKLE_MODULES:
            names = sorted({a.name for a in node.names} & UNPICKLING)
            if names:
                found.append(f"{filename}:{node.lineno}: from {node.module} import {names}")
        elif isinstance(node, ast.Call) and (why := call_problem(node)):
            found.append(f"{filename}:{node.lineno}: {dotted(node.func)}(...): {why}")
    return found


def shipped_python_files() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("*.py") if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts[:-1])
    )


def test_scan_covers_the_app():
    files = {p.relative_to(ROOT).as_posix() for p in shipped_python_files()}
    assert {"app.py", "bnlib/course/registry.py", "deploy/healthcheck.py"} <= files


def test_nothing_unpickles_torch_loads_or_evaluates():
    found = [
        hit
        for p in shipped_python_files()
        for hit in problems(p.read_text(), str(p.relative_to(ROOT)))
    ]
    assert not found, "unsafe loading or evaluation:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "import pickle\npickle.load(f)",
        "import pickle\npickle.loads(b)",
        "from pickle import loads",
        "import joblib\njoblib.load('m')",
        "import torch\ntorch.load(f)",
        "import torch\ntorch.load(f, weights_only=False)",
        "import numpy as np\nnp.load(f, allow_pickle=True)",
        "import pandas as pd\npd.read_pickle(f)",
        "import yaml\nyaml.load(s)",
        "import yaml\nyaml.unsafe_load(s)",
        "eval(s)",
        "exec(code)",
    ],
)
def test_scanner_catches(snippet):
    assert problems(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\ntorch.load(f, weights_only=True)",
        "import numpy as np\nnp.load(f)",
        "import pandas as pd\npd.read_csv(f)",
        "import yaml\nyaml.safe_load(s)",
        "import yaml\nyaml.load(s, Loader=yaml.SafeLoader)",
        "model.eval()",
        "import json\njson.loads(s)",
    ],
)
def test_scanner_allows(snippet):
    assert not problems(snippet), snippet
