"""Positions in a producer's counting convention <-> offsets in qualcode's text.

A REFI-QDA ``PlainTextSelection`` gives ``startPosition``/``endPosition``
into the *raw* plain-text source, counted the way its producer counts:

* Unicode code points (what the standard says, what qualcode writes), or
  UTF-16 code units (NVivo for Windows: an emoji counts 2);
* a CR LF line end as 2 positions (each is a character) or as 1;
* a byte-order mark at the start counted as a position, or not.

qualcode's :attr:`~qualcode.model.Document.text` is the *normalised* text
(:func:`qualcode.io._common.normalise_text`: LF line ends, no BOM or control
characters, NFC, no trailing spaces, no leading/trailing blank lines).
:class:`TextMap` maps raw positions to normalised offsets, and
:func:`detect_convention` picks the convention under which a file's
selections make sense (all inside the text, recorded text matching where the
file records it, boundaries between words rather than inside them).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...io._common import normalise_text

__all__ = [
    "CONVENTIONS",
    "SPEC",
    "Convention",
    "Detection",
    "Span",
    "TextMap",
    "detect_convention",
    "normalise_with_map",
    "recorded_matches",
]


@dataclass(frozen=True, order=True)
class Convention:
    """How a producer counts positions in a plain-text source.

    ``unit`` is ``"codepoint"`` or ``"utf16"``; ``crlf`` is how many
    positions a CR LF pair takes (2 or 1); ``bom`` says whether a leading
    byte-order mark takes a position.
    """

    unit: str = "codepoint"
    crlf: int = 2
    bom: bool = False

    def __str__(self) -> str:
        unit = "code points" if self.unit == "codepoint" else "UTF-16 code units"
        bom = ", BOM counted" if self.bom else ""
        return f"{unit}, CRLF = {self.crlf}{bom}"


#: What the standard says (code points of the file's characters).
SPEC = Convention()
#: Every convention tried, the standard's first.
CONVENTIONS: tuple[Convention, ...] = tuple(
    Convention(unit, crlf, bom)
    for bom in (False, True)
    for unit in ("codepoint", "utf16")
    for crlf in (2, 1)
)

_STEP1 = re.compile(r"\r\n|[\r\u2028\u2029\x0c]|[\x00-\x08\x0b\x0e-\x1f\x7f\u200b\ufeff]")
_TRAILING = re.compile(r"[^\S\n]+(?=\n|\Z)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")


def _replace(raw: str) -> tuple[str, list[int]]:
    """Line ends to LF, control characters removed (the first steps of normalise_text)."""
    out: list[str] = []
    pos: list[int] = []
    n = 0
    last = 0
    for m in _STEP1.finditer(raw):
        gap = m.start() - last
        pos.extend(range(n, n + gap))
        out.append(raw[last : m.start()])
        n += gap
        s = m.group()
        rep = "\n\n" if s == "\u2029" else "\n" if s in ("\r\n", "\r", "\u2028", "\x0c") else ""
        pos.extend([n] * len(s))
        out.append(rep)
        n += len(rep)
        last = m.end()
    gap = len(raw) - last
    pos.extend(range(n, n + gap + 1))
    out.append(raw[last:])
    return "".join(out), pos


def _nfc(text: str) -> tuple[str, list[int]] | None:
    """NFC with a position map, or ``None`` when ``text`` is already NFC.

    The text is cut before ASCII characters (no ASCII character ever
    composes with the one before it), so only short chunks are re-normalised.
    """
    if unicodedata.is_normalized("NFC", text):
        return None
    out: list[str] = []
    pos: list[int] = []
    n = 0
    last = 0
    for m in _NON_ASCII.finditer(text):
        a = max(m.start() - 1, last)  # the ASCII character a mark may attach to
        chunk = text[a : m.end()]
        if unicodedata.is_normalized("NFC", chunk):
            continue
        gap = a - last
        pos.extend(range(n, n + gap))
        out.append(text[last:a])
        n += gap
        done = unicodedata.normalize("NFC", chunk)
        best = 0
        for k in range(len(chunk)):
            best = max(best, min(len(unicodedata.normalize("NFC", chunk[:k])), len(done)))
            pos.append(n + best)
        out.append(done)
        n += len(done)
        last = m.end()
    gap = len(text) - last
    pos.extend(range(n, n + gap + 1))
    out.append(text[last:])
    return "".join(out), pos


def _strip_lines(text: str) -> tuple[str, list[int]] | None:
    """Trailing whitespace of every line removed, and leading/trailing newlines."""
    out: list[str] = []
    pos: list[int] = []
    n = 0
    last = 0
    for m in _TRAILING.finditer(text):
        gap = m.start() - last
        pos.extend(range(n, n + gap))
        out.append(text[last : m.start()])
        n += gap
        pos.extend([n] * (m.end() - m.start()))
        last = m.end()
    gap = len(text) - last
    pos.extend(range(n, n + gap + 1))
    out.append(text[last:])
    joined = "".join(out)
    lead = len(joined) - len(joined.lstrip("\n"))
    final = joined.strip("\n")
    if lead:
        pos = [p - lead if p > lead else 0 for p in pos]
    if len(final) + lead != len(joined):  # positions are sorted: clamp the tail
        cut = bisect.bisect_right(pos, len(final))
        pos[cut:] = [len(final)] * (len(pos) - cut)
    if final == text:
        return None
    return final, pos


def normalise_with_map(raw: str) -> tuple[str, list[int] | None]:
    """``normalise_text(raw)`` and where each raw position lands in it.

    The map has ``len(raw) + 1`` entries (one per position between
    characters); ``None`` means the text was already normalised (identity).

    >>> normalise_with_map("\\ufeffa\\r\\nb  \\r\\n")
    ('a\\nb', [0, 0, 1, 1, 2, 3, 3, 3, 3, 3])
    """
    text, pos = _replace(raw)
    for step in (_nfc, _strip_lines):
        done = step(text)
        if done is not None:
            text, step_pos = done
            pos = [step_pos[p] for p in pos]
    if text == raw:
        return text, None
    if text != normalise_text(raw):  # pragma: no cover - guarded by a property test
        raise AssertionError("normalise_with_map disagrees with normalise_text")
    return text, pos


@dataclass(frozen=True)
class Span:
    """A selection as the file gives it: positions and, if recorded, its text."""

    start: int
    end: int
    recorded: str | None = None


class TextMap:
    """A raw plain-text source (as decoded, BOM kept) and its normalised text."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text, self._map = normalise_with_map(raw)
        self.has_bom = raw.startswith("\ufeff")
        self._astral = [m.start() for m in _ASTRAL.finditer(raw)]
        self._crlf = [m.start() + 1 for m in re.finditer("\r\n", raw)]

    def relevant(self) -> list[Convention]:
        """The conventions that can give different answers for this text."""
        return [c for c in CONVENTIONS
                if (c.unit == "codepoint" or self._astral)
                and (c.crlf == 2 or self._crlf)
                and (not c.bom or self.has_bom)]

    def _units_before(self, i: int, conv: Convention) -> int:
        units = i
        if conv.unit == "utf16":
            units += bisect.bisect_left(self._astral, i)
        if conv.crlf == 1:
            units -= bisect.bisect_left(self._crlf, i)
        if self.has_bom and not conv.bom and i > 0:
            units -= 1
        return units

    def length(self, conv: Convention) -> int:
        """The raw text's length in ``conv``'s units."""
        return self._units_before(len(self.raw), conv)

    def to_raw(self, position: int, conv: Convention) -> int | None:
        """The raw character index at ``position`` (``None``: not a valid position)."""
        if position < 0:
            return None
        lo, hi = 0, len(self.raw)
        while lo < hi:  # the largest i whose units_before is <= position
            mid = (lo + hi + 1) // 2
            if self._units_before(mid, conv) <= position:
                lo = mid
            else:
                hi = mid - 1
        return lo if self._units_before(lo, conv) == position else None

    def to_text(self, position: int, conv: Convention) -> int | None:
        """The offset in the normalised text for ``position`` (``None``: invalid)."""
        i = self.to_raw(position, conv)
        if i is None:
            return None
        return i if self._map is None else self._map[i]

    def from_text(self, offset: int) -> int:
        """The raw index of a normalised offset (the first raw position mapping to it)."""
        if self._map is None:
            return offset
        return bisect.bisect_left(self._map, offset)


