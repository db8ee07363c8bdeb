"""Read a user's CSV file for batch norm, defensively.

read_table(data) turns raw uploaded bytes into a Table of numeric columns, or raises
CsvProblem (a ValueError) with a message a person can act on. Problems that still leave
something to show (text columns skipped, empty or infinite cells, constant columns, too
many columns) become notes on the Table instead. normalize_table runs BN per column over
the rows. No streamlit here: the page turns CsvProblem into st.error and notes into
st.warning.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bnlib.core.batchnorm import forward

# The upload limit, in decimal megabytes: the upload widget counts 1 MB = 1,000,000 bytes
# (on most platforms) while the server counts server.maxUploadSize in MiB, so the file
# size check here (5,000,000 bytes) is the one that binds, and it agrees with the widget.
# .streamlit/config.toml's server.maxUploadSize must equal MAX_MB (a test checks it).
MAX_MB = 5
MAX_BYTES = MAX_MB * 1000 * 1000
MAX_COLUMNS = 50  # more numeric columns than this are cut, with a note

_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PAR1", "a Parquet file"),
)
_EXCEL_HINT = "In Excel or LibreOffice use File > Save As > 'CSV UTF-8 (comma delimited)'."


class CsvProblem(ValueError):
    """The file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    names: tuple[str, ...]  # the numeric columns kept, in file order
    values: np.ndarray  # (rows, columns) float64; NaN where a cell was empty or not finite
    notes: tuple[str, ...] = ()  # what was skipped, cut or is worth knowing

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape


def _mb(n: int) -> str:
    return f"{n / 1000 / 1000:.1f} MB"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")


def md_escape(text: str, limit: int = 80) -> str:
    """Text from a file (a column or file name) made safe inside an st.error/st.warning
    message: markdown and HTML characters are backslash-escaped, line breaks and other
    control characters become spaces, and very long names are cut."""
    text = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)


