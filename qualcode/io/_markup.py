"""Text with anchored marks, for the word-processor formats (.docx, .odt).

The format modules walk their XML into a :class:`TextBuilder`, which joins
paragraphs and records where comment anchors fall. :func:`normalise_mapped`
then normalises the text exactly as :func:`~qualcode.io._common.normalise_text`
does while carrying the anchors along, so ``doc.text[c.start:c.end]`` is the
text a comment was attached to. How a document's paragraphs and tables
become turns is in :mod:`qualcode.io._layout`.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from ..model import Comment
from ._common import normalise_text

__all__ = [
    "Block",
    "Chunk",
    "Mark",
    "Note",
    "Table",
    "TextBuilder",
    "comments_from_marks",
    "join_blocks",
    "normalise_block",
    "normalise_mapped",
]

#: (kind, key, offset): kind is "start", "end" or "ref" (a point anchor).
Mark: TypeAlias = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Block:
    """Text and the marks anchored in it (offsets into ``text``)."""

    text: str
    marks: tuple[Mark, ...] = ()


#: A table: rows of cells.
Table: TypeAlias = list[list[Block]]
Chunk: TypeAlias = Block | Table


@dataclass(frozen=True, slots=True)
class Note:
    """The body of a comment, before it is anchored."""

    text: str
    author: str | None = None
    date: str | None = None


_CONTROLS = {c: None for c in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F]}
_TRANSLATE: dict[int, str | None] = {
    **_CONTROLS,
    0x09: " ",  # tab
    0x0A: "\n",
    0x0D: "\n",
    0x0C: "\n",
    0x2028: "\n",
    0x2029: "\n\n",
    0x00AD: None,  # soft hyphen
    0x200B: None,
    0xFEFF: None,
}


class TextBuilder:
    """Accumulates paragraphs of text and the marks anchored between them.

    Paragraphs with no text are skipped; the others are joined with
    ``separator``. A start mark met before a paragraph's first text is
    placed after the separator, at the paragraph's first character.
    """

    __slots__ = ("_marks", "_merge", "_need_sep", "_parts", "_pending", "_pos", "_sep")

    def __init__(self, separator: str = "\n\n") -> None:
        self._parts: list[str] = []
        self._pos = 0
        self._sep = separator
        self._need_sep = False
        self._merge = False
        self._marks: list[Mark] = []
        self._pending: list[str] = []

    def paragraph(self) -> None:
        """Start a new paragraph."""
        if self._merge:
            self._merge = False
        elif self._pos:
            self._need_sep = True

    def merge_next(self) -> None:
        """Join the next paragraph to this one (a deleted paragraph mark)."""
        self._merge = True

    def text(self, s: str | None) -> None:
        """Append text: tabs become spaces, soft hyphens and control characters go."""
        if not s:
            return
        if "\r" in s:
            s = s.replace("\r\n", "\n")
        s = s.translate(_TRANSLATE)
        if not s:
            return
        if self._need_sep:
            self._parts.append(self._sep)
            self._pos += len(self._sep)
            self._need_sep = False
        if self._pending:
            self._marks.extend(("start", k, self._pos) for k in self._pending)
            self._pending.clear()
        self._parts.append(s)
        self._pos += len(s)

    def mark(self, kind: str, key: str | None) -> None:
        """Anchor a mark (``start``, ``end`` or ``ref``) of comment ``key`` here."""
        if key is None:
            return
        if kind == "start" and self._need_sep:
            self._pending.append(key)
        else:
            self._marks.append((kind, key, self._pos))

    def block(self) -> Block:
        """The text so far and its marks."""
        marks = self._marks + [("start", k, self._pos) for k in self._pending]
        return Block("".join(self._parts), tuple(marks))


def _clean_piece(piece: str) -> str:
    piece = piece.replace("\r\n", "\n").replace("\r", "\n")
    piece = piece.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x0c", "\n")
    return unicodedata.normalize("NFC", piece.translate(_CONTROLS).replace("\u200b", "")
                                 .replace("\ufeff", ""))


def normalise_mapped(raw: str, offsets: Sequence[int]) -> tuple[str, list[int]]:
    """:func:`~qualcode.io._common.normalise_text` that also maps ``offsets``.

    An offset inside removed trailing whitespace moves to the end of what is
    kept. Unicode normalisation is applied between offsets, so an offset
    never falls inside a composed character.

    >>> normalise_mapped("\\n\\nAda   \\nkontrak  ", [2, 6, 9, 16])
    ('Ada\\nkontrak', [0, 3, 4, 11])
    """
    if not offsets:
        return normalise_text(raw), []
    n = len(raw)
    cuts = sorted({o for o in offsets if 0 < o < n})
    bounds = [0, *cuts]
    pieces = [_clean_piece(raw[a:b]) for a, b in zip(bounds, [*cuts, n], strict=True)]
    where: dict[int, int] = {}
    acc = 0
    for a, piece in zip(bounds, pieces, strict=True):
        where[a] = acc
        acc += len(piece)
    where[n] = acc
    mapped = [where[min(max(o, 0), n)] for o in offsets]
    text = "".join(pieces)
    # trailing whitespace of every line
    old_starts: list[int] = []
    new_starts: list[int] = []
    kept: list[int] = []
    old = new = 0
    out_lines = []
    for line in text.split("\n"):
        stripped = line.rstrip()
        old_starts.append(old)
        new_starts.append(new)
        kept.append(len(stripped))
        out_lines.append(stripped)
        old += len(line) + 1
        new += len(stripped) + 1
    text = "\n".join(out_lines)
    result = []
    for o in mapped:
        i = bisect.bisect_right(old_starts, o) - 1
        result.append(new_starts[i] + min(o - old_starts[i], kept[i]))
    # blank lines at both ends
    lead = len(text) - len(text.lstrip("\n"))
    text = text.strip("\n")
    return text, [min(max(o - lead, 0), len(text)) for o in result]


def normalise_block(block: Block) -> Block:
    """``block`` with normalised text and its marks moved accordingly."""
    if not block.marks:
        return Block(normalise_text(block.text))
    text, offsets = normalise_mapped(block.text, [m[2] for m in block.marks])
    return Block(text, tuple((k, key, o) for (k, key, _), o in
                             zip(block.marks, offsets, strict=True)))


def join_blocks(blocks: Iterable[Block], separator: str = "\n\n") -> Block:
    """Concatenate blocks with ``separator`` between those that have text."""
    parts: list[str] = []
    marks: list[Mark] = []
    pos = 0
    for b in blocks:
        if b.text:
            if parts:
                parts.append(separator)
                pos += len(separator)
            parts.append(b.text)
            marks.extend((k, key, pos + o) for k, key, o in b.marks)
            pos += len(b.text)
        else:
            marks.extend((k, key, pos) for k, key, _ in b.marks)
    return Block("".join(parts), tuple(marks))


def comments_from_marks(
    marks: Iterable[Mark], notes: Mapping[str, Note], length: int
) -> tuple[Comment, ...]:
    """Anchor every note at its marks (a point anchor where it has no range)."""
    found: dict[str, dict[str, int]] = {"start": {}, "end": {}, "ref": {}}
    for kind, key, offset in marks:
        found[kind].setdefault(key, offset)
    out = []
    for key, note in notes.items():
        ref = found["ref"].get(key)
        start = found["start"].get(key, ref)
        end = found["end"].get(key, ref if ref is not None else start)
        if start is None:
            start = end if end is not None else 0
        if end is None:
            end = start
        start = min(max(start, 0), length)
        end = min(max(end, 0), length)
        if end < start:
            start = end
        out.append(Comment(start, end, normalise_text(note.text), note.author, note.date))
    return tuple(sorted(out, key=lambda c: (c.start, c.end)))
