"""Coverage of the whole bank against the course map.

These check the merged bank: on a branch that holds only some lessons' question files,
the per-lesson test fails for the lessons whose files are still on other branches.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bnlib.course.quizbank import load_bank
from bnlib.course.registry import PAGES

MIN_PER_PAGE = 3
MIN_TOTAL = 40
# Pages with a "check yourself" block: the numbered lessons, plus the reference page.
CHECKED = [p.url_path for p in PAGES if p.lesson is not None] + ["reference"]


@pytest.mark.parametrize("url_path", CHECKED)
def test_every_lesson_page_has_enough_questions(url_path):
    counts = Counter(q.lesson for q in load_bank())
    assert counts[url_path] >= MIN_PER_PAGE, (
        f"{url_path}: {counts[url_path]} questions in assets/quiz/, need {MIN_PER_PAGE}"
    )


def test_bank_size_and_kinds():
    bank = load_bank()
    assert len(bank) >= MIN_TOTAL, f"{len(bank)} questions, need {MIN_TOTAL}"
    assert {q.kind for q in bank} == {"single", "multi", "numeric"}


def test_every_question_names_a_registered_page():
    urls = {p.url_path for p in PAGES}
    stray = [(q.source, q.id, q.lesson) for q in load_bank() if q.lesson not in urls]
    assert not stray, f"questions naming no registered page: {stray}"
