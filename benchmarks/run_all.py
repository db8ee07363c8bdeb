"""Run every benchmarks/bench_*.py in turn (each prints its own ratios)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name}", flush=True)
        env = {"PYTHONPATH": str(HERE.parent)}
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent, env={**_env(), **env})
        if rc:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def _env():
    import os

    return dict(os.environ)


if __name__ == "__main__":
    sys.exit(main())
