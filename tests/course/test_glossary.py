"""The glossary: schema validation with the bad entry named, required terms, search."""

from __future__ import annotations

import json

import pytest

from bnlib.course.glossary import GlossaryError, glossary, load_glossary, lookup, search
from bnlib.course.registry import PAGES

GOOD = {"term": "epsilon", "aliases": ["eps"], "short": "Small.", "long": "Longer.", "lesson": "x"}


def _load(tmp_path, entries):
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return load_glossary(path)


BAD = [
    ("no-short", {"term": "no-short", "long": "x"}, "short"),
    ("empty-long", {"term": "empty-long", "short": "x", "long": " "}, "long"),
    ("extra", {**GOOD, "term": "extra", "aliases": [], "see": "y"}, "unknown field"),
    ("aliases-text", {**GOOD, "term": "aliases-text", "aliases": "eps2"}, "aliases"),
    ("alias-empty", {**GOOD, "term": "alias-empty", "aliases": [""]}, "aliases"),
    ("lesson-num", {**GOOD, "term": "lesson-num", "aliases": [], "lesson": 3}, "lesson"),
    ("clash", {**GOOD, "term": "clash", "aliases": ["EPS"]}, "already used"),
]


@pytest.mark.parametrize(("name", "entry", "word"), BAD, ids=[b[0] for b in BAD])
def test_malformed_entry_is_rejected_by_name(tmp_path, name, entry, word):
    with pytest.raises(GlossaryError) as err:
        _load(tmp_path, [GOOD, entry])
    msg = str(err.value)
    assert "glossary.json" in msg and name in msg and word in msg


def test_missing_term_non_object_and_bad_file(tmp_path):
    with pytest.raises(GlossaryError, match="'term'"):
        _load(tmp_path, [{"short": "x", "long": "y"}])
    with pytest.raises(GlossaryError, match="JSON object"):
        _load(tmp_path, [3])
    with pytest.raises(GlossaryError, match="list"):
        _load(tmp_path, {"term": "x"})
    (tmp_path / "glossary.json").write_text("[", encoding="utf-8")
    with pytest.raises(GlossaryError, match="not valid JSON"):
        load_glossary(tmp_path / "glossary.json")


def test_app_glossary_is_big_enough_and_has_the_core_terms():
    terms = glossary()
    assert len(terms) >= 30
    for name in (
        "internal covariate shift",
        "mini-batch",
        "epsilon",
        "affine transform",
        "running average",
        "momentum",
        "saturation",
        "gradient plateau",
    ):
        assert lookup(name) is not None, name


def test_lessons_named_by_terms_are_registered():
    urls = {p.url_path for p in PAGES}
    assert all(t.lesson in urls for t in glossary() if t.lesson)


def test_lookup_and_search():
    assert lookup("EPS").term == "epsilon"
    assert lookup("no such thing") is None
    names = [t.term for t in search("group norm")]
    assert names[0] == "group normalization"
    assert search("") == list(glossary())
    assert search("zzzz-not-there") == []
