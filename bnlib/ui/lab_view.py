"""The training lab's widgets and result tabs (streamlit); pages/training_lab.py is the glue.

The settings come in two layers: a first row with what a learner changes first (preset,
normalization, depth, learning rate, batch size) and an "Advanced" expander with the
rest. The expander only folds them away: its content runs on every rerun, so every bound
widget in it stays in the URL. A setting that does not apply to the current choice
(lab_settings.applies) is not drawn; its value stays in the session, and the config
built for training gives it its default, so a link without it trains the same network.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnlib.lab.config import NORM_LABELS, PRESETS
from bnlib.lab.jobs import curve_arrays, diag_arrays
from bnlib.lab.report import readable_summary, what_to_notice
from bnlib.settings import parse_query
from bnlib.ui import lab_settings as LS
from bnlib.ui.lab_settings import BASIC, BY_COL, FIELDS, LABELS, PRESET, SEED0, SEEDS, UNLINKED
from bnlib.ui.widgets import (
    labelled_widget,
    link_notices,
    number_widget,
    seed_from_link,
    setting_widget,
)
from bnlib.viz.lab_figures import band_figure, curves_figure, heatmap_figure, series_styles

_BEFORE = "_lab_unlinked_before"  # the unlinked list as last drawn


# --- settings ---------------------------------------------------------------------------------


def _apply_preset() -> None:
    # a callback, before the widgets are drawn: the supported way to set bound widgets
    for key, value in LS.preset_values(st.session_state[PRESET.key]).items():
        st.session_state[key] = value
    st.session_state[_BEFORE] = list(st.session_state[UNLINKED.key])


def _on_unlink() -> None:
    """A field just set apart for B starts from A's value."""
    before = set(st.session_state.get(_BEFORE, UNLINKED.default))
    for f in st.session_state[UNLINKED.key]:
        if f not in before:
            a = BY_COL["A"][f]
            st.session_state[BY_COL["B"][f].key] = st.session_state.get(a.key, a.default)
    st.session_state[_BEFORE] = list(st.session_state[UNLINKED.key])


def _preset_from_link() -> None:
    """First visit through a link naming a preset: the preset fills what the link leaves
    out, and those values are written into the URL so the link stays exact."""
    values, _ = parse_query([PRESET], st.query_params.to_dict())
    name = values[PRESET.key]
    if name == PRESET.default:
        return
    for s in LS.ALL:
        value = LS.preset_values(name).get(s.key)
        if value is None or s.key in st.query_params:
            continue
        st.session_state[s.key] = value
        value = tuple(value) if s.kind == "multi" else value
        if value != s.default:
            st.query_params[s.key] = s.encode(value)


def widget(field: str, col: str, label: str | None = None) -> None:
    """Column `col`'s widget for `field`, bound to (or mirrored in) the URL."""
    s, (_, kind) = BY_COL[col][field], FIELDS[field]
    label = label or s.label
    if kind == "number":
        number_widget(s, label=label)
    elif kind == "checkbox":  # setting_widget would draw a toggle
        st.checkbox(label, value=s.default, key=s.key, bind="query-params", persist_state="session")
    elif kind == "select":  # readable names on screen, ids in the URL
        labelled_widget(s, LABELS[field], label=label)
    else:
        setting_widget(s, label=label)


def _grid(cells: list[tuple[str, str]], n: int = 4) -> None:
    """Rows of `n` widgets (one st.columns per row, so a phone stacks them in order)."""
    for start in range(0, len(cells), n):
        for box, (field, col) in zip(st.columns(n), cells[start : start + n], strict=False):
            with box:
                widget(field, col, FIELDS[field][0])  # the heading above says A or B


