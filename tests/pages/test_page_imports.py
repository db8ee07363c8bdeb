"""Pages never import torch at module level: a lesson opens without loading it, and the few
sections that cross-check against PyTorch import it when asked. (pages/ is not a package, so
import-linter's contracts in pyproject.toml do not cover it; this does.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the lab page trains, so it may
PAGES = sorted(p for p in (ROOT / "pages").glob("*.py") if p.name != "training_lab.py")


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_do_not_import_torch_at_module_level(path):
    assert "torch" not in _top_level_imports(path)
