"""The rules for the browser's copy of progress (bnlib.ui.progress): what a stored record
must look like, and how it joins a session's progress. Pure python, no browser."""

from __future__ import annotations

import json

import pytest

from bnlib.course.registry import PAGES
from bnlib.ui import progress

KNOWN = progress.known_paths()


def record(visited=(), passed=(), v=progress.STORAGE_VERSION) -> str:
    return json.dumps({"v": v, "visited": list(visited), "passed": list(passed)})


def fresh() -> dict[str, set[str]]:
    return {"visited": set(), "passed": set()}


def test_known_paths_are_the_registry():
    assert {p.url_path for p in PAGES} == KNOWN
    assert "batch-size" in KNOWN


def test_a_valid_record_is_read_and_a_pass_counts_as_a_visit():
    got = progress.parse_stored(record(["batch-size"], ["gamma-beta"]), KNOWN)
    assert got == ({"batch-size", "gamma-beta"}, {"gamma-beta"})


def test_unknown_names_and_non_strings_are_dropped():
    raw = record(["batch-size", "no-such-page", 7, None, ["x"]], ["../etc", "gamma-beta"])
    assert progress.parse_stored(raw, KNOWN) == ({"batch-size", "gamma-beta"}, {"gamma-beta"})


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json {",
        "null",
        "42",
        '"batch-size"',
        '["batch-size"]',
        '{"visited": ["batch-size"]}',  # no version
        record(["batch-size"], v=2),  # a future format
        record(["batch-size"], v="1"),
        '{"v": 1, "visited": "batch-size"}',  # a string, not a list
        '{"v": 1, "visited": {"batch-size": true}}',
        '{"v": 1, "passed": null}',
        record(["batch-size"] * 5000),  # longer than any record of ours
        b'{"v": 1}',  # bytes: the component only ever sends text
        {"v": 1, "visited": ["batch-size"]},  # an object, not text
    ],
)
def test_anything_else_is_ignored(raw):
    assert progress.parse_stored(raw, KNOWN) is None
    state = {"visited": {"home"}, "passed": set()}
    assert progress.merge(state, raw, KNOWN) is False
    assert state == {"visited": {"home"}, "passed": set()}


def test_merge_adds_and_says_whether_anything_was_new():
    state = {"visited": {"home"}, "passed": set()}
    assert progress.merge(state, record(["batch-size"], ["gamma-beta"]), KNOWN) is True
    assert state == {"visited": {"home", "batch-size", "gamma-beta"}, "passed": {"gamma-beta"}}
    # the same record again, or a subset: nothing new, so no redraw is asked for
    assert progress.merge(state, record(["batch-size"]), KNOWN) is False
    assert progress.merge(state, record(), KNOWN) is False
    # a pass of a page already visited is new
    assert progress.merge(state, record(passed=["batch-size"]), KNOWN) is True
    assert state["passed"] == {"gamma-beta", "batch-size"}


def test_merge_never_removes():
    state = {"visited": {"home", "batch-size"}, "passed": {"batch-size"}}
    progress.merge(state, record(), KNOWN)
    assert state == {"visited": {"home", "batch-size"}, "passed": {"batch-size"}}


def test_snapshot_round_trips_through_the_stored_form():
    state = {"visited": {"gamma-beta", "batch-size"}, "passed": {"gamma-beta"}}
    snap = progress.snapshot(state, synced=True, replace=False)
    assert snap["visited"] == ["batch-size", "gamma-beta"]  # sorted: the same text each run
    assert snap["synced"] is True and snap["replace"] is False
    assert set(snap["known"]) == KNOWN
    json.dumps(snap)  # what the component receives must be JSON
    # what the component writes is {"v", "visited", "passed"} from the snapshot
    stored = json.dumps({k: snap[k] for k in ("v", "visited", "passed")})
    again = fresh()
    assert progress.merge(again, stored, KNOWN) is True
    assert again == state
