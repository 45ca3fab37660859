"""OpenDocument text transcripts (``.odt``: LibreOffice, Google Docs, Word).

``content.xml`` is parsed once with lxml (through the zip-bomb and XML
safeguards of :mod:`qualcode.io._zipxml`) and walked by hand:

* paragraphs and headings (``text:p``/``text:h``, also inside lists and
  sections) joined with blank lines, speaker turns found by
  :func:`~qualcode.io.turns.detect_turns`; ``text:span``/``text:a`` are
  followed, ``text:s`` gives its spaces, ``text:tab`` a space and
  ``text:line-break`` a ``\\n``; footnotes, frames and indexes are skipped;
* transcript tables (speaker | time | text, ...) exactly as in .docx
  (see :mod:`qualcode.io._markup`);
* tracked changes read as if accepted: the ``text:tracked-changes`` region
  (where deleted text is kept) is skipped, inserted text stays;
* comments (``office:annotation``, with ``office:annotation-end`` for a
  range) anchored to their exact span of the document text;
* ``meta.xml``: ``dc:title``, ``dc:subject``, ``dc:description``,
  ``meta:keyword`` (as ``keywords``), ``meta:initial-creator`` (as
  ``author``), ``meta:creation-date`` (as ``created``) and every
  ``meta:user-defined`` property become case attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import CorruptFileError
from ..model import Document
from ._common import sha256_bytes
from ._layout import chunks_document
from ._markup import Block, Chunk, Note, Table, TextBuilder
from ._zipxml import read_member, safe_open_zip, safe_xml

__all__ = ["parse_odt", "read_odt"]

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"

_P = frozenset({_TEXT + "p", _TEXT + "h"})
_NESTED_BLOCKS = frozenset({_TEXT + t for t in ("list", "list-item", "list-header", "section",
                                                 "numbered-paragraph")})
_TBL = _TABLE + "table"
_ROW, _CELL = _TABLE + "table-row", _TABLE + "table-cell"
_ROW_GROUPS = frozenset({_TABLE + t for t in ("table-header-rows", "table-rows",
                                               "table-row-group")})
_S, _TAB, _BREAK = _TEXT + "s", _TEXT + "tab", _TEXT + "line-break"
_ANNOTATION, _ANNOTATION_END = _OFFICE + "annotation", _OFFICE + "annotation-end"
_NAME = _OFFICE + "name"
#: Inline elements whose content is not part of the running text.
_SKIP_INLINE = frozenset({_TEXT + t for t in ("note", "ruby-text", "change", "change-start",
                                               "change-end", "bookmark", "bookmark-start",
                                               "bookmark-end", "reference-mark",
                                               "soft-page-break")})
_WS = re.compile(r"[ \t\r\n]+")
_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: User-defined properties LibreOffice adds when it imports a .docx.
_IMPORT_ARTEFACTS = frozenset({"AppVersion", "DocSecurity", "HyperlinksChanged",
                               "LinksUpToDate", "ScaleCrop", "ShareDoc"})
_RENAMED = {"OOXMLCorePropertyCategory": "category"}


class _Walker:
    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}

    def body(self, body: etree._Element) -> list[Chunk]:
        chunks: list[Chunk] = []
        chunks.append(self._blocks(body, chunks, TextBuilder()).block())
        return chunks

    def _blocks(self, container: etree._Element, chunks: list[Chunk],
                b: TextBuilder) -> TextBuilder:
        for child in container:
            tag = child.tag
            if tag in _P:
                self._paragraph(child, b)
            elif tag == _TBL:
                chunks.append(b.block())
                chunks.append(self._table(child))
                b = TextBuilder()
            elif tag in _NESTED_BLOCKS:
                b = self._blocks(child, chunks, b)
        return b

    def _flat(self, container: etree._Element, b: TextBuilder) -> None:
        for child in container:
            tag = child.tag
            if tag in _P:
                self._paragraph(child, b)
            elif tag in _NESTED_BLOCKS:
                self._flat(child, b)
            elif tag == _TBL:
                for row in self._rows(child):
                    for cell in row:
                        self._flat(cell, b)

    def _rows(self, table: etree._Element) -> list[list[etree._Element]]:
        rows = []
        for child in table:
            if child.tag == _ROW:
                rows.append([c for c in child if c.tag == _CELL])
            elif child.tag in _ROW_GROUPS:
                rows.extend(self._rows(child))
        return rows

    def _table(self, table: etree._Element) -> Table:
        out: Table = []
        for row in self._rows(table):
            cells = []
            for cell in row:
                b = TextBuilder("\n")
                self._flat(cell, b)
                block = b.block()
                cells.append(block)
                repeat = cell.get(_TABLE + "number-columns-repeated")
                if repeat and repeat.isdigit() and not block.text:
                    cells.extend(Block("") for _ in range(min(int(repeat), 50) - 1))
            out.append(cells)
        return out

    def _paragraph(self, p: etree._Element, b: TextBuilder) -> None:
        b.paragraph()
        self._inline(p, b)

    def _inline(self, el: etree._Element, b: TextBuilder) -> None:
        if el.text:
            b.text(_WS.sub(" ", el.text))
        for child in el:
            tag = child.tag
            if tag == _S:
                count = child.get(_TEXT + "c", "1")
                b.text(" " * min(int(count), 1000) if count.isdigit() else " ")
            elif tag == _TAB:
                b.text(" ")
            elif tag == _BREAK:
                b.text("\n")
            elif tag == _ANNOTATION:
                self._annotation(child, b)
            elif tag == _ANNOTATION_END:
                b.mark("end", child.get(_NAME))
            elif (isinstance(tag, str) and tag.startswith(_TEXT)
                  and tag not in _SKIP_INLINE):
                self._inline(child, b)  # span, a, meta, fields (date, title, ...)
            if child.tail:
                b.text(_WS.sub(" ", child.tail))

    def _annotation(self, ann: etree._Element, b: TextBuilder) -> None:
        key = ann.get(_NAME) or f"__point_{len(self.notes)}"
        body = TextBuilder("\n")
        self._flat(ann, body)
        creator = ann.findtext(_DC + "creator")
        date = ann.findtext(_DC + "date")
        self.notes[key] = Note(body.block().text, creator or None, date or None)
        b.mark("start" if ann.get(_NAME) else "ref", key)


def _meta(root: etree._Element) -> dict[str, Any]:
    meta = root.find(_OFFICE + "meta")
    if meta is None:
        return {}
    attrs: dict[str, Any] = {}
    simple = {_DC + "title": "title", _DC + "subject": "subject",
              _DC + "description": "description", _META + "initial-creator": "author",
              _META + "creation-date": "created"}
    keywords = []
    for el in meta:
        value = " ".join("".join(el.itertext()).split())
        if el.tag in simple and value:
            attrs[simple[el.tag]] = value
        elif el.tag == _META + "keyword" and value:
            keywords.append(value)
        elif el.tag == _META + "user-defined":
            key = el.get(_META + "name")
            kind = el.get(_META + "value-type", "string")
            if key and value and key not in _IMPORT_ARTEFACTS:
                attrs[_RENAMED.get(key, key)] = _typed(kind, value)
    if "author" not in attrs:
        creator = " ".join((meta.findtext(_DC + "creator") or "").split())
        if creator:
            attrs["author"] = creator
    if keywords:
        attrs["keywords"] = ", ".join(keywords)
    return attrs


def _typed(kind: str, value: str) -> Any:
    if kind == "float":
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    if kind == "boolean":
        return value.lower() == "true"
    return value


def parse_odt(
    data: bytes, *, name: str = "transcript.odt", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse an ``.odt`` file's bytes into a Document (pure: no file access).

    Raises :class:`~qualcode.errors.CorruptFileError` for a file that is not
    a valid .odt (or would be unsafe to open), and
    :class:`~qualcode.errors.EmptyFileError` if the document has no text.
    """
    with safe_open_zip(data, name) as zf:
        mimetype = read_member(zf, "mimetype", name)
        if mimetype is not None and mimetype.strip() not in (_MIMETYPE, _MIMETYPE + b"-template"):
            kind = mimetype.strip()[:80].decode("ascii", "replace")
            raise CorruptFileError(f"not a valid .odt (it is {kind}, not a text document)",
                                   path=name)
        content = read_member(zf, "content.xml", name)
        if content is None:
            raise CorruptFileError("not a valid .odt (it has no content.xml)", path=name)
        root = safe_xml(content, name, "content.xml")
        body = root.find(f"{_OFFICE}body/{_OFFICE}text")
        if body is None:
            raise CorruptFileError("not a valid .odt (content.xml has no text body)", path=name)
        walker = _Walker()
        chunks = walker.body(body)
        meta_xml = read_member(zf, "meta.xml", name)
        attributes = _meta(safe_xml(meta_xml, name, "meta.xml")) if meta_xml else {}
    return chunks_document(
        chunks,
        name=Path(name).name,
        sha256=sha256_bytes(data),
        fmt="odt",
        roles=roles,
        attributes=attributes,
        notes=walker.notes,
        path=name,
    )


def read_odt(path: str | Path, **kwargs: Any) -> Document:
    """Read an ``.odt`` transcript (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
