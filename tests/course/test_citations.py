"""Citations (issue 12): every paper the course text cites by author and year is listed,
with a link, in the reference page's "Papers cited in this course" section (the "papers"
section of assets/lessons/reference.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# "Santurkar et al. (2018)", "Wu and He, 2018", "Ioffe & Szegedy 2015", "Santurkar et al.'s (2018)"
CITE = re.compile(
    r"\b([A-Z][a-zA-Z]+)(?: et al\.?| and [A-Z][a-zA-Z]+| & [A-Z][a-zA-Z]+|, [A-Z][a-zA-Z]+)*"
    r"(?:'s)?,? \(?(20\d\d)\b"
)
# the lab's page is another engineer's; the reference page holds the list itself
PAPERS = ROOT / "assets" / "lessons" / "reference.md"
PAPERS_MARKER = "<!-- papers -->"
CONTENT = [p for p in (ROOT / "pages").glob("*.py") if p.name not in ("training_lab.py",)]
CONTENT += [ROOT / "assets" / "glossary.json", ROOT / "assets" / "lesson_guides.json"]
CONTENT += sorted((ROOT / "assets" / "quiz").glob("*.json"))
CONTENT += sorted((ROOT / "assets" / "lessons").glob("*.md"))  # the pages' running text
CONTENT += [p for p in sorted((ROOT / "bnlib" / "viz").glob("*.py")) if p.name != "lab_figures.py"]


def _paper_list() -> list[str]:
    text = PAPERS.read_text(encoding="utf-8")
    block = text.split(PAPERS_MARKER, 1)[1].split("<!--")[0]
    entries = re.split(r"\n- ", "\n" + block.strip())
    return [" ".join(e.split()) for e in entries if e.strip()]


def _citations() -> set[tuple[str, str, str]]:
    found = set()
    for path in CONTENT:
        text = path.read_text(encoding="utf-8")
        if path == PAPERS:
            text = text.split(PAPERS_MARKER, 1)[0]
        for m in CITE.finditer(text):
            found.add((m.group(1), m.group(2), path.name))
    return found


def test_every_listed_paper_has_a_link():
    papers = _paper_list()
    assert len(papers) >= 10
    for entry in papers:
        assert re.search(r"https://(arxiv\.org/abs/\d{4}\.\d{4,5}|doi\.org/\S+)", entry), entry


def test_every_cited_paper_is_in_the_list():
    papers = _paper_list()
    cited = _citations()
    assert len({(a, y) for a, y, _ in cited}) >= 12  # the finder does find the citations
    missing = sorted(
        (author, year, where)
        for author, year, where in cited
        if not any(author in e and f"({year})" in e for e in papers)
    )
    assert not missing, f"cited but not listed on the reference page: {missing}"
