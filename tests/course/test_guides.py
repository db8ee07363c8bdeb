"""Per-page guides (assets/lesson_guides.json): every lesson and the reference have one,
every key word is in the glossary, and a malformed entry is rejected with its page named."""

from __future__ import annotations

import json

import pytest

from bnlib.course.glossary import lookup
from bnlib.course.guides import MAX_TERMS, GuideError, guide_for, guides, load_guides
from bnlib.course.registry import lessons, page_by_url

GOOD = {"why": "Because.", "terms": ["epsilon", "gamma"], "expert": "Precisely."}


def _load(tmp_path, entries, raw: str | None = None):
    path = tmp_path / "lesson_guides.json"
    path.write_text(raw if raw is not None else json.dumps(entries), encoding="utf-8")
    return load_guides(path)


def test_every_lesson_and_the_reference_have_a_guide():
    wanted = [p.url_path for p in lessons()] + ["reference"]
    missing = [url for url in wanted if guide_for(url) is None]
    assert not missing, f"pages without a guide in lesson_guides.json: {missing}"


def test_guides_are_short_and_name_glossary_terms():
    for url, g in guides().items():
        page_by_url(url)  # a registered page
        assert 1 <= len(g.terms) <= MAX_TERMS, url
        assert all(lookup(t) is not None for t in g.terms), url
        sentences = [s for s in g.why.replace("!", ".").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, f"{url}: the why box should be 2-4 sentences"
        assert any(ch.isdigit() for ch in g.why), f"{url}: give the beginner one number"
        assert len(g.why) <= 500, f"{url}: the why box pushes the page down"


BAD = [
    ("no-why", {"terms": ["epsilon"]}, "'why'"),
    ("empty-why", {"why": "  ", "terms": ["epsilon"]}, "'why'"),
    ("no-terms", {"why": "W."}, "'terms'"),
    ("empty-terms", {"why": "W.", "terms": []}, "'terms'"),
    ("terms-text", {"why": "W.", "terms": "epsilon"}, "'terms'"),
    ("unknown-term", {"why": "W.", "terms": ["epsilon", "flux capacitor"]}, "flux capacitor"),
    ("twice", {"why": "W.", "terms": ["epsilon", "EPS"]}, "twice"),
    ("too-many", {"why": "W.", "terms": ["epsilon"] * 7}, "keep it to"),
    ("extra", {**GOOD, "see": "x"}, "unknown field"),
    ("expert-empty", {**GOOD, "expert": ""}, "'expert'"),
    ("not-object", ["W."], "JSON object"),
]


@pytest.mark.parametrize(("why_bad", "entry", "word"), BAD, ids=[b[0] for b in BAD])
def test_malformed_entry_is_rejected_with_its_page(tmp_path, why_bad, entry, word):
    good = {"why": "W.", "terms": ["epsilon"]}
    with pytest.raises(GuideError) as err:
        _load(tmp_path, {"reference": good, "placement": entry})
    msg = str(err.value)
    assert "lesson_guides.json" in msg and "'placement'" in msg and word in msg, msg


def test_unknown_page_repeated_page_and_bad_files_are_rejected(tmp_path):
    good = {"why": "W.", "terms": ["epsilon"]}
    with pytest.raises(GuideError, match="'no-such-page'.*registered page"):
        _load(tmp_path, {"no-such-page": good})
    entry = json.dumps(good)
    with pytest.raises(GuideError, match="'placement': listed twice"):
        _load(tmp_path, None, raw=f'{{"placement": {entry}, "placement": {entry}}}')
    with pytest.raises(GuideError, match="keyed by url_path"):
        _load(tmp_path, [good])
    with pytest.raises(GuideError, match="not valid JSON"):
        _load(tmp_path, None, raw="{")


def test_a_good_file_loads_with_aliases_and_optional_expert_note(tmp_path):
    got = _load(tmp_path, {"placement": {"why": " W. ", "terms": ["eps", "dead ReLU"]}})
    g = got["placement"]
    assert g.why == "W." and g.terms == ("eps", "dead ReLU") and g.expert is None
