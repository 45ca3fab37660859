"""WebVTT subtitles (``.vtt``) from Zoom, Microsoft Teams and YouTube.

Styles read:

- **Zoom** cloud-recording transcripts: numbered cues, the speaker as
  ``Name: text`` inside the cue (sometimes on the first cue of a run only).
- **Microsoft Teams**: ``<v Firstname Lastname>text</v>`` voice tags (several
  per cue are fine), cue identifiers such as ``a1b2c3d4-.../12-0``.
- **YouTube auto-captions**: no speakers, inline timing tags
  (``<00:00:01.500><c> word</c>``) and rolling cues that repeat the line
  before; repeated lines are dropped, so each phrase appears once.
- Captions with ``>>`` speaker changes (``>> NAME: text``), dialogue dashes
  and ``[Name] text`` labels.

Also handled: the ``WEBVTT`` header with metadata lines (``Language: en``
sets the ``language`` attribute when it is ``en`` or ``id``), ``NOTE``,
``STYLE`` and ``REGION`` blocks, cue settings after the timing
(``align:start position:10%``), optional hours (``01:02.500``), ``<i>``,
``<b>``, ``<c.color>``, ``<ruby>`` and other tags, HTML entities (``&amp;``,
``&lt;``, ``&nbsp;``), CRLF/CR line ends and the encodings
:func:`~qualcode.io.txt.decode_text` knows. ``NOTE`` blocks before the
first cue (and text after ``WEBVTT`` on the first line) become the
document's preamble, outside every turn; later notes are dropped. Text
blocks without a timing line are taken to continue the cue before them (a
stray blank line inside a cue).

How cues become turns is described in :mod:`qualcode.io._subtitles`.

Errors: a file that does not start with ``WEBVTT`` raises
:class:`~qualcode.errors.InputError` (line 1). Malformed timing lines and
cues that end before they start are all collected and raised together as
one ``InputError`` whose ``.line`` is the first one's and whose
``.problems`` lists each. A file without caption text raises
:class:`~qualcode.errors.EmptyFileError`.

The parser is written by hand rather than with webvtt-py, which silently
skips malformed cues (or stops at the first, without a line number), keeps
one voice per cue and is slower than the ingestion target.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, InputError, Problem
from ..language import SUPPORTED_LANGUAGES
from ..model import Document
from ._subtitles import (
    Cue,
    build_document,
    clean_line,
    looks_like_timing,
    parse_timing,
    raise_problems,
)
from .txt import decode_text

__all__ = ["parse_vtt", "read_vtt"]

_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_SRT_TIMING = re.compile(r"^[ \t]*\d+:\d\d:\d\d,\d{1,3}[ \t]*-->", re.MULTILINE)
_META = re.compile(r"([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*)")
# Tag bodies exclude "<": a line of many unclosed "<v " stays linear to scan.
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?[ \t]+([^<>\n]*)>")
_TAG = re.compile(r"<rt\b[^<>\n]*>[^<\n]*</rt>|<[^<>\n]*>")
_EXAMPLE = "00:00:01.000 --> 00:00:04.000"


def _blocks(lines: list[str], first: int) -> Iterator[list[tuple[int, str]]]:
    """Blocks of (line number, line) between empty lines, as WebVTT defines them.

    A line with ``-->`` that cannot be the current block's timing line (it
    is not the first line, or the second after an identifier) starts a new
    block, carrying along an identifier that follows a whitespace-only line.
    """
    block: list[tuple[int, str]] = []
    in_header = True
    for no in range(first, len(lines)):
        line = lines[no]
        if not line:
            if block:
                yield block
                block, in_header = [], False
            continue
        if "-->" in line and block and (in_header or len(block) > 1 or "-->" in block[0][1]):
            carry: list[tuple[int, str]] = []
            if (not in_header and len(block) >= 3 and not block[-2][1].strip()
                    and block[-1][1].strip()):
                carry = [block.pop()]
            yield block
            block, in_header = carry, False
        block.append((no + 1, line))
    if block:
        yield block


def _add(out: list[tuple[str | None, str]], voice: str | None, text: str) -> None:
    for line in _TAG.sub("", text).split("\n"):
        cleaned = clean_line(line)
        if cleaned:
            out.append((voice, cleaned))


def _cue_lines(payload: list[str]) -> list[tuple[str | None, str]]:
    """Cleaned text lines of a cue, each with the voice that speaks it."""
    out: list[tuple[str | None, str]] = []
    if not any("<" in line for line in payload):
        for line in payload:
            cleaned = clean_line(line)
            if cleaned:
                out.append((None, cleaned))
        return out
    parts = _VOICE.split("\n".join(payload))
    _add(out, None, parts[0])
    for i in range(1, len(parts), 2):
        voice = clean_line(parts[i]) or None
        spoken, _, rest = parts[i + 1].partition("</v>")
        _add(out, voice, spoken)
        _add(out, None, rest)
    return out


def _is_keyword(line: str, word: str) -> bool:
    return line.startswith(word) and (len(line) == len(word) or line[len(word)] in " \t")


def parse_vtt(
    data: bytes, *, name: str = "transcript.vtt", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse WebVTT bytes into a Document (pure: no file access).

    >>> doc = parse_vtt(b"WEBVTT\\n\\n1\\n00:01.000 --> 00:04.000\\n"
    ...                 b"<v Sari>Tidak ada kontrak.</v>\\n\\n"
    ...                 b"2\\n00:04.500 --> 00:06.000\\nPewawancara: Sejak kapan?\\n")
    >>> for t in doc.turns:
    ...     print(t.speaker, t.role, t.timestamp, t.end_time, t.text)
    Sari participant 1.0 4.0 Tidak ada kontrak.
    Pewawancara interviewer 4.5 6.0 Sejak kapan?
    >>> print(doc.text)
    [00:00:01] Sari: Tidak ada kontrak.
    <BLANKLINE>
    [00:00:04] Pewawancara: Sejak kapan?
    """
    text = decode_text(data, name=name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise EmptyFileError("the file is empty", path=name)
    lines = text.split("\n")
    first = 0
    while not lines[first].strip():
        first += 1
    if not _HEADER.fullmatch(lines[first].rstrip()):
        message = "not a WebVTT file: the first line must be 'WEBVTT'"
        if _SRT_TIMING.search(text):
            message += " (this looks like SubRip subtitles: name the file .srt)"
        raise InputError(message, path=name, line=first + 1)

    blocks = _blocks(lines, first)
    header = next(blocks)
    preamble = [header[0][1][len("WEBVTT") :].strip(" \t-–—:")]
    attributes: dict[str, Any] = {}
    for _, line in header[1:]:
        m = _META.fullmatch(line.strip())
        if m is not None and m.group(1).lower() == "language":
            language = re.split(r"[-_ ]", m.group(2).strip().lower())[0]
            if language in SUPPORTED_LANGUAGES:
                attributes["language"] = language

    problems: list[Problem] = []
    cues: list[Cue] = []
    seen_cue = False
    for block in blocks:
        head = block[0][1]
        at = 0 if "-->" in head else 1 if len(block) > 1 and "-->" in block[1][1] else -1
        if at >= 0:
            seen_cue = True
            no, line = block[at]
            timing = parse_timing(line, no, problems, name=name, example=_EXAMPLE)
            if timing is not None:
                cues.append(Cue(timing[0], timing[1], _cue_lines([t for _, t in block[at + 1 :]])))
        elif _is_keyword(head, "NOTE"):
            if not seen_cue:
                note = [head[4:].strip(), *(t for _, t in block[1:])]
                preamble.append("\n".join(n for n in note if n.strip()))
        elif _is_keyword(head.rstrip(), "STYLE") or _is_keyword(head.rstrip(), "REGION"):
            continue
        else:
            suspect = [(no, t) for no, t in block[:2] if looks_like_timing(t)]
            if suspect:
                no, line = suspect[0]
                problems.append(Problem(
                    f"malformed cue timing line {line.strip()[:60]!r}: no '-->' "
                    f"(expected {_EXAMPLE!r})", name, no))
            elif cues:
                cues[-1].lines.extend(_cue_lines([t for _, t in block]))
    raise_problems(problems, name=name)
    return build_document(
        cues,
        data=data,
        name=name,
        fmt="vtt",
        roles=roles,
        preamble="\n\n".join(p for p in preamble if p.strip()),
        attributes=attributes,
    )


def read_vtt(path: str | Path, **kwargs: Any) -> Document:
    """Read a ``.vtt`` file (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
