"""Code × attribute matrices: barriers by site, interview vs FGD, by speaker role."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Coding, Document
from .selection import CodesArg, WhereArg, document_attribute, resolve_codes, select
from .units import Units, assign_units, check_unit

__all__ = ["COUNTS", "NORMALIZE", "code_attribute_matrix"]

COUNTS = ("codings", "units", "documents", "participants")
NORMALIZE = (None, "row", "column", "all")
#: Attributes that belong to turns rather than documents.
TURN_ATTRIBUTES = ("role", "speaker")
MISSING = "(missing)"
NO_TURN = "(none)"


def _unit_frame(units: Units, attribute: str | None) -> pd.DataFrame:
    frame = pd.DataFrame({"coding": units.coding, "unit": units.unit})
    if attribute is not None:
        values = units.role if attribute == "role" else units.speaker
        frame["value"] = [NO_TURN if v is None else v for v in
                          (values[u] for u in units.unit.tolist())]
    return frame


def code_attribute_matrix(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    attribute: str = "site",
    codes: CodesArg = None,
    count: str = "codings",
    unit: str = "turn",
    normalize: str | None = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    window: int | None = None,
) -> pd.DataFrame:
    """Codes (rows) × values of an attribute (columns).

    ``attribute`` is a case attribute of the documents (``"site"``,
    ``"group_type"``, ``"language"``, ...; documents without it count
    under ``"(missing)"``) or a turn attribute: ``"role"`` or ``"speaker"``
    (a coding counts for every turn it overlaps; codings outside turns
    count under ``"(none)"``).

    ``count`` is what each cell counts for the code and value:
    ``"codings"``, distinct ``"units"`` (of ``unit``), ``"documents"`` or
    ``"participants"`` (distinct document + speaker). ``normalize`` turns
    counts into percentages of the ``"row"``, the ``"column"`` or ``"all"``
    (a row or column without codings stays 0).

    >>> import qualcode as qc
    >>> a = qc.Document(name="a", text="x" * 9, attributes={"site": "Kediri"})
    >>> b = qc.Document(name="b", text="y" * 9, attributes={"site": "Jakarta"})
    >>> cs = [qc.Coding(a.id, "no_contract", 0, 3), qc.Coding(a.id, "no_contract", 4, 6),
    ...       qc.Coding(b.id, "no_contract", 0, 3), qc.Coding(b.id, "low_pay", 0, 3)]
    >>> code_attribute_matrix(cs, [a, b])
    site         Jakarta  Kediri
    low_pay            1       0
    no_contract        1       2
    >>> code_attribute_matrix(cs, [a, b], count="documents", normalize="row").round(1)
    site         Jakarta  Kediri
    low_pay        100.0     0.0
    no_contract     50.0    50.0
    """
    if count not in COUNTS:
        raise InputError(f"unknown count {count!r}; expected one of {', '.join(COUNTS)}")
    if normalize not in NORMALIZE:
        raise InputError(f"unknown normalize {normalize!r}; expected row, column, all or None")
    docs = list(documents)
    w = check_unit(unit, docs, window)
    sel = select(codings, docs, where=where, coders=coders, roles=roles)
    assert sel.documents is not None
    code_list = sel.all_codes if codes is None else resolve_codes(codes, [])
    wanted = set(code_list)
    items = [c for c in sel.codings if c.code in wanted]
    turn_attr = attribute in TURN_ATTRIBUTES
    base = pd.DataFrame({
        "coding": np.arange(len(items)),
        "code": [c.code for c in items],
        "document": [c.document for c in items],
    })
    if turn_attr:
        turns = assign_units(items, documents=sel.documents, unit="turn", roles=sel.roles,
                             speakers=sel.speakers)
        values = _unit_frame(turns, attribute)[["coding", "value"]]
    else:
        by_doc = {}
        for d in sel.documents:
            found, v = document_attribute(d, attribute)
            by_doc[d.id] = MISSING if not found or v is None else str(v)
        values = pd.DataFrame({"coding": base["coding"],
                               "value": base["document"].map(by_doc)})
    long = base.merge(values, on="coding")
    if count == "codings":
        key = "coding"
    elif count == "documents":
        key = "document"
    else:
        kind = "participant" if count == "participants" else unit
        units = assign_units(items, documents=sel.documents, unit=kind,
                             window=w if kind == unit else None, roles=sel.roles,
                             speakers=sel.speakers)
        own_value = turn_attr and kind in ("turn", "participant")
        uf = _unit_frame(units, attribute if own_value else None)
        long = base.merge(uf, on="coding") if own_value else long.merge(uf, on="coding")
        key = "unit"
    table = long.groupby(["code", "value"])[key].nunique().unstack("value", fill_value=0)
    table = table.reindex(index=code_list, fill_value=0)
    table = table.reindex(columns=sorted(table.columns, key=str), fill_value=0).astype(np.int64)
    table.index.name = None
    table.columns.name = attribute
    if normalize is None:
        return table
    values_f = table.astype(float)
    if normalize == "row":
        total = values_f.sum(axis=1).replace(0, np.nan)
        out = values_f.div(total, axis=0)
    elif normalize == "column":
        out = values_f.div(values_f.sum(axis=0).replace(0, np.nan), axis=1)
    else:
        total_all = float(values_f.to_numpy().sum())
        out = values_f / total_all if total_all else values_f
    return (out * 100).fillna(0.0)
