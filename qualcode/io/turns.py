"""Finding speaker turns in running transcript text.

A turn starts at a line that begins with a speaker label; lines without a
label (including blank lines and further paragraphs) continue the turn
before. Recognised labels::

    Name: text            NAME: text            Ibu Sari: text
    I: / R: / Q: / A: / P1: / T: / J:           Pewawancara: / Narasumber: ...
    [00:01:02] Name: text (00:01:02) Name: text  00:01:02 Name: text
    Name (00:01:02): text Name [00:01:02]: text  **Name:** text (Markdown)
    Name 00:01:02         (alone on its line; the turn's text follows)
    Ibu Sari (Fasilitator): text                (the parenthesis gives the role)

A label is a short name (at most five words, each capitalised, a number,
or a particle such as ``bin``/``binti``/``van``), so that an ordinary
sentence with a colon ("The problem is: ...") is not taken for a speaker.
Text before the first label (a title, a note) belongs to no turn. If no
label is found at all, each paragraph becomes a turn without a speaker.

A turn's span covers what was said: it starts after the label and ends at
the end of its last non-blank line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..model import Turn
from ._common import parse_timestamp
from .roles import DEFAULT_ROLES, role_for

__all__ = """Label detect_turns match_label""".split()

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# No two whitespace runs are adjacent (``[ \t]*(?:\*\*)?[ \t]*`` would try every way
# of splitting a long run of spaces between them: minutes for one line).
_LABEL = re.compile(
    rf"""^[ \t]*+(?:(?:\*\*|__)[ \t]*)?
    (?:[\[(]?(?P<ts1>{_TS})[\])]?[ \t]*(?:[-–—][ \t]*)?)?
    (?P<name>[^\W\d_][^:：\n\[\]()*]{{0,40}}?
        (?:[ \t]*\((?!\d)[^()\n:]{{1,30}}\))?)
    (?:[ \t]*[\[(](?P<ts2>{_TS})[\])])?
    [ \t]*(?:(?:\*\*|__)[ \t]*)?[:：](?:\*\*|__)?(?=\s|$)[ \t]*
    """,
    re.VERBOSE,
)
_OWN_LINE = re.compile(
    rf"""^[ \t]*+(?P<name>[^\W\d_][^:\n\[\]()]{{0,40}}?)[ \t]+
    [\[(]?(?P<ts2>{_TS})[\])]?[ \t]*$""",
    re.VERBOSE,
)
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
#: How much of a line's start :func:`match_label` looks at.
_LABEL_SPAN = 200
_PARTICLES = frozenset({"bin", "binti", "van", "de", "da", "der", "von", "al", "el", "dos", "di"})
#: Capitalised words that start a line with a colon but are not speakers.
_NOT_SPEAKERS = frozenset(
    """note notes catatan nb ps re subject date tanggal time waktu location lokasi
    place tempat title judul keterangan topic topik agenda duration durasi
    transcript transkrip transcriber transkriptor recording rekaman source sumber
    keywords kata kunci summary ringkasan http https file berkas example contoh
    warning peringatan disclaimer attendees hadir""".split()
)


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label found at the start of a line."""

    speaker: str
    role_hint: str | None
    timestamp: float | None
    end: int  # offset in the line where the utterance begins
    own_line: bool


def _valid_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 5 or len(name) > 40:
        return False
    if name.lower() in _NOT_SPEAKERS or words[0].lower() in _NOT_SPEAKERS:
        return name.lower() in DEFAULT_ROLES
    for w in words:
        if w[0].isupper() or w.isdigit() or w.lower() in _PARTICLES:
            continue
        if w.lower() in DEFAULT_ROLES and len(w) > 1:
            continue
        return False
    return True


def match_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, if any.

    >>> match_label("[00:01:02] Ibu Sari: kami tidak dapat kontrak").speaker
    'Ibu Sari'
    >>> match_label("Sari (Fasilitator) (00:10:00): Baik.").role_hint
    'Fasilitator'
    >>> match_label("The trouble is: nobody wrote it down") is None
    True
    """
    # A label is short: look at the start of the line only, so that a line of
    # millions of characters costs no more than an ordinary one.
    span = len(line) - len(line.lstrip(" \t")) + _LABEL_SPAN
    head = line[:span]
    m = _LABEL.match(head)
    if m is not None and m.end() == len(head) < len(line):
        m = _LABEL.match(line)  # the match reached the cut: decide on the whole line
    own_line = False
    if m is None:
        if len(line) > span:
            return None
        m = _OWN_LINE.match(line)
        if m is None:
            return None
        own_line = True
    raw = m.group("name").strip()
    role_hint = None
    paren = _PAREN.search(raw)
    if paren:
        role_hint = paren.group(1).strip() or None
        raw = raw[: paren.start()].strip()
    if not _valid_name(raw):
        return None
    ts_text = m.groupdict().get("ts1") or m.group("ts2")
    ts = parse_timestamp(ts_text) if ts_text else None
    if own_line and ts is None:
        return None
    return Label(raw, role_hint, ts, len(line) if own_line else m.end(), own_line)


def _role(label: Label, roles: Mapping[str, str] | None) -> str:
    if roles and any(k.strip().lower() == label.speaker.lower() for k in roles):
        return role_for(label.speaker, roles)
    if label.role_hint:
        hinted = role_for(f"{label.speaker} ({label.role_hint})", None)
        if label.role_hint.strip().lower() in DEFAULT_ROLES or hinted != "participant":
            return hinted
    return role_for(label.speaker, roles)


def detect_turns(
    text: str, *, roles: Mapping[str, str] | None = None
) -> tuple[Turn, ...]:
    """Split normalised transcript ``text`` into speaker turns.

    ``roles`` maps speaker names to roles, overriding the default table.

    >>> ts = detect_turns("I: Sudah berapa lama?\\nR: Lima tahun.\\nDulu lebih.")
    >>> [(t.speaker, t.role, t.text) for t in ts]
    [('I', 'interviewer', 'Sudah berapa lama?'), ('R', 'participant', 'Lima tahun.\\nDulu lebih.')]
    """
    turns: list[Turn] = []
    # the open turn: its label, and the span of its non-blank lines so far
    label: Label | None = None
    start: int | None = None
    end = 0
    found_label = False
    pos = 0

    def close() -> None:
        if label is not None and start is not None and end > start:
            turns.append(
                Turn(
                    speaker=label.speaker,
                    start=start,
                    end=end,
                    text=text[start:end],
                    role=_role(label, roles),
                    timestamp=label.timestamp,
                )
            )

    for line in text.split("\n"):
        found = match_label(line)
        stripped = line.rstrip()
        if found is not None:
            found_label = True
            close()
            label, start = found, None
            rest = line[found.end :]
            if rest.strip():
                start = pos + found.end + (len(rest) - len(rest.lstrip()))
                end = pos + len(stripped)
        elif label is not None and stripped.strip():
            if start is None:
                start = pos + len(line) - len(line.lstrip())
            end = pos + len(stripped)
        pos += len(line) + 1
    close()
    return tuple(turns) if found_label else _paragraph_turns(text)


# One repetition per line, not per character: a per-character alternation made
# sre keep a backtracking mark per character (12 GB for a 100 MB line).
_PARAGRAPH = re.compile(r"\S[^\n]*(?:\n(?!\s*\n)[^\n]*)*")


def _paragraph_turns(text: str) -> tuple[Turn, ...]:
    turns = []
    for m in _PARAGRAPH.finditer(text):
        body = m.group().rstrip()
        turns.append(Turn(None, m.start(), m.start() + len(body), body, "unknown"))
    return tuple(turns)
