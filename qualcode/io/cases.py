"""Case attributes from a ``cases.csv`` or ``cases.xlsx`` beside the transcripts.

The table has one row per transcript. The first column that is named
``file``, ``document``, ``name`` or ``filename`` (any case) holds the file
name (with or without extension); every other column is a case attribute::

    file,site,group_type,date,language
    fgd_kediri_1.docx,Kediri,FGD,2024-03-02,id

Empty cells are left out rather than stored as empty strings; whole
numbers, decimals and ``true``/``false`` become numbers and booleans, as
they would in YAML front matter (numbers with leading zeros, such as
participant ids ``007``, stay text).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ._csv import read_csv

__all__ = ["CASE_FILES", "find_cases", "lookup_case", "parse_cases_csv", "read_cases"]

CASE_FILES = ("cases.csv", "cases.xlsx")
_KEY_COLUMNS = ("file", "filename", "document", "name", "file_name")


_INT = re.compile(r"[+-]?\d{1,15}")
_FLOAT = re.compile(r"[+-]?\d+\.\d+")


def _typed(value: str) -> Any:
    """CSV cells as the types front matter would give: whole numbers, decimals, booleans.

    >>> [_typed(v) for v in ["7", "2.5", "TRUE", "no", "007", "2024-01-02"]]
    [7, 2.5, True, 'no', '007', '2024-01-02']
    """
    if _INT.fullmatch(value) and not (len(value) > 1 and value.lstrip("+-").startswith("0")):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _rows_to_cases(rows: list[list[Any]], path: str) -> dict[str, dict[str, Any]]:
    if not rows:
        return {}
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    lowered = [h.lower() for h in header]
    key_col = next((lowered.index(k) for k in _KEY_COLUMNS if k in lowered), None)
    if key_col is None:
        raise InputError(
            f"no file column: the header needs one of {', '.join(_KEY_COLUMNS)}",
            path=path,
            line=1,
        )
    problems: list[Problem] = []
    for i, h in enumerate(header):
        if not h:
            problems.append(Problem(f"column {i + 1} has no name", path, 1))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for d in dupes:
        problems.append(Problem(f"column {d!r} appears more than once", path, 1))
    cases: dict[str, dict[str, Any]] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue
        key = str(row[key_col]).strip() if key_col < len(row) and row[key_col] else ""
        if not key:
            problems.append(Problem("row has no file name", path, lineno))
            continue
        if key in cases:
            problems.append(Problem(f"file {key!r} is listed twice", path, lineno))
            continue
        attrs: dict[str, Any] = {}
        for i, h in enumerate(header):
            if i == key_col or not h or i >= len(row):
                continue
            v = row[i]
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            attrs[h] = _typed(v.strip()) if isinstance(v, str) else v
        cases[key] = attrs
    if problems:
        raise InputError(f"{len(problems)} problem(s) in case table", path=path,
                         problems=problems)
    return cases


def parse_cases_csv(data: bytes, *, path: str = "cases.csv") -> dict[str, dict[str, Any]]:
    """Parse a case table in CSV (UTF-8, with or without BOM; comma, semicolon or tab)."""
    header, records = read_csv(data, path=path)
    rows: list[list[Any]] = [list(header), *(list(r) for _, r in records)]
    return _rows_to_cases(rows, path)


def read_cases(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read ``cases.csv`` or ``cases.xlsx`` -> {file name: {attribute: value}}."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from ._zipxml import read_xlsx_rows

        rows = read_xlsx_rows(p)
        for r in rows:
            for i, v in enumerate(r):
                if hasattr(v, "isoformat"):
                    r[i] = v.isoformat()[:10] if getattr(v, "hour", 0) == 0 else v.isoformat()
        return _rows_to_cases(rows, str(p))
    return parse_cases_csv(p.read_bytes(), path=str(p))


def find_cases(directory: Path) -> Path | None:
    """The case table in ``directory``, if there is one."""
    for name in CASE_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def lookup_case(cases: dict[str, dict[str, Any]], filename: str) -> dict[str, Any]:
    """Attributes for ``filename``: matched by full name, then by name without extension."""
    if filename in cases:
        return dict(cases[filename])
    stem = Path(filename).stem
    for key, attrs in cases.items():
        if key == stem or Path(key).stem == stem:
            return dict(attrs)
    return {}
