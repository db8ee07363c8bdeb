"""Per-page reading guides: assets/lesson_guides.json, validated on load. Pure python.

What a page adds around its own text, depending on the reader's expertise level
(rendered by bnlib.ui.lesson.header). The file holds one JSON object keyed by the
page's url_path (see bnlib.course.registry):

    "batch-statistics": {
      "why": "...",                 for beginners: why this page matters, 2-4 sentences
      "terms": ["epsilon", ...],    the page's key words, 1-6 glossary names (or aliases)
      "expert": "..."               optional: one precise remark for experts
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bnlib.course.glossary import Term, glossary, lookup
from bnlib.course.jsonfile import read_json
from bnlib.course.registry import PAGES
from bnlib.data.paths import ASSETS

GUIDES_FILE = ASSETS / "lesson_guides.json"
_FIELDS = {"why", "terms", "expert"}
MAX_TERMS = 6


class GuideError(ValueError):
    """A malformed guide entry; the message names the file and the page."""


@dataclass(frozen=True)
class Guide:
    page: str  # url_path
    why: str
    terms: tuple[str, ...]
    expert: str | None = None


def _fail(where: str, page, msg: str):
    raise GuideError(f"{where}: page {page!r}: {msg}")


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def parse_guide(
    page, raw, where: str = "<guides>", terms: tuple[Term, ...] | None = None, pages=None
) -> Guide:
    """One entry, checked: known page, known fields, glossary terms that exist."""
    known = {p.url_path for p in (PAGES if pages is None else pages)}
    if not _text(page) or page not in known:
        _fail(where, page, "is not the url_path of a registered page")
    if not isinstance(raw, dict):
        _fail(where, page, "each entry must be a JSON object")
    extra = set(raw) - _FIELDS
    if extra:
        _fail(where, page, f"unknown field(s) {sorted(extra)}")
    if not _text(raw.get("why")):
        _fail(where, page, "needs a non-empty string 'why'")
    names = raw.get("terms")
    if not isinstance(names, list) or not names or not all(_text(n) for n in names):
        _fail(where, page, "'terms' must be a non-empty list of non-empty strings")
    if len(names) > MAX_TERMS:
        _fail(where, page, f"'terms' lists {len(names)} words; keep it to {MAX_TERMS} or fewer")
    pool = glossary() if terms is None else terms
    seen: set[str] = set()
    for name in names:
        entry = lookup(name, pool)
        if entry is None:
            _fail(where, page, f"term {name!r} is not in the glossary")
        if entry.term in seen:
            _fail(where, page, f"term {name!r} is listed twice")
        seen.add(entry.term)
    expert = raw.get("expert")
    if expert is not None and not _text(expert):
        _fail(where, page, "'expert' must be a non-empty string when given")
    return Guide(page, raw["why"].strip(), tuple(names), expert.strip() if expert else None)


class _Repeated(Exception):
    pass


def _no_repeats(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Repeated(key)
        out[key] = value
    return out


def load_guides(
    path: Path | str = GUIDES_FILE, terms: tuple[Term, ...] | None = None, pages=None
) -> dict[str, Guide]:
    """Every entry, validated, by url_path."""
    path = Path(path)
    try:
        raw = read_json(
            path, GuideError, dict, "a JSON object keyed by url_path", object_pairs_hook=_no_repeats
        )
    except _Repeated as exc:
        raise GuideError(f"{path.name}: page {exc.args[0]!r}: listed twice") from None
    return {page: parse_guide(page, entry, path.name, terms, pages) for page, entry in raw.items()}


@lru_cache(maxsize=1)
def guides() -> dict[str, Guide]:
    """The app's guides, loaded once."""
    return load_guides()


def guide_for(url_path: str) -> Guide | None:
    """The guide of this page, or None where the page has none."""
    return guides().get(url_path)
