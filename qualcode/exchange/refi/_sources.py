"""Reading the sources of a REFI-QDA project: their raw text and their selections.

Text comes from an ``internal://`` file in the archive (UTF-8 as the
standard says; a BOM is kept as U+FEFF because some producers count it; a
UTF-16 or Windows-1252 file is read with a warning) or from inline
``PlainTextContent``. ``relative://`` and ``absolute://`` paths point to the
user's disk: they are never read. When the plain text is empty or missing
but a ``.docx`` is in the archive (NVivo for Mac writes a 1-byte .txt), the
text comes from the .docx, and the selections, whose positions refer to the
missing plain text, are not placed.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...io._common import normalise_text
from ...model import Document
from ._model import OpaqueSource
from ._xml import Container, Warnings, describe, guid_key
from .offsets import Detection, Span, TextMap

__all__ = ["Pending", "Sel", "SourceReader", "decode", "memo_of", "refs"]

_MEDIA = {"PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}
#: (code key, creatingUser, element description, note keys) of one Coding
CodingRef = tuple[str, str | None, str, list[str]]


def decode(data: bytes, where: str, warnings: Warnings) -> str:
    """Text of a source file; a BOM is kept as U+FEFF (positions may count it)."""
    if data.startswith(codecs.BOM_UTF8):
        body, bom = data[3:], "\ufeff"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        warnings.add(where, "the text file is UTF-16, not UTF-8 as the standard says")
        return "\ufeff" + data.decode("utf-16", errors="replace")
    else:
        body, bom = data, ""
    try:
        return bom + body.decode("utf-8")
    except UnicodeDecodeError as e:
        warnings.add(where, f"the text file is not UTF-8 (byte {e.start}); read as Windows-1252")
        return bom + body.decode("cp1252", errors="replace")


def refs(el: Any, tag: str = "NoteRef") -> list[str]:
    """The GUID keys an element's ``<tag targetGUID=...>`` children point to."""
    return [guid_key(r.get("targetGUID") or r.get("guid")) for r in el.findall(tag)]


def memo_of(*parts: str | None) -> str | None:
    """One memo from a selection's description and notes (a single part kept exactly)."""
    kept = [p for p in parts if p and p.strip()]
    if len(kept) == 1:
        return kept[0]  # exactly as written: a memo qualcode exported comes back equal
    return "\n\n".join(dict.fromkeys(p.strip() for p in kept)) or None


@dataclass
class Sel:
    """A ``PlainTextSelection`` as read, before its positions are converted."""

    where: str
    span: Span
    description: str | None
    notes: list[str]
    creator: str | None
    created: str | None
    codings: list[CodingRef]


