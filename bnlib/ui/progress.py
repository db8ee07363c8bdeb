"""Learner progress: lessons visited, "check yourself" blocks passed.

The live copy is kept in st.session_state, shared by every page of a tab's session.
bnlib.ui.progress_store copies it to the browser (localStorage) and back, so it
survives a reload and a new tab; the functions here that carry no `st.` (parse_stored,
merge, snapshot) are that copy's rules: what a stored value must look like, and how it
joins the session's. bnlib.ui.course_map draws progress; the sidebar offers a reset.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import streamlit as st

from bnlib.course.registry import PAGES, PageSpec

_KEY = "_progress"
_SYNCED = "_progress_synced"  # True once this session has taken in the browser's copy
_REPLACE = "_progress_replace"  # True after a reset, until the browser says it overwrote
STORAGE_VERSION = 1
MAX_STORED_CHARS = 20_000  # a full record is under 1,000; anything longer is not ours
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
    """Forget visits, passed blocks and which blocks were answered, here and in the
    browser's copy (written over on the next run, and not read back)."""
    st.session_state[_KEY] = {"visited": set(), "passed": set()}
    st.session_state[_SYNCED] = True
    st.session_state[_REPLACE] = True
    for key in list(st.session_state.keys()):
        if any(key.startswith(a) and key.endswith(b) for a, b in ANSWER_FLAGS):
            del st.session_state[key]


# --- the browser's copy: pure rules, tested without a browser --------------------------
def known_paths() -> frozenset[str]:
    """Every url path the registry knows: the only names a stored record may hold."""
    return frozenset(p.url_path for p in PAGES)


def parse_stored(raw: object, known: Iterable[str]) -> tuple[set[str], set[str]] | None:
    """Read what the browser kept: JSON text {"v": 1, "visited": [...], "passed": [...]}.

    Returns (visited, passed) with names outside `known` dropped and every passed page
    counted as visited, or None for anything that is not such a record (empty, too long,
    not JSON, another version, another app's value under the same name).
    """
    if not isinstance(raw, str) or not raw or len(raw) > MAX_STORED_CHARS:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("v") != STORAGE_VERSION:
        return None
    lists = [record.get("visited", []), record.get("passed", [])]
    if not all(isinstance(x, list) for x in lists):
        return None
    names = set(known)
    visited, passed = ({u for u in x if isinstance(u, str) and u in names} for x in lists)
    return visited | passed, passed


def merge(state: dict[str, set[str]], raw: object, known: Iterable[str]) -> bool:
    """Add a stored record to `state` ({"visited", "passed"} sets) in place.
    A bad record changes nothing. True if `state` gained a page."""
    record = parse_stored(raw, known)
    if record is None:
        return False
    before = len(state["visited"]) + len(state["passed"])
    state["visited"] |= record[0]
    state["passed"] |= record[1]
    return len(state["visited"]) + len(state["passed"]) != before


def snapshot(state: dict[str, set[str]], synced: bool, replace: bool) -> dict:
    """What the browser store is given: the progress to keep (sorted lists), whether the
    session has read the browser's copy yet, whether to overwrite it (after a reset) or
    first take in pages another tab added, and the names it may contain."""
    return {
        "v": STORAGE_VERSION,
        "synced": synced,
        "replace": replace,
        "visited": sorted(state["visited"]),
        "passed": sorted(state["passed"]),
        "known": sorted(known_paths()),
    }


def merge_from_browser(raw: object) -> bool:
    """Take in the browser's copy (for the store's callback); True if a page was added."""
    st.session_state[_SYNCED] = True
    return merge(_state(), raw, known_paths())


def browser_snapshot() -> dict:
    """snapshot() of this session. After a reset every snapshot asks for an overwrite until
    the browser confirms one (replaced()): handed over once, a run cut short by a rerun
    could drop it, and the old copy would then be merged back."""
    replace = bool(st.session_state.get(_REPLACE, False))
    return snapshot(_state(), bool(st.session_state.get(_SYNCED, False)), replace)


def replaced() -> None:
    """The browser overwrote its copy after a reset (for the store's callback)."""
    st.session_state.pop(_REPLACE, None)
