"""bnlib.ui.lesson.words: one way for every page to fill numbers and glossary links into
its text file's sections."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _app(section: str, values: dict, level: str = "beginner") -> AppTest:
    def script(section, values, level):
        import streamlit as st

        from bnlib.course.lesson_text import LessonTextError
        from bnlib.ui.lesson import words

        st.session_state["expertise"] = level
        try:
            st.markdown(words("train-vs-inference", section, **values))
        except LessonTextError as exc:
            st.error(str(exc))

    return AppTest.from_function(script, args=(section, values, level)).run()


def test_numbers_fill_their_slots_and_unused_values_are_fine():
    at = _app("batch-of-one", {"x0": "1.5", "y": "0.25", "unused": "7"})
    text = at.markdown[0].value
    assert "x = 1.5 gives 0.25" in text and "{{" not in text


def test_a_slot_without_a_value_says_which():
    at = _app("batch-of-one", {"x0": "1.5"})
    assert "needs a value for {{y}}" in at.error[0].value