def settings() -> None:
    """Preset, the first row and the "Advanced" expander; the values land in
    st.session_state under the settings' keys (lab_settings.config_from_values reads them)."""
    if not st.session_state.get("_lab_seen"):
        st.session_state["_lab_seen"] = True
        _preset_from_link()
    link_notices(LS.ALL)
    seed_from_link(LS.LABELLED)
    first = st.container()
    advanced = st.expander("Advanced: data, network, optimizer, seeds", key="lab_advanced")
    with advanced:  # drawn first: the first row depends on what is set apart for B
        unlinked = labelled_widget(UNLINKED, LABELS["unlinked"], on_change=_on_unlink)
        st.session_state[_BEFORE] = list(unlinked)
    state = st.session_state
    norm_col = "B" if "norm" in unlinked else "A"
    with first:
        preset = setting_widget(PRESET, on_change=_apply_preset)
        st.caption(PRESETS[preset].blurb)
        cells = st.columns(4)
        for box, field in zip(cells, BASIC, strict=True):
            with box:
                if field == "norm":
                    label = "Normalization in B" if norm_col == "B" else "Normalization (A and B)"
                    widget("norm", norm_col, label)
                else:
                    label = FIELDS[field][0] + (" (A)" if field in unlinked else "")
                    widget(field, "A", label)
    with advanced:
        st.markdown("**A**, and B wherever a setting is shared")
        _grid(
            ([("norm", "A")] if norm_col == "B" else [])
            + [(f, "A") for f in FIELDS if f not in BASIC and LS.shown(f, "A", state)]
        )
        st.markdown("**B**: the settings set apart")
        rest = [(f, "B") for f in FIELDS if f != "norm" and LS.shown(f, "B", state)]
        if rest:
            _grid(rest)
        else:
            st.caption(
                "Nothing else is set apart: B differs from A only as shown above."
                if "norm" in unlinked
                else "Nothing is set apart: B is an exact copy of A (useful to see seed spread)."
            )
        s1, s2, _ = st.columns([1, 1, 2])
        number_widget(SEEDS, s1)
        number_widget(SEED0, s2)
    with first:  # after Advanced has drawn A's normalization
        a_norm = NORM_LABELS[LS.column_values(state, "A")["norm"]]
        st.caption(
            (f"A, the baseline: {a_norm}. " if norm_col == "B" else "")
            + "A and B share every other setting unless it is set apart under **Advanced**."
        )


# --- results ----------------------------------------------------------------------------------


def series_names(res) -> dict[str, str]:
    return {r.label: f"{r.label}: {NORM_LABELS[r.config.norm]}" for r in res.runs}


def kinds(res) -> dict[str, str]:
    """label -> normalization: what a run is picks its colour, as in the lessons."""
    return {r.label: r.config.norm for r in res.runs}


PANELS = (  # metric, title, y label, log y
    ("train_loss", "Training loss per step", "loss", True),
    ("val_loss", "Validation loss", "loss", True),
    ("val_acc", "Validation accuracy, eval mode", "accuracy", False),
    ("val_acc_train_mode", "Validation accuracy, train mode", "accuracy", False),
)


_FIGURES = "_lab_figures"  # chart key -> (result, what it showed, figure)


def _recorded(res) -> tuple:
    """How much each run has recorded so far: a chart drawn from the same counts is the
    same chart."""
    return tuple(
        (len(r.train_loss), len(r.eval_steps), len(r.diag_steps), r.status) for r in res.runs
    )


def chart(where, key: str, res, params: tuple, build) -> None:
    """Draw `build()`'s figure as chart `key`, reusing the one drawn last time when `res`
    has recorded nothing new and `params` are the same. The progress view redraws every
    chart twice a second; while a job waits at the server's queue or between evaluations
    nothing changed, and building a figure costs far more than sending it."""
    memo = st.session_state.setdefault(_FIGURES, {})
    seen = (_recorded(res), params)
    hit = memo.get(key)
    if hit is None or hit[0] is not res or hit[1] != seen:
        hit = memo[key] = (res, seen, build())
    where.plotly_chart(hit[2], width="stretch", key=key)


def curves(res) -> None:
    names, c = series_names(res), st.columns(2)
    for i, (metric, title, ylab, log_y) in enumerate(PANELS):
        chart(
            c[i % 2], f"lab_curve_{metric}", res, (),
            lambda metric=metric, title=title, ylab=ylab, log_y=log_y: curves_figure(
                curve_arrays(res, metric), title, ylab, names, log_y=log_y, kinds=kinds(res)
            ),
        )  # fmt: skip
    st.caption(
        "Lines: the mean over seeds; bands: the best to the worst seed. A gap between the two "
        "accuracy plots is the train/eval difference: in train mode BN normalizes with the "
        "statistics of each batch, in eval mode with its running averages."
    )


def notice(res) -> None:
    """After a finished run: what its numbers show, in one or two sentences."""
    text = what_to_notice(res)
    if text:
        st.success(f"**What to notice.** {text}", icon=":material/visibility:")
        st.caption(
            "Steps are medians over the seeds; validation accuracy is measured once per epoch."
        )


