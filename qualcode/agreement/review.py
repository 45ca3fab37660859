"""The disagreement report: every unit where coders differ, for coders to meet over.

:func:`disagreements` builds the table; :func:`write_disagreements` writes it
as CSV (UTF-8 with BOM, for Excel), xlsx or a standalone HTML page. Every
writer writes a temporary file beside the target and renames it, so an
interrupted write never leaves a half-written report under the real name.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UnsupportedFormatError
from ..model import Coding, Document
from .units import Scope, Unit, build_units, select

__all__ = ["disagreements", "write_disagreements"]

FIXED_COLUMNS = ("document", "document_id", "unit", "start", "end", "speaker", "text")
XLSX_CELL_LIMIT = 32767


def _coder_column(name: str) -> str:
    return f"{name} (coder)" if name in (*FIXED_COLUMNS, "differs_on") else name


def disagreements(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    unit: Unit = "turn",
    units: Scope = "all",
    require_coded: bool = True,
) -> pd.DataFrame:
    """Every unit in which the coders did not apply the same codes.

    Columns: ``document`` (name), ``document_id``, ``unit`` (its number in the
    document, from 1), ``start``/``end`` (offsets into the document text),
    ``speaker``, ``text``, then one column per coder with the codes that coder
    applied there (``"; "``-separated, among the codes compared; a coder named
    like a fixed column gets `` (coder)`` appended), and ``differs_on``: the
    codes not applied by all coders. Units and documents are chosen as in
    :func:`agreement_units`.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada.", name="x.txt")
    >>> t = doc.turns[1]
    >>> cs = [qc.Coding(doc.id, "no_contract", t.start, t.end, coder="Ana"),
    ...       qc.Coding(doc.id, "piece_rate", t.start, t.end, coder="Budi")]
    >>> df = disagreements(cs, [doc], coders=["Ana", "Budi"])
    >>> df[["unit", "speaker", "text", "Ana", "Budi", "differs_on"]].values.tolist()
    [[2, 'R', 'Tidak ada.', 'no_contract', 'piece_rate', 'no_contract; piece_rate']]
    """
    sel = select(codings, documents, coders=coders, codes=codes, require_coded=require_coded)
    au = build_units(sel, unit, units)
    frame = au.units
    numbers = frame.groupby("document", sort=False).cumcount().to_numpy() + 1
    vals = au.values
    differ = vals.min(axis=2) != vals.max(axis=2)  # units x codes
    rows_idx = np.flatnonzero(differ.any(axis=1))
    texts = {d.id: d.text for d in sel.documents}
    records: list[dict[str, Any]] = []
    for i in rows_idx.tolist():
        r = frame.iloc[i]
        start, end = int(r["start"]), int(r["end"])
        rec: dict[str, Any] = {
            "document": r["document_name"], "document_id": r["document"],
            "unit": int(numbers[i]), "start": start, "end": end,
            "speaker": _cell(r["speaker"]),
            "text": texts[r["document"]][start:end],
        }
        for c, coder in enumerate(au.coders):
            rec[_coder_column(coder)] = "; ".join(
                code for k, code in enumerate(au.codes) if vals[i, k, c])
        rec["differs_on"] = "; ".join(code for k, code in enumerate(au.codes) if differ[i, k])
        records.append(rec)
    columns = [*FIXED_COLUMNS, *(_coder_column(c) for c in au.coders), "differs_on"]
    df = pd.DataFrame(records, columns=columns)
    df.attrs.update({
        "unit": au.unit, "units": units, "coders": list(au.coders), "codes": list(au.codes),
        "n_units": len(frame), "documents": list(au.documents),
        "skipped_documents": list(au.skipped_documents),
    })
    return df


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    return str(value)


def _explanation(df: pd.DataFrame) -> list[str]:
    """Header paragraphs (HTML, every interpolated value escaped)."""
    a = df.attrs
    names = [html.escape(str(c)) for c in a.get("coders", [])]
    coders = (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else "the coders"
    unit = html.escape(str(a.get("unit", "unit")))
    lines = [
        f"Each row is one {unit} in which {coders} did not apply the same codes. "
        "The coder columns show the codes each coder applied there; "
        "<em>differs_on</em> lists the codes not applied by every coder. "
        "Discuss each row, agree on the coding, and record the decision in the project.",
        f"{len(df)} of {int(a['n_units'])} {unit} units differ." if "n_units" in a
        else f"{len(df)} units differ.",
    ]
    if a.get("codes"):
        lines.append("Codes compared: " + html.escape(", ".join(map(str, a["codes"]))) + ".")
    if a.get("units") == "coded":
        lines.append("Only units that at least one coder coded were compared.")
    if a.get("skipped_documents"):
        lines.append(f"{len(a['skipped_documents'])} document(s) not coded by every coder "
                     "were left out.")
    return lines


def _write_html(df: pd.DataFrame, path: Path) -> None:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "\n".join(
        "<tr>" + "".join(
            f'<td class="text">{html.escape(_cell(v))}</td>'
            if c == "text" else f"<td>{html.escape(_cell(v))}</td>"
            for c, v in zip(df.columns, row, strict=True)) + "</tr>"
        for row in df.itertuples(index=False, name=None))
    explanation = "\n".join(f"<p>{line}</p>" for line in _explanation(df))
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coder disagreements</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92em; }}
th, td {{ border: 1px solid #ccc; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; position: sticky; top: 0; }}
tr:nth-child(even) td {{ background: #fafafa; }}
td.text {{ white-space: pre-wrap; max-width: 40em; }}
</style>
</head>
<body>
<h1>Coder disagreements</h1>
{explanation}
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "disagreements"
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, np.integer):
                value = int(value)
            elif not isinstance(value, str) and bool(pd.isna(value)):
                value = None
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if len(value) > XLSX_CELL_LIMIT:
                    value = value[: XLSX_CELL_LIMIT - 1] + "…"
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula (a turn may start with "=")
    ws.freeze_panes = "A2"
    if "text" in df.columns:
        col = openpyxl.utils.get_column_letter(list(df.columns).index("text") + 1)
        ws.column_dimensions[col].width = 80
        for cell in ws[col][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)


def write_disagreements(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a :func:`disagreements` table to ``.csv``, ``.xlsx`` or ``.html``.

    CSV is UTF-8 with a byte-order mark so Excel shows accents; xlsx keeps
    every value as text or number (never a formula); HTML is one standalone,
    escaped page with a header explaining what the table shows. The file is
    written under a temporary name and renamed when complete.

    >>> import tempfile, pathlib
    >>> df = pd.DataFrame({"text": ["<b>&</b>"], "Ana": ["x"], "Budi": [""]})
    >>> out = write_disagreements(df, pathlib.Path(tempfile.mkdtemp()) / "review.html")
    >>> "&lt;b&gt;&amp;&lt;/b&gt;" in out.read_text(encoding="utf-8")
    True
    """
    p = Path(path)
    ext = p.suffix.lower()
    writers = {".csv", ".xlsx", ".html", ".htm"}
    if ext not in writers:
        raise UnsupportedFormatError(
            f"cannot write a disagreement report as {ext or '(no extension)'!r}; "
            "use .csv, .xlsx or .html", path=p)
    tmp = p.with_name(f".{p.name}.part")
    try:
        if ext == ".csv":
            df.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif ext == ".xlsx":
            _write_xlsx(df, tmp)
        else:
            _write_html(df, tmp)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p
