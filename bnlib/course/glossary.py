"""The glossary: assets/glossary.json, validated on load. Pure python.

The file holds a JSON list of entries:

    {"term": "epsilon",                 unique (case-insensitive), with its aliases
     "aliases": ["eps"],                optional: other names the term is looked up by
     "short": "...",                    one sentence; used as a tooltip
     "long": "...",                     a longer explanation for beginners
     "lesson": "batch-statistics"}      optional: url_path of the page that teaches it
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bnlib.course.jsonfile import read_json
from bnlib.data.paths import ASSETS

GLOSSARY_FILE = ASSETS / "glossary.json"
_FIELDS = {"term", "aliases", "short", "long", "lesson"}


class GlossaryError(ValueError):
    """A malformed glossary entry; the message names the file and the term."""


@dataclass(frozen=True)
class Term:
    term: str
    short: str
    long: str
    aliases: tuple[str, ...] = ()
    lesson: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)

    def matches(self, query: str) -> bool:
        """Case-insensitive substring search over the names and both explanations."""
        q = query.strip().lower()
        if not q:
            return True
        return any(q in text.lower() for text in (*self.names, self.short, self.long))


def _fail(where: str, name, msg: str):
    raise GlossaryError(f"{where}: term {name!r}: {msg}")


def parse_entry(raw, where: str = "<glossary>") -> Term:
    if not isinstance(raw, dict):
        _fail(where, None, "each entry must be a JSON object")
    name = raw.get("term")
    if not isinstance(name, str) or not name.strip():
        _fail(where, name, "needs a non-empty string 'term'")
    extra = set(raw) - _FIELDS
    if extra:
        _fail(where, name, f"unknown field(s) {sorted(extra)}")
    for key in ("short", "long"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(where, name, f"needs a non-empty string {key!r}")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        _fail(where, name, "'aliases' must be a list of non-empty strings")
    lesson = raw.get("lesson")
    if lesson is not None and (not isinstance(lesson, str) or not lesson.strip()):
        _fail(where, name, "'lesson' must be a page url_path")
    return Term(name, raw["short"], raw["long"], tuple(aliases), lesson)


def load_glossary(path: Path | str = GLOSSARY_FILE) -> list[Term]:
    """Every entry, validated; terms and aliases must not collide (case-insensitive)."""
    path = Path(path)
    entries = read_json(path, GlossaryError, list, "a JSON list of terms")
    terms: list[Term] = []
    owner: dict[str, str] = {}
    for raw in entries:
        t = parse_entry(raw, path.name)
        for name in t.names:
            low = name.strip().lower()
            if low in owner:
                _fail(path.name, t.term, f"name {name!r} already used by {owner[low]!r}")
            owner[low] = t.term
        terms.append(t)
    return sorted(terms, key=lambda t: t.term.lower())


@lru_cache(maxsize=1)
def glossary() -> tuple[Term, ...]:
    """The app's glossary, loaded once."""
    return tuple(load_glossary())


def lookup(name: str, terms=None) -> Term | None:
    """The term with this name or alias (case-insensitive), or None."""
    low = name.strip().lower()
    for t in terms if terms is not None else glossary():
        if any(n.lower() == low for n in t.names):
            return t
    return None


def search(query: str, terms=None) -> list[Term]:
    """Terms whose names come first, then those whose explanations mention the query."""
    pool = list(terms if terms is not None else glossary())
    q = query.strip().lower()
    by_name = [t for t in pool if any(q in n.lower() for n in t.names)]
    rest = [t for t in pool if t not in by_name and t.matches(q)]
    return by_name + rest
