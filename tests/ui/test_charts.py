"""The cached chart helper gives the same figure as its builder, and builds it once."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go

from bnlib.ui import charts
from bnlib.viz.covariate import accuracy_figure

CALLS = []


def counted_figure(n: int) -> go.Figure:
    CALLS.append(n)
    return go.Figure(go.Bar(x=list(range(n)), y=np.arange(n) ** 2))


def test_cached_figure_equals_the_builders_figure():
    steps = np.arange(0, 100, 10)
    acc = np.linspace(0.1, 0.9, 10)
    direct = accuracy_figure(steps, acc, acc[::-1], 3)
    cached = charts.cached_figure(accuracy_figure, steps, acc, acc[::-1], 3)
    assert json.loads(cached.to_json()) == json.loads(direct.to_json())
    # still a valid figure: plotly's validators accept what the cache hands back
    go.Figure(cached.to_dict())


def test_builder_runs_once_per_argument_set():
    CALLS.clear()
    a = charts.cached_figure(counted_figure, 5)
    b = charts.cached_figure(counted_figure, 5)
    charts.cached_figure(counted_figure, 6)
    assert CALLS == [5, 6]
    assert a.to_json() == b.to_json()
    assert a is not b  # each call gets its own Figure: a page may not change a shared one


def test_unhashable_arguments_fall_back_to_building():
    class Opaque:
        def __reduce__(self):
            raise TypeError("not picklable")

    fig = charts.cached_figure(lambda _o: go.Figure(go.Bar(y=[1])), Opaque())
    assert list(fig.data[0].y) == [1]


def test_a_builder_not_reachable_by_name_is_built_each_time():
    fig = charts.cached_figure(lambda n: go.Figure(go.Bar(y=[n])), 3)
    assert list(fig.data[0].y) == [3]
