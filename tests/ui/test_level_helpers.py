"""bnlib.ui.level: the same page call gives different text at each expertise level."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

SCRIPT = """
import streamlit as st
from bnlib.ui.level import explain, why_box, term, term_help
explain(beginner="B text", intermediate="I text")
shown = why_box("because", up_to="intermediate")
st.markdown("Add " + term("eps") + " to the variance; " + term("not-a-term") + ".")
st.session_state["_help"] = term_help("momentum")
"""


def _run(level: str) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.session_state["expertise"] = level
    return at.run()


@pytest.mark.parametrize(
    ("level", "text", "why", "link", "has_help"),
    [
        ("beginner", "B text", True, True, True),
        ("intermediate", "I text", True, False, True),
        ("expert", "I text", False, False, False),
    ],
)
def test_helpers_follow_the_level(level, text, why, link, has_help):
    at = _run(level)
    assert not at.exception
    assert at.markdown[0].value == text
    assert (len(at.info) == 1) == why
    sentence = at.markdown[-1].value
    assert ("](glossary?glossary_q=epsilon" in sentence) == link
    assert "not-a-term" in sentence
    assert (at.session_state["_help"] is not None) == has_help


def test_unknown_level_falls_back_to_the_default():
    at = _run("wizard")
    assert at.markdown[0].value == "B text"


def test_a_glossary_link_carries_the_readers_level():
    """A glossary link opened in a new tab starts a new session: it says which level to use."""
    script = (
        "import streamlit as st\nfrom bnlib.ui.level import term\n"
        "st.markdown(term('eps', up_to='intermediate'))"
    )
    for level, tail in (("beginner", " "), ("intermediate", "&expertise=Intermediate ")):
        at = AppTest.from_string(script, default_timeout=30)
        at.session_state["expertise"] = level
        at.run()
        assert "](glossary?glossary_q=epsilon" + tail in at.markdown[0].value, level
