"""Lesson text files: sections, level variants and the messages a writer gets."""

from __future__ import annotations

import pytest

from bnlib.course.lesson_text import LESSONS_DIR, LessonTextError, lesson_text, parse
from bnlib.course.registry import PAGES

DOC = """note for writers, ignored
<!-- intro -->
Plain text.

<!-- intro: beginner -->
Simple text.
<!-- intro: expert -->
Expert text.
<!-- only-expert: expert -->
Deep text.
"""


def test_sections_and_level_fallback():
    sections = parse(DOC)
    assert set(sections) == {"intro", "only-expert"}
    from bnlib.course.lesson_text import LessonText

    t = LessonText(LESSONS_DIR / "x.md", sections)
    assert t.get("intro", "beginner") == "Simple text."
    assert t.get("intro", "intermediate") == "Plain text."  # no variant of its own: the plain one
    assert t.get("intro", "expert") == "Expert text."
    assert t.get("only-expert", "beginner") == "Deep text."  # nothing else: the more detailed
    no_plain = LessonText(
        LESSONS_DIR / "x.md", parse("<!-- a: beginner -->\nB\n<!-- a: expert -->\nE")
    )
    assert no_plain.get("a", "intermediate") == "E"
    assert t.levelled() == ["intro", "only-expert"]


@pytest.mark.parametrize(
    "doc, words",
    [
        ("<!-- a -->\n\n<!-- b -->\nx", "'a' (all levels) is empty"),
        ("<!-- a: novice -->\nx", "unknown level 'novice'"),
        ("<!-- a -->\nx\n<!-- a -->\ny", "'a' (all levels) is written twice"),
        ("<!-- a -->\nx\n<!-- Bad Name -->\ny", "a marker is '<!-- name -->'"),
    ],
)
def test_malformed_text_names_the_problem(doc, words):
    with pytest.raises(LessonTextError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(doc, "t.md")


def test_unknown_section_and_level_say_what_exists():
    from bnlib.course.lesson_text import LessonText

    t = LessonText(LESSONS_DIR / "x.md", parse("<!-- a -->\nx\n<!-- b -->\ny"))
    with pytest.raises(LessonTextError, match="no section 'c'; it has a, b"):
        t.get("c")
    with pytest.raises(LessonTextError, match="level must be one of"):
        t.get("a", "guru")


def test_a_missing_file_says_where_to_create_it():
    with pytest.raises(LessonTextError, match="create assets/lessons/no-such-page.md"):
        lesson_text("no-such-page")


def test_every_text_file_belongs_to_a_page_and_parses():
    urls = {p.url_path for p in PAGES}
    for path in LESSONS_DIR.glob("*.md"):
        assert path.stem in urls, f"{path.name} names no registered page"
        assert lesson_text(path.stem).sections
