"""How a word-processor document becomes turns: paragraphs or a transcript table.

The format modules (.docx, .odt) hand over *chunks*: runs of paragraphs as
a :class:`~qualcode.io._markup.Block`, and tables as rows of cell blocks.
:func:`chunks_document` decides the layout of the whole document:

* **paragraph layout**: everything joined with blank lines, normalised,
  and split into turns by :func:`~qualcode.io.turns.detect_turns`;
* **table layout**, the tables transcription services produce, with
  columns like ``speaker | time | text`` (also ``speaker | text`` and
  ``time | speaker | text``; a header row in English or Indonesian is
  optional): one turn per row via
  :func:`~qualcode.io._common.document_from_segments`, with the text
  before the first such table as the preamble. A row with an empty speaker
  cell continues with the speaker of the row before.

Comment anchors are carried into the final text in both layouts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EmptyFileError
from ..model import Document
from ._common import (
    Segment,
    document_from_segments,
    format_timestamp,
    normalise_text,
    parse_timestamp,
)
from ._markup import (
    Block,
    Chunk,
    Mark,
    Note,
    Table,
    comments_from_marks,
    join_blocks,
    normalise_block,
)
from .turns import detect_turns, match_label

__all__ = ["TableLayout", "chunks_document", "parse_times", "table_layout"]

_HEADERS: dict[str, frozenset[str]] = {
    "speaker": frozenset("""speaker speakers name nama pembicara penutur peserta participant
        who siapa narasumber informan responden""".split()) | {"speaker name", "nama peserta"},
    "time": frozenset("""time timestamp timecode waktu start mulai tc jam menit""".split())
    | {"time stamp", "time code", "start time", "waktu mulai", "in"},
    "text": frozenset("""text transcript transcription teks ucapan transkrip transkripsi
        utterance content isi dialog dialogue percakapan pernyataan statement kutipan
        jawaban tanggapan""".split()) | {"what was said", "isi pembicaraan"},
}
_NUMBER = re.compile(r"^\s*(?:no\.?|nomor|#)?\s*\d+\.?\s*$", re.IGNORECASE)
_TIME_TOKEN = re.compile(r"\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?")
_TIME_REST = re.compile(r"[\s\[\]()<>\-–—,.:]|s\b")


@dataclass(frozen=True, slots=True)
class TableLayout:
    """Which column of a transcript table holds what."""

    speaker: int
    text: int
    time: int | None = None
    end_time: int | None = None
    header: bool = False


def _header_kind(cell: str) -> str | None:
    key = " ".join(cell.lower().strip(" :.#*").split())
    for kind, names in _HEADERS.items():
        if key in names:
            return kind
    return None


def parse_times(value: str) -> tuple[float | None, float | None]:
    """Start and end seconds in a time cell (``00:01:02``, ``[0:01 - 0:05]``)."""
    tokens = _TIME_TOKEN.findall(value)
    start = parse_timestamp(tokens[0]) if tokens else None
    end = parse_timestamp(tokens[1]) if len(tokens) > 1 else None
    return start, end


def _is_time(value: str) -> bool:
    if not _TIME_TOKEN.search(value) or parse_times(value)[0] is None:
        return False
    return len(_TIME_REST.sub("", _TIME_TOKEN.sub("", value))) <= 2


def _is_speaker(value: str) -> bool:
    return len(value) <= 40 and match_label(value.rstrip(":") + ": x") is not None


def table_layout(rows: Sequence[Sequence[str]]) -> TableLayout | None:
    """The layout of a transcript table given its cell texts, or ``None``.

    >>> table_layout([["Pembicara", "Waktu", "Teks"], ["Ibu Sari", "00:01", "Tidak ada."]])
    TableLayout(speaker=0, text=2, time=1, end_time=None, header=True)
    >>> table_layout([["Lokasi", "Kediri"], ["Tanggal", "3 Mei"]]) is None
    True
    """
    if len(rows) < 2:
        return None
    kinds = [_header_kind(c) for c in rows[0]]
    if "speaker" in kinds and "text" in kinds:
        timed = [i for i, k in enumerate(kinds) if k == "time"]
        return TableLayout(
            speaker=kinds.index("speaker"),
            text=kinds.index("text"),
            time=timed[0] if timed else None,
            end_time=timed[1] if len(timed) > 1 else None,
            header=True,
        )
    width = max(len(r) for r in rows)
    cols = [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]
    times: list[int] = []
    rest: list[int] = []
    for i, col in enumerate(cols):
        filled = [v for v in col if v]
        if not filled:
            continue
        if all(_NUMBER.match(v) for v in filled):
            continue
        if len(filled) * 2 >= len(rows) and sum(map(_is_time, filled)) >= 0.8 * len(filled):
            times.append(i)
        else:
            rest.append(i)
    if len(rest) != 2:
        return None

    def mean_len(i: int) -> float:
        filled = [v for v in cols[i] if v]
        return sum(map(len, filled)) / max(len(filled), 1)

    speaker, text = sorted(rest, key=mean_len)
    names = [v for v in cols[speaker] if v]
    if len(names) * 2 < len(rows) or sum(map(_is_speaker, names)) < 0.8 * len(names):
        return None
    if mean_len(text) < 1.5 * mean_len(speaker) or not any(
        len(v.split()) >= 3 for v in cols[text]
    ):
        return None
    return TableLayout(
        speaker=speaker,
        text=text,
        time=times[0] if times else None,
        end_time=times[1] if len(times) > 1 else None,
    )


@dataclass(frozen=True, slots=True)
class _Utterance:
    block: Block
    speaker: str | None = None
    timestamp: float | None = None
    end_time: float | None = None


def _cell_texts(table: Table) -> list[list[str]]:
    return [[" ".join(normalise_text(c.text).split()) for c in row] for row in table]


def _utterances(table: Table, texts: list[list[str]], layout: TableLayout) -> list[_Utterance]:
    out: list[_Utterance] = []
    carry: list[Mark] = []
    speaker: str | None = None
    for r, (row, cells) in enumerate(zip(table, texts, strict=True)):
        if layout.header and (r == 0 or cells == texts[0]):
            carry.extend((k, key, 0) for c in row for k, key, _ in c.marks)
            continue

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        name = cell(layout.speaker).rstrip(":").strip() or speaker
        start, end = parse_times(cell(layout.time)) if layout.time is not None else (None, None)
        if end is None and layout.end_time is not None:
            end = parse_times(cell(layout.end_time))[0]
        body = row[layout.text] if layout.text < len(row) else Block("")
        for i, c in enumerate(row):
            if i != layout.text:
                carry.extend((k, key, 0) for k, key, _ in c.marks)
        if carry:
            body = Block(body.text, (*carry, *body.marks))
            carry = []
        out.append(_Utterance(body, name, start, end))
        speaker = name
    if carry:
        out.append(_Utterance(Block("", tuple(carry))))
    return out


def _flatten(chunk: Chunk) -> Block:
    """A chunk as running text: a table row per paragraph, cells joined by a space
    (as Word's "convert table to text" does, with tabs as spaces)."""
    if isinstance(chunk, Block):
        return chunk
    return join_blocks(join_blocks(row, " ") for row in chunk)


def _labelled(table: Table, texts: list[list[str]], layout: TableLayout) -> Block:
    """A transcript table as running text, a ``[time] Speaker: text`` line per row."""
    rows = []
    for u in _utterances(table, texts, layout):
        label = f"[{format_timestamp(u.timestamp)}] " if u.timestamp is not None else ""
        label += f"{u.speaker}: " if u.speaker and u.block.text.strip() else ""
        rows.append(Block(label + u.block.text,
                          tuple((k, key, o + len(label)) for k, key, o in u.block.marks)))
    return join_blocks(rows)


def _has_labels(chunks: Iterable[Chunk]) -> bool:
    text = normalise_text(join_blocks(_flatten(c) for c in chunks).text)
    return any(t.speaker is not None for t in detect_turns(text))


def chunks_document(
    chunks: Sequence[Chunk],
    *,
    name: str,
    sha256: str,
    fmt: str,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    notes: Mapping[str, Note] | None = None,
    path: str | None = None,
) -> Document:
    """Decide the document's layout (paragraphs or transcript table) and build it.

    Tables whose columns look like speaker/time/text make the table layout
    when they hold most of the text, or have a recognised header row while
    the text around them has no speaker labels.
    Raises :class:`EmptyFileError` (naming ``path``) if there is no text.
    """
    notes = notes or {}
    layouts: dict[int, tuple[TableLayout, list[list[str]]]] = {}
    table_chars = other_chars = 0
    for i, chunk in enumerate(chunks):
        if isinstance(chunk, Block):
            other_chars += len(chunk.text.strip())
            continue
        texts = _cell_texts(chunk)
        size = sum(len(c) for row in texts for c in row)
        layout = table_layout(texts)
        if layout is None:
            other_chars += size
        else:
            layouts[i] = (layout, texts)
            table_chars += size
    use_tables = bool(layouts) and (
        table_chars > other_chars
        or (any(lay.header for lay, _ in layouts.values())
            and not _has_labels(c for i, c in enumerate(chunks) if i not in layouts))
    )
    if not use_tables:
        parts = []
        for i, chunk in enumerate(chunks):
            if i in layouts and not isinstance(chunk, Block):
                parts.append(_labelled(chunk, layouts[i][1], layouts[i][0]))
            else:
                parts.append(_flatten(chunk))
        block = normalise_block(join_blocks(parts))
        if not block.text.strip():
            raise EmptyFileError("the document has no text", path=path or name)
        return Document(
            name=name,
            text=block.text,
            turns=detect_turns(block.text, roles=roles),
            sha256=sha256,
            format=fmt,
            attributes=dict(attributes or {}),
            comments=comments_from_marks(block.marks, notes, len(block.text)),
        )

    first = min(layouts)
    preamble = normalise_block(join_blocks(_flatten(c) for c in chunks[:first]))
    utterances: list[_Utterance] = []
    loose: list[Block] = []
    for i in range(first, len(chunks)):
        if i in layouts:
            if loose:
                utterances.append(_Utterance(join_blocks(loose)))
                loose = []
            table = chunks[i]
            if not isinstance(table, Block):
                utterances.extend(_utterances(table, layouts[i][1], layouts[i][0]))
        else:
            loose.append(_flatten(chunks[i]))
    if loose:
        utterances.append(_Utterance(join_blocks(loose)))
    return _table_document(preamble, utterances, name=name, sha256=sha256, fmt=fmt,
                           roles=roles, attributes=attributes, notes=notes, path=path)


def _table_document(
    preamble: Block,
    utterances: list[_Utterance],
    *,
    name: str,
    sha256: str,
    fmt: str,
    roles: Mapping[str, str] | None,
    attributes: Mapping[str, Any] | None,
    notes: Mapping[str, Note],
    path: str | None,
) -> Document:
    kept: list[tuple[_Utterance, Block]] = []
    carry: list[Mark] = []
    for u in utterances:
        b = normalise_block(u.block)
        if not b.text:
            carry.extend((k, key, 0) for k, key, _ in b.marks)
            continue
        if carry:
            b = Block(b.text, (*carry, *b.marks))
            carry = []
        kept.append((u, b))
    if not kept and not preamble.text:
        raise EmptyFileError("the document has no text", path=path or name)
    doc = document_from_segments(
        [Segment(b.text, u.speaker, u.timestamp, u.end_time) for u, b in kept],
        name=name,
        sha256=sha256,
        fmt=fmt,
        roles=roles,
        attributes=attributes,
        preamble=preamble.text,
    )
    marks = list(preamble.marks)
    for turn, (_, b) in zip(doc.turns, kept, strict=True):
        marks.extend((k, key, turn.start + min(o, len(turn.text))) for k, key, o in b.marks)
    marks.extend((k, key, len(doc.text)) for k, key, _ in carry)
    if not notes:
        return doc
    return dataclasses.replace(doc, comments=comments_from_marks(marks, notes, len(doc.text)))
