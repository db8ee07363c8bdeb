"""Lab figure builders (arrays in, Figure out), the live-array helpers, and import hygiene."""

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from bnlib.viz.lab_figures import band_figure, curves_figure, heatmap_figure, series_styles

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
    code = "import sys, bnlib.data.digits, bnlib.viz.lab_figures; print('torch' in sys.modules)"
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


def _colors(fig):
    """legend name -> (line colour, dash) of each named line."""
    return {
        t.name: (t.line.color, t.line.dash or "solid")
        for t in fig.data
        if t.mode == "lines" and t.showlegend is not False and t.line.color
    }


def test_lab_colours_are_the_lessons_colours_none_vs_bn():
    from bnlib.viz import theme

    steps = np.arange(5)
    vals = np.ones((3, 5))
    names = {"A": "A: No normalization", "B": "B: BN before activation"}
    fig = curves_figure(
        {"A": (steps, vals), "B": (steps, 2 * vals)},
        "loss",
        "loss",
        names,
        log_y=True,
        kinds={"A": "none", "B": "bn_before"},
    )
    got = _colors(fig)
    assert got[names["A"]][0] == theme.NO_BN
    assert got[names["B"]][0] == theme.WITH_BN
    # each band is a translucent copy of its own line's colour
    bands = [t for t in fig.data if t.fill == "toself"]
    assert [b.fillcolor for b in bands] == [theme.band(theme.NO_BN, 0.18),
                                            theme.band(theme.WITH_BN, 0.18)]  # fmt: skip
    # the diagnostics band of each config takes the same colour
    for label, kind in (("A", "none"), ("B", "bn_before")):
        color = series_styles({"A": "none", "B": "bn_before"})[label][0]
        bf = band_figure([0, 1], [0, 0], [1, 1], [2, 2], "band", color=color)
        assert bf.data[-1].line.color == theme.norm_color(kind)


def test_distinct_meanings_never_share_a_colour_and_dash():
    kinds_sets = [
        {"A": "none", "B": "bn_before"},
        {"A": "bn_before", "B": "bn_after"},  # both BN: same colour, told apart by dash
        {"A": "layer", "B": "batch_renorm"},
        {"A": "group", "B": "group"},
    ]
    for kinds in kinds_sets:
        series = {k: (np.arange(4), np.ones((2, 4))) for k in kinds}
        fig = curves_figure(series, "t", "y", kinds=kinds)
        styles = list(_colors(fig).values())
        assert len(styles) == len(kinds) and len(set(styles)) == len(styles), (kinds, styles)
    # every normalization kind the lab offers has its own colour, distinct from the others
    from bnlib.lab.config import NORM_LABELS
    from bnlib.viz import theme

    by_kind = {k: theme.norm_color(k) for k in NORM_LABELS}
    assert by_kind["none"] == theme.NO_BN and by_kind["bn_before"] == theme.WITH_BN
    others = {k: c for k, c in by_kind.items() if k not in ("bn_before", "bn_after")}
    assert len(set(others.values())) == len(others), by_kind


def test_lesson_10_batch_renorm_and_r_max_do_not_share_a_colour():
    from bnlib.viz import alternatives

    labels = {"none": "No BN", "bn_before": "BN", "batch_renorm": "Batch renorm"}
    fig = alternatives.single_class_figure(
        np.arange(3), {k: np.ones(3) * 0.5 for k in labels}, labels, np.ones(10), np.ones(10)
    )
    styles = {t.name: (t.line.color, t.line.dash or "solid") for t in fig.data}
    assert styles["Batch renorm"][0] != styles["r_max"][0]
    assert len(set(styles.values())) == len(styles), styles


def test_the_flat_region_shading_is_what_add_hrect_draws():
    """band_figure writes its two shaded rectangles itself (one constructor call instead of
    two add_hrect updates): they must be plotly's own."""
    import plotly.graph_objects as go

    from bnlib.viz import theme

    fig = band_figure([0, 1], [-1, -2], [0, 0], [1, 2], "Band", flat_beyond=3.6)
    ref = go.Figure(go.Scatter(x=[0, 1], y=[0, 0]))
    for y0, y1 in ((3.6, 1e6), (-1e6, -3.6)):
        ref.add_hrect(y0=y0, y1=y1, fillcolor=theme.band(theme.BATCH, 0.15), line_width=0)
    assert [s.to_plotly_json() for s in fig.layout.shapes] == [
        s.to_plotly_json() for s in ref.layout.shapes
    ]
