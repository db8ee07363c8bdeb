"""bnlib.ui.glossary_links: what a clicked link may ask for (the browser is untrusted)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

SCRIPT = """
import streamlit as st
from bnlib.ui.glossary_links import target
st.session_state["_out"] = [target(raw) for raw in st.session_state["_raw"]]
"""


def _targets(raws: list, level: str = "beginner") -> list:
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.session_state["_raw"] = raws
    at.session_state["expertise"] = level
    at.run()
    assert not at.exception
    return at.session_state["_out"]


def test_a_known_term_or_alias_opens_under_its_own_name():
    got = _targets(["epsilon", "eps", " Momentum "])
    assert got == [
        {"glossary_q": "epsilon"},
        {"glossary_q": "epsilon"},
        {"glossary_q": "momentum"},
    ]


@pytest.mark.parametrize("raw", [None, 3, "", "not a term", "<img src=x>", ["eps"]])
def test_anything_else_is_ignored(raw):
    assert _targets([raw]) == [None]


def test_the_reader_level_travels_along_when_not_the_default():
    assert _targets(["eps"], "expert") == [{"glossary_q": "epsilon", "expertise": "Expert"}]
