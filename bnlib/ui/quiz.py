"""The "check yourself" block: questions from the bank, with feedback after each answer."""

from __future__ import annotations

import streamlit as st

from bnlib.quizbank import Question, for_lesson, load_bank
from bnlib.ui import progress


@st.cache_data(show_spinner=False)
def _bank() -> list[Question]:
    return load_bank()


def ask(q: Question, key: str):
    """Render one question; return the learner's response (None until they pick)."""
    if q.kind == "single":
        choice = st.radio(
            q.prompt,
            range(len(q.options)),
            format_func=lambda i: q.options[i],
            index=None,
            key=key,
        )
        return choice
    if q.kind == "multi":
        st.markdown(f"{q.prompt}  \n*(select all that apply)*")
        return [i for i, opt in enumerate(q.options) if st.checkbox(opt, key=f"{key}_{i}")]
    return st.number_input(q.prompt, value=None, format="%.4f", key=key)


def feedback(q: Question, response) -> bool:
    ok = q.is_correct(response)
    if ok:
        st.success(f"Right. {q.explanation}", icon=":material/check_circle:")
    else:
        st.error(
            f"Not quite. The answer: {q.correct_text}. {q.explanation}", icon=":material/cancel:"
        )
    return ok


def check_yourself(lesson: str, limit: int = 4) -> None:
    """Render the lesson's questions (at most `limit`); mark the block passed when all are right."""
    questions = for_lesson(_bank(), lesson)[:limit]
    if not questions:
        return
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
    if len(results) == len(questions) and all(results):
        progress.mark_passed(lesson)
        st.caption(":material/verified: Block passed: progress saved for this session.")
