"""Quiz: a seeded mix of questions from every lesson, scored, with a review of the misses."""

import streamlit as st

from bnlib.course.quizbank import draw
from bnlib.course.registry import page_by_url
from bnlib.settings import Setting, register
from bnlib.ui import level as lv
from bnlib.ui.quiz import ask, bank, feedback
from bnlib.ui.widgets import link_notices, setting_widget

QUIZ_SEED = Setting(
    "quiz_seed", "int", 1, "Quiz number", min=0, max=999,
    help="Each number draws a different mix. Share the link and a colleague gets the same quiz.",
)  # fmt: skip
QUIZ_N = Setting("quiz_n", "choice", 10, "Questions", choices=(5, 10, 15, 20))
register(QUIZ_SEED, QUIZ_N)


def new_quiz() -> None:
    st.session_state[QUIZ_SEED.key] = (st.session_state.get(QUIZ_SEED.key, 1) + 1) % 1000


st.title("Quiz")
lv.explain(
    beginner=(
        "Test yourself on the whole course. Pick your answers, then press **Grade my quiz** "
        "at the bottom. Every question comes with an explanation, and the ones you miss "
        "link back to the lesson that covers them. Nothing is recorded except your "
        "progress in this browser tab."
    ),
    intermediate="A mixed quiz over every lesson. Answer, grade, then review what you missed.",
    expert="Mixed questions over the whole course; graded, with links for the misses.",
)
link_notices([QUIZ_SEED, QUIZ_N])
left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
seed = setting_widget(QUIZ_SEED, container=left)
n = setting_widget(QUIZ_N, container=mid)
right.button("New quiz", on_click=new_quiz, icon=":material/casino:", key="quiz_new")

questions = draw(bank(), seed, n)
graded_key = f"quiz_graded_{seed}_{n}"
with st.form(f"quiz_form_{seed}_{n}"):
    responses = []
    for i, q in enumerate(questions, start=1):
        st.markdown(f"**Question {i}**")
        responses.append(ask(q, key=f"qz_{seed}_{q.id}"))
        st.divider()
    if st.form_submit_button("Grade my quiz", type="primary", key="quiz_grade"):
        st.session_state[graded_key] = True

if st.session_state.get(graded_key):
    results = [q.is_correct(r) for q, r in zip(questions, responses, strict=True)]
    score = sum(results)
    st.metric("Score", f"{score} / {len(questions)}")
    st.progress(score / len(questions) if questions else 0.0)
    missed = [
        (i, q, r)
        for i, (q, r, ok) in enumerate(zip(questions, responses, results, strict=True), 1)
        if not ok
    ]
    if not missed:
        st.success("Every answer right. Try another quiz number for a fresh mix.")
    else:
        st.subheader(f"Review: {len(missed)} to look at again")
        for i, q, r in missed:
            with st.container(border=True):
                st.markdown(f"**Question {i}.** {q.prompt}")
                feedback(q, r)
                try:
                    spec = page_by_url(q.lesson)
                except KeyError:
                    spec = None
                if spec is not None and spec.exists:
                    st.page_link(spec.path, label=f"Back to {spec.title}", icon=spec.icon)
                elif spec is not None:
                    st.caption(f"From {spec.title} (page coming soon).")
    if lv.at_most("intermediate"):
        with st.expander("All answers and explanations"):
            for i, (q, r) in enumerate(zip(questions, responses, strict=True), 1):
                st.markdown(f"**Question {i}.** {q.prompt}")
                feedback(q, r)
