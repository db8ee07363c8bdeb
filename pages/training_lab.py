"""Training lab: two MLPs trained side by side, live, with and without normalization.

Every setting of the page is in the URL (bnlib.ui.lab_settings declares them), so a copied
link reopens exactly this comparison, seeds included.
"""

import numpy as np
import streamlit as st

from bnlib.lab import config as C
from bnlib.lab.config import PRESETS, TrainConfig
from bnlib.lab.engine import resolve_device
from bnlib.lab.export import summary_rows, to_csv, to_json
from bnlib.lab.jobs import (
    ORPHAN_GRACE_S,
    Job,
    cap_torch_threads,
    curve_arrays,
    diag_arrays,
    server_queue,
)
from bnlib.settings import parse_query
from bnlib.ui import lab_session
from bnlib.ui import lab_settings as LS
from bnlib.ui.lab_settings import BY_COL, COLS, FIELDS, PRESET, SEED0, SEEDS, UNLINKED
from bnlib.ui.widgets import link_notices, number_widget, setting_widget
from bnlib.viz.lab_figures import band_figure, curves_figure, heatmap_figure, series_styles

cap_torch_threads(1)
_BEFORE = "_lab_unlinked_before"  # the unlinked list as last drawn


def _key(field: str, col: str) -> str:
    return BY_COL[col][field].key


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
            st.session_state[_key(f, "B")] = st.session_state.get(
                _key(f, "A"), BY_COL["A"][f].default
            )
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


def _config(col: str) -> TrainConfig:
    return LS.config_from_values(st.session_state, col)


def _start() -> None:
    st.session_state.pop("lab_error", None)
    old = st.session_state.get("lab_job")
    if old is not None and old.running:
        old.stop()  # one training per session: the old one ends before the new one starts
        old.thread.join(timeout=5.0)
        if old.running:
            st.session_state["lab_error"] = (
                "Your previous training is still stopping; press Train again in a moment."
            )
            return
    seed0, n = int(st.session_state[SEED0.key]), int(st.session_state[SEEDS.key])
    try:
        job = Job([_config(c) for c in COLS], range(seed0, seed0 + n), COLS, server_queue())
    except ValueError as exc:
        st.session_state["lab_error"] = str(exc)
        return
    st.session_state["lab_job"] = job.start()
    lab_session.track(job)  # a closed tab stops it and frees its slot


def _stop() -> None:
    job = st.session_state.get("lab_job")
    if job is not None:
        job.stop()
        if job.thread.is_alive():
            # The worker stops between layers, normally within a fraction of a second:
            # waiting here lets this very rerun show "Stopped." instead of the next tick's.
            job.thread.join(timeout=1.0)


def _widget(field: str, col: str) -> None:
    s, (label, kind) = BY_COL[col][field], FIELDS[field]
    if kind == "number":
        number_widget(s, label=label)
    elif kind == "checkbox":  # setting_widget would draw a toggle
        st.checkbox(label, value=s.default, key=s.key, bind="query-params", persist_state="session")
    else:
        setting_widget(s, label=label)


# --- page ------------------------------------------------------------------------------------

st.title("Training lab")
st.markdown(
    "Two copies of the same network learn the same digits at the same time: **A** without "
    "batch normalization, **B** with it (change either below). Each is trained with several "
    "seeds so you can tell a real effect from luck: lines are the mean over seeds, the shaded "
    "band spans the best and worst seed."
)

if not st.session_state.get("_lab_seen"):
    st.session_state["_lab_seen"] = True
    _preset_from_link()
link_notices(LS.ALL)
left, right = st.columns([2, 1])
with left:
    preset = setting_widget(PRESET, on_change=_apply_preset)
    st.caption(PRESETS[preset].blurb)
with right:
    unlinked = setting_widget(UNLINKED, on_change=_on_unlink)
st.session_state[_BEFORE] = list(unlinked)

st.markdown("**A**, and B wherever a setting is linked")
grid = st.columns(4)
for i, f in enumerate(FIELDS):
    with grid[i % 4]:
        _widget(f, "A")
st.markdown("**B**: the settings set separately")
grid = st.columns(4)
for i, f in enumerate(f for f in FIELDS if f in unlinked):
    with grid[i % 4]:
        _widget(f, "B")
if not unlinked:
    st.caption("Nothing is set apart: B is an exact copy of A (useful to see seed-to-seed spread).")

s1, s2, s3 = st.columns([1, 1, 2], vertical_alignment="bottom")
number_widget(SEEDS, s1)
number_widget(SEED0, s2)
job = st.session_state.get("lab_job")
running = job is not None and job.running
s3.button(
    "Train", key="lab_train", type="primary", on_click=_start, disabled=running, width="stretch"
)
device, notice = resolve_device(st.session_state[_key("device", "A")])
st.caption(
    f"Device: {device.type}{' (' + notice + ')' if notice else ''}. Limits on this shared "
    f"server: depth {C.MIN_DEPTH}-{C.MAX_DEPTH}, width up to {C.MAX_WIDTH}, at most "
    f"{C.MAX_STEPS:,} steps and {C.MAX_SEEDS} seeds per config; at most "
    f"{server_queue().capacity} trainings run at once, others wait in line."
)
if "lab_error" in st.session_state:
    st.error(st.session_state["lab_error"])


def _series_names(res) -> dict[str, str]:
    return {r.label: f"{r.label}: {C.NORM_LABELS[r.config.norm]}" for r in res.runs}


