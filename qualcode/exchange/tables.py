"""Codings as spreadsheets (CSV, xlsx), and Word comments as codings.

For people who code in a spreadsheet or in Word. A codings table has one
row per coding with the columns

``document``
    document id or file name (the latest version is used for a name);
``code``
    code name;
``start``, ``end``
    code-point offsets into the document text (0-based, end-exclusive), or
    empty when ``text`` is given instead;
``text``
    the coded passage, located in the document when there are no offsets
    (whitespace differences are tolerated; a passage that occurs more than
    once needs an ``occurrence`` column, 1-based);
``coder``, ``memo``, ``codebook``, ``rule``
    optional; ``coder`` falls back to the ``coder=`` argument.

Reading validates every row and reports every problem at once, with the
line (CSV) or row (xlsx) number; nothing is returned unless all rows are good.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExchangeError, Problem
from ..io._csv import read_csv
from ..model import Codebook, Coding, Document

__all__ = [
    "CODING_COLUMNS",
    "codings_from_comments",
    "parse_codings_csv",
    "read_codings",
    "write_codings",
]

CODING_COLUMNS = ("document", "document_name", "code", "start", "end", "text", "coder",
                  "codebook", "rule", "memo")


def _doc_index(documents: Iterable[Document]) -> dict[str, Document]:
    index: dict[str, Document] = {}
    for d in sorted(documents, key=lambda d: d.version):
        index[d.name] = d  # the latest version wins for names
        index[Path(d.name).stem] = index.get(Path(d.name).stem, d)
    for d in documents:
        index[d.id] = d
    return index


def _locate(doc: Document, passage: str, occurrence: int) -> tuple[int, int] | str:
    """Offsets of the ``occurrence``-th appearance of ``passage``, or a problem text."""
    words = passage.split()
    if not words:
        return "empty text"
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    hits = [(m.start(), m.end()) for m in pattern.finditer(doc.text)]
    if not hits:
        return f"text not found in {doc.name}: {passage[:60]!r}"
    if occurrence == 0:
        if len(hits) > 1:
            return (f"text occurs {len(hits)} times in {doc.name}; add an 'occurrence' "
                    f"column to say which")
        return hits[0]
    if occurrence > len(hits):
        return f"text occurs {len(hits)} times in {doc.name}, not {occurrence}"
    return hits[occurrence - 1]


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(str(value).strip())


def codings_from_rows(
    rows: Sequence[Mapping[str, Any]],
    documents: Iterable[Document],
    *,
    path: str,
    first_line: int = 2,
    coder: str | None = None,
    codebook: Codebook | None = None,
    lines: Sequence[int] | None = None,
) -> list[Coding]:
    """Validate table rows and turn them into codings (see the module docs).

    Problems name ``lines[i]`` for row ``i`` (default: consecutive lines from
    ``first_line``).
    """
    index = _doc_index(list(documents))
    problems: list[Problem] = []
    codings: list[Coding] = []
    numbers = lines if lines is not None else range(first_line, first_line + len(rows))
    for line, row in zip(numbers, rows, strict=True):
        row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        if not any(v not in (None, "") for v in row.values()):
            continue
        doc_key = str(row.get("document") or row.get("document_name") or "").strip()
        code = str(row.get("code") or "").strip()
        doc = index.get(doc_key)
        if not doc_key:
            problems.append(Problem("no document", path, line))
            continue
        if doc is None:
            problems.append(Problem(f"unknown document {doc_key!r}", path, line))
            continue
        if not code:
            problems.append(Problem("no code", path, line))
            continue
        if codebook is not None and code not in codebook:
            problems.append(Problem(f"code {code!r} is not in codebook {codebook.name!r}",
                                    path, line))
            continue
        try:
            start, end = _int(row.get("start")), _int(row.get("end"))
            occurrence = _int(row.get("occurrence")) or 0
        except ValueError:
            problems.append(Problem("start, end and occurrence must be whole numbers", path, line))
            continue
        passage = str(row.get("text") or "")
        if start is None or end is None:
            if not passage.strip():
                problems.append(Problem("needs start and end, or the coded text", path, line))
                continue
            found = _locate(doc, passage, occurrence)
            if isinstance(found, str):
                problems.append(Problem(found, path, line))
                continue
            start, end = found
        elif not (0 <= start < end <= len(doc.text)):
            problems.append(Problem(
                f"span {start}-{end} is not inside {doc.name} (0-{len(doc.text)})", path, line))
            continue
        elif passage.strip() and " ".join(passage.split()) != " ".join(doc.text[start:end].split()):
            problems.append(Problem(
                f"text does not match {doc.name}[{start}:{end}] = {doc.text[start:end][:40]!r}",
                path, line))
            continue
        who = str(row.get("coder") or coder or "").strip()
        if not who:
            problems.append(Problem("no coder: add a 'coder' column or pass coder=", path, line))
            continue
        codings.append(Coding(
            document=doc.id, code=code, start=start, end=end, coder=who,
            rule=(str(row["rule"]) if row.get("rule") else None),
            codebook=(str(row["codebook"]) if row.get("codebook") else
                      (codebook.name if codebook else None)),
            memo=(str(row["memo"]) if row.get("memo") else None),
        ))
    if problems:
        raise ExchangeError(f"{len(problems)} problem(s) in codings table", path=path,
                            problems=problems)
    return codings


def parse_codings_csv(
    data: bytes,
    documents: Iterable[Document],
    *,
    path: str = "codings.csv",
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> list[Coding]:
    """Codings from CSV bytes (UTF-8, BOM allowed; comma, semicolon or tab)."""
    header, records = read_csv(data, path=path, error=ExchangeError)
    fields = [f.strip().lower() for f in header]
    missing = [c for c in ("code",) if c not in fields]
    if "document" not in fields and "document_name" not in fields:
        missing.insert(0, "document")
    if missing:
        raise ExchangeError(f"missing column(s): {', '.join(missing)}", path=path, line=1)
    rows = [dict(zip(fields, record, strict=False)) for _, record in records]
    return codings_from_rows(rows, documents, path=path, coder=coder, codebook=codebook,
                             lines=[line for line, _ in records])


def read_codings(
    path: str | Path,
    documents: Iterable[Document],
    *,
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> list[Coding]:
    """Read codings from a ``.csv`` or ``.xlsx`` table (see the module docs)."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from ..io._zipxml import read_xlsx_rows

        rows = read_xlsx_rows(p, error=ExchangeError)
        if not rows:
            return []
        header = [str(h or "").strip().lower() for h in rows[0]]
        dict_rows = [dict(zip(header, r, strict=False)) for r in rows[1:]]
        return codings_from_rows(dict_rows, documents, path=str(p), coder=coder,
                                 codebook=codebook)
    return parse_codings_csv(p.read_bytes(), documents, path=str(p), coder=coder,
                             codebook=codebook)


