"""Codebooks as spreadsheets (CSV, xlsx): one row per code.

For people who keep their codebook in Excel. The columns (header names in
any case; ``colour`` and ``code`` are accepted for ``color`` and ``name``):

``name``
    the code (required, unique);
``parent``
    the parent code's name, empty for a top-level code;
``description``, ``color``
    optional; a colour is ``#RRGGBB``, ``#RGB`` or a CSS colour name;
``label``, ``inclusion``, ``exclusion``
    optional: display name, when to use the code, when not to.

Other columns are ignored. Reading checks every row and reports every
problem at once with its line (CSV, counting the header as line 1) or row
(xlsx): a missing name, a duplicate, an unknown parent, a parent cycle, a
bad colour. Codes come back parents first, otherwise in file order.
Writing gives a file that reads back to the same codes.

Codebook-level facts (version, description, auto-coding rules) have no
place in the table: keep those in the YAML codebook.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..codebook import CSS_COLORS
from ..errors import CodebookError, ExchangeError, Problem
from ..io._csv import read_csv
from ..model import Code, Codebook

__all__ = [
    "CODEBOOK_COLUMNS",
    "codebook_from_rows",
    "parse_codebook_csv",
    "read_codebook_table",
    "write_codebook_table",
]

CODEBOOK_COLUMNS = ("name", "parent", "description", "color", "label", "inclusion",
                    "exclusion")
_ALIASES = {"colour": "color", "code": "name", "code_name": "name", "parent_code": "parent"}
_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header: Sequence[Any]) -> list[str]:
    out = []
    for h in header:
        key = _cell(h).lower().replace(" ", "_")
        out.append(_ALIASES.get(key, key))
    return out


def codebook_from_rows(
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    name: str,
    path: str,
    version: str = "1",
    description: str = "",
) -> Codebook:
    """Validate ``(line, row)`` pairs and build the codebook (see the module docs).

    Raises :class:`~qualcode.errors.CodebookError` listing every problem.
    """
    problems: list[Problem] = []
    entries: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in rows:
        cells = {k: _cell(v) for k, v in row.items() if k}
        if not any(cells.values()):
            continue
        code = cells.get("name", "")
        if not code:
            problems.append(Problem("a code needs a name", path, line))
            continue
        if code in entries:
            problems.append(Problem(f"duplicate code {code!r} (first on line "
                                    f"{entries[code][0]})", path, line))
            continue
        color = cells.get("color", "")
        if color and not (_HEX.match(color) or color.lower() in CSS_COLORS):
            problems.append(Problem(f"bad colour {color!r} for {code!r}; use #RRGGBB, #RGB or "
                                    "a CSS colour name", path, line))
        entries[code] = (line, cells)
    for code, (line, cells) in entries.items():
        parent = cells.get("parent", "")
        if parent == code:
            problems.append(Problem(f"code {code!r} is its own parent", path, line))
        elif parent and parent not in entries:
            problems.append(Problem(f"unknown parent {parent!r} of {code!r}", path, line))
    reported: set[str] = set()
    for code in entries:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current in entries and current not in chain:
            chain.append(current)
            current = entries[current][1].get("parent") or None
        if current is None or current not in chain:
            continue
        cycle = chain[chain.index(current):]
        if len(cycle) > 1 and not reported.intersection(cycle):
            reported.update(cycle)
            lines = ", ".join(str(entries[c][0]) for c in cycle)
            problems.append(Problem(f"parent cycle: {' -> '.join([*cycle, cycle[0]])} "
                                    f"(lines {lines})", path, entries[cycle[0]][0]))
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise CodebookError(f"invalid codebook table: {len(problems)} problem(s)", path=path,
                            problems=problems)
    kids: dict[str | None, list[str]] = {}
    for code, (_, cells) in entries.items():
        kids.setdefault(cells.get("parent") or None, []).append(code)
    ordered: list[str] = []
    stack = list(reversed(kids.get(None, [])))
    while stack:
        code = stack.pop()
        ordered.append(code)
        stack.extend(reversed(kids.get(code, [])))
    codes = []
    for code in ordered:
        cells = entries[code][1]
        codes.append(Code(
            name=code, parent=cells.get("parent") or None,
            description=cells.get("description", ""), color=cells.get("color") or None,
            label=cells.get("label") or None, inclusion=cells.get("inclusion", ""),
            exclusion=cells.get("exclusion", ""), codebook=name))
    return Codebook(name=name, codes=tuple(codes), version=version, description=description,
                    source=path)


def parse_codebook_csv(data: bytes, *, name: str = "codebook", path: str = "codebook.csv",
                       version: str = "1") -> Codebook:
    """A codebook from CSV bytes (UTF-8, BOM allowed; comma, semicolon or tab).

    The delimiter is the one the header line uses most (a comma if none);
    see :func:`qualcode.io._csv.read_csv`.
    """
    header, records = read_csv(data, path=path, error=ExchangeError)
    if not header:
        raise CodebookError("the file is empty", path=path, line=1)
    columns = _columns(header)
    if "name" not in columns:
        raise CodebookError("no 'name' column in the header", path=path, line=1)
    rows = [(line, dict(zip(columns, record, strict=False))) for line, record in records]
    return codebook_from_rows(rows, name=name, path=path, version=version)


def read_codebook_table(path: str | Path, *, name: str | None = None,
                        version: str = "1") -> Codebook:
    """Read a codebook from a ``.csv`` or ``.xlsx`` table (see the module docs).

    ``name`` defaults to the file's stem. Raises
    :class:`~qualcode.errors.CodebookError` listing every problem with its
    line, or :class:`~qualcode.errors.ExchangeError` for an unreadable file.
    """
    p = Path(path)
    book = name or p.stem
    if not p.is_file():
        raise ExchangeError("no such file", path=str(p))
    if p.suffix.lower() != ".xlsx":
        return parse_codebook_csv(p.read_bytes(), name=book, path=str(p), version=version)
    from ..io._zipxml import read_xlsx_rows  # zip-bomb checks before openpyxl

    table = read_xlsx_rows(p, error=ExchangeError)
    if not table:
        raise CodebookError("the sheet is empty", path=str(p), line=1)
    columns = _columns(table[0])
    if "name" not in columns:
        raise CodebookError("no 'name' column in the header", path=str(p), line=1)
    rows = [(i, dict(zip(columns, r, strict=False))) for i, r in enumerate(table[1:], start=2)]
    return codebook_from_rows(rows, name=book, path=str(p), version=version)


def write_codebook_table(codebook: Codebook, path: str | Path) -> Path:
    """Write ``codebook``'s codes to ``.csv`` (UTF-8 with BOM, for Excel) or ``.xlsx``.

    The file reads back with :func:`read_codebook_table` to the same codes
    (name, parent, description, colour, label, inclusion, exclusion).
    """
    p = Path(path)
    rows = [[c.name, c.parent or "", c.description, c.color or "", c.label or "",
             c.inclusion, c.exclusion] for c in codebook.codes]
    tmp = p.with_name(p.name + ".part")
    if p.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "codebook"
        ws.append(list(CODEBOOK_COLUMNS))
        for i, r in enumerate(rows, start=2):
            for j, value in enumerate(r, start=1):
                cell = ws.cell(row=i, column=j, value=value)
                if value.startswith("="):  # text, not a formula
                    cell.data_type = "s"
        wb.save(tmp)
    else:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(CODEBOOK_COLUMNS)
            w.writerows(rows)
    tmp.replace(p)
    return p
