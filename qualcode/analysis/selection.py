"""Choosing what to analyse: codes, coders, documents (``where=``), speakers.

``where`` is a mapping of case attribute → value, or a list of values any
of which matches, e.g. ``{"site": "Kediri", "group_type": ["FGD"]}``; a
document is kept when it matches every entry. Besides the document's
``attributes``, the keys ``language``, ``name``, ``id`` and ``format`` fall
back to the document's fields. Two keys filter *turns* rather than
documents: ``role`` (speaker role: interviewer, facilitator, participant,
unknown) and ``speaker`` (speaker name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..model import Codebook, Coding, Document

__all__ = [
    "CodesArg", "Selection", "WhereArg", "document_attribute", "matches", "resolve_codes",
    "select",
]

#: Codes to analyse: names, codebooks (all their codes), or a mix; None = all coded.
CodesArg = str | Codebook | Iterable[str | Codebook] | None
WhereArg = Mapping[str, Any] | None

TURN_KEYS = ("role", "speaker")
_FIELDS = ("language", "name", "id", "format")


def _values(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def document_attribute(doc: Document, key: str) -> tuple[bool, Any]:
    """(found, value) of a case attribute, falling back to document fields."""
    if key in doc.attributes:
        return True, doc.attributes[key]
    if key in _FIELDS:
        return True, getattr(doc, key)
    return False, None


def matches(doc: Document, where: WhereArg) -> bool:
    """Whether ``doc``'s case attributes match ``where`` (turn keys ignored).

    >>> import qualcode as qc
    >>> d = qc.Document(name="a", text="x", attributes={"site": "Kediri", "year": 2023})
    >>> matches(d, {"site": ["Kediri", "Jakarta"], "year": "2023"})
    True
    >>> matches(d, {"group_type": "FGD"})
    False
    """
    for key, value in (where or {}).items():
        if key in TURN_KEYS:
            continue
        found, actual = document_attribute(doc, key)
        if not found:
            return False
        wanted = _values(value)
        if actual not in wanted and str(actual) not in {str(v) for v in wanted}:
            return False
    return True


def resolve_codes(codes: CodesArg, codings: Iterable[Coding]) -> list[str]:
    """The code names to analyse, in order, without duplicates.

    ``None`` gives every code used in ``codings`` (sorted); a codebook gives
    its codes in codebook order (parents first).
    """
    if codes is None:
        return sorted({c.code for c in codings})
    items: Iterable[str | Codebook] = [codes] if isinstance(codes, (str, Codebook)) else codes
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, Codebook):
            for code in item.codes:
                out.setdefault(code.name, None)
        elif isinstance(item, str):
            out.setdefault(item, None)
        else:
            raise InputError(f"codes must be code names or codebooks, got {item!r}")
    return list(out)


@dataclass(frozen=True)
class Selection:
    """Codings and documents left after filtering, and the turn filter."""

    codings: list[Coding]
    documents: list[Document] | None
    roles: frozenset[str] | None
    speakers: frozenset[str] | None
    #: every code of the coder's codings, before ``where``: the default code list,
    #: so that matrices of different groups line up
    all_codes: list[str]


def _as_set(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


def select(
    codings: Iterable[Coding],
    documents: Iterable[Document] | None,
    *,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
) -> Selection:
    """Filter codings by coder and documents by ``where``; keep matching codings.

    ``where`` keys ``role`` and ``speaker`` become the turn filter (combined
    with ``roles``).

    When ``documents`` is given, the analysis covers those documents: codings
    of other documents are left out, but if *no* coding refers to any of
    them that is surely a mistake and raises :class:`InputError`.
    """
    items = list(codings)
    bad = [c for c in items[:1] if not isinstance(c, Coding)]
    if bad:
        raise InputError(f"expected Coding objects, got {type(bad[0]).__name__}")
    coder_set = _as_set(coders)
    if coder_set is not None:
        items = [c for c in items if c.coder in coder_set]
    where = dict(where or {})
    role_set = _as_set(roles)
    speaker_set = None
    if "role" in where:
        wanted = frozenset(str(v) for v in _values(where["role"]))
        role_set = wanted if role_set is None else role_set & wanted
    if "speaker" in where:
        speaker_set = frozenset(str(v) for v in _values(where["speaker"]))
    if documents is None:
        if where:
            raise InputError(
                "where= filters by case attributes and speakers, so it needs documents=[...]"
            )
        if role_set is not None:
            raise InputError("roles= needs documents=[...] (speaker roles come from the turns)")
        return Selection(items, None, None, None, resolve_codes(None, items))
    docs: list[Document] = list({d.id: d for d in documents}.values())
    known = {d.id for d in docs}
    if items and not any(c.document in known for c in items):
        raise InputError(
            f"none of the {len(items)} codings refers to one of the {len(docs)} documents "
            "given (codings store the document id)"
        )
    all_codes = resolve_codes(None, (c for c in items if c.document in known))
    kept_docs = [d for d in docs if matches(d, where)]
    kept = {d.id for d in kept_docs}
    items = [c for c in items if c.document in kept]
    return Selection(items, kept_docs, role_set, speaker_set, all_codes)


def code_columns(codings: Sequence[Coding], codes: Sequence[str]) -> list[int]:
    """Column of each coding's code in ``codes`` (-1 when not selected)."""
    col = {c: i for i, c in enumerate(codes)}
    return [col.get(c.code, -1) for c in codings]
