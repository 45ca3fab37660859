"""Word transcripts (``.docx``, WordprocessingML, transitional or strict).

The main part (``word/document.xml``, or wherever the package's
relationships point) is parsed once with lxml and walked in a single pass;
no python-docx objects are built, so large transcripts read fast.

Supported:

* **paragraph transcripts**: paragraphs joined with blank lines, speaker
  turns found by :func:`~qualcode.io.turns.detect_turns`;
* **table transcripts** as transcription services write them: a table whose
  columns are speaker | time | text, speaker | text or time | speaker | text,
  with or without a header row (``Speaker``/``Pembicara``/``Nama``,
  ``Time``/``Timestamp``/``Waktu``, ``Text``/``Transcript``/``Teks``/
  ``Ucapan``, ...): one turn per row, timestamps kept, text before the table
  as the preamble (see :mod:`qualcode.io._markup`);
* **tracked changes** read as if accepted: insertions and moved-to text are
  kept, deletions and moved-from text dropped, deleted paragraph marks join
  paragraphs; hidden (``vanish``) text and field instructions are skipped;
* **comments** (``word/comments.xml``) anchored to their exact range in
  the document text: ``doc.text[c.start:c.end]``;
* **properties**: core properties (title, subject, creator as ``author``,
  keywords, description, category, created) and every custom property
  become case attributes.

Tabs become spaces, line breaks ``\\n``, non-breaking hyphens ``-``; soft
hyphens are dropped. Headers, footers, footnotes, text boxes and drawings
are not part of the transcript. Archives are opened with the zip-bomb and
XML safeguards of :mod:`qualcode.io._zipxml`.
"""

from __future__ import annotations

import posixpath
import zipfile
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

__all__ = ["parse_docx", "read_docx"]

W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_M_T = _MATH + "t"
_MATH_TAGS = frozenset({_MATH + "oMath", _MATH + "oMathPara"})
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFF = frozenset({"0", "false", "off"})


