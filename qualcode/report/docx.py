"""Write a :class:`~qualcode.report.content.ReportData` as a Word document (python-docx).

Headings use Word's built-in Heading styles (so the navigation pane and a
table of contents work), tables are real tables (style "Table Grid"), the
network figure is an inline picture, and excerpts are indented italic
paragraphs. Text is stripped of characters XML 1.0 does not allow.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.shared import Inches, Pt

from .content import CodeSection, ReportData

__all__ = ["write_docx"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: object) -> str:
    """``text`` as a string Word can store."""
    return _INVALID_XML.sub("", str(text))


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:,.1f}"
    return clean(value)


def add_table(doc: DocxDocument, frame: pd.DataFrame, *, index: bool = True,
              index_label: str = "") -> None:
    """Add ``frame`` as a table with a bold header row."""
    columns = [str(c) for c in frame.columns]
    header = ([index_label or str(frame.index.name or "")] if index else []) + columns
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean(text))
        run.bold = True
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        values = ([str(label)] if index else []) + [_cell(v) for v in row]
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = clean(text)
    doc.add_paragraph()


def _section(doc: DocxDocument, s: CodeSection) -> None:
    heading = s.label if s.label == s.name else f"{s.label} ({s.name})"
    doc.add_heading(clean(heading), level=3)
    for label, text in (("Definition", s.description), ("Include", s.inclusion),
                        ("Exclude", s.exclusion)):
        if text:
            p = doc.add_paragraph()
            p.add_run(f"{label}: ").bold = True
            p.add_run(clean(" ".join(text.split())))
    shown = len(s.excerpts)
    doc.add_paragraph(f"{s.total} coded passage{'s' if s.total != 1 else ''}"
                      + (f"; the first {shown} are shown." if shown < s.total else "."))
    for e in s.excerpts:
        meta = doc.add_paragraph()
        meta.paragraph_format.space_after = Pt(0)
        meta.paragraph_format.keep_with_next = True
        who = e.speaker or "—"
        meta.add_run(clean(e.document)).bold = True
        meta.add_run(clean(f" · {who}" + (f" ({e.role})" if e.role else "")))
        attrs = ", ".join(f"{k}: {v}" for k, v in e.attributes.items())
        small = meta.add_run(clean(f" · {attrs} · coded by {', '.join(e.coders)}"))
        small.italic = True
        small.font.size = Pt(8)
        # direct formatting, not the "Quote" style: python-docx looks a style up by
        # scanning every style, which makes a long report take seconds
        quote = doc.add_paragraph()
        quote.paragraph_format.left_indent = Inches(0.35)
        quote.add_run(clean(e.text)).italic = True


def write_docx(data: ReportData, path: Path) -> None:
    """Write the report to ``path`` (the caller makes the write atomic)."""
    doc = new_document()
    doc.core_properties.title = clean(data.title)
    doc.core_properties.author = "qualcode"
    doc.add_heading(clean(data.title), level=0)
    doc.add_paragraph(f"Generated {data.generated} by qualcode.")
    doc.add_heading("Summary", level=1)
    add_table(doc, pd.DataFrame({"value": [v for _, v in data.summary]},
                                index=[k for k, _ in data.summary]), index_label="")
    for note in data.notes:
        doc.add_paragraph(clean(note), style="List Bullet")
    if not data.frequencies.empty:
        doc.add_heading("Code frequencies", level=2)
        add_table(doc, data.frequencies, index=False)

    doc.add_heading("Codes and coded excerpts", level=1)
    book = None
    for s in data.sections:
        if s.codebook != book:
            book = s.codebook
            doc.add_heading(clean(f"Codebook: {book}" if book else "Other codes"), level=2)
        _section(doc, s)

    if data.by_attribute:
        doc.add_heading("Frequencies by attribute", level=1)
        for attr, frame in data.by_attribute:
            doc.add_heading(clean(f"Codings by {attr}"), level=2)
            add_table(doc, frame, index_label="code")

    doc.add_heading("Co-occurrence network", level=1)
    if data.figure_png is not None:
        doc.add_picture(io.BytesIO(data.figure_png), width=Inches(6.2))
        doc.add_paragraph(clean(data.figure_title), style="Caption")
    else:
        doc.add_paragraph(clean(data.figure_title))

    if data.cube is not None:
        doc.add_heading("Power cube", level=1)
        doc.add_paragraph("Units (turns) in each cell of the power cube that has any; a "
                          "dimension the turn says nothing about is (none).")
        add_table(doc, data.cube, index=False)
    doc.save(str(path))