def summary(res) -> None:
    st.dataframe(readable_summary(res), hide_index=True)
    st.caption(
        "The CSV and JSON downloads keep the machine-readable names (final_val_acc_mean, "
        "bn_before, ...) and every recorded value, for your own analysis."
    )


DIAGS = {  # name -> (short title, what it means, colour by log10)
    "saturation": (
        "saturated inputs",
        "Share of sigmoid/tanh inputs where its slope is below 10% of the peak.",
        False,
    ),
    "dead": (
        "dead units",
        "Share of ReLU/GELU units that are never positive on the probe digits.",
        False,
    ),
    "grad_norm": ("gradient norm", "Size of each layer's weight gradient, ‖dL/dW‖.", True),
    "update_ratio": (
        "update ratio",
        "How much one step changes the weights, ‖ΔW‖/‖W‖ (around 1e-3 is healthy).",
        True,
    ),
    "act_mean": ("activation mean", "Mean output of each layer's nonlinearity.", False),
    "act_std": ("activation std", "Spread of each layer's outputs.", False),
    "gamma_mean": ("mean gamma", "Average learned scale of each norm layer.", False),
    "running_var_mean": (
        "mean running variance",
        "Average of BN's running variance per layer.",
        False,
    ),
}


def _band(res, r, label: str, layer: int, names: dict, flat: float | None):
    n = min(len(r.diag_steps), len(r.diag["unit_p85"]))
    li = min(layer, r.config.depth) - 1  # a shallower config shows its last layer
    rows = {k: [row[li] for row in r.diag[k][:n]] for k in ("unit_p15", "unit_p50", "unit_p85")}
    return band_figure(
        r.diag_steps[:n], rows["unit_p15"], rows["unit_p50"], rows["unit_p85"],
        f"{names.get(label, label)}, layer {li + 1}: percentile band",
        color=series_styles(kinds(res))[label][0], flat_beyond=flat,
    )  # fmt: skip


def diagnostics(res) -> None:
    runs, names = res.by_label(), series_names(res)
    if not runs:
        return
    depth = max(rs[0].config.depth for rs in runs.values())
    act = next(iter(runs.values()))[0].config.activation
    layer = st.slider("Layer", 1, depth, depth, key="lab_diag_layer") if depth > 1 else 1
    st.markdown(
        f"Input to the nonlinearity of unit {res.runs[0].config.watch_unit} in layer {layer}, "
        "measured on held-out digits every few steps: the band spans the 15th to 85th "
        "percentile, the line is the median (first seed)."
    )
    flat = {"sigmoid": 3.64, "tanh": 1.82}.get(act)
    cols = st.columns(len(runs))
    for i, (label, rs) in enumerate(runs.items()):
        chart(cols[i], f"lab_band_{label}", res, (layer,), lambda rs=rs, label=label: _band(
            res, rs[0], label, layer, names, flat
        ))  # fmt: skip
    if flat:
        st.caption(f"Grey: where the {act} is nearly flat, so gradients through it almost vanish.")
    skip = {"relu": "saturation", "gelu": "saturation", "sigmoid": "dead", "tanh": "dead"}[act]
    options = [k for k in DIAGS if k != skip]
    name = st.selectbox(
        "Heatmap, layers over time",
        options,
        format_func=lambda k: DIAGS[k][0],
        key="lab_diag_metric",
    )
    st.caption(DIAGS[name][1])
    arrays = {label: diag_arrays(res, label, name) for label in runs}
    finite = [v[np.isfinite(v) & ((v > 0) | (not DIAGS[name][2]))] for _, v in arrays.values()]
    finite = np.concatenate([f.ravel() for f in finite]) if finite else np.zeros(0)
    zrange = (finite.min(), finite.max()) if finite.size else None  # one colour scale for all
    cols = st.columns(len(runs))
    for i, (label, (steps, vals)) in enumerate(arrays.items()):
        title = f"{names.get(label, label)}: {DIAGS[name][0]}"
        if steps.size and np.isfinite(vals).any():
            chart(cols[i], f"lab_heat_{label}", res, (name,), lambda s=steps, v=vals, t=title: (
                heatmap_figure(s, v, t, DIAGS[name][0], DIAGS[name][2], zrange)
            ))  # fmt: skip
        else:
            cols[i].caption(f"{title}: not measured for this setup.")
