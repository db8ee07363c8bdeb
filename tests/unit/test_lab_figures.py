"""Lab figure builders (arrays in, Figure out), the live-array helpers, and import hygiene."""

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from bnlib.viz.lab_figures import band_figure, curves_figure, heatmap_figure

ROOT = Path(__file__).resolve().parents[2]


def test_curves_figure_draws_mean_and_min_max_band():
    steps = np.array([0, 10, 20])
    vals = np.array([[1.0, 0.5, np.nan], [3.0, 1.5, 1.0]])  # second seed ran longer
    fig = curves_figure({"A": (steps, vals)}, "Loss of A", "loss", {"A": "A: none"})
    band, line = fig.data
    np.testing.assert_allclose(line.y, [2.0, 1.0, 1.0])
    np.testing.assert_allclose(band.y, [3.0, 1.5, 1.0, 1.0, 0.5, 1.0])
    assert line.name == "A: none" and fig.layout.title.text == "Loss of A"


def test_single_seed_has_no_band_and_inf_is_a_gap():
    fig = curves_figure({"B": ([1, 2, 3], [[1.0, np.inf, 2.0]])}, "t", "y")
    assert len(fig.data) == 1 and list(fig.data[0].x) == [1, 3]


def test_band_and_heatmap():
    fig = band_figure([0, 1], [-1, -2], [0, 0], [1, 2], "Band", flat_beyond=3.6)
    assert fig.layout.title.text == "Band" and len(fig.layout.shapes) == 2
    hm = heatmap_figure(
        [0, 5, 10], np.array([[1.0, 10.0], [0.1, 1.0], [1.0, 100.0]]), "Grad", log=True
    )
    z = np.array(hm.data[0].z, dtype=float)
    assert z.shape == (2, 3) and np.isclose(z[1, 2], 2.0)
    assert list(hm.data[0].y) == ["layer 1", "layer 2"]


def test_core_and_viz_do_not_import_torch():
    code = "import sys, bnlib.digits, bnlib.viz.lab_figures; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_queue_caps_concurrency_and_reports_position():
    from bnlib.lab.jobs import TrainingQueue

    q = TrainingQueue(capacity=1)
    never = threading.Event()
    assert q.acquire(1, never)
    got = []
    t = threading.Thread(target=lambda: got.append(q.acquire(2, never)))
    t.start()
    for _ in range(100):
        if q.position(2) == 1:
            break
        threading.Event().wait(0.01)
    assert q.position(2) == 1 and q.running == 1 and not got
    q.release(1)
    t.join(5)
    assert got == [True] and q.running == 1
    cancel = threading.Event()
    cancel.set()
    assert q.acquire(3, cancel) is False and q.position(3) == 0
