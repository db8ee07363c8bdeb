"""Where a lesson page's time goes: server time per script and fragment run, and what the
browser is sent (plotly charts, their JSON size and points, dataframes, metrics).

Runs each page in AppTest (through app.py, so navigation and the sidebar are real). The
server side: `st.fragment` is wrapped so every fragment body is timed with perf_counter; the
page is run twice (the second run is warm: caches filled) and then the benchmark's slider is
moved once (AppTest reruns the whole script, so the fragment's time is read from the
wrapper). The browser side: every element the warm run produced, counted by type, and each
plotly chart's JSON size, trace count and number of values sent.

    PYTHONPATH=. .venv/bin/python benchmarks/profile_pages.py [--pages placement ...]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.bench_pages import LESSONS  # noqa: E402
from bnlib.course.registry import page_by_url  # noqa: E402

APP = str(ROOT / "app.py")
FRAGMENT_TIMES: dict[str, list[float]] = defaultdict(list)
PROFILE: list = []  # a cProfile.Profile while --cprofile is on (fragments run in another thread)
_original_fragment = st.fragment


def _timed_fragment(func=None, **kw):
    """st.fragment, with the body's wall time recorded under the function's name."""

    def wrap(fn):
        @functools.wraps(fn)
        def body(*a, **k):
            t0 = time.perf_counter()
            if PROFILE:
                PROFILE[0].enable()
            try:
                return fn(*a, **k)
            finally:
                if PROFILE:
                    PROFILE[0].disable()
                FRAGMENT_TIMES[fn.__name__].append(time.perf_counter() - t0)

        return _original_fragment(body, **kw)

    return wrap(func) if func is not None else wrap


def _values(trace: dict) -> int:
    """How many numbers a trace sends (x, y, z, text; typed arrays counted by bytes / 8)."""
    n = 0
    for k in ("x", "y", "z", "base", "text", "customdata"):
        v = trace.get(k)
        if isinstance(v, list):
            n += len(v)
        elif isinstance(v, dict) and "bdata" in v:
            n += (
                len(v["bdata"])
                * 3
                // 4
                // max(1, int(v["dtype"][-1]) if v["dtype"][-1].isdigit() else 8)
            )
    return n


def profile(url: str, slider: str) -> dict:
    spec = page_by_url(url)
    at = AppTest.from_file(APP, default_timeout=300).run()
    at.switch_page(spec.path)
    t0 = time.perf_counter()
    at.run()  # cold: caches empty for this page
    cold = time.perf_counter() - t0
    FRAGMENT_TIMES.clear()
    t0 = time.perf_counter()
    at.run()  # warm
    warm = time.perf_counter() - t0
    warm_frag = {k: v[-1] for k, v in FRAGMENT_TIMES.items()}
    counts = Counter(type(el).__name__ for el in at.main)
    tree = Counter()
    for node in _walk(at.main):
        tree[node.type] += 1
    charts = []
    for el in at.get("plotly_chart"):
        fig = json.loads(el.proto.spec)
        charts.append(
            {
                "json_kB": round(len(el.proto.spec) / 1024, 1),
                "traces": len(fig["data"]),
                "values": sum(_values(t) for t in fig["data"]),
                "shapes": len(fig["layout"].get("shapes", [])),
                "annotations": len(fig["layout"].get("annotations", [])),
                "height": fig["layout"].get("height"),
            }
        )
    # move the benchmark's slider one step: a fragment rerun in the browser
    w = _slider(at, slider)
    start = w.value
    opts = getattr(w, "options", None)
    if opts:
        cur = opts.index(str(w.value)) if str(w.value) in opts else 0
        nxt = opts[cur - 1] if cur + 1 >= len(opts) else opts[cur + 1]
        w.set_value(type(w.value)(nxt) if not isinstance(w.value, str) else nxt)
    else:
        v = w.value
        step = w.step
        w.set_value(v - step if v + step > w.max else v + step)
    FRAGMENT_TIMES.clear()
    if CPROFILE:
        import cProfile

        PROFILE.append(cProfile.Profile())
    t0 = time.perf_counter()
    at.run()
    if PROFILE:
        import pstats

        pstats.Stats(PROFILE.pop()).sort_stats("cumulative").print_stats(25)
    moved = time.perf_counter() - t0
    moved_frag = {k: v[-1] for k, v in FRAGMENT_TIMES.items()}
    # and back: a value seen before, as when a learner moves a slider to and fro
    w = _slider(at, slider)
    w.set_value(start)
    FRAGMENT_TIMES.clear()
    at.run()
    back_frag = {k: v[-1] for k, v in FRAGMENT_TIMES.items()}
    assert not at.exception, at.exception
    return {
        "script_cold_s": cold,
        "script_warm_s": warm,
        "script_after_move_s": moved,
        "fragments_warm_s": warm_frag,
        "fragments_after_move_s": moved_frag,
        "fragments_after_move_back_s": back_frag,
        "elements": dict(tree),
        "charts": charts,
        "_top": dict(counts),
    }


def _slider(at: AppTest, key: str):
    return at.slider(key=key) if any(s.key == key for s in at.slider) else at.select_slider(key=key)


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="*")
    ap.add_argument("--cprofile", action="store_true", help="print a profile of the move")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "profile_pages.json"))
    args = ap.parse_args()
    st.fragment = _timed_fragment
    global CPROFILE
    CPROFILE = args.cprofile
    out = {}
    for url, slider, _chart in LESSONS:
        if args.pages and url not in args.pages:
            continue
        r = profile(url, slider)
        out[url] = r
        frag = ", ".join(
            f"{k} {v * 1e3:.0f}/{r['fragments_after_move_back_s'][k] * 1e3:.0f}"
            for k, v in r["fragments_after_move_s"].items()
        )
        kinds = {k: v for k, v in r["elements"].items() if k in KINDS}
        print(
            f"{url:<20} script cold {r['script_cold_s'] * 1e3:6.0f} warm "
            f"{r['script_warm_s'] * 1e3:5.0f} ms | fragments, move/back (ms): {frag}"
        )
        print(f"{'':<20} elements {kinds}")
        for c in r["charts"]:
            print(f"{'':<20} chart {c}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


CPROFILE = False
KINDS = {"plotly_chart", "dataframe", "metric", "markdown", "latex", "code", "tabs", "table"}

if __name__ == "__main__":
    sys.exit(main())
