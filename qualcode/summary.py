"""Corpus and code summaries: what ``qualcode stats`` and ``qualcode codes`` print.

Counts are given four ways, because each answers a different question:
*codings* (how often a code was applied), *turns* (in how many speaker
turns), *documents* (in how many transcripts) and *participants* (how many
distinct speakers — document and speaker name — said something coded so).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

import pandas as pd

from .model import Coding, Document

__all__ = ["code_frequencies", "corpus_summary", "excerpts"]


def _turn_index(doc: Document, start: int, end: int) -> int | None:
    """Index of the first turn the span [start, end) overlaps, or None."""
    starts = [t.start for t in doc.turns]
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    while i < len(doc.turns) and doc.turns[i].start < max(end, start + 1):
        t = doc.turns[i]
        if t.end > start:
            return i
        i += 1
    return None


def corpus_summary(documents: Sequence[Document], *, by: str | None = None) -> pd.DataFrame:
    """Documents, turns, words and speakers, overall or per value of attribute ``by``.

    >>> d = Document(name="a.txt", text="I: Hi\\nR: Two words", attributes={"site": "Kediri"})
    >>> from qualcode.io.turns import detect_turns
    >>> import dataclasses
    >>> d = dataclasses.replace(d, turns=detect_turns(d.text))
    >>> corpus_summary([d], by="site").to_dict("records")
    [{'site': 'Kediri', 'documents': 1, 'turns': 2, 'words': 3, 'speakers': 2}]
    """
    rows = [
        {
            (by or "corpus"): (d.attributes.get(by, "(none)") if by else "all"),
            "documents": 1,
            "turns": len(d.turns),
            "words": d.word_count,
            "speakers": {(d.id, s) for s in d.speakers},
        }
        for d in documents
    ]
    key = by or "corpus"
    if not rows:
        return pd.DataFrame(columns=[key, "documents", "turns", "words", "speakers"])
    frame = pd.DataFrame(rows)
    out = frame.groupby(key, sort=True).agg(
        documents=("documents", "sum"),
        turns=("turns", "sum"),
        words=("words", "sum"),
        speakers=("speakers", lambda s: len(set().union(*s))),
    )
    return out.reset_index()


def code_frequencies(
    codings: Iterable[Coding],
    documents: Sequence[Document],
    *,
    by: str | None = None,
) -> pd.DataFrame:
    """Per code (and per value of attribute ``by``): codings, turns, documents, participants.

    ``by`` may be a case attribute (``site``, ``group_type``...), ``role``
    or ``speaker`` (taken from the turn a coding falls in), or ``coder``.
    """
    docs = {d.id: d for d in documents}
    rows = []
    for c in codings:
        doc = docs.get(c.document)
        if doc is None:
            continue
        ti = _turn_index(doc, c.start, c.end)
        turn = doc.turns[ti] if ti is not None else None
        speaker = turn.speaker if turn is not None else None
        row = {
            "code": c.code,
            "codebook": c.codebook or "",
            "turn": (doc.id, ti if ti is not None else f"@{c.start}"),
            "document": doc.id,
            "participant": (doc.id, speaker) if speaker else None,
        }
        if by is not None:
            if by == "role":
                row[by] = turn.role if turn is not None else "unknown"
            elif by == "speaker":
                row[by] = speaker or "(none)"
            elif by == "coder":
                row[by] = c.coder
            else:
                row[by] = doc.attributes.get(by, "(none)")
        rows.append(row)
    keys = ["codebook", "code"] + ([by] if by else [])
    columns = [*keys, "codings", "turns", "documents", "participants"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    out = frame.groupby(keys, sort=True).agg(
        codings=("code", "size"),
        turns=("turn", "nunique"),
        documents=("document", "nunique"),
        participants=("participant", "nunique"),
    )
    return out.reset_index()[columns]


def excerpts(
    codings: Iterable[Coding],
    documents: Sequence[Document],
    *,
    code: str | Sequence[str] | None = None,
    context: int = 0,
) -> pd.DataFrame:
    """Coded passages with document, speaker and role, optionally with neighbouring turns.

    ``context`` adds that many turns before and after as ``before``/``after``.
    """
    wanted = {code} if isinstance(code, str) else (set(code) if code is not None else None)
    docs = {d.id: d for d in documents}
    rows = []
    for c in sorted(codings, key=lambda c: (c.code, c.document, c.start, c.end, c.coder)):
        if wanted is not None and c.code not in wanted:
            continue
        doc = docs.get(c.document)
        if doc is None:
            continue
        ti = _turn_index(doc, c.start, c.end)
        turn = doc.turns[ti] if ti is not None else None
        before = after = ""
        if ti is not None and context:
            before = "\n".join(f"{t.speaker}: {t.text}" for t in doc.turns[max(0, ti - context):ti])
            after = "\n".join(f"{t.speaker}: {t.text}" for t in doc.turns[ti + 1:ti + 1 + context])
        rows.append({
            "code": c.code, "document": doc.name, "start": c.start, "end": c.end,
            "speaker": turn.speaker if turn else None, "role": turn.role if turn else None,
            "coder": c.coder, "rule": c.rule, "text": doc.text[c.start:c.end],
            "before": before, "after": after,
        })
    return pd.DataFrame(rows, columns=["code", "document", "start", "end", "speaker", "role",
                                       "coder", "rule", "text", "before", "after"])