def _names(cols, limit: int = 5) -> str:
    cols = [md_escape(c) for c in cols]
    shown = ", ".join(f"'{c}'" for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def decode(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Bytes -> text, refusing what is too big, empty, binary or not UTF-8."""
    if len(data) > max_bytes:
        raise CsvProblem(
            f"The file is {_mb(len(data))}; the limit is {_mb(max_bytes)}. A few thousand rows "
            "show what BN does just as well: keep a sample of the rows and upload that."
        )
    if not data.strip():
        raise CsvProblem("The file is empty: there is nothing to normalize.")
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise CsvProblem(
                f"This looks like {what}, not a CSV text file. "
                + (_EXCEL_HINT if "Excel" in what or "zip" in what else "Upload a .csv file.")
            )
    head = data[:4096]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 8 and head[1::2].count(0) > 0.4 * len(head[1::2])
    )
    if utf16:
        raise CsvProblem("This file is saved as UTF-16 text; this page reads UTF-8. " + _EXCEL_HINT)
    if b"\x00" in data[:65536]:
        raise CsvProblem(
            "This file contains binary data (zero bytes), so it is not a CSV text file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise CsvProblem(
            f"This file is not UTF-8 text: byte 0x{byte:02X} on line {line} cannot be read. It "
            "was probably saved as Latin-1 or Windows-1252 (accented letters such as é are "
            f"stored differently). {_EXCEL_HINT}"
        ) from None
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.01 * min(len(text), 65536):
        raise CsvProblem("This file is mostly control characters, so it is not a CSV text file.")
    return text


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _frame(text: str) -> pd.DataFrame:
    first = text.lstrip()[:1]
    if first in ("{", "["):
        raise CsvProblem("This looks like JSON, not CSV. Export the data as a table (CSV).")
    if first == "<":
        raise CsvProblem("This looks like HTML or XML, not CSV. Export the data as CSV.")
    sep = _delimiter(text)
    try:
        # semicolon files usually come from locales that write 1,5 for one and a half
        decimal = "," if sep == ";" else "."
        df = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise CsvProblem("The file holds no columns: it is empty or only blank lines.") from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {m.group(2)} has {m.group(3)} fields but the first line has {m.group(1)}"
            if m
            else "its rows do not split into the same number of fields"
        )
        raise CsvProblem(
            f"This does not read as a CSV table: {detail}. Check that every row has one value "
            "per column, separated by commas."
        ) from None
    # a first line of numbers is data, not a header
    if len(df.columns) and all(_is_number(c) for c in df.columns):
        df = pd.read_csv(
            io.StringIO(text), sep=sep, decimal=decimal, header=None, skipinitialspace=True
        )
        df.columns = [f"column {i + 1}" for i in range(df.shape[1])]
    return df


def _is_number(s) -> bool:
    try:
        float(str(s))
    except ValueError:
        return False
    return True


def _numeric(col: pd.Series) -> pd.Series | None:
    """The column as floats, or None when it is mostly text."""
    if pd.api.types.is_bool_dtype(col):
        return None
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(np.float64)
    stripped = col.astype("string").str.strip()
    filled = stripped.notna() & (stripped != "")
    as_num = pd.to_numeric(stripped.where(filled), errors="coerce")
    if filled.sum() == 0 or as_num.notna().sum() < 0.5 * filled.sum():
        return None
    return as_num.astype(np.float64)


def read_table(data: bytes, max_bytes: int = MAX_BYTES, max_columns: int = MAX_COLUMNS) -> Table:
    """Numeric columns of a CSV file (header row optional), or CsvProblem saying why not."""
    df = _frame(decode(data, max_bytes))
    if len(df) == 0:
        raise CsvProblem(
            "The file has a header row but no data rows. Add at least two rows of values."
        )
    notes: list[str] = []
    kept: dict[str, pd.Series] = {}
    text_cols = []
    for name in df.columns:
        num = _numeric(df[name])
        if num is None:
            text_cols.append(name)
        else:
            kept[str(name)] = num
    if not kept:
        raise CsvProblem(
            f"No numeric column found (columns read: {_names(df.columns)}). BN works on numbers; "
            "check the separator (commas) and that values do not carry units such as '5 kg'."
        )
    if text_cols:
        notes.append(f"Skipped {len(text_cols)} non-numeric column(s): {_names(text_cols)}.")
    if len(kept) > max_columns:
        notes.append(
            f"The file has {len(kept)} numeric columns; only the first {max_columns} are used."
        )
        kept = dict(list(kept.items())[:max_columns])
    if len(df) < 2:
        raise CsvProblem(
            "The file has only one data row. BN needs at least two values per column to "
            "measure a spread; with one, every output would be 0."
        )
    values = np.column_stack([s.to_numpy(dtype=np.float64) for s in kept.values()])
    names = list(kept)
    bad = ~np.isfinite(values)
    if bad.any():
        per_col = {
            md_escape(names[j]): int(bad[:, j].sum()) for j in range(len(names)) if bad[:, j].any()
        }
        listed = ", ".join(f"'{k}': {v}" for k, v in list(per_col.items())[:5])
        notes.append(
            f"{int(bad.sum())} cell(s) are empty, not numbers, NaN or infinite ({listed}); they are left "
            "out of the statistics and drawn as gaps."
        )
        values[bad] = np.nan
    few = np.isfinite(values).sum(axis=0) < 2
    with np.errstate(over="ignore", invalid="ignore"):
        spread = np.nanstd(np.where(few, 0.0, values), axis=0)
    huge = ~few & ~np.isfinite(spread)  # finite values whose squares overflow float64
    usable = ~few & ~huge
    if huge.any():
        cols = [names[j] for j in np.flatnonzero(huge)]
        largest = float(np.nanmax(np.abs(values[:, huge])))
        shift = max(1, int(np.floor(np.log10(largest))) - 100)
        too_large = (
            f"{_names(cols)}: the values are too large to normalize (up to {largest:.3g}; "
            "squaring them overflows float64). Divide the column by a power of ten, "
            f"e.g. 1e{shift}, and upload again"
        )
        if not usable.any():
            raise CsvProblem(f"Cannot use {too_large}.")
        notes.append(f"Dropped {too_large}.")
    if few.any():
        dropped = [names[j] for j in np.flatnonzero(few)]
        notes.append(f"Dropped {_names(dropped)}: fewer than two usable values.")
    if not usable.any():
        raise CsvProblem(
            "No numeric column has two or more finite values, so there is nothing to normalize."
        )
    if not usable.all():
        values = values[:, usable]
        names = [n for n, u in zip(names, usable, strict=True) if u]
        spread = spread[usable]
    const = [names[j] for j in np.flatnonzero(spread == 0)]
    if const:
        notes.append(
            f"Constant column(s) {_names(const)}: BN maps a column that never changes to "
            "exactly 0 (eps keeps the division defined)."
        )
    return Table(tuple(names), values, tuple(notes))


def normalize_table(table: Table, eps: float = 1e-5) -> tuple[np.ndarray, list[dict]]:
    """BN per column over the rows, ignoring NaN cells (they stay NaN).

    Returns (out (rows, columns), one summary dict per column).
    """
    out = np.full(table.values.shape, np.nan)
    rows = []
    for j, name in enumerate(table.names):
        col = table.values[:, j]
        ok = np.isfinite(col)
        try:
            y, cache = forward(col[ok].reshape(-1, 1), eps=eps)  # (m, 1): stats over the rows
        except ValueError as exc:  # read_table drops such columns; this is the last guard
            raise CsvProblem(f"Column '{md_escape(name)}' cannot be normalized: {exc}") from None
        out[ok, j] = y[:, 0]
        rows.append(
            {
                "column": name,
                "values": int(ok.sum()),
                "mean before": float(cache.mean[0]),
                "std before": float(np.sqrt(cache.var[0])),
                "min before": float(col[ok].min()),
                "max before": float(col[ok].max()),
                "mean after": float(y.mean()) + 0.0,
                "std after": float(y.std()),
            }
        )
    return out, rows
