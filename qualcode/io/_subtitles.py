"""What WebVTT and SubRip readers share: timings, cue text, speakers, turns.

The format modules (:mod:`qualcode.io.vtt`, :mod:`qualcode.io.srt`) split a
file into :class:`Cue` objects (start, end, cleaned text lines, each with the
speaker a ``<v>`` voice tag gave, if any). This module turns cues into turns:

1. **Rolling captions** (YouTube auto-captions, roll-up live captions) repeat
   the previous cue's line at the top of each cue, and add 10 ms "snapshot"
   cues that repeat it once more. A file is taken to be rolling when at least
   two cues, and at least a quarter of all cues, have two or more lines and
   start with the previous cue's last line. In such a file, lines a cue
   repeats from the cue before are dropped (and a first line that only
   extends the previous cue's last line keeps just the new words). Other
   files are never de-duplicated, so a speaker who says "No." twice keeps
   both.
2. **Speakers**, in order: a ``<v Name>`` voice tag; ``>>`` (a speaker change,
   as in YouTube/CART captions: ``>> NAME: text`` names the new speaker,
   ``>> text`` leaves it unknown; ``>>`` in mid-line also starts a new
   speaker); a dialogue dash at the start of a line (``- text``: a new,
   unknown speaker, so a cue ``- Yes?\\n- No.`` gives two utterances); a
   bracketed name (``[Sari] text``; ``[Music]``, ``[Laughter]`` and other
   sound descriptions stay text); a ``Name: text`` label as
   :func:`qualcode.io.turns.match_label` recognises it, or a lower-case label
   (``sari w: text``, as Zoom display names often are) that starts at least
   two cues in the file. Labels are looked for at the start of every line.
3. **Turns**: consecutive cues of one named speaker are merged into one turn
   (its timestamp is the first cue's start, its end time the last cue's
   end); cue lines are joined with a space. A cue without a speaker
   continues the turn before it (Zoom names the speaker on the first cue
   only in some exports). Text with no known speaker (files without
   speakers, or after ``>>``/``-`` markers) is cut into turns of speaker
   ``None``: a new turn starts at a pause of at least :data:`PAUSE` seconds
   between cues, before a line that would take the turn past
   :data:`MAX_WORDS` words, and after a sentence end (``.``, ``?``, ``!``,
   ``…``) once the turn has :data:`SOFT_WORDS` words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, InputError, Problem
from ..model import Document
from ._common import Segment, document_from_segments, format_timestamp, sha256_bytes
from .turns import match_label

__all__ = [
    "MAX_WORDS",
    "PAUSE",
    "SOFT_WORDS",
    "Cue",
    "build_document",
    "clean_line",
    "cues_to_segments",
    "looks_like_timing",
    "parse_timing",
    "raise_problems",
]

#: A pause (seconds) between cues that starts a new speaker-less turn.
PAUSE = 2.0
#: Speaker-less turns are cut before they would exceed this many words ...
MAX_WORDS = 100
#: ... and at a sentence end once they have this many.
SOFT_WORDS = 50


@dataclass(slots=True)
class Cue:
    """One timed cue: cleaned text lines, each with its ``<v>`` voice (or None)."""

    start: float
    end: float
    lines: list[tuple[str | None, str]] = field(default_factory=list)


# --- timings -----------------------------------------------------------------

_TIME = r"(?:([0-9]{1,7}):)?([0-5]?[0-9]):([0-5][0-9])(?:[.,]([0-9]{1,3}))?"
_TIMING = re.compile(rf"[ \t]*{_TIME}[ \t]*-->[ \t]*{_TIME}(?:[ \t].*)?")
_TIMELIKE = re.compile(r"[ \t]*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[.,][0-9]+)?\s*\S{0,3}\s*"
                       r"[0-9]{1,2}:[0-9]{2}")


def _ms(h: str | None, m: str, s: str, frac: str | None) -> int:
    return (int(h or 0) * 3600 + int(m) * 60 + int(s)) * 1000 + int((frac or "0").ljust(3, "0"))


def _show(ms: int) -> str:
    return f"{format_timestamp(ms // 1000)}.{ms % 1000:03d}"


def parse_timing(
    line: str, lineno: int, problems: list[Problem], *, name: str, example: str
) -> tuple[float, float] | None:
    """Start and end seconds of a cue timing line, or None after noting a Problem.

    Hours are optional and ``.`` or ``,`` may separate milliseconds; anything
    after the end time (cue settings, SRT positions) is ignored.

    >>> parse_timing("01:02.500 --> 01:04.000 align:start", 1, [], name="x", example="")
    (62.5, 64.0)
    >>> problems = []
    >>> parse_timing("00:00:05,000 --> 00:00:03,000", 7, problems, name="x.srt", example="")
    >>> str(problems[0])
    'x.srt:7: cue ends (00:00:03.000) before it starts (00:00:05.000)'
    """
    m = _TIMING.fullmatch(line)
    if m is None:
        shown = line.strip()
        if len(shown) > 60:
            shown = shown[:57] + "..."
        problems.append(Problem(f"malformed cue timing line {shown!r}: expected {example!r}",
                                name, lineno))
        return None
    start, end = _ms(*m.group(1, 2, 3, 4)), _ms(*m.group(5, 6, 7, 8))
    if end < start:
        problems.append(Problem(f"cue ends ({_show(end)}) before it starts ({_show(start)})",
                                name, lineno))
        return None
    return start / 1000, end / 1000


def looks_like_timing(line: str) -> bool:
    """Whether a line without ``-->`` was probably meant as a cue timing line.

    >>> looks_like_timing("00:00:05.000 - 00:00:07.000"), looks_like_timing("Ya, betul.")
    (True, False)
    """
    return _TIMELIKE.match(line) is not None


def raise_problems(problems: list[Problem], *, name: str) -> None:
    """Raise one InputError carrying every problem (no-op if there are none)."""
    if not problems:
        return
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        lines = ", ".join(str(p.line) for p in problems[1:6])
        more = "" if len(problems) <= 6 else ", ..."
        message += f" (and {len(problems) - 1} more problem(s), at line(s) {lines}{more})"
    raise InputError(message, path=name, line=first.line, problems=problems)


# --- cue text ----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\u200b\ufeff]")


def clean_line(text: str) -> str:
    """Entities decoded, control characters dropped, whitespace collapsed, NFC.

    >>> clean_line("Tom &amp; Jerry&nbsp;&lt;3  ")
    'Tom & Jerry <3'
    """
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(_CONTROL.sub("", text).split())
    return unicodedata.normalize("NFC", text) if not text.isascii() else text


# --- rolling captions --------------------------------------------------------


def _dedupe_rolling(cues: list[Cue]) -> None:
    evidence = 0
    previous: list[str] = []
    for cue in cues:
        texts = [t for _, t in cue.lines]
        if previous and len(texts) > 1 and texts[0] == previous[-1]:
            evidence += 1
        if texts:
            previous = texts
    if evidence < 2 or evidence * 4 < len(cues):
        return
    previous = []
    for cue in cues:
        texts = [t for _, t in cue.lines]
        kept = list(cue.lines)
        while kept and kept[0][1] in previous:
            kept.pop(0)
        if kept and previous and kept[0][1].startswith(previous[-1] + " "):
            voice, text = kept[0]
            kept[0] = (voice, text[len(previous[-1]) + 1 :])
        cue.lines = kept
        if texts:
            previous = texts


# --- speakers ----------------------------------------------------------------

_MARKER = re.compile(r"(?:^|\s+)>>+\s*")
_DASH = re.compile(r"[-–][ \t]*(?=[^\s\d\-–])")
_BRACKET = re.compile(r"\[([^\[\]]{1,40})\][ \t]*:?[ \t]*(?=\S)")
_LOOSE = re.compile(r"([^\W\d_][\w.'’-]*(?:[ \t]+[^\W\d_][\w.'’-]*){0,3})[ \t]*[:：][ \t]+(?=\S)")
#: First words of a bracketed sound description (``[Music]``, ``[Tepuk tangan]``),
#: which is kept as text rather than taken for a speaker's name.
SOUNDS = frozenset(
    """music musik applause laughter laughs laughing laugh tertawa ketawa inaudible
    crosstalk silence hening noise foreign unintelligible coughs coughing cough sighs sigh
    pause jeda overlapping background tepuk suara tidak no blank speaking cheering cheers
    sound bunyi""".split()
)


def _is_sound(text: str) -> bool:
    words = text.lower().split()
    return not words or words[0] in SOUNDS


def _label(line: str, loose: frozenset[str]) -> tuple[str | None, str]:
    """(speaker, rest of the line) for a line that may start with a speaker label."""
    if ":" in line or "：" in line:
        found = match_label(line)
        if found is not None and not found.own_line:
            speaker = found.speaker
            if found.role_hint:
                speaker += f" ({found.role_hint})"
            return speaker, line[found.end :].strip()
        if loose:
            m = _LOOSE.match(line)
            if m is not None and m.group(1).lower() in loose:
                return m.group(1), line[m.end() :]
    if line.startswith("["):
        m = _BRACKET.match(line)
        if m is not None:
            name = m.group(1).strip()
            if not _is_sound(name) and match_label(f"{name}: x") is not None:
                return name, line[m.end() :]
    return None, line


def _loose_labels(cues: list[Cue]) -> frozenset[str]:
    """Lower-case labels that start at least two cues and would pass as names."""
    counts: Counter[str] = Counter()
    for cue in cues:
        if cue.lines and cue.lines[0][0] is None:
            m = _LOOSE.match(cue.lines[0][1])
            if m is not None:
                counts[m.group(1).lower()] += 1
    return frozenset(
        n for n, k in counts.items()
        if k >= 2 and match_label(f"{n.title()}: x") is not None
    )


@dataclass(slots=True)
class _Utterance:
    speaker: str | None
    text: str
    start: float
    end: float
    change: bool  # a marker (>>, dash) says a new speaker starts here


def _utterances(cues: list[Cue], loose: frozenset[str]) -> Iterable[_Utterance]:
    for cue in cues:
        for voice, line in cue.lines:
            if voice is not None:
                yield _Utterance(voice, line, cue.start, cue.end, True)
                continue
            pieces = _MARKER.split(line) if ">>" in line else [line]
            for i, piece in enumerate(pieces):
                if not piece and i == 0:
                    continue
                marked = i > 0
                m = _DASH.match(piece)
                if m is not None:
                    marked, piece = True, piece[m.end() :]
                speaker, text = _label(piece, loose)
                yield _Utterance(speaker, text, cue.start, cue.end, marked)


_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]]*$")


@dataclass(slots=True)
class _Open:
    speaker: str | None
    start: float
    end: float
    parts: list[str]
    words: int

    def add(self, u: _Utterance, words: int) -> None:
        if u.text:
            self.parts.append(u.text)
        self.end = u.end
        self.words += words

    def segment(self) -> Segment:
        return Segment(" ".join(self.parts), self.speaker, self.start, self.end)


def cues_to_segments(cues: list[Cue]) -> list[Segment]:
    """Merge cues into speaker turns (see the module docstring for the rules).

    >>> cues = [Cue(1.0, 2.0, [(None, "Sari: Kami tidak")]),
    ...         Cue(2.0, 3.5, [(None, "punya kontrak.")]),
    ...         Cue(4.0, 5.0, [("Dewi", "Sejak kapan?")])]
    >>> [(s.speaker, s.text, s.timestamp, s.end_time) for s in cues_to_segments(cues)]
    [('Sari', 'Kami tidak punya kontrak.', 1.0, 3.5), ('Dewi', 'Sejak kapan?', 4.0, 5.0)]
    """
    _dedupe_rolling(cues)
    segments: list[Segment] = []
    current: _Open | None = None
    for u in _utterances(cues, _loose_labels(cues)):
        words = len(u.text.split())
        if current is not None:
            if u.speaker is not None:
                same = u.speaker == current.speaker
            elif u.change:
                same = False
            elif current.speaker is not None:
                same = True
            else:
                same = not (
                    u.start - current.end >= PAUSE
                    or (current.words and current.words + words > MAX_WORDS)
                    or (current.words >= SOFT_WORDS and current.parts
                        and _SENTENCE_END.search(current.parts[-1]) is not None)
                )
            if same:
                current.add(u, words)
                continue
            segments.append(current.segment())
        current = _Open(u.speaker, u.start, u.end, [u.text] if u.text else [], words)
    if current is not None:
        segments.append(current.segment())
    return segments


def build_document(
    cues: list[Cue],
    *,
    data: bytes,
    name: str,
    fmt: str,
    roles: Mapping[str, str] | None,
    preamble: str = "",
    attributes: Mapping[str, Any] | None = None,
) -> Document:
    """Merge ``cues`` into turns and lay them out as a Document."""
    segments = [s for s in cues_to_segments(cues) if s.text.strip()]
    if not segments:
        raise EmptyFileError("the file has no caption text", path=name)
    return document_from_segments(
        segments,
        name=Path(name).name,
        sha256=sha256_bytes(data),
        fmt=fmt,
        roles=roles,
        preamble=preamble,
        attributes=attributes,
    )
