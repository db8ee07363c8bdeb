"""One settings schema for everything shareable through a link.

Each setting has a name (its widget key and URL parameter), a type, a default and its
allowed values. Parsing from a URL is forgiving: anything unknown, malformed or out of
range falls back to the default and produces a short notice. Nothing is ever evaluated.
Pure python: no streamlit import (bnlib.ui.widgets turns settings into widgets).

What parses here matches what Streamlit's ``bind="query-params"`` accepts for the widget
that bnlib.ui.widgets draws (checked against streamlit 1.67's session_state.py and
query_params.py): booleans are exactly true/false (any case); numbers go through float()
and an int slider truncates; out-of-range or non-finite numbers fall back to the default;
choices must equal the option's text exactly; text is cut to its maximum length; a
multi setting (a multiselect) takes repeated parameters, drops unknown or repeated entries
and falls back to the default only when nothing usable is left (``?key=`` alone means the
empty selection). So a notice appears exactly when the widget ignored the link's value.

Declaring settings: pages and modules declare theirs at import time with
``register(Setting(...), ...)``, which checks that keys are unique across the app;
``all_settings()`` lists everything registered so far (tests import the declaring
modules first, and also find ``Setting(...)`` literals in pages/ by reading the source).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["float", "int", "choice", "bool", "text", "multi"]
KINDS = ("float", "int", "choice", "bool", "text", "multi")
TEXT_MAX = 64  # default maximum length of a text setting

_MAX_RAW = 100  # longer URL values are never parsed


@dataclass(frozen=True)
class Setting:
    key: str  # widget key and query parameter, e.g. "bs_batch"
    kind: Kind
    default: Any
    label: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    # for kind="choice" (also log-scale floats) and "multi" (a tuple of some of them)
    choices: tuple = field(default_factory=tuple)
    help: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"setting {self.key}: kind must be one of {KINDS}, got {self.kind!r}")
        if not self.key or not self.key.replace("_", "").isalnum():
            raise ValueError(f"setting {self.key!r}: key must be letters, digits and '_'")
        if self.kind in ("choice", "multi") and len({self._text(c) for c in self.choices}) != len(
            self.choices
        ):
            raise ValueError(f"setting {self.key}: two choices have the same text")
        if self.kind == "text" and not (
            isinstance(self.default, str) and self.allows(self.default)
        ):
            raise ValueError(f"setting {self.key}: default must be a string within max length")
        if self.kind == "bool" and not isinstance(self.default, bool):
            raise ValueError(f"setting {self.key}: default must be True or False")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"setting {self.key}: default {self.default!r} not among choices")
        if self.kind == "multi" and not self.allows(self.default):
            raise ValueError(f"setting {self.key}: default must be a tuple of distinct choices")
        if self.kind in ("float", "int") and not self.allows(self.default):
            raise ValueError(f"setting {self.key}: default {self.default!r} outside its range")

    def allows(self, value) -> bool:
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "multi":
            return (
                isinstance(value, tuple)
                and all(v in self.choices for v in value)
                and len(set(value)) == len(value)
            )
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "text":
            return isinstance(value, str) and len(value) <= self.max_len
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and int(value) != value:
            return False
        if not math.isfinite(value):
            return False
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        return lo <= value <= hi

    @property
    def max_len(self) -> int:
        return int(self.max) if self.kind == "text" and self.max is not None else TEXT_MAX

    def parse(self, raw: str | list[str]):
        """A value from its URL text; ValueError when the widget would not accept it.

        The rules mirror streamlit's URL binding (see the module docstring), so the
        value returned is the one the bound widget shows. Only a multi setting reads
        every repeated parameter; the others take the last.
        """
        if self.kind == "multi":
            return self._parse_multi(raw)
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        text = str(raw)
        if self.kind == "text":
            return text[: self.max_len]
        if len(text) > _MAX_RAW:
            raise ValueError("too long")
        if self.kind == "bool":
            low = text.lower()
            if low == "true":
                return True
            if low == "false":
                return False
            raise ValueError("not true or false")
        if self.kind == "choice":
            for c in self.choices:
                if self.encode(c) == text:
                    return c
            raise ValueError("not one of the choices")
        try:
            number = float(text)  # never eval: float() only reads a number
        except ValueError:
            raise ValueError("not a number") from None
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        if not (math.isfinite(number) and lo <= number <= hi):
            raise ValueError("out of range")
        return int(number) if self.kind == "int" else number

    def _parse_multi(self, raw) -> tuple:
        items = [str(r) for r in raw] if isinstance(raw, (list, tuple)) else [str(raw)]
        items = [r for r in items if r]  # "?key=" alone: the empty selection
        by_text = {self._text(c): c for c in self.choices}
        picked: list = []
        for r in items:
            if r in by_text and by_text[r] not in picked:
                picked.append(by_text[r])
        if items and not picked:
            raise ValueError("none of the choices")
        return tuple(picked)

    def _text(self, value) -> str:
        return repr(value) if isinstance(value, float) else str(value)

    def encode(self, value) -> str | list[str]:
        """The URL text of a value; a multi setting gives one text per repeated
        parameter ([""] for the empty selection, written ``?key=``)."""
        if self.kind == "multi":
            return [self._text(v) for v in value] or [""]
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "text":
            return str(value)
        return self._text(value)


_REGISTRY: dict[str, Setting] = {}


def register(*settings: Setting) -> tuple[Setting, ...]:
    """Declare shareable settings; returns them. Keys must be unique across the app.

    Registering the same definition twice (a module re-imported, a page rerun) is fine;
    a different definition under a key already taken is a ValueError.
    """
    for s in settings:
        if not isinstance(s, Setting):
            raise TypeError(f"register() takes Setting objects, got {type(s).__name__}")
        old = _REGISTRY.get(s.key)
        if old is not None and old != s:
            raise ValueError(f"setting key {s.key!r} is already declared differently")
        _REGISTRY[s.key] = s
    return settings


def all_settings() -> list[Setting]:
    """Every setting registered so far, by key."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def parse_query(
    settings: Iterable[Setting], query: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Values for every setting from a query mapping, plus notices for what was ignored.

    query values may be strings or lists of strings (repeated parameters: the last wins,
    except for a multi setting, which reads them all).
    Keys that belong to no setting are left alone (other pages may own them).
    Notices name the setting and the default used, never the raw value: URL text is
    not echoed back into the page, where markdown could turn it into a link.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for s in settings:
        values[s.key] = s.default
        if s.key not in query:
            continue
        try:
            values[s.key] = s.parse(query[s.key])
        except (ValueError, TypeError, OverflowError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else "malformed"
            default = s.encode(s.default) if s.kind != "text" else "(empty)"
            if s.kind == "multi":
                default = ", ".join(map(s._text, s.default)) or "(none)"
            if s.kind == "text" and s.default:
                default = s.default
            notices.append(
                f"The link's value for {s.label or s.key} was ignored ({reason}); "
                f"using the default, {default}."
            )
    return values, notices


def encode_query(
    settings: Iterable[Setting], values: Mapping[str, Any]
) -> dict[str, str | list[str]]:
    """The query parameters for the values that differ from their defaults."""
    return {
        s.key: s.encode(values[s.key])
        for s in settings
        if s.key in values and values[s.key] != s.default
    }


def settings_for_dataclass(
    cls,
    prefix: str,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    choices: Mapping[str, Iterable] | None = None,
    labels: Mapping[str, str] | None = None,
    only: Iterable[str] | None = None,
    base=None,
    helps: Mapping[str, str] | None = None,
) -> tuple[Setting, ...]:
    """Settings for the fields of a config dataclass (for example the lab's TrainConfig),
    so a whole configuration can travel in a link. Each field becomes the setting
    `prefix + name` with the field's default (or its value in `base`, an instance of
    cls): bool -> bool, int/float -> int/float within `bounds[name]` (unbounded if
    absent), or a choice among `choices[name]` when given (str fields need one).
    `only` limits the fields; `helps` gives tooltips by field name. Returns them
    unregistered; pass them to register().
    """
    import dataclasses

    bounds = bounds or {}
    choices = choices or {}
    labels = labels or {}
    helps = helps or {}
    keep = set(only) if only is not None else None
    out = []
    for f in dataclasses.fields(cls):
        if keep is not None and f.name not in keep:
            continue
        default = getattr(base, f.name) if base is not None else f.default
        lo, hi = bounds.get(f.name, (None, None))
        common = dict(label=labels.get(f.name, f.name.replace("_", " ")), help=helps.get(f.name))
        if isinstance(default, bool):
            s = Setting(prefix + f.name, "bool", default, **common)
        elif isinstance(default, (str, int, float)) and f.name in choices:
            s = Setting(
                prefix + f.name, "choice", default, choices=tuple(choices[f.name]), **common
            )
        elif isinstance(default, int):
            s = Setting(prefix + f.name, "int", default, min=lo, max=hi, **common)
        elif isinstance(default, float):
            s = Setting(prefix + f.name, "float", default, min=lo, max=hi, **common)
        else:
            raise ValueError(f"{cls.__name__}.{f.name}: no setting kind for {default!r}")
        out.append(s)
    return tuple(out)


def dataclass_from_query(cls, prefix: str, settings: Iterable[Setting], query: Mapping[str, Any]):
    """(instance of cls, notices) from a URL query: malformed values fall back to the
    field defaults. The inverse of encode_query(settings, dataclasses.asdict(obj) with
    the prefix added)."""
    settings = list(settings)
    values, notices = parse_query(settings, query)
    fields = {s.key[len(prefix) :]: values[s.key] for s in settings if s.key.startswith(prefix)}
    return cls(**fields), notices
