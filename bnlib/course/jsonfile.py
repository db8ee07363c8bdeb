"""The one JSON reader behind the course's content files (quiz bank, glossary, guides).

A file that is not UTF-8 JSON, or holds the wrong kind of value at the top, raises the
caller's error class with the file's name, so a broken asset names itself on load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: Path, error: type[Exception], shape: type, what: str, **loads_kw) -> Any:
    """json.loads of `path` (extra arguments go to json.loads); `shape` is the type the
    top-level value must have, `what` describes it for the error ("a JSON list of terms")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), **loads_kw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path.name}: not valid JSON ({exc})") from exc
    if not isinstance(data, shape):
        raise error(f"{path.name}: the file must hold {what}")
    return data