def _squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def recorded_matches(recorded: str, coded: str) -> bool:
    """Whether the text a file records for a selection is the coded text.

    Whitespace runs compare equal; a record cut short with "…" (as ATLAS.ti
    does at 100 characters) only needs to be a prefix.
    """
    rec, got = _squash(recorded), _squash(coded)
    for ellipsis in ("…", "..."):
        if rec.endswith(ellipsis) and len(rec) > len(ellipsis):
            return got.startswith(rec[: -len(ellipsis)].rstrip())
    return rec == got


@dataclass
class Detection:
    """How well one convention explains one source's selections."""

    convention: Convention
    invalid: int = 0
    checked: int = 0
    matched: int = 0
    clean: int = 0
    boundaries: int = 0
    spans: list[tuple[int, int] | None] = field(default_factory=list)

    def key(self, prior: Convention, trusted: bool = False) -> tuple[int, int, bool, int, bool,
                                                                     bool]:
        """Sort key: fewest invalid, most text matches, (a trusted prior), most clean
        boundaries, the prior, the standard."""
        return (-self.invalid, self.matched, trusted and self.convention == prior, self.clean,
                self.convention == prior, self.convention == SPEC)


def _clean(text: str, offset: int) -> bool:
    if offset <= 0 or offset >= len(text):
        return True
    return not (text[offset - 1].isalnum() and text[offset].isalnum())


def evaluate(tm: TextMap, spans: Sequence[Span], conv: Convention) -> Detection:
    """Score ``conv`` on ``spans`` (each mapped to normalised offsets, or ``None``)."""
    d = Detection(conv)
    limit = tm.length(conv)
    for s in spans:
        a = tm.to_text(s.start, conv) if 0 <= s.start <= limit else None
        b = tm.to_text(s.end, conv) if 0 <= s.end <= limit else None
        if a is None or b is None or a > b:
            d.invalid += 1
            d.spans.append(None)
            continue
        d.spans.append((a, b))
        d.boundaries += 2
        d.clean += _clean(tm.text, a) + _clean(tm.text, b)
        if s.recorded and s.recorded.strip():
            d.checked += 1
            d.matched += recorded_matches(s.recorded, tm.text[a:b])
    return d


def detect_convention(
    tm: TextMap, spans: Sequence[Span], *, prior: Convention = SPEC, trusted: bool = False
) -> tuple[Detection, bool]:
    """The best convention for one source, and whether the choice mattered.

    ``prior`` breaks ties; a ``trusted`` prior (the producer is known to
    count that way) also outweighs word-boundary evidence, but never
    selections falling outside the text or recorded texts that disagree.
    The second value is false when every relevant convention maps every
    selection to the same offsets (no evidence needed: they all agree).
    """
    results = [evaluate(tm, spans, c) for c in tm.relevant()]
    best = max(results, key=lambda d: d.key(prior, trusted))
    mattered = any(r.spans != best.spans for r in results)
    return best, mattered