@dataclass
class Pending:
    """A text source waiting for its counting convention and its document."""

    owner: Any
    guid: str
    name: str
    fmt: str
    tm: TextMap
    selections: list[Sel]
    whole: list[CodingRef]
    placeable: bool = True
    detection: Detection | None = None
    agree: bool = True
    decided_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class SourceReader:
    """Reads the ``<Sources>`` of a namespace-stripped project tree."""

    def __init__(self, container: Container, warnings: Warnings) -> None:
        self.c = container
        self.w = warnings
        self.pending: list[Pending] = []
        self.opaque: list[OpaqueSource] = []

    def note_text(self, el: Any) -> str:
        """The text of a ``<Note>`` (inline, or a file in the archive)."""
        parts = []
        content = el.find("PlainTextContent")
        path = el.get("plainTextPath")
        if path and path.lower().startswith("internal://"):
            member, _ = self.c.resolve(path, describe(el))
            if member:
                parts.append(decode(self.c.read(member), describe(el), self.w))
        elif content is not None and content.text:
            parts.append(content.text)
        desc = el.find("Description")
        if desc is not None and desc.text and desc.text.strip() and not parts:
            parts.append(desc.text)
        return normalise_text("\n\n".join(parts))

    def _opaque(self, el: Any, kind: str, reason: str) -> None:
        path = el.get("path") or el.get("plainTextPath") or el.get("richTextPath")
        codings = len(list(el.iter("Coding")))
        transcripts = len(el.findall("Transcript"))
        if transcripts:
            reason += f" (nor are its {transcripts} transcript(s))"
        self.w.add(describe(el), f"not imported: {reason}"
                   + (f"; {codings} coding(s) left behind" if codings else ""), kind=reason)
        self.opaque.append(OpaqueSource(kind, el.get("guid", ""), el.get("name") or "", path,
                                        reason, codings))

    def _coding_refs(self, parent: Any) -> list[CodingRef]:
        out = []
        for cod in parent.findall("Coding"):
            ref = cod.find("CodeRef")
            if ref is None:
                self.w.add(describe(cod), "Coding without CodeRef; ignored")
                continue
            out.append((guid_key(ref.get("targetGUID")), cod.get("creatingUser"),
                        describe(cod), refs(cod)))
        return out

    def _selection(self, sel: Any) -> Sel | None:
        where = describe(sel)
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            self.w.add(where, "startPosition/endPosition missing or not whole numbers; "
                       "selection ignored")
            return None
        if start < 0 or start > end:
            self.w.add(where, f"startPosition {start} > endPosition {end}; selection ignored"
                       if start > end else f"negative startPosition {start}; selection ignored",
                       kind="bad span")
            return None
        desc = sel.find("Description")
        return Sel(where, Span(start, end, sel.get("name")),
                   desc.text if desc is not None else None, refs(sel), sel.get("creatingUser"),
                   sel.get("creationDateTime"), self._coding_refs(sel))

    def _text_of(self, el: Any) -> tuple[str | None, str]:
        """The raw text of a text source element, or ``None`` and why not."""
        where = describe(el)
        path = (el.get("plainTextPath") or "").strip()
        content = el.find("PlainTextContent")
        if path and content is not None:
            self.w.add(where, "has both plainTextPath and PlainTextContent (the standard "
                       "wants one); using the file if present")
        reason = "no plainTextPath or PlainTextContent"
        if path.lower().startswith("internal://"):
            member, quirk = self.c.resolve(path, where)
            if member is not None:
                if quirk:
                    self.w.add(where, f"{path}: {quirk}", kind="member name quirk")
                return decode(self.c.read(member), where, self.w), ""
            reason = ("a bare .qde carries no source files" if self.c.zf is None
                      else f"{path} is missing from the archive")
        elif path:
            reason = f"{path} is outside the archive (external files are not read)"
        if content is not None:
            return content.text or "", ""
        return None, reason

    def _docx_text(self, el: Any) -> str | None:
        rich = (el.get("richTextPath") or "").strip()
        if not rich.lower().startswith("internal://"):
            return None
        member, _ = self.c.resolve(rich, describe(el))
        if member is None or not member.lower().endswith(".docx"):
            return None
        from ...io import parse_transcript

        try:
            return parse_transcript(self.c.read(member), name=member, language="en").text
        except InputError as e:
            self.w.add(describe(el), f"{rich}: {e.message}")
            return None

    def _add(self, text_el: Any, owner: Any, fmt: str) -> str | None:
        """Queue a text source; ``None``, or why it cannot be imported."""
        raw, reason = self._text_of(text_el)
        placeable = True
        if raw is None or not normalise_text(raw):
            docx = self._docx_text(text_el)
            if docx:
                self.w.add(describe(owner), "plain text is empty or missing; the text was "
                           "taken from the .docx, and its selections cannot be placed")
                raw, placeable = docx, False
        if raw is None:
            return reason
        selections = [s for s in map(self._selection, text_el.findall("PlainTextSelection"))
                      if s is not None]
        name = owner.get("name") or ""
        if not name.strip():
            name = Path((owner.get("path") or text_el.get("plainTextPath") or "source")
                        .split("://")[-1]).name
        self.pending.append(Pending(owner, owner.get("guid", ""), name, fmt, TextMap(raw),
                                    selections, self._coding_refs(text_el), placeable))
        return None

    def read(self, sources: Any) -> None:
        """Read every child of ``<Sources>``."""
        for el in sources if sources is not None else []:
            if el.tag == "TextSource":
                reason = self._add(el, el, "txt")
                if reason is not None:
                    self._opaque(el, "text", reason)
            elif el.tag == "PDFSource":
                rep = el.find("Representation")
                reason = ("a PDF without a text representation" if rep is None
                          else self._add(rep, el, "pdf"))
                if reason is not None:
                    self._opaque(el, "pdf", f"PDF text not available: {reason}")
                elif el.findall("PDFSelection"):
                    self.w.add(describe(el), "PDF imported from its text representation; "
                               f"{len(el.findall('PDFSelection'))} PDFSelection(s) (page "
                               "areas) are not imported")
            elif el.tag in _MEDIA:
                kind = _MEDIA[el.tag]
                self._opaque(el, kind, f"{kind} sources cannot be held as text")
            else:
                self.w.add(describe(el), "unknown kind of source; ignored")


_SOURCE_MARKER = re.compile(
    r"^qualcode source: id=(?P<id>[0-9a-zA-Z_-]{1,64}) sha256=(?P<sha>[0-9a-f]{64}) "
    r"text=(?P<text>[0-9a-f]{64}) version=(?P<version>\d{1,6})$")


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def source_marker(doc: Document) -> str:
    """A TextSource description carrying a document's identity across a round trip.

    The id and the hash of the original file's bytes cannot be derived from
    the exported text, so they travel here, together with the hash of the
    text itself: if another program edits the text, the marker no longer
    matches and the document is imported as new, so no edit is lost.
    """
    return (f"qualcode source: id={doc.id} sha256={doc.sha256} text={_text_sha(doc.text)} "
            f"version={doc.version}")


def parse_source_marker(description: str | None, text: str) -> tuple[str, str, int] | None:
    """``(id, sha256, version)`` from :func:`source_marker` if it matches ``text``.

    >>> d = Document(name="a.txt", text="I: hi")
    >>> parse_source_marker(source_marker(d), "I: hi") == (d.id, d.sha256, 1)
    True
    >>> parse_source_marker(source_marker(d), "I: hi, edited") is None
    True
    """
    m = _SOURCE_MARKER.match((description or "").strip())
    if m is None or m.group("text") != _text_sha(text):
        return None
    return m.group("id"), m.group("sha"), int(m.group("version"))
