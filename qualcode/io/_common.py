"""Pieces every format module shares: building a Document from segments.

Structured sources (a docx speaker table, subtitle cues) arrive as a list of
:class:`Segment`. :func:`document_from_segments` lays them out as readable
text, one turn per paragraph, with the speaker label (and timestamp, where
known) before the turn's span::

    [00:01:02] Ibu Sari: text of the turn

so that the text reads like a transcript, re-parses to the same turns, and
offsets into it are stable.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Comment, Document, Turn
from .roles import role_for

__all__ = [
    "Segment",
    "document_from_segments",
    "document_from_text",
    "format_timestamp",
    "normalise_text",
    "parse_timestamp",
    "sha256_bytes",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """One speaker's utterance as a structured source gives it."""

    text: str
    speaker: str | None = None
    timestamp: float | None = None
    end_time: float | None = None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no BOM or control characters, no trailing spaces.

    Offsets of every coding refer to the text after this normalisation.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x0c", "\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip("\n")


_TS = re.compile(r"^(?:(\d{1,3}):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?$")


def parse_timestamp(value: str) -> float | None:
    """``"01:02:03.5"``, ``"1:02:03"``, ``"02:03"`` -> seconds; ``None`` if not a timestamp.

    >>> parse_timestamp("00:01:02,500")
    62.5
    >>> parse_timestamp("4:05")
    245.0
    """
    m = _TS.match(value.strip())
    if not m:
        return None
    h, mi, s, frac = m.groups()
    seconds = int(h or 0) * 3600 + int(mi) * 60 + int(s)
    if frac:
        seconds += int(frac) / (10 ** len(frac))
    return float(seconds)


def format_timestamp(seconds: float) -> str:
    """Seconds -> ``HH:MM:SS``.

    >>> format_timestamp(3723.9)
    '01:02:03'
    """
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def document_from_segments(
    segments: list[Segment],
    *,
    name: str,
    sha256: str,
    fmt: str,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    preamble: str = "",
    comments: tuple[Comment, ...] = (),
) -> Document:
    """Lay out ``segments`` as transcript text and return the Document.

    Empty segments are dropped. ``preamble`` (a title, a note that the
    transcript is synthetic, ...) goes before the first turn and is not part
    of any turn.
    """
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    preamble = normalise_text(preamble)
    if preamble:
        parts.append(preamble + "\n\n")
        pos = len(parts[0])
    for seg in segments:
        body = normalise_text(seg.text)
        if not body:
            continue
        label = ""
        if seg.timestamp is not None:
            label += f"[{format_timestamp(seg.timestamp)}] "
        if seg.speaker:
            label += f"{seg.speaker}: "
        parts.append(label)
        pos += len(label)
        turns.append(
            Turn(
                speaker=seg.speaker,
                start=pos,
                end=pos + len(body),
                text=body,
                role=role_for(seg.speaker, roles),
                timestamp=seg.timestamp,
                end_time=seg.end_time,
            )
        )
        parts.append(body + "\n\n")
        pos += len(body) + 2
    text = "".join(parts).rstrip("\n")
    return Document(
        name=name,
        text=text,
        turns=tuple(turns),
        sha256=sha256,
        format=fmt,
        attributes=dict(attributes or {}),
        comments=comments,
    )


def document_from_text(
    text: str,
    *,
    name: str,
    data: bytes,
    fmt: str,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Document:
    """A Document from normalised running ``text``, with speaker turns detected in it.

    ``data`` are the file's original bytes (for the hash). Used by the
    readers whose formats have no structure for speakers (txt, rtf, pdf).
    """
    from .turns import detect_turns  # turns imports this module

    return Document(
        name=Path(name).name,
        text=text,
        turns=detect_turns(text, roles=roles),
        sha256=sha256_bytes(data),
        format=fmt,
        attributes=dict(attributes or {}),
    )
