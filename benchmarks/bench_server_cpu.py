"""Server CPU per slider move and per training run: the numbers behind class sizing.

One app process is started with the production entry point on a free loopback port.
Chromium, one session at a time, moves the first slider of each lesson page with the
keyboard: `--moves` steps to values not seen before (each one builds a new figure), then
the same number back over seen values (served from the figure cache, which all sessions
of a process share). Then one session runs the training lab with its default settings
until the run finishes. For each phase the server process's CPU time (user + system,
all threads, from /proc) is read before and after, so the result does not depend on how
busy the machine is, unlike round-trip times.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_server_cpu.py [--moves 8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
sys.path.insert(0, str(ROOT))

from deploy_helpers import (  # noqa: E402
    ARM_JS,
    IDLE_APP,
    SETTLED_JS,
    SLIDER,
    SLIDER_INPUT,
    start_app,
    stop,
    wait_healthy,
)

CHROMIUM = os.environ.get("BNLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, all threads


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def lesson_paths() -> list[str]:
    from bnlib.course.registry import PAGES

    return [p.url_path for p in PAGES if p.path.startswith("pages/lesson_")]


def move(page, thumb, key: str, index: int) -> bool:
    """Press key on the slider; False (and nothing to wait for) at the end of its range."""
    before = thumb.input_value() if thumb.evaluate("e => 'value' in e") else None
    page.evaluate(ARM_JS, index)
    thumb.focus()
    page.keyboard.press(key)
    page.wait_for_timeout(50)
    if before is not None and thumb.input_value() == before:
        return False
    page.wait_for_function(SETTLED_JS, arg=250, timeout=60_000)
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--moves", type=int, default=8, help="new-value moves per page (default 8)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bnlab-cpu-"))
    server = start_app(tmp, env={"BNLAB_LAB_SLOTS": "1"})
    out: dict = {"load_start": os.getloadavg()[0], "pages": {}}
    try:
        wait_healthy(server.url, server.proc, server.log, 120)
        pid = server.proc.pid  # the entrypoint exec's Python: this is the server
        out["rss_idle_mb"] = round(rss_mb(pid))
        out["threads_idle"] = threads(pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            new_total = seen_total = 0.0
            n_new = n_seen = 0
            for path in lesson_paths():
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.goto(f"{server.url}/{path}")
                page.wait_for_selector(IDLE_APP, timeout=90_000)
                if page.locator(SLIDER).count() == 0:
                    context.close()
                    continue
                # The first slider in the main area (ARM_JS counts sliders page-wide).
                index = page.evaluate(
                    "() => [...document.querySelectorAll(\"[data-testid='stSlider']\")]"
                    ".findIndex(e => e.closest(\"[data-testid='stMain']\"))"
                )
                slider = page.locator(SLIDER).nth(index)
                slider.scroll_into_view_if_needed()
                thumb = slider.locator(SLIDER_INPUT).first
                # Towards the end of the range with more room, for more new values.
                lo, hi, now = thumb.evaluate(
                    "e => [e.min ?? e.ariaValueMin, e.max ?? e.ariaValueMax,"
                    " e.value ?? e.ariaValueNow].map(Number)"
                )
                key = "ArrowRight" if hi - now >= now - lo else "ArrowLeft"
                move(page, thumb, key, index)  # warm-up, not counted
                back = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
                c0 = cpu_seconds(pid)
                done = 0
                while done < args.moves and move(page, thumb, key, index):
                    done += 1
                c1 = cpu_seconds(pid)
                for _ in range(done):
                    move(page, thumb, back, index)
                c2 = cpu_seconds(pid)
                if done == 0:
                    context.close()
                    continue
                new_ms = (c1 - c0) / done * 1000
                seen_ms = (c2 - c1) / done * 1000
                out["pages"][path] = {
                    "moves": done,
                    "new_ms": round(new_ms),
                    "seen_ms": round(seen_ms),
                }
                print(
                    f"{path:24s} {done} moves: new {new_ms:5.0f} ms, seen {seen_ms:5.0f} ms",
                    flush=True,
                )
                new_total += c1 - c0
                seen_total += c2 - c1
                n_new += done
                n_seen += done
                context.close()
            out["move_new_ms"] = round(new_total / n_new * 1000, 1)
            out["move_seen_ms"] = round(seen_total / n_seen * 1000, 1)
            out["rss_after_pages_mb"] = round(rss_mb(pid))

            # One training run with the lab's default settings, watched by its tab.
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(600_000)
            page.goto(f"{server.url}/training-lab")
            page.wait_for_selector(IDLE_APP)
            train = page.locator(".st-key-lab_train button")
            train.wait_for()
            c0, t0, peak = cpu_seconds(pid), time.monotonic(), rss_mb(pid)
            train.click()
            page.wait_for_selector(".st-key-lab_stop button:not([disabled])")
            while page.locator(".st-key-lab_stop button:not([disabled])").count():
                peak = max(peak, rss_mb(pid))
                out["threads_training"] = max(out.get("threads_training", 0), threads(pid))
                page.wait_for_timeout(250)
            page.wait_for_selector(IDLE_APP)
            out["train_cpu_s"] = round(cpu_seconds(pid) - c0, 1)
            out["train_wall_s"] = round(time.monotonic() - t0, 1)
            out["rss_training_peak_mb"] = round(peak)
            assert page.locator("[data-testid='stException']").count() == 0
            context.close()
            browser.close()
    finally:
        stop(server.proc)
    out["load_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
