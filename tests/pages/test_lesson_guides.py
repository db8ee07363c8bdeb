"""The expertise level changes every lesson page through lesson.header(): beginners get
the page's "why this matters" box and key words, intermediates the words folded away,
experts only the expert note. Driven through app.py, as a reader would reach the page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bnlib.course.guides import guide_for
from bnlib.course.registry import ROOT, page_by_url
from bnlib.ui.lesson import WHY_TITLE, WORDS_LABEL
from bnlib.ui.level import LEVEL_KEY

APP = str(ROOT / "app.py")
PAGES = [
    "batch-statistics",
    "train-vs-inference",
    "convolutions",
    "alternatives",
    "non-random-batches",
    "reference",
]


def _open(url: str, level: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    # After switch_page AppTest keeps only what the page draws, not the sidebar widget,
    # so the level is set where the sidebar keeps it.
    at.session_state[LEVEL_KEY] = level
    at.switch_page(page_by_url(url).path).run()
    assert not at.exception, f"{url} at {level}: {at.exception}"
    return at


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


@pytest.mark.parametrize("url", PAGES)
def test_beginner_sees_why_box_and_key_words(url):
    guide = guide_for(url)
    at = _open(url, "beginner")
    assert any(t.startswith(f"**{WHY_TITLE}** {guide.why}") for t in _texts(at.info))
    words = [t for t in _texts(at.caption) if t.startswith(WORDS_LABEL)]
    assert len(words) == 1
    for name in guide.terms:  # each a glossary link with its definition as hover text
        assert f"[{name}](glossary?glossary_q=" in words[0], name
    assert not any(t.startswith("Expert note:") for t in _texts(at.caption))


@pytest.mark.parametrize("url", PAGES)
def test_expert_gets_the_lean_page(url):
    guide = guide_for(url)
    at = _open(url, "expert")
    assert not any(guide.why in t for t in _texts(at.info))
    assert not any(WORDS_LABEL in t for t in _texts(at.caption))
    assert WORDS_LABEL not in [e.label for e in at.expander]
    notes = [t for t in _texts(at.caption) if t.startswith("Expert note:")]
    assert notes == ([f"Expert note: {guide.expert}"] if guide.expert else [])


def test_intermediate_gets_the_words_in_a_closed_expander():
    url = "gradient-flow"
    guide = guide_for(url)
    at = _open(url, "intermediate")
    assert not any(guide.why in t for t in _texts(at.info))
    (words,) = [e for e in at.expander if e.label == WORDS_LABEL]
    assert not words.proto.expanded  # closed: the first chart stays near the top
    listed = words.markdown[0].value
    for name in guide.terms:
        assert f"**[{name}](glossary?glossary_q=" in listed, name
    assert not any(t.startswith("Expert note:") for t in _texts(at.caption))


def test_level_change_is_kept_when_moving_to_another_page():
    at = _open("placement", "expert")
    at.switch_page(page_by_url("batch-size").path).run()
    assert not at.exception
    assert at.session_state[LEVEL_KEY] == "expert"
    assert not any(guide_for("batch-size").why in t for t in _texts(at.info))
