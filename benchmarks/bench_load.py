"""Load benchmark: N concurrent browser sessions moving sliders on one app process.

Measures the round trip a student feels (key press on a slider -> the page's chart and
readout updated and settled) for a single session and then for N concurrent sessions in
the same run, so the result is also a ratio that travels between machines; and the
server's resident memory (RSS) idle, at peak, and per session.

    .venv/bin/python benchmarks/bench_load.py                  # 25 sessions, ~3 min
    .venv/bin/python benchmarks/bench_load.py --sessions 5 --moves 4   # quick look

The server is the production start command (deploy/entrypoint.sh) on a free loopback
port. Pages: every lesson page that has a slider (--pages all: every registered page);
if none has one yet, a stand-in
page with the same kind of work (benchmarks/load_probe_app.py) and the report says so.
Each session's first move is a warm-up and is not counted (at the start all sessions
move at once, right after loading their pages, which measures the burst, not the
steady state). Everything is bounded: --moves per session, a timeout per move, --max-seconds overall.
Results: printed, and written as JSON to benchmarks/out/bench_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
sys.path.insert(0, str(ROOT))

from deploy_helpers import (  # noqa: E402
    ARM_JS,
    IDLE_APP,
    SETTLED_JS,
    SLIDER,
    SLIDER_INPUT,
    AppServer,
    free_port,
    start_app,
    stop,
    wait_healthy,
)
from playwright.async_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from bnlib.course.registry import available_pages  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PROBE_APP = ROOT / "benchmarks" / "load_probe_app.py"
OUT = ROOT / "benchmarks" / "out" / "bench_load.json"
QUIET_MS = 250  # the page counts as updated once nothing has changed for this long
MOVE_TIMEOUT_MS = 30_000
BROWSER_ARGS = CHROMIUM_ARGS + [
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def start_probe(tmp: Path) -> AppServer:
    """The stand-in page, served with the production config (run from the repo root)."""
    port = free_port()
    log = tmp / f"probe-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(PROBE_APP),
                f"--server.port={port}",
                "--server.address=127.0.0.1",
            ],
            cwd=ROOT,
            env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")},
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return AppServer(port, proc, log)


async def open_page(browser, url: str):
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await ctx.new_page()
    await page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    await page.wait_for_selector(IDLE_APP, timeout=120_000)
    return ctx, page


async def slider_pages(browser, base: str, which: str = "lessons") -> list[str]:
    """URLs of the registered pages (the lessons, or all) that show at least one slider."""
    found = []
    specs = [p for p in available_pages() if which == "all" or p.lesson is not None]
    for spec in specs:
        url = f"{base}/" if spec.url_path == "home" else f"{base}/{spec.url_path}"
        ctx, page = await open_page(browser, url)
        try:
            await page.wait_for_selector(SLIDER, timeout=5_000)
            found.append(url)
        except PlaywrightTimeoutError:
            pass
        await ctx.close()
    return found


async def move_once(page, thumb, key: str) -> float:
    await page.evaluate(ARM_JS, 0)
    await thumb.focus()
    await page.keyboard.press(key)
    await page.wait_for_function(SETTLED_JS, arg=QUIET_MS, timeout=MOVE_TIMEOUT_MS)
    state = await page.evaluate("() => window.__bnState")
    if os.environ.get("BNLAB_BENCH_DEBUG"):
        print(
            f"  move: first {state['first'] - state['t0']:.0f} last {state['last'] - state['t0']:.0f}"
        )
    return state["last"] - state["t0"]


async def session(browser, url, moves, think, start, deadline, stats, rng) -> None:
    ctx, page = await open_page(browser, url)
    try:
        await page.wait_for_selector(SLIDER, timeout=60_000)
        thumb = page.locator(SLIDER).first.locator(SLIDER_INPUT).first
        await start.wait()
        key = "ArrowRight"
        for i in range(moves + 1):
            if time.monotonic() > deadline:
                stats["cut_short"] += 1
                break
            at_edge = await thumb.evaluate(
                "(e, k) => k === 'ArrowRight' ? e.value === e.max : e.value === e.min", key
            )
            if at_edge:
                key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            try:
                rt = await move_once(page, thumb, key)
                stats["moves_done"] += 1
                if i > 0:  # move 0 warms the session up and is not counted
                    stats["rt_ms"].append(rt)
            except Exception as exc:  # a timeout or a dead page is a result, not a crash
                stats["errors"].append(type(exc).__name__)
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        stats["exceptions"] += await page.locator("[data-testid='stException']").count()
    finally:
        await ctx.close()


async def sample_rss(pid: int, stop_event: asyncio.Event, samples: list[float]) -> None:
    while not stop_event.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.25)


async def phase(browser, urls, n, moves, think, server_pid, max_seconds, seed) -> dict:
    stats = {"rt_ms": [], "errors": [], "exceptions": 0, "cut_short": 0, "moves_done": 0}
    rss: list[float] = [rss_mb(server_pid)]
    start = asyncio.Event()
    rng = random.Random(seed)
    deadline = time.monotonic() + max_seconds
    tasks = [
        asyncio.create_task(
            session(browser, urls[i % len(urls)], moves, think, start, deadline, stats, rng)
        )
        for i in range(n)
    ]
    # Let every session load its page first, so the moves really overlap.
    t_load = time.monotonic()
    while time.monotonic() - t_load < 120:
        pages = sum(len(c.pages) for c in browser.contexts)
        if pages >= n or all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    rss_loaded = rss_mb(server_pid)
    stop_event = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(server_pid, stop_event, rss))
    t0, cpu0 = time.monotonic(), cpu_seconds(server_pid)
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    wall, cpu = time.monotonic() - t0, cpu_seconds(server_pid) - cpu0
    stop_event.set()
    await sampler
    rt = np.array(stats["rt_ms"]) if stats["rt_ms"] else np.array([np.nan])
    return {
        "sessions": n,
        "moves_measured": len(stats["rt_ms"]),
        "p50_ms": round(float(np.percentile(rt, 50)), 1),
        "p95_ms": round(float(np.percentile(rt, 95)), 1),
        "max_ms": round(float(np.max(rt)), 1),
        "errors": len(stats["errors"]) + sum(isinstance(r, Exception) for r in results),
        "error_kinds": sorted(
            set(stats["errors"]) | {type(r).__name__ for r in results if isinstance(r, Exception)}
        ),
        "st_exceptions": stats["exceptions"],
        "cut_short": stats["cut_short"],
        "rss_sessions_loaded_mb": round(rss_loaded, 1),
        "rss_peak_mb": round(max(rss), 1),
        "wall_s": round(wall, 1),
        # Server CPU per completed move (warm-up moves included): how much one core can
        # take, whatever else the machine (the browsers, other jobs) is doing.
        "server_cpu_ms_per_move": round(1000 * cpu / max(stats["moves_done"], 1), 1),
        "server_cpu_util": round(cpu / wall, 2),
        "rt_ms_sorted": [round(float(x), 1) for x in sorted(stats["rt_ms"])],
    }


async def main_async(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bnlab-bench-"))
    server = start_app(tmp)
    wait_healthy(server.url, server.proc, server.log, 120)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
            )
            urls = await slider_pages(browser, server.url, args.pages)
            target = "app"
            if not urls:
                stop(server.proc)
                server = start_probe(tmp)
                wait_healthy(server.url, server.proc, server.log, 120)
                urls = [server.url + "/"]
                target = "stand-in page benchmarks/load_probe_app.py (no app page has a slider yet)"
            pid = server.proc.pid
            rss_idle = rss_mb(pid)
            t_start = time.monotonic()
            loadavg_start = [round(x, 2) for x in os.getloadavg()]
            baseline = await phase(
                browser, urls, 1, max(args.moves, 10), args.think, pid, args.max_seconds, args.seed
            )
            loaded = await phase(
                browser,
                urls,
                args.sessions,
                args.moves,
                args.think,
                pid,
                args.max_seconds,
                args.seed + 1,
            )
            await browser.close()
    finally:
        stop(server.proc)
    per_session = (loaded["rss_peak_mb"] - rss_idle) / max(args.sessions, 1)
    return {
        "benchmark": "bench_load",
        "target": target,
        "pages": [u.replace(server.url, "") or "/" for u in urls],
        "cpus": os.cpu_count(),
        "loadavg_at_start": loadavg_start,
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "think_s": args.think,
        "quiet_ms": QUIET_MS,
        "rss_idle_mb": round(rss_idle, 1),
        "rss_per_session_mb": round(per_session, 1),
        "baseline": baseline,
        "load": loaded,
        "p50_ratio": round(loaded["p50_ms"] / baseline["p50_ms"], 2),
        "p95_ratio": round(loaded["p95_ms"] / baseline["p95_ms"], 2),
        "p95_target_ms": 500,
        "total_s": round(time.monotonic() - t_start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=25, help="concurrent sessions (25)")
    ap.add_argument("--moves", type=int, default=8, help="slider moves per session (8)")
    ap.add_argument("--think", type=float, default=0.5, help="mean pause between moves, s")
    ap.add_argument("--max-seconds", type=float, default=180, help="bound per phase, s")
    ap.add_argument(
        "--pages", choices=("lessons", "all"), default="lessons",
        help="lesson pages only (default) or every registered page with a slider",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        print(f"bench_load: needs Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    report = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    b, n = report["baseline"], report["load"]
    print(
        f"bench_load on {report['target']} ({report['cpus']} CPUs, "
        f"load average {report['loadavg_at_start'][0]} at start)"
    )
    print(
        f"  1 session : p50 {b['p50_ms']} ms  p95 {b['p95_ms']} ms  ({b['moves_measured']} moves)"
    )
    print(
        f"  {n['sessions']} sessions: p50 {n['p50_ms']} ms  p95 {n['p95_ms']} ms  "
        f"({n['moves_measured']} moves, {n['errors']} errors, {n['st_exceptions']} exceptions)"
    )
    print(
        f"  server CPU per move: {b['server_cpu_ms_per_move']} ms alone, "
        f"{n['server_cpu_ms_per_move']} ms under load (busy {n['server_cpu_util']:.0%} of a core)"
    )
    print(f"  ratio p50 x{report['p50_ratio']}  p95 x{report['p95_ratio']}  (target p95 <= 500 ms)")
    print(
        f"  server RSS: idle {report['rss_idle_mb']} MB, peak {n['rss_peak_mb']} MB, "
        f"~{report['rss_per_session_mb']} MB per session"
    )
    print(f"  -> {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if n["errors"] == 0 and n["st_exceptions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
