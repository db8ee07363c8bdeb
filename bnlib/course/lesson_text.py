"""The running text of each lesson: assets/lessons/<url_path>.md, split into named sections.

Pages stay glue (widgets -> experiment -> figure) and the words live where a writer edits
them, one Markdown file per page. A section starts with an HTML comment on a line of its
own, naming the section and, optionally, the expertise level it is written for:

    <!-- intro -->
    Text every reader gets, unless a level of their own is given below.

    <!-- intro: beginner -->
    The same point with more scaffolding and no formula.

    <!-- intro: expert -->
    The same point with the derivation and the paper's details.

A reader gets the variant for their level, else the section's plain text, else the next
more detailed variant (beginner -> intermediate -> expert), else any. Text before the first marker is ignored (a note for writers).
Markdown and $...$ / $$...$$ formulas render as in st.markdown. Pure python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bnlib.data.paths import ASSETS

LESSONS_DIR = ASSETS / "lessons"
LEVELS = ("beginner", "intermediate", "expert")
_MARKER = re.compile(r"^<!--\s*([a-z0-9][a-z0-9-]*)\s*(?::\s*([a-z]+)\s*)?-->\s*$")


class LessonTextError(ValueError):
    """A missing or malformed lesson text; the message names the file and how to fix it."""


@dataclass(frozen=True)
class LessonText:
    path: Path
    sections: dict[str, dict[str | None, str]]  # name -> {level or None: markdown}

    def get(self, name: str, level: str = "beginner") -> str:
        """Section `name` for a reader at `level` (see the module docstring)."""
        variants = self.sections.get(name)
        if variants is None:
            raise LessonTextError(
                f"{self.path.name}: no section {name!r}; it has "
                f"{', '.join(sorted(self.sections))}. Add a line '<!-- {name} -->' above its text."
            )
        if level not in LEVELS:
            raise LessonTextError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
        if level in variants:
            return variants[level]
        if None in variants:
            return variants[None]
        for lv in LEVELS[LEVELS.index(level) :]:  # the next more detailed variant
            if lv in variants:
                return variants[lv]
        return next(variants[lv] for lv in LEVELS[::-1] if lv in variants)

    def levelled(self) -> list[str]:
        """Names of the sections written differently for some level."""
        return sorted(n for n, v in self.sections.items() if any(k is not None for k in v))


def parse(text: str, where: str = "<text>") -> dict[str, dict[str | None, str]]:
    """Split a lesson file into {section: {level or None: markdown}}, checked."""
    sections: dict[str, dict[str | None, str]] = {}
    current: tuple[str, str | None] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        body = "\n".join(lines).strip()
        if not body:
            raise LessonTextError(
                f"{where}: section {current[0]!r} ({current[1] or 'all levels'}) is empty"
            )
        sections.setdefault(current[0], {})[current[1]] = body

    for number, line in enumerate(text.splitlines(), start=1):
        found = _MARKER.match(line.strip())
        if found is None:
            if line.lstrip().startswith("<!--") and current is not None:
                raise LessonTextError(
                    f"{where}:{number}: a marker is '<!-- name -->' or '<!-- name: level -->' "
                    f"with a lower-case name; got {line.strip()!r}"
                )
            lines.append(line)
            continue
        close()
        name, lv = found.group(1), found.group(2)
        if lv is not None and lv not in LEVELS:
            raise LessonTextError(
                f"{where}:{number}: unknown level {lv!r}; use one of {', '.join(LEVELS)}"
            )
        if lv in sections.get(name, {}):
            raise LessonTextError(
                f"{where}:{number}: section {name!r} ({lv or 'all levels'}) is written twice"
            )
        current, lines = (name, lv), []
    close()
    return sections


@cache
def lesson_text(url_path: str) -> LessonText:
    """The parsed text of one page (read once per process)."""
    path = LESSONS_DIR / f"{url_path}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LessonTextError(
            f"no lesson text for {url_path!r}: create {path.relative_to(ASSETS.parent)}"
        ) from exc
    return LessonText(path, parse(raw, path.name))