class _Walker:
    """One pass over WordprocessingML in a given namespace."""

    def __init__(self, ns: str) -> None:
        w = f"{{{ns}}}"
        self.ns = w
        self.P, self.R, self.T = w + "p", w + "r", w + "t"
        self.TBL, self.TR, self.TC = w + "tbl", w + "tr", w + "tc"
        self.PPR, self.RPR, self.TRPR = w + "pPr", w + "rPr", w + "trPr"
        self.SDT, self.SDT_CONTENT, self.CUSTOM = w + "sdt", w + "sdtContent", w + "customXml"
        self.DEL, self.MOVE_FROM = w + "del", w + "moveFrom"
        self.VANISH, self.VAL, self.ID = w + "vanish", w + "val", w + "id"
        self.CRS, self.CRE = w + "commentRangeStart", w + "commentRangeEnd"
        self.CREF = w + "commentReference"
        self.SPACE = frozenset({w + "tab", w + "ptab"})
        self.BREAK = frozenset({w + "br", w + "cr"})
        self.HYPHEN = w + "noBreakHyphen"
        self.CONTAINERS = frozenset(
            w + t for t in ("ins", "moveTo", "hyperlink", "smartTag", "fldSimple",
                            "customXml", "dir", "bdo")
        )
        self.GONE = frozenset({self.DEL, self.MOVE_FROM})
        self.MARK_KIND = {self.CRS: "start", self.CRE: "end", self.CREF: "ref"}
        self.FAST = (self.T, *self.SPACE, *self.BREAK, self.HYPHEN, *self.MARK_KIND)
        # what only the full walk handles: removed or hidden text, drawings and
        # text boxes (whose text is not running text), maths, ruby
        self.SLOW = (self.DEL, self.MOVE_FROM, self.VANISH, w + "drawing", w + "pict",
                     w + "object", w + "ruby", w + "txbxContent", *_MATH_TAGS,
                     "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
                     "AlternateContent")

    # ------------------------------------------------------------ blocks
    def body(self, body: etree._Element) -> list[Chunk]:
        """The body as chunks: runs of paragraphs, and tables."""
        chunks: list[Chunk] = []
        builder = self._blocks(body, chunks, TextBuilder())
        chunks.append(builder.block())
        return chunks

    def _blocks(
        self, container: etree._Element, chunks: list[Chunk], b: TextBuilder
    ) -> TextBuilder:
        for child in container:
            tag = child.tag
            if tag == self.P:
                self.paragraph(child, b)
            elif tag == self.TBL:
                chunks.append(b.block())
                chunks.append(self._table(child))
                b = TextBuilder()
            elif tag == self.SDT:
                content = child.find(self.SDT_CONTENT)
                if content is not None:
                    b = self._blocks(content, chunks, b)
            elif tag == self.CUSTOM:
                b = self._blocks(child, chunks, b)
            elif tag == self.CRS:
                b.mark("start", child.get(self.ID))
            elif tag == self.CRE:
                b.mark("end", child.get(self.ID))
        return b

    def _table(self, tbl: etree._Element) -> Table:
        rows: Table = []
        for tr in self._children(tbl, self.TR):
            trpr = tr.find(self.TRPR)
            if trpr is not None and trpr.find(self.DEL) is not None:
                continue  # a deleted row
            rows.append([self._cell(tc) for tc in self._children(tr, self.TC)])
        return rows

    def _children(self, el: etree._Element, tag: str) -> list[etree._Element]:
        """Children with ``tag``, looking through content controls and custom XML."""
        out = []
        for child in el:
            if child.tag == tag:
                out.append(child)
            elif child.tag == self.SDT:
                content = child.find(self.SDT_CONTENT)
                if content is not None:
                    out.extend(self._children(content, tag))
            elif child.tag == self.CUSTOM:
                out.extend(self._children(child, tag))
        return out

    def _cell(self, tc: etree._Element) -> Block:
        b = TextBuilder("\n")
        self._flat(tc, b)
        return b.block()

    def _flat(self, container: etree._Element, b: TextBuilder) -> None:
        """Paragraphs of a cell, nested tables included, into one builder."""
        for child in container:
            tag = child.tag
            if tag == self.P:
                self.paragraph(child, b)
            elif tag == self.TBL:
                for tr in self._children(child, self.TR):
                    for tc in self._children(tr, self.TC):
                        self._flat(tc, b)
            elif tag in (self.SDT, self.CUSTOM):
                content = child.find(self.SDT_CONTENT) if tag == self.SDT else child
                if content is not None:
                    self._flat(content, b)
            elif tag == self.CRS:
                b.mark("start", child.get(self.ID))
            elif tag == self.CRE:
                b.mark("end", child.get(self.ID))

    # ------------------------------------------------------------ inline
    def paragraph(self, p: etree._Element, b: TextBuilder) -> None:
        """One paragraph into ``b``."""
        b.paragraph()
        if next(p.iter(*self.SLOW), None) is not None:
            self._inline(p, b, True)
        else:  # nothing to skip inside: take the text elements in one C-level scan
            for el in p.iter(*self.FAST):
                tag = el.tag
                if tag == self.T:
                    b.text(el.text)
                elif tag in self.SPACE:
                    b.text(" ")
                elif tag in self.BREAK:
                    b.text("\n")
                elif tag == self.HYPHEN:
                    b.text("-")
                else:
                    b.mark(self.MARK_KIND[tag], el.get(self.ID))
            return
        ppr = p.find(self.PPR)
        if ppr is not None:
            rpr = ppr.find(self.RPR)
            if rpr is not None and (rpr.find(self.DEL) is not None
                                    or rpr.find(self.MOVE_FROM) is not None):
                b.merge_next()

    def _inline(self, el: etree._Element, b: TextBuilder, visible: bool) -> None:
        for child in el:
            tag = child.tag
            if tag == self.R:
                self._run(child, b, visible)
            elif tag in self.CONTAINERS:
                self._inline(child, b, visible)
            elif tag in self.GONE:
                self._inline(child, b, False)
            elif tag == self.SDT:
                content = child.find(self.SDT_CONTENT)
                if content is not None:
                    self._inline(content, b, visible)
            elif tag == self.CRS:
                b.mark("start", child.get(self.ID))
            elif tag == self.CRE:
                b.mark("end", child.get(self.ID))
            elif tag in _MATH_TAGS and visible:
                b.text("".join(t.text or "" for t in child.iter(_M_T)))

    def _run(self, r: etree._Element, b: TextBuilder, visible: bool) -> None:
        if visible:
            rpr = r.find(self.RPR)
            if rpr is not None:
                vanish = rpr.find(self.VANISH)
                if vanish is not None and vanish.get(self.VAL) not in _OFF:
                    visible = False
        for child in r:
            tag = child.tag
            if tag == self.T:
                if visible:
                    b.text(child.text)
            elif tag in self.SPACE:
                if visible:
                    b.text(" ")
            elif tag in self.BREAK:
                if visible:
                    b.text("\n")
            elif tag == self.HYPHEN:
                if visible:
                    b.text("-")
            elif tag == self.CREF:
                b.mark("ref", child.get(self.ID))

    # ------------------------------------------------------------ comments
    def notes(self, root: etree._Element) -> dict[str, Note]:
        """Comment bodies by id from ``comments.xml``."""
        out: dict[str, Note] = {}
        for c in root.iter(self.ns + "comment"):
            key = c.get(self.ID)
            if key is None:
                continue
            b = TextBuilder("\n")
            self._flat(c, b)
            out[key] = Note(b.block().text, c.get(self.ns + "author") or None,
                            c.get(self.ns + "date") or None)
        return out


