"""Retrieval: the passages coded A AND B (AND C ...), A OR B, A NOT B.

A query is evaluated per unit (see :mod:`qualcode.analysis.units`): a unit
matches when it carries *every* code in ``all_of``, *at least one* in
``any_of`` (if given) and *none* of ``none_of``. ``unit="turn"`` gives the
turns where A, B and C were all coded; ``unit="document"`` gives
document-level co-occurrence, one excerpt per document, whose ``hits``
list where the codes are; ``unit="overlap"`` asks for spans that overlap
(NOT then excludes overlap sites where the code is present).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Coding, Document
from .segment import document_regions, split_paragraphs, split_sentences
from .selection import WhereArg, select
from .units import Units, assign_units, check_unit, incidence_matrix

__all__ = ["Excerpt", "code_examples", "excerpts_frame", "query"]


@dataclass(frozen=True)
class Excerpt:
    """One matching unit, with its text and context.

    ``codes``: every code present in the unit. ``hits``: the codings of the
    queried codes in the unit as ``(code, start, end)``. For participant
    units ``text`` joins the speaker's turns; for document units it is the
    whole text. ``speaker``/``role`` are those of the turn (or of the turn
    where the excerpt starts).
    """

    document: str
    document_name: str
    unit: str
    start: int
    end: int
    text: str
    speaker: str | None
    role: str | None
    codes: tuple[str, ...]
    hits: tuple[tuple[str, int, int], ...]
    context_before: str = ""
    context_after: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _segments(doc: Document, unit: str) -> list[tuple[int, int]]:
    if unit == "turn":
        return [(t.start, t.end) for t in doc.turns] or [(0, len(doc.text))]
    split = split_paragraphs if unit == "paragraph" else split_sentences
    return [span for r in document_regions(doc) for span in split(doc.text, *r)]


def _turn_text(doc: Document, i: int) -> str:
    t = doc.turns[i]
    return f"{t.speaker}: {t.text}" if t.speaker else t.text


def _context(doc: Document, unit: str, start: int, end: int, context: int,
             cache: dict[tuple[str, str], list[tuple[int, int]]]) -> tuple[str, str]:
    if context <= 0 or unit in ("document", "participant"):
        return "", ""
    kind = unit if unit in ("turn", "sentence", "paragraph") else "sentence"
    segs = cache.setdefault((doc.id, kind), _segments(doc, kind))
    if not segs:
        return "", ""
    ends = [e for _, e in segs]
    starts = [s for s, _ in segs]
    i0 = bisect.bisect_right(ends, start)  # first segment ending after start
    i1 = bisect.bisect_left(starts, end) - 1  # last segment starting before end
    if kind == "turn" and doc.turns and unit == "turn":
        prev = [_turn_text(doc, k) for k in range(max(0, i0 - context), i0)]
        following = [_turn_text(doc, k) for k in range(i1 + 1, min(len(segs), i1 + 1 + context))]
        return "\n".join(prev), "\n".join(following)
    if kind == unit:  # whole sentences or paragraphs around the unit
        lo, hi = max(0, i0 - context), min(len(segs) - 1, i1 + context)
        b = doc.text[segs[lo][0]:start].strip() if lo < i0 else ""
        a = doc.text[end:segs[hi][1]].strip() if hi > i1 else ""
        return b, a
    # overlap/window excerpts: the rest of the sentence and `context` sentences more
    lo = max(0, min(i0, len(segs) - 1) - context)
    hi = min(len(segs) - 1, max(i1, 0) + context)
    before = doc.text[min(segs[lo][0], start):start].strip()
    return before, doc.text[end:max(segs[hi][1], end)].strip()


def query(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    all_of: str | Iterable[str] | None = None,
    any_of: str | Iterable[str] | None = None,
    none_of: str | Iterable[str] | None = None,
    unit: str = "turn",
    where: WhereArg = None,
    roles: str | Iterable[str] | None = None,
    coders: str | Iterable[str] | None = None,
    context: int = 1,
    window: int | None = None,
) -> list[Excerpt]:
    """Units matching a Boolean code query, as excerpts in document order.

    ``context`` is how many turns / sentences / paragraphs before and after
    to include (for overlap and window units: sentences). ``where`` filters
    documents by case attributes, ``roles`` turns by speaker role.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(
    ...     b"I: Any contract?\\nR: No contract. We are afraid.\\nI: And pay?\\nR: Low.",
    ...     name="x.txt")
    >>> cs = [qc.Coding(doc.id, "no_contract", 20, 32), qc.Coding(doc.id, "fear", 33, 47),
    ...       qc.Coding(doc.id, "low_pay", 63, 67)]
    >>> [e.text for e in query(cs, [doc], all_of=["no_contract", "fear"])]
    ['No contract. We are afraid.']
    >>> [e.text for e in query(cs, [doc], any_of=["fear", "low_pay"], none_of="no_contract")]
    ['Low.']
    >>> e = query(cs, [doc], all_of="low_pay")[0]
    >>> e.speaker, e.context_before
    ('R', 'I: And pay?')
    """
    docs = list(documents)
    w = check_unit(unit, docs, window)
    need, some, never = _as_list(all_of), _as_list(any_of), _as_list(none_of)
    if not (need or some or never):
        raise InputError("a query needs at least one code in all_of, any_of or none_of")
    sel = select(codings, docs, where=where, coders=coders, roles=roles)
    assert sel.documents is not None
    items = sel.codings
    if unit in ("overlap", "window"):
        wanted = set(need + some + never)
        items = [c for c in items if c.code in wanted]
    units = assign_units(items, documents=sel.documents, unit=unit, window=w,
                         roles=sel.roles, speakers=sel.speakers)
    code_list = sorted({c.code for c in items})
    col = {c: i for i, c in enumerate(code_list)}
    columns = np.asarray([col[c.code] for c in items], dtype=np.int64)
    x = incidence_matrix(units, columns, len(code_list)).tocsc()

    def has(code: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
        out = np.zeros(units.n, dtype=bool)
        if code in col:
            j = col[code]
            out[x.indices[x.indptr[j]:x.indptr[j + 1]]] = True
        return out

    ok = np.ones(units.n, dtype=bool)
    for code in need:
        ok &= has(code)
    if some:
        ok &= np.logical_or.reduce([has(code) for code in some])
    for code in never:
        ok &= ~has(code)
    return _excerpts(np.flatnonzero(ok), units, items, sel.documents, set(need + some), context)


def _excerpts(selected: np.ndarray[Any, np.dtype[np.intp]], units: Units, items: Sequence[Coding],
              docs: Sequence[Document], hit_codes: set[str], context: int) -> list[Excerpt]:
    by_id = {d.id: d for d in docs}
    members: dict[int, list[int]] = {int(u): [] for u in selected}
    for k, u in zip(units.coding.tolist(), units.unit.tolist(), strict=True):
        if u in members:
            members[u].append(k)
    cache: dict[tuple[str, str], list[tuple[int, int]]] = {}
    order = sorted(members, key=lambda u: (int(units.doc[u]), int(units.start[u]), u))
    out = []
    for u in order:
        doc = by_id[units.doc_ids[int(units.doc[u])]]
        start, end = int(units.start[u]), int(units.end[u])
        if units.kind == "document":
            start, end = 0, len(doc.text)
        inside = sorted((items[k] for k in members[u]), key=lambda c: (c.start, c.end, c.code))
        hits = tuple(dict.fromkeys((c.code, c.start, c.end) for c in inside
                                   if not hit_codes or c.code in hit_codes))
        speaker, role = units.speaker[u], units.role[u]
        if units.kind == "participant":
            text = "\n".join(t.text for t in doc.turns if t.speaker == speaker) or \
                doc.text[start:end]
        else:
            text = doc.text[start:end]
        if speaker is None and units.kind not in ("document", "participant"):
            turn = doc.turn_at(start)
            if turn is not None:
                speaker, role = turn.speaker, turn.role
        before, after = _context(doc, units.kind, start, end, context, cache)
        out.append(Excerpt(
            document=doc.id, document_name=doc.name, unit=units.kind, start=start, end=end,
            text=text, speaker=speaker, role=role,
            codes=tuple(sorted({c.code for c in inside})), hits=hits,
            context_before=before, context_after=after, attributes=dict(doc.attributes),
        ))
    return out


def excerpts_frame(excerpts: Iterable[Excerpt]) -> pd.DataFrame:
    """Excerpts as a DataFrame, one row each; case attributes become columns.

    ``codes`` are joined with ``"; "`` and ``hits`` written as
    ``code [start:end]``. An attribute whose name clashes with a column is
    prefixed with ``attr_``.
    """
    names = [f.name for f in fields(Excerpt) if f.name != "attributes"]
    rows = []
    for e in excerpts:
        row: dict[str, Any] = {name: getattr(e, name) for name in names}
        row["codes"] = "; ".join(e.codes)
        row["hits"] = "; ".join(f"{c} [{s}:{t}]" for c, s, t in e.hits)
        for key, value in e.attributes.items():
            row[f"attr_{key}" if key in names else key] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=names)
    return frame


def code_examples(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    codes: Iterable[str] | None = None,
    per_code: int = 3,
    max_chars: int = 300,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
) -> dict[str, list[str]]:
    """Up to ``per_code`` coded passages per code, in document order.

    Meant for the ``excerpts=`` of :func:`~qualcode.analysis.html.network_html`
    and :func:`~qualcode.analysis.export.write_network`. Passages longer than
    ``max_chars`` are cut with "…"; the same passage is not repeated.

    >>> import qualcode as qc
    >>> d = qc.Document(name="x", text="No contract. Low pay. No contract again.")
    >>> cs = [qc.Coding(d.id, "no_contract", 0, 11), qc.Coding(d.id, "no_contract", 22, 39)]
    >>> code_examples(cs, [d], max_chars=12)
    {'no_contract': ['No contract', 'No contract…']}
    """
    sel = select(codings, list(documents), where=where, coders=coders)
    assert sel.documents is not None
    order = {d.id: i for i, d in enumerate(sel.documents)}
    texts = {d.id: d.text for d in sel.documents}
    wanted = None if codes is None else set(codes)
    out: dict[str, list[str]] = {}
    for c in sorted(sel.codings, key=lambda c: (order[c.document], c.start, c.end)):
        if wanted is not None and c.code not in wanted:
            continue
        found = out.setdefault(c.code, [])
        if len(found) >= per_code:
            continue
        text = " ".join(texts[c.document][c.start:c.end].split())
        if len(text) > max_chars:
            text = text[: max_chars - 1].rstrip() + "…"
        if text and text not in found:
            found.append(text)
    return out
