"""Frozen value classes: documents, turns, codes, codebooks and codings.

All offsets are code points into :attr:`Document.text`, 0-based and
end-exclusive, so ``doc.text[turn.start:turn.end] == turn.text``. Objects
validate themselves at construction and cannot be changed afterwards; use
:func:`dataclasses.replace` to derive a modified copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

__all__ = ["ROLES", "Code", "Codebook", "Coding", "Comment", "Document", "Turn"]

#: The roles a speaker can have in a transcript.
ROLES = ("interviewer", "facilitator", "participant", "unknown")


def _check_span(kind: str, start: int, end: int, length: int | None = None) -> None:
    if not (isinstance(start, int) and isinstance(end, int)):
        raise InputError(f"{kind} offsets must be integers, got {start!r}, {end!r}")
    if start < 0 or end < start:
        raise InputError(f"{kind} span [{start}, {end}) is invalid: need 0 <= start <= end")
    if length is not None and end > length:
        raise InputError(f"{kind} span [{start}, {end}) runs past the end of the text ({length})")


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted contribution.

    ``start``/``end`` delimit what was said (the speaker label is outside the
    span). ``timestamp`` and ``end_time`` are seconds from the start of the
    recording where the transcript gives them.
    """

    speaker: str | None
    start: int
    end: int
    text: str
    role: str = "unknown"
    timestamp: float | None = None
    end_time: float | None = None

    def __post_init__(self) -> None:
        _check_span("turn", self.start, self.end)
        if len(self.text) != self.end - self.start:
            raise InputError(
                f"turn text has {len(self.text)} characters but its span "
                f"[{self.start}, {self.end}) has {self.end - self.start}"
            )
        if self.role not in ROLES:
            raise InputError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment anchored to a span of a document (e.g. a Word comment)."""

    start: int
    end: int
    text: str
    author: str | None = None
    date: str | None = None

    def __post_init__(self) -> None:
        _check_span("comment", self.start, self.end)


def _sha256(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class Document:
    """A transcript: normalised text, its speaker turns and case attributes.

    ``sha256`` is the hash of the original file's bytes (of the text when the
    document was built in memory); ``id`` defaults to its first 16 hex digits,
    so the same file always gets the same id.
    """

    name: str
    text: str
    turns: tuple[Turn, ...] = ()
    language: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    id: str = ""
    source: str | None = None
    format: str = "txt"
    comments: tuple[Comment, ...] = ()
    version: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InputError("document text must be a str")
        if not self.name:
            raise InputError("document needs a name")
        object.__setattr__(self, "turns", tuple(self.turns))
        object.__setattr__(self, "comments", tuple(self.comments))
        object.__setattr__(self, "attributes", dict(self.attributes))
        if not self.sha256:
            object.__setattr__(self, "sha256", _sha256(self.text))
        if not self.id:
            object.__setattr__(self, "id", self.sha256[:16])
        n = len(self.text)
        previous_end = 0
        for i, turn in enumerate(self.turns):
            _check_span(f"turn {i}", turn.start, turn.end, n)
            if turn.start < previous_end:
                raise InputError(f"{self.name}: turn {i} overlaps the turn before it")
            if self.text[turn.start : turn.end] != turn.text:
                raise InputError(f"{self.name}: turn {i} text does not match the document text")
            previous_end = turn.end
        for c in self.comments:
            _check_span("comment", c.start, c.end, n)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (
            self.id == other.id
            and self.name == other.name
            and self.text == other.text
            and self.turns == other.turns
            and self.language == other.language
            and self.attributes == other.attributes
            and self.sha256 == other.sha256
            and self.comments == other.comments
        )

    def __hash__(self) -> int:
        return hash((self.id, self.sha256))

    def __repr__(self) -> str:
        return (
            f"Document(name={self.name!r}, id={self.id!r}, language={self.language!r}, "
            f"turns={len(self.turns)}, chars={len(self.text)})"
        )

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.turns:
            if t.speaker is not None:
                seen.setdefault(t.speaker, None)
        return list(seen)

    @property
    def word_count(self) -> int:
        """Words spoken in turns (whitespace-separated), or in the whole text if no turns."""
        if not self.turns:
            return len(self.text.split())
        return sum(len(t.text.split()) for t in self.turns)

    def turn_at(self, offset: int) -> Turn | None:
        """The turn containing ``offset``, or ``None``."""
        import bisect

        starts = [t.start for t in self.turns]
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and self.turns[i].start <= offset < self.turns[i].end:
            return self.turns[i]
        return None


@dataclass(frozen=True, slots=True)
class Code:
    """A code in a codebook. ``parent`` is the parent code's name or ``None``."""

    name: str
    parent: str | None = None
    description: str = ""
    color: str | None = None
    inclusion: str = ""
    exclusion: str = ""
    examples: tuple[str, ...] = ()
    rules: tuple[Any, ...] = ()
    codebook: str | None = None
    #: display name (``name`` is the identifier); ``None`` shows ``name``
    label: str | None = None
    #: auto-coding settings (see docs/codebook-format.md); ``None`` inherits
    #: the codebook's defaults. ``scope``/``negation`` are
    #: :class:`qualcode.coding.rules.Scope`/``Negation`` values.
    scope: Any = None
    unit: str | None = None
    negation: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a code needs a non-empty name")
        object.__setattr__(self, "examples", tuple(self.examples))
        object.__setattr__(self, "rules", tuple(self.rules))


