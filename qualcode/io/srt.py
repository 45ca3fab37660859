"""SubRip subtitles (``.srt``).

A SubRip file is a list of numbered cues::

    1
    00:00:01,000 --> 00:00:04,000
    Pewawancara: Ibu sudah berapa lama menjahit di rumah?

Speakers may be given as ``Name: text``, ``[Name] text``, ``>> NAME: text``,
or only marked by dialogue dashes (``- Yes?`` / ``- No.``: two speakers in
one cue, both unknown, split into two utterances). ``<i>``, ``<b>``,
``<u>``, ``<font ...>`` tags and ``{\\an8}``-style override codes are
removed, HTML entities decoded. Encodings are those
:func:`~qualcode.io.txt.decode_text` knows (UTF-8 with or without BOM,
UTF-16 with BOM, cp1252 and other legacy code pages); CRLF/CR line ends are
fine.

Reading is forgiving about layout: a missing cue number, a missing blank line
between cues, blank lines inside a cue's text, ``.`` instead of ``,`` before
the milliseconds, optional hours and trailing ``X1:... Y2:...`` positions.
Text before the first cue (a title) becomes the document's preamble,
outside every turn. How cues become turns is described in
:mod:`qualcode.io._subtitles`.

Errors: every malformed timing line (and every cue that ends before it
starts) is collected and raised together as one
:class:`~qualcode.errors.InputError` whose ``.line`` is the first one's and
whose ``.problems`` lists each; a file with no timing line at all is not a
SubRip file (``InputError``, line 1); one without caption text raises
:class:`~qualcode.errors.EmptyFileError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, InputError, Problem
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

__all__ = ["parse_srt", "read_srt"]

# Tag bodies exclude "<" / "{": a line of many unclosed tags stays linear to scan.
_TAG = re.compile(r"</?(?:i|b|u|s|em|strong|font)\b[^<>\n]*>|\{\\[^{}\n]*\}",
                  re.IGNORECASE)
_EXAMPLE = "00:00:01,000 --> 00:00:04,000"


def _cue_lines(payload: list[str]) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for line in payload:
        cleaned = clean_line(_TAG.sub("", line) if "<" in line or "{" in line else line)
        if cleaned:
            out.append((None, cleaned))
    return out


def parse_srt(
    data: bytes, *, name: str = "transcript.srt", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse SubRip bytes into a Document (pure: no file access).

    >>> doc = parse_srt(b"1\\r\\n00:00:01,000 --> 00:00:03,500\\r\\n- Ada kontrak?\\r\\n"
    ...                 b"- <i>Tidak ada.</i>\\r\\n")
    >>> [(t.speaker, t.text, t.timestamp, t.end_time) for t in doc.turns]
    [(None, 'Ada kontrak?', 1.0, 3.5), (None, 'Tidak ada.', 1.0, 3.5)]
    """
    text = decode_text(data, name=name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise EmptyFileError("the file is empty", path=name)

    problems: list[Problem] = []
    preamble: list[str] = []
    entries: list[tuple[float, float, list[str]]] = []
    current: list[str] | None = None  # raw text lines of the cue being read
    after_blank = True  # the previous line was blank (or this is the start)
    after_index = False  # the previous line was a cue number after a blank line
    timing_lines = 0
    for no, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            after_blank, after_index = True, False
            continue
        if "-->" in stripped or (looks_like_timing(stripped) and (after_blank or after_index)):
            timing_lines += 1
            target = current if current is not None else preamble
            if target and target[-1].strip().isdigit():
                target.pop()  # the cue number
            if "-->" in stripped:
                timing = parse_timing(stripped, no, problems, name=name, example=_EXAMPLE)
            else:
                problems.append(Problem(
                    f"malformed cue timing line {stripped[:60]!r}: no '-->' "
                    f"(expected {_EXAMPLE!r})", name, no))
                timing = None
            current = []
            if timing is not None:
                entries.append((timing[0], timing[1], current))
        elif current is not None:
            current.append(line)
        elif not (no == 1 and stripped == "WEBVTT"):
            preamble.append(stripped)
        after_index = after_blank and stripped.isdigit()
        after_blank = False
    if not timing_lines:
        raise InputError(
            f"not a SubRip file: no cue timing line such as {_EXAMPLE!r}", path=name, line=1
        )
    raise_problems(problems, name=name)
    cues = [Cue(start, end, _cue_lines(payload)) for start, end, payload in entries]
    return build_document(
        cues,
        data=data,
        name=name,
        fmt="srt",
        roles=roles,
        preamble=" ".join(clean_line(p) for p in preamble if not p.isdigit()),
    )


def read_srt(path: str | Path, **kwargs: Any) -> Document:
    """Read a ``.srt`` file (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