def _rows(codings: Iterable[Coding], documents: Iterable[Document]) -> list[dict[str, Any]]:
    index = {d.id: d for d in documents}
    rows = []
    for c in codings:
        doc = index.get(c.document)
        rows.append({
            "document": c.document,
            "document_name": doc.name if doc else "",
            "code": c.code,
            "start": c.start,
            "end": c.end,
            "text": doc.text[c.start : c.end] if doc else "",
            "coder": c.coder,
            "codebook": c.codebook or "",
            "rule": c.rule or "",
            "memo": c.memo or "",
        })
    return rows


def write_codings(
    codings: Iterable[Coding], documents: Iterable[Document], path: str | Path
) -> Path:
    """Write codings to ``.csv`` (UTF-8 with BOM, so Excel reads accents) or ``.xlsx``.

    The file reads back with :func:`read_codings` to the same codings.
    """
    p = Path(path)
    rows = _rows(codings, list(documents))
    tmp = p.with_name(p.name + ".part")
    if p.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "codings"
        ws.append(list(CODING_COLUMNS))
        for r in rows:
            ws.append([r[c] for c in CODING_COLUMNS])
        wb.save(tmp)
    else:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=CODING_COLUMNS)
            w.writeheader()
            w.writerows(rows)
    tmp.replace(p)  # never leave a half-written file under the real name
    return p


def codings_from_comments(
    doc: Document,
    *,
    coder: str | None = None,
    codebook: Codebook | None = None,
) -> list[Coding]:
    """Word comments as codings: the comment names the code, its range is the segment.

    The code is the comment's first line (matched to ``codebook`` names or
    labels case-insensitively, when a codebook is given); the rest of the
    comment becomes the memo. The coder is the comment's author unless
    ``coder`` is given. Comments naming no known code are reported together.
    """
    names: dict[str, str] = {}
    if codebook is not None:
        for code in codebook.codes:
            names[code.name.lower()] = code.name
            label = getattr(code, "label", None)
            if label:
                names[str(label).lower()] = code.name
    problems: list[Problem] = []
    codings = []
    for i, comment in enumerate(doc.comments, start=1):
        first, _, rest = comment.text.strip().partition("\n")
        key = first.strip()
        if codebook is not None:
            key = names.get(key.lower(), "")
            if not key:
                problems.append(Problem(f"comment {i} names no code of {codebook.name!r}: "
                                        f"{first.strip()[:40]!r}", doc.name))
                continue
        if not key or comment.end <= comment.start:
            problems.append(Problem(f"comment {i} has no code name or no range", doc.name))
            continue
        codings.append(Coding(
            document=doc.id, code=key, start=comment.start, end=comment.end,
            coder=coder or comment.author or "unknown",
            codebook=codebook.name if codebook else None,
            memo=rest.strip() or None,
        ))
    if problems:
        raise ExchangeError(f"{len(problems)} comment(s) cannot be read as codings",
                            path=doc.name, problems=problems)
    return codings