@dataclass(frozen=True)
class Codebook:
    """A named, versioned set of codes; ``codes`` is flattened, parents first."""

    name: str
    codes: tuple[Code, ...] = ()
    version: str = "1"
    description: str = ""
    source: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(self.codes))
        object.__setattr__(self, "meta", dict(self.meta))
        names = [c.name for c in self.codes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputError(f"codebook {self.name!r}: duplicate code names {dupes}")

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    def __getitem__(self, name: str) -> Code:
        for c in self.codes:
            if c.name == name:
                return c
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.codes)

    def children(self, name: str | None) -> list[Code]:
        """Direct children of ``name`` (``None`` gives the top-level codes)."""
        return [c for c in self.codes if c.parent == name]

    @property
    def coder(self) -> str:
        """The coder name auto-coding with this codebook records."""
        return f"auto:{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Coding:
    """A code applied to ``document.text[start:end]`` by ``coder``.

    ``document`` is the document id. ``coder`` is a person's name, or
    ``auto:<codebook>@<version>`` for auto-coding, in which case ``rule``
    names the rule that fired.
    """

    document: str
    code: str
    start: int
    end: int
    coder: str = "unknown"
    rule: str | None = None
    codebook: str | None = None
    memo: str | None = None

    def __post_init__(self) -> None:
        _check_span("coding", self.start, self.end)
        if not self.code:
            raise InputError("a coding needs a code name")

    @property
    def is_auto(self) -> bool:
        return self.coder.startswith("auto:")


# Writing the slots directly skips __init__ and __post_init__: for codings
# whose values were validated already (rows of our own store, spans the engine
# derived from token offsets), where the checks cost more than the object.
_CODING_SLOTS = tuple(getattr(Coding, name).__set__ for name in (
    "document", "code", "start", "end", "coder", "rule", "codebook", "memo"))


def trusted_coding(document: str, code: str, start: int, end: int, coder: str,
                   rule: str | None = None, codebook: str | None = None,
                   memo: str | None = None) -> Coding:
    """A :class:`Coding` built without validation; only for already valid values."""
    obj = object.__new__(Coding)
    sd, sc, ss, se, sk, sr, sb, sm = _CODING_SLOTS
    sd(obj, document)
    sc(obj, code)
    ss(obj, start)
    se(obj, end)
    sk(obj, coder)
    sr(obj, rule)
    sb(obj, codebook)
    sm(obj, memo)
    return obj
