"""The helpers lessons 1 to 4 moved out of their pages: pure numpy, checked without streamlit."""

from __future__ import annotations

import numpy as np
import pytest

from bnlib.lessons import batch_statistics as l2
from bnlib.lessons import gamma_beta as l4
from bnlib.lessons.covariate import band_summary, checkpoint
from bnlib.lessons.estimates import batch_of_one_message


def test_checkpoint_rounds_and_clips():
    assert checkpoint(0, 25, 81) == 0
    assert checkpoint(1000, 25, 81) == 40
    assert checkpoint(2000, 25, 81) == 80
    assert checkpoint(99999, 25, 81) == 80


def test_band_summary_widths_and_drift():
    band = np.array([[-0.1, 0.0, 0.1], [-1.0, 0.5, 2.0], [-0.5, -0.25, 1.0]])
    s = band_summary(band)
    assert s.width_start == pytest.approx(0.2)
    assert s.width_end == pytest.approx(1.5)
    assert s.drift == pytest.approx(0.5)


def test_l2_features_are_normalized_each_on_its_own():
    x, y, mean, var = l2.normalize_features(256, 1e-5, 0)
    assert x.shape == y.shape == (256, 3)
    assert np.allclose(mean, l2.FEATURE_CENTRES, atol=0.5)
    assert np.allclose(y.mean(axis=0), 0.0, atol=1e-12)
    assert l2.normalized_std(1e-4, 1e-4) == pytest.approx(np.sqrt(0.5))


def test_l4_undo_values_hand_the_input_back():
    x, x_hat, mean, var = l4.batch(0)
    (ga, ba), (gb, bb) = l4.undo_values(mean, var)
    y = x_hat * np.array([ga, gb]) + np.array([ba, bb])
    assert np.abs(y - x).max() < 1e-12


def test_batch_of_one_message_opens_like_pytorch():
    assert batch_of_one_message().startswith("Expected more than 1 value per channel")


def test_l4_sigmoid_view_gamma_one_stays_straight_gamma_three_reaches_the_bends():
    x_hat = l4.demo_inputs()
    assert abs(x_hat.mean()) < 1e-12 and x_hat.std() == pytest.approx(1.0)
    one, three = l4.sigmoid_view(x_hat, 1.0), l4.sigmoid_view(x_hat, 3.0)
    assert one.low_slope < 0.1 < 0.4 < three.low_slope
    assert one.r2 > 0.98 > 0.95 > three.r2
    assert l4.sigmoid_view(x_hat, 0.0).r2 == 1.0  # constant output: no fit to speak of


def test_l4_sigmoid_figure_has_curves_points_and_histograms():
    from bnlib.viz.gamma_beta import sigmoid_gamma_figure

    fig = sigmoid_gamma_figure(l4.demo_inputs(), (1.0, 3.0))
    kinds = [t.type for t in fig.data]
    assert kinds.count("bar") == 2 and kinds.count("scatter") == 4
    assert {t.name for t in fig.data if t.type == "bar"} == {"γ = 1", "γ = 3"}


# --- lesson 2's two bowls


def test_a_long_thin_bowl_takes_many_more_steps_than_a_round_one():
    from bnlib.lessons.batch_statistics import bowl

    raw, flat = bowl(5.0, normalized=False), bowl(5.0, normalized=True)
    assert raw.curvature == (1.0, 25.0) and flat.curvature == (1.0, 1.0)
    assert raw.lr == pytest.approx(1.6 / 25) and flat.lr == pytest.approx(1.6)
    # the start puts half the loss in each direction; the steep half vanishes at once and
    # the flat half shrinks by (1 - lr)**2 per step: the count follows from that
    expected = int(np.ceil(np.log(0.02) / (2 * np.log(1 - raw.lr))))
    assert abs(raw.steps_to_1pct - expected) <= 1
    assert flat.steps_to_1pct < raw.steps_to_1pct / 4
    # the raw path zig-zags across the narrow direction: weight 2 changes sign every step
    signs = np.sign(raw.path[:6, 1])
    assert np.all(signs[1:] == -signs[:-1])
    assert raw.path.shape == (26, 2)


def test_bowl_rejects_a_scale_that_is_not_positive():
    from bnlib.lessons.batch_statistics import bowl

    with pytest.raises(ValueError, match="scale must be positive"):
        bowl(0.0, normalized=False)


def test_bowl_figure_draws_contours_and_both_paths_on_equal_axes():
    from bnlib.lessons.batch_statistics import bowl
    from bnlib.viz.batch_statistics import bowl_figure

    fig = bowl_figure(bowl(5.0, False), bowl(5.0, True))
    kinds = [t.type for t in fig.data]
    assert kinds == ["contour", "scatter", "contour", "scatter"]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis2.scaleanchor == "x2"
    assert "steps" in fig.layout.annotations[0].text
