"""A lesson text section with numbers filled in: prose() for sentences that quote a result.

A section of assets/lessons/<url_path>.md may hold placeholders such as {ratio}; the page
passes their values, already formatted. Only the names passed are replaced, so LaTeX braces
elsewhere in the section are left alone. A name the section does not contain is an error
(a renamed placeholder would otherwise show up as literal braces).
"""

from __future__ import annotations

import streamlit as st

from bnlib.course.lesson_text import LessonTextError, lesson_text
from bnlib.ui.level import level


def filled(url_path: str, name: str, **values: str) -> str:
    """Section `name` at the reader's level with each {key} replaced by values[key]."""
    text = lesson_text(url_path).get(name, level())
    for key, value in values.items():
        token = "{" + key + "}"
        if token not in text:
            raise LessonTextError(f"{url_path}.md: section {name!r} has no placeholder {token}")
        text = text.replace(token, str(value))
    return text


def prose_with(url_path: str, name: str, box=None, **values: str) -> str:
    """Write section `name` with its placeholders filled (see filled); returns the text."""
    text = filled(url_path, name, **values)
    (box or st).markdown(text)
    return text
