"""Training lab: two MLPs trained side by side, live, with and without normalization.

Every setting of the page is in the URL (bnlib.ui.lab_settings declares them), so a copied
link reopens exactly this comparison, seeds included. bnlib.ui.lab_view draws the settings
and the result tabs; bnlib.lab.report puts the numbers into words.
"""

import streamlit as st

from bnlib.lab import config as C
from bnlib.lab.engine import resolve_device
from bnlib.lab.export import to_csv, to_json
from bnlib.lab.jobs import ORPHAN_GRACE_S, Job, cap_torch_threads, server_queue
from bnlib.lab.report import lower_first, progress_line
from bnlib.ui import lab_session, lab_view
from bnlib.ui import lab_settings as LS
from bnlib.ui.lab_settings import COLS, SEED0, SEEDS

cap_torch_threads(1)


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
    configs = [LS.config_from_values(st.session_state, c) for c in COLS]
    try:
        job = Job(configs, range(seed0, seed0 + n), COLS, server_queue())
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


st.title("Training lab")
norm_a, norm_b = (LS.column_values(st.session_state, c)["norm"] for c in COLS)
st.markdown(
    "Two copies of a network learn the same data at the same time: **A** with "
    f"*{lower_first(C.choice_label('norm', norm_a))}*, **B** with "
    f"*{lower_first(C.choice_label('norm', norm_b))}* "
    "(change either below). Each is trained with several seeds so you can tell a real effect "
    "from luck: lines are the mean over seeds, the shaded band spans the best and worst seed."
)
lab_view.settings()
job = st.session_state.get("lab_job")
running = job is not None and job.running
st.button("Train", key="lab_train", type="primary", on_click=_start, disabled=running)
device, why = resolve_device(LS.column_values(st.session_state, "A")["device"])
st.caption(
    f"Device: {device.type}{' (' + why + ')' if why else ''}. Limits on this shared "
    f"server: depth {C.MIN_DEPTH}-{C.MAX_DEPTH}, width up to {C.MAX_WIDTH}, at most "
    f"{C.MAX_STEPS:,} steps and {C.MAX_SEEDS} seeds per config; at most "
    f"{server_queue().capacity} trainings run at once, others wait in line."
)
if "lab_error" in st.session_state:
    st.error(st.session_state["lab_error"])


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
        status.progress(p.fraction, text=progress_line(p, res, job.running))
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
    elif job.state == "done" and not job.error:
        lab_view.notice(res)
    tab_c, tab_d, tab_s = st.tabs(["Curves", "Diagnostics", "Summary"])
    with tab_c:
        lab_view.curves(res)
    with tab_d:
        lab_view.diagnostics(res)
    with tab_s:
        lab_view.summary(res)
        if job.state == "done" and res.runs:
            d1, d2 = st.columns(2)
            d1.download_button(
                "Download CSV", to_csv(res), "training_lab.csv", "text/csv", key="lab_dl_csv"
            )
            d2.download_button(
                "Download JSON", to_json(res), "training_lab.json", "application/json",
                key="lab_dl_json",
            )  # fmt: skip
        st.caption(f"Device used: {res.device}.")
    if running and not job.running:
        st.rerun()  # the job just ended: one full rerun turns the ticking off


monitor()
