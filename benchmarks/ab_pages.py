"""A/B: the same slider round trips on two checkouts of the app, interleaved page by page.

The load on a shared machine changes within minutes, so comparing two separate runs of
bench_pages.py says little; here both versions are served at once and measured in turns
(A, B, B, A for each page), so they meet the same load.

    PYTHONPATH=. .venv/bin/python benchmarks/ab_pages.py /path/to/other/checkout [--presses 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pages import LESSONS, pct, round_trips  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy  # noqa: E402


def serve(checkout: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "bnlib.ui.serve", "--server.headless=true", f"--server.port={port}",
        "--server.address=127.0.0.1", "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, proc)
    return proc, base


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", help="the checkout to compare with (A); this one is B")
    ap.add_argument("--presses", type=int, default=10)
    ap.add_argument("--pages", nargs="*")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "ab_pages.json"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    procs = {}
    out: dict = {}
    try:
        procs["A"] = serve(Path(args.other).resolve())
        procs["B"] = serve(ROOT)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"{'page':<20}{'A p50':>8}{'B p50':>8}{'A p95':>8}{'B p95':>8}{'B/A p50':>9}")
            for url, slider, chart in LESSONS:
                if args.pages and url not in args.pages:
                    continue
                t: dict = {"A": [], "B": []}
                for who in ("A", "B", "B", "A"):
                    t[who] += round_trips(
                        browser, f"{procs[who][1]}/{url}", slider, chart, args.presses
                    )
                a50, b50 = pct(t["A"], 0.5), pct(t["B"], 0.5)
                a95, b95 = pct(t["A"], 0.95), pct(t["B"], 0.95)
                out[url] = {"A_s": t["A"], "B_s": t["B"], "B_over_A_p50": b50 / a50}
                print(
                    f"{url:<20}{a50 * 1e3:>8.0f}{b50 * 1e3:>8.0f}{a95 * 1e3:>8.0f}"
                    f"{b95 * 1e3:>8.0f}{b50 / a50:>9.2f}"
                )
            browser.close()
    finally:
        for proc, _ in procs.values():
            proc.terminate()
    ratios = [v["B_over_A_p50"] for v in out.values()]
    if ratios:
        print(f"median B/A p50 over pages: {statistics.median(ratios):.2f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