def _kinds(res) -> dict[str, str]:
    """label -> normalization: what a run is picks its colour, as in the lessons."""
    return {r.label: r.config.norm for r in res.runs}


@st.fragment(run_every=0.5 if running else None)
def monitor() -> None:
    job = st.session_state.get("lab_job")
    if job is None:
        st.info("Pick a preset or your own settings, then press **Train**.")
        return
    res, p = job.result, job.progress
    lab_session.keep_alive()
    # Stop lives in the ticking fragment: a press is then a rerun of this fragment, which
    # Streamlit queues behind a tick in progress instead of restarting the whole page.
    status, stop = st.columns([5, 1], vertical_alignment="center")
    if job.running:
        stop.button("Stop", key="lab_stop", on_click=_stop, width="stretch")
    if job.state == "waiting":
        status.info(
            f"All training slots are busy. You are number {max(1, job.queue_position)} in line."
        )
        # Nothing to draw yet: skip the (empty) charts. With a queue of waiting tabs each
        # ticking twice a second, drawing them took the CPU the trainings needed.
        return
    if p.steps_done == 0:  # the total is known once the data is loaded
        text = "Preparing the digits and the networks…" if job.running else "No step was trained."
        status.progress(0.0, text=text)
    else:
        eta = "" if p.eta_s is None or not job.running else f" · about {p.eta_s:.0f} s left"
        status.progress(p.fraction, text=f"{p.fraction:.0%} of {p.steps_total:,} run-steps{eta}")
    for n in res.notices:
        st.warning(n)
    if job.error:
        st.error(job.error)
    for r in res.runs:
        if r.status == "diverged":
            st.warning(
                f"{r.label}, seed {r.config.seed}: {r.message} (the loss became NaN or infinite)."
            )
    if res.cancelled and job.timed_out:
        st.warning(
            f"Stopped at this server's time limit of {job.budget.max_wall_s / 60:.0f} minutes "
            "per training. The curves show everything up to that point; fewer steps or a "
            "smaller network finish in time."
        )
    elif res.cancelled and job.abandoned:
        st.warning(
            f"Stopped because this tab was away for more than {ORPHAN_GRACE_S:.0f} s (closed, "
            "asleep or offline), to free its training slot for others. The curves show "
            "everything up to that point; press **Train** to run it again."
        )
    elif res.cancelled:
        st.warning("Stopped. The curves show everything up to that point.")
    names = _series_names(res)
    tab_c, tab_d, tab_s = st.tabs(["Curves", "Diagnostics", "Summary"])
    with tab_c:
        c1, c2 = st.columns(2)
        panels = [
            (
                "train_loss",
                "Training loss per step (mean over seeds, band = min to max)",
                "loss",
                True,
            ),
            ("val_loss", "Validation loss", "loss", True),
            ("val_acc", "Validation accuracy, eval mode (running statistics)", "accuracy", False),
            (
                "val_acc_train_mode",
                "Validation accuracy, train mode (batch statistics)",
                "accuracy",
                False,
            ),
        ]
        for i, (metric, title, ylab, log_y) in enumerate(panels):
            fig = curves_figure(
                curve_arrays(res, metric), title, ylab, names, log_y=log_y, kinds=_kinds(res)
            )
            (c1 if i % 2 == 0 else c2).plotly_chart(fig, width="stretch", key=f"lab_curve_{metric}")
        st.caption(
            "A gap between the two accuracy plots is the train/eval difference: in train mode BN "
            "normalizes with the statistics of each batch, in eval mode with its running averages."
        )
    with tab_d:
        _diagnostics(res, names)
    with tab_s:
        st.dataframe(summary_rows(res), hide_index=True)
        if job.state == "done" and res.runs:
            d1, d2 = st.columns(2)
            d1.download_button(
                "Download CSV", to_csv(res), "training_lab.csv", "text/csv", key="lab_dl_csv"
            )
            d2.download_button(
                "Download JSON",
                to_json(res),
                "training_lab.json",
                "application/json",
                key="lab_dl_json",
            )
        st.caption(f"Device used: {res.device}. {res.steps_per_s:,.0f} run-steps per second.")
    if running and not job.running:
        st.rerun()  # the job just ended: one full rerun turns the ticking off


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


def _diagnostics(res, names) -> None:
    runs = res.by_label()
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
        r = rs[0]
        n = min(len(r.diag_steps), len(r.diag["unit_p85"]))
        li = min(layer, r.config.depth) - 1  # a shallower config shows its last layer
        rows = {k: [row[li] for row in r.diag[k][:n]] for k in ("unit_p15", "unit_p50", "unit_p85")}
        fig = band_figure(
            r.diag_steps[:n], rows["unit_p15"], rows["unit_p50"], rows["unit_p85"],
            f"{names.get(label, label)}: percentile band of one unit, layer {li + 1}",
            color=series_styles(_kinds(res))[label][0], flat_beyond=flat,
        )  # fmt: skip
        cols[i].plotly_chart(fig, width="stretch", key=f"lab_band_{label}")
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
            fig = heatmap_figure(steps, vals, title, DIAGS[name][0], DIAGS[name][2], zrange)
            cols[i].plotly_chart(fig, width="stretch", key=f"lab_heat_{label}")
        else:
            cols[i].caption(f"{title}: not measured for this setup.")


monitor()
