"""Per-browser-session progress: lessons visited, "check yourself" blocks passed.

Kept in st.session_state, so it lasts as long as the browser tab's session and is
shared by every page. bnlib.ui.course_map draws it; the sidebar offers a reset.
"""

from __future__ import annotations

import streamlit as st

from bnlib.course.registry import PAGES, PageSpec

_KEY = "_progress"
# Pages that count towards progress: the numbered lessons, the lab and the reference.
EXTRA_TRACKED = ("training-lab", "reference")


def tracked() -> list[PageSpec]:
    """The pages progress is counted over, in course order."""
    lessons = sorted((p for p in PAGES if p.lesson is not None), key=lambda p: p.lesson)
    return lessons + [p for p in PAGES if p.url_path in EXTRA_TRACKED]


def _state() -> dict[str, set[str]]:
    if _KEY not in st.session_state:
        st.session_state[_KEY] = {"visited": set(), "passed": set()}
    return st.session_state[_KEY]


def mark_visited(url_path: str) -> bool:
    """Record a visit; True if it is the first one this session."""
    seen = _state()["visited"]
    new = url_path not in seen
    seen.add(url_path)
    return new


def mark_passed(url_path: str) -> bool:
    """Record a passed "check yourself" block (a pass implies a visit); True if new."""
    done = _state()["passed"]
    new = url_path not in done
    done.add(url_path)
    _state()["visited"].add(url_path)
    return new


def visited() -> set[str]:
    return set(_state()["visited"])


def passed() -> set[str]:
    return set(_state()["passed"])


def status(url_path: str) -> str:
    """ "passed", "visited" or "new"."""
    if url_path in _state()["passed"]:
        return "passed"
    if url_path in _state()["visited"]:
        return "visited"
    return "new"


MARKS = {"passed": "✓", "visited": "•", "new": "○"}
MARK_WORDS = {"passed": "check passed", "visited": "visited", "new": "not visited yet"}


def mark(url_path: str) -> str:
    """A one-character progress mark: ✓ passed, • visited, ○ not yet."""
    return MARKS[status(url_path)]


def nav_title(spec: PageSpec) -> str:
    """A navigation title with a ✓ once the page's block is passed (for app.py)."""
    return f"{spec.title} ✓" if status(spec.url_path) == "passed" else spec.title


def counts() -> tuple[int, int, int]:
    """(visited, passed, total) over the tracked pages."""
    urls = {p.url_path for p in tracked()}
    state = _state()
    return len(state["visited"] & urls), len(state["passed"] & urls), len(urls)


# session_state flags that record answered blocks ("cy_<id>_done", set by
# bnlib.ui.quiz.check_yourself) and graded quizzes ("quiz_graded_..."): a reset clears
# them too, or a block still answered on screen would count as passed again at once.
ANSWER_FLAGS = (("cy_", "_done"), ("quiz_graded_", ""))


def reset() -> None:
    """Forget visits, passed blocks and which blocks were answered."""
    st.session_state[_KEY] = {"visited": set(), "passed": set()}
    for key in list(st.session_state.keys()):
        if any(key.startswith(a) and key.endswith(b) for a, b in ANSWER_FLAGS):
            del st.session_state[key]
