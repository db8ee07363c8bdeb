"""Questions from the bank on a page: the lesson's "check yourself" block and the pieces
the quiz page uses (ask, feedback)."""

from __future__ import annotations

import streamlit as st

from bnlib.course.quizbank import Question, for_lesson, load_bank
from bnlib.ui import progress


@st.cache_data(show_spinner=False)
def bank() -> list[Question]:
    """The validated question bank (loaded once per server)."""
    return load_bank()


def ask(q: Question, key: str):
    """Render one question; return the learner's response (None until they answer).

    single -> option index, multi -> list of indices, numeric -> float.
    """
    if q.kind == "single":
        return st.radio(
            q.prompt,
            range(len(q.options)),
            format_func=lambda i: q.options[i],
            index=None,
            key=key,
        )
    if q.kind == "multi":
        st.markdown(f"{q.prompt}  \n*(select all that apply)*")
        return [i for i, opt in enumerate(q.options) if st.checkbox(opt, key=f"{key}_{i}")]
    return st.number_input(
        q.prompt,
        value=None,
        format="%.4f",
        step=0.01,
        key=key,
        help=f"Answers within ±{q.tolerance:g} of the exact value count as right.",
    )


def feedback(q: Question, response) -> bool:
    """Show right/wrong with the explanation; return whether the response is right."""
    ok = q.is_correct(response)
    if ok:
        st.success(f"**Right.** {q.explanation}", icon=":material/check_circle:")
    elif response is None or response == []:
        st.warning(
            f"No answer given. The answer: {q.correct_text}. {q.explanation}",
            icon=":material/help:",
        )
    else:
        st.error(
            f"**Not quite.** The answer: {q.correct_text}. {q.explanation}",
            icon=":material/cancel:",
        )
    return ok


def check_yourself(url_path: str, limit: int = 4) -> bool:
    """Render the lesson's questions (at most `limit`), each with its own Check button.

    When every question is answered right the block counts as passed
    (shown in the sidebar and on the home map, and kept by this browser). Returns whether it is passed.
    """
    questions = for_lesson(bank(), url_path)[:limit]
    if not questions:
        return False
    st.subheader("Check yourself")
    results = []
    for q in questions:
        key = f"cy_{q.id}"
        with st.container(border=True):
            with st.form(key=f"form_{key}", border=False):
                response = ask(q, key)
                submitted = st.form_submit_button("Check", key=f"{key}_submit")
            if submitted or st.session_state.get(f"{key}_done"):
                st.session_state[f"{key}_done"] = True
                results.append(feedback(q, response))
    ok = len(results) == len(questions) and all(results)
    if ok:
        st.caption(":material/verified: Block passed: your course map now shows it.")
        if progress.mark_passed(url_path):
            st.rerun()  # so the sidebar, drawn before this page, shows the new mark
    else:
        earlier = (
            " You passed this block on an earlier visit; it stays passed."
            if progress.status(url_path) == "passed"
            else ""
        )
        st.caption(f"{sum(results)} of {len(questions)} right so far.{earlier}")
    return ok