def _relationships(zf: zipfile.ZipFile, part: str, name: str) -> dict[str, str]:
    """Relationship type (last path segment) -> target member of ``part``."""
    folder, file = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", file + ".rels")
    data = read_member(zf, rels_name, name)
    if data is None:
        return {}
    out: dict[str, str] = {}
    for rel in safe_xml(data, name, rels_name).iter(_REL):
        target, kind = rel.get("Target"), rel.get("Type", "")
        if not target or rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            member = target.lstrip("/")
        else:
            member = posixpath.normpath(posixpath.join(folder, target))
        out.setdefault(kind.rsplit("/", 1)[-1], member)
    return out


_CORE_KEYS = {
    "title": "title",
    "subject": "subject",
    "creator": "author",
    "keywords": "keywords",
    "description": "description",
    "category": "category",
    "created": "created",
}


def _properties(zf: zipfile.ZipFile, package: Mapping[str, str], name: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    core_name = package.get("core-properties", "docProps/core.xml")
    core = read_member(zf, core_name, name)
    if core is not None:
        for el in safe_xml(core, name, core_name):
            key = _CORE_KEYS.get(etree.QName(el).localname) if isinstance(el.tag, str) else None
            value = " ".join("".join(el.itertext()).split())
            if key and value:
                attrs[key] = value
    custom_name = package.get("custom-properties", "docProps/custom.xml")
    custom = read_member(zf, custom_name, name)
    if custom is not None:
        for prop in safe_xml(custom, name, custom_name):
            key = prop.get("name")
            value_el = next(iter(prop), None)
            if not key or value_el is None or not isinstance(value_el.tag, str):
                continue
            value = _typed(etree.QName(value_el).localname, (value_el.text or "").strip())
            if value != "":
                attrs[key] = value
    return attrs


def _typed(kind: str, text: str) -> Any:
    """A custom property's value as Python (int, float, bool or str)."""
    try:
        if kind in {"i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"}:
            return int(text)
        if kind in {"r4", "r8", "decimal"}:
            return float(text)
    except ValueError:
        return text
    if kind == "bool":
        return text.lower() in {"1", "true"}
    return text


def parse_docx(
    data: bytes, *, name: str = "transcript.docx", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse a ``.docx`` file's bytes into a Document (pure: no file access).

    Raises :class:`~qualcode.errors.CorruptFileError` for a file that is not
    a valid .docx (or would be unsafe to open), and
    :class:`~qualcode.errors.EmptyFileError` if the document has no text.
    """
    with safe_open_zip(data, name) as zf:
        package = _relationships(zf, "", name)
        main = package.get("officeDocument", "word/document.xml")
        xml = read_member(zf, main, name)
        if xml is None:
            raise CorruptFileError(f"not a valid .docx (it has no {main})", path=name)
        root = safe_xml(xml, name, main)
        ns = etree.QName(root).namespace
        if ns not in (W_MAIN, W_STRICT):
            raise CorruptFileError(f"not a valid .docx ({main} is not a Word document)",
                                   path=name)
        walker = _Walker(ns)
        body = root.find(walker.ns + "body")
        if body is None:
            raise CorruptFileError(f"not a valid .docx ({main} has no body)", path=name)
        chunks = walker.body(body)
        notes: dict[str, Note] = {}
        comments_name = _relationships(zf, main, name).get("comments")
        if comments_name:
            comments_xml = read_member(zf, comments_name, name)
            if comments_xml is not None:
                notes = walker.notes(safe_xml(comments_xml, name, comments_name))
        attributes = _properties(zf, package, name)
    return chunks_document(
        chunks,
        name=Path(name).name,
        sha256=sha256_bytes(data),
        fmt="docx",
        roles=roles,
        attributes=attributes,
        notes=notes,
        path=name,
    )


def read_docx(path: str | Path, **kwargs: Any) -> Document:
    """Read a ``.docx`` transcript (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
