"""One settings schema for everything shareable through a link.

Each setting has a name (its widget key and URL parameter), a type, a default and its
allowed values. Parsing from a URL is forgiving: anything unknown, malformed or out of
range falls back to the default and produces a short notice. Nothing is ever evaluated.
Pure python: no streamlit import (bnlib.ui.widgets turns settings into widgets).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["float", "int", "choice", "bool"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    key: str  # widget key and query parameter, e.g. "bs_batch"
    kind: Kind
    default: Any
    label: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple = field(default_factory=tuple)  # for kind="choice" (also log-scale floats)
    help: str = ""

    def __post_init__(self):
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"setting {self.key}: default {self.default!r} not among choices")
        if self.kind in ("float", "int") and not self.allows(self.default):
            raise ValueError(f"setting {self.key}: default {self.default!r} outside its range")

    def allows(self, value) -> bool:
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and int(value) != value:
            return False
        if not math.isfinite(value):
            return False
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        return lo <= value <= hi

    def parse(self, raw: str):
        """A value from its URL text; ValueError when it is not allowed."""
        text = str(raw).strip()
        if len(text) > 64:
            raise ValueError("too long")
        if self.kind == "bool":
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("not a yes/no value")
        if self.kind == "choice":
            for c in self.choices:
                if self.encode(c) == text:
                    return c
            raise ValueError("not one of the choices")
        value: float | int
        value = int(text) if self.kind == "int" else float(text)
        if not self.allows(value):
            raise ValueError("out of range")
        return value

    def encode(self, value) -> str:
        if self.kind == "bool":
            return "true" if value else "false"
        if isinstance(value, float):
            return repr(value)
        return str(value)


def parse_query(
    settings: Iterable[Setting], query: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Values for every setting from a query mapping, plus notices for what was ignored.

    query values may be strings or lists of strings (repeated parameters: the last wins).
    Keys that belong to no setting are left alone (other pages may own them).
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for s in settings:
        values[s.key] = s.default
        if s.key not in query:
            continue
        raw = query[s.key]
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        try:
            values[s.key] = s.parse(raw)
        except (ValueError, TypeError, OverflowError):
            shown = str(raw)[:20]
            notices.append(
                f"Ignored link setting {s.key}={shown!r}; using the default {s.encode(s.default)}."
            )
    return values, notices


def encode_query(settings: Iterable[Setting], values: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters for the values that differ from their defaults."""
    return {
        s.key: s.encode(values[s.key])
        for s in settings
        if s.key in values and values[s.key] != s.default
    }
