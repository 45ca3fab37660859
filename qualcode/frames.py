"""Codings as pandas DataFrames.

>>> import qualcode as qc
>>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada kontrak.", name="x.txt")
>>> c = qc.Coding(doc.id, "no_contract", 15, 33, coder="ana")
>>> df = codings_frame([c], [doc])
>>> row = df.iloc[0]
>>> row["code"], row["text"], row["speaker"], row["role"], int(row["turn"])
('no_contract', 'Tidak ada kontrak.', 'R', 'participant', 1)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .model import Coding, Document

__all__ = ["CODING_COLUMNS", "DOCUMENT_COLUMNS", "codings_frame"]

#: Columns every codings frame has, in order.
CODING_COLUMNS = ("document", "code", "codebook", "start", "end", "coder", "rule", "memo")
#: Columns added when documents are given.
DOCUMENT_COLUMNS = ("document_name", "text", "speaker", "role", "turn")


def codings_frame(
    codings: Iterable[Coding],
    documents: Iterable[Document] | Mapping[str, Document] | None = None,
) -> pd.DataFrame:
    """One row per coding.

    Columns: document (id), code, codebook, start, end, coder, rule, memo.
    With ``documents`` (a list, or a mapping id -> document) also
    document_name, text (the coded passage), speaker, role and turn (index of
    the turn the coding starts in; ``<NA>`` outside turns), then one column
    per case attribute of the documents (named ``attribute_<name>`` if the
    name is already taken). Codings of documents not given get empty values.
    """
    items = list(codings)
    rows = [
        {"document": c.document, "code": c.code, "codebook": c.codebook, "start": c.start,
         "end": c.end, "coder": c.coder, "rule": c.rule, "memo": c.memo}
        for c in items
    ]
    frame = pd.DataFrame(rows, columns=list(CODING_COLUMNS))
    frame = frame.astype({"start": "int64", "end": "int64"})
    if documents is None:
        return frame
    docs = dict(documents) if isinstance(documents, Mapping) else {d.id: d for d in documents}
    attribute_names: dict[str, None] = {}
    for d in docs.values():
        attribute_names.update(dict.fromkeys(d.attributes))
    starts = {i: [t.start for t in d.turns] for i, d in docs.items()}
    extra: dict[str, list[Any]] = {name: [] for name in DOCUMENT_COLUMNS}
    taken = set(CODING_COLUMNS) | set(DOCUMENT_COLUMNS)
    columns = {a: (f"attribute_{a}" if a in taken else a) for a in attribute_names}
    attrs: dict[str, list[Any]] = {columns[a]: [] for a in attribute_names}
    for c in items:
        doc = docs.get(c.document)
        turn_index: int | None = None
        if doc is not None:
            i = bisect_right(starts[c.document], c.start) - 1
            if i >= 0 and c.start < doc.turns[i].end:
                turn_index = i
        turn = doc.turns[turn_index] if doc is not None and turn_index is not None else None
        extra["document_name"].append(doc.name if doc is not None else None)
        extra["text"].append(doc.text[c.start:c.end] if doc is not None else None)
        extra["speaker"].append(turn.speaker if turn is not None else None)
        extra["role"].append(turn.role if turn is not None else None)
        extra["turn"].append(turn_index)
        for a in attribute_names:
            attrs[columns[a]].append(doc.attributes.get(a) if doc is not None else None)
    for name, values in extra.items():
        frame[name] = pd.array(values, dtype="Int64") if name == "turn" else values
    for name, values in attrs.items():
        frame[name] = values
    return frame
