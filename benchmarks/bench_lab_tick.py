"""What one tick of the training lab's progress view costs the server, as a ratio.

While a comparison trains, the page's progress fragment reruns twice a second and draws
eight charts (four curves, two percentile bands, two heatmaps). A tick after which the
runs recorded nothing new (the job waits, or is between evaluations) reuses the figures
it drew last time (bnlib.ui.lab_view.chart); a tick after new data builds them again.

The page runs under AppTest with the default comparison held after `--steps` run-steps by
a gate, so nothing changes while it is measured. Each page run is timed by this process's
CPU time (the held worker uses none): `--ticks` runs as they are, then `--ticks` runs with
the figure memo emptied before each, which is what a tick after new data costs. Reported:
ms per page run for both, and their ratio (same process, same data).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_lab_tick.py [--ticks 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bnlib.lab.jobs import TrainingQueue, use_server_queue  # noqa: E402
from tests.support.gates import StepGate, wait_until  # noqa: E402

MEMO = "_lab_figures"  # bnlib.ui.lab_view._FIGURES


def page_cpu_ms(at: AppTest, ticks: int, rebuild: bool) -> list[float]:
    out = []
    for _ in range(ticks):
        if rebuild:
            at.session_state[MEMO] = {}
        t0 = time.process_time()
        at.run()
        out.append((time.process_time() - t0) * 1000)
        assert not at.exception, at.exception
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ticks", type=int, default=10)
    ap.add_argument("--steps", type=int, default=60, help="run-steps trained before measuring")
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args()

    gate = StepGate(allow=args.steps - 1)
    old = use_server_queue(TrainingQueue(capacity=1, gate=gate))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page("pages/training_lab.py").run()
        at.button(key="lab_train").click().run()
        wait_until(lambda: gate.held == 1, "the job held at its gate", timeout=600)
        at.run()  # the charts of the held job, drawn once
        reused = page_cpu_ms(at, args.ticks, rebuild=False)
        rebuilt = page_cpu_ms(at, args.ticks, rebuild=True)
        at.button(key="lab_stop").click().run()
    finally:
        gate.open()
        use_server_queue(old)
    res = {
        "ticks": args.ticks,
        "steps_recorded": args.steps,
        "page_run_ms_figures_reused": statistics.median(reused),
        "page_run_ms_figures_rebuilt": statistics.median(rebuilt),
    }
    res["ratio_rebuilt_to_reused"] = (
        res["page_run_ms_figures_rebuilt"] / res["page_run_ms_figures_reused"]
    )
    for k, v in res.items():
        print(f"{k:32s} {v:.1f}" if isinstance(v, float) else f"{k:32s} {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
