"""Code co-occurrence: square matrices and long tables, with significance.

Codings are assigned to units (see :mod:`qualcode.analysis.units`), the
units become a sparse binary units × codes matrix ``X`` and the
co-occurrence counts are ``X.T @ X``: ``n12`` off the diagonal, each code's
unit frequency ``n1`` on it. Measures (see :mod:`qualcode.analysis.measures`)
and one-sided hypergeometric p-values with Benjamini–Hochberg q-values are
computed from those counts and the number of units ``N``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from ..errors import InputError
from ..model import Coding, Document
from .measures import MEASURES, bh_qvalues, hypergeom_pvalue
from .selection import CodesArg, WhereArg, code_columns, resolve_codes, select
from .units import Units, assign_units, check_unit, incidence_matrix

__all__ = [
    "DIAGONALS",
    "CooccurrenceStats",
    "cooccurrence",
    "cooccurrence_stats",
    "cooccurrence_table",
]

DIAGONALS = ("frequency", "measure", "zero")


def check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")


@dataclass(frozen=True, eq=False)
class CooccurrenceStats:
    """Everything computed from the incidence matrix, reused by tables and networks.

    ``counts[i, j]`` is ``n12`` for codes ``i != j`` and the unit frequency
    of code ``i`` on the diagonal; ``N`` is the number of units.
    ``coding_column[k]`` is the column of ``codings[k]`` (-1 if its code is
    not among ``codes``).
    """

    codes: list[str]
    counts: NDArray[np.int64]
    N: int
    unit: str
    window: int | None
    incidence: sp.csr_matrix
    units: Units
    codings: list[Coding]
    coding_column: NDArray[np.int64]
    documents: list[Document] | None
    roles: frozenset[str] | None = None
    speakers: frozenset[str] | None = None
    _cache: dict[str, NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @property
    def frequency(self) -> NDArray[np.int64]:
        """Units carrying each code (the diagonal)."""
        return np.diagonal(self.counts).copy()

    def measure(self, name: str) -> NDArray[np.float64]:
        """The k × k matrix of a measure (diagonal: the code with itself)."""
        check_measure(name)
        if name not in self._cache:
            n = self.frequency.astype(np.float64)
            self._cache[name] = MEASURES[name](self.counts, n[:, None], n[None, :], self.N)
        return self._cache[name]

    def pvalues(self, mask: NDArray[np.bool_] | None = None) -> tuple[
        NDArray[np.float64], NDArray[np.float64]
    ]:
        """p- and q-value matrices; q is BH over the pairs in ``mask``.

        ``mask`` (k × k, default: the upper triangle) picks the family of
        tests; the result is symmetric and NaN outside the family.
        """
        k = len(self.codes)
        if mask is None:
            mask = np.triu(np.ones((k, k), dtype=bool), 1)
        key = f"p:{hash(mask.tobytes())}"
        if key not in self._cache:
            i, j = np.nonzero(mask)
            n = self.frequency
            p_pairs = hypergeom_pvalue(self.counts[i, j], n[i], n[j], self.N)
            q_pairs = bh_qvalues(p_pairs)
            p = np.full((k, k), np.nan)
            q = np.full((k, k), np.nan)
            p[i, j] = p[j, i] = p_pairs
            q[i, j] = q[j, i] = q_pairs
            self._cache[key], self._cache[key + "q"] = p, q
        return self._cache[key], self._cache[key + "q"]


def cooccurrence_stats(
    codings: Iterable[Coding],
    *,
    documents: Iterable[Document] | None = None,
    unit: str = "turn",
    codes: CodesArg = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    window: int | None = None,
) -> CooccurrenceStats:
    """Filter, assign units and count co-occurrences (the shared first step)."""
    docs = None if documents is None else list(documents)
    w = check_unit(unit, docs, window)
    sel = select(codings, docs, where=where, coders=coders, roles=roles)
    code_list = sel.all_codes if codes is None else resolve_codes(codes, [])
    items = sel.codings
    if unit in ("overlap", "window"):  # sites are found among the selected codes only
        wanted = set(code_list)
        items = [c for c in items if c.code in wanted]
    units = assign_units(items, documents=sel.documents, unit=unit, window=w,
                         roles=sel.roles, speakers=sel.speakers)
    columns = np.asarray(code_columns(items, code_list), dtype=np.int64)
    x = incidence_matrix(units, columns, len(code_list))
    counts = np.asarray((x.T @ x).toarray(), dtype=np.int64)
    return CooccurrenceStats(code_list, counts, units.n, unit, w, x, units, items, columns,
                             sel.documents, sel.roles, sel.speakers)


def cooccurrence(
    codings: Iterable[Coding],
    *,
    documents: Iterable[Document] | None = None,
    unit: str = "turn",
    measure: str = "count",
    codes: CodesArg = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    min_count: int = 0,
    max_q: float | None = None,
    window: int | None = None,
    diagonal: str = "frequency",
) -> pd.DataFrame:
    """Square code × code co-occurrence matrix.

    Rows and columns are the codes (``codes`` order; default every code
    used, sorted); the matrix is symmetric. Off the diagonal: the chosen
    ``measure`` (see :data:`qualcode.analysis.measures.MEASURES`) of the
    pair. On the diagonal (``diagonal="frequency"``, the default): the
    number of units carrying the code; ``"measure"`` puts the measure of
    the code with itself there instead, ``"zero"`` puts 0.

    Pairs co-occurring in fewer than ``min_count`` units, or whose BH
    q-value exceeds ``max_q``, are blanked: 0 for counts, NaN otherwise.

    ``documents`` is needed for the turn, sentence, paragraph, participant
    and window units and for ``where``/``roles``; see
    :mod:`qualcode.analysis.units` for the units and
    :mod:`qualcode.analysis.selection` for ``where``.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"R: No contract. Afraid.\\nP: Afraid too.", name="x.txt")
    >>> cs = [qc.Coding(doc.id, "contract", 3, 15), qc.Coding(doc.id, "fear", 16, 23),
    ...       qc.Coding(doc.id, "fear", 27, 33)]
    >>> cooccurrence(cs, documents=[doc])
              contract  fear
    contract         1     1
    fear             1     2
    >>> cooccurrence(cs, documents=[doc], unit="sentence", measure="jaccard")
              contract  fear
    contract       1.0   0.0
    fear           0.0   2.0
    """
    check_measure(measure)
    if diagonal not in DIAGONALS:
        raise InputError(f"unknown diagonal {diagonal!r}; expected one of {', '.join(DIAGONALS)}")
    stats = cooccurrence_stats(codings, documents=documents, unit=unit, codes=codes, where=where,
                               coders=coders, roles=roles, window=window)
    k = len(stats.codes)
    values: NDArray[np.float64] | NDArray[np.int64]
    values = stats.counts.copy() if measure == "count" else stats.measure(measure).copy()
    off = ~np.eye(k, dtype=bool)
    blank = off & (stats.counts < min_count)
    if max_q is not None:
        _, q = stats.pvalues()
        blank |= off & ~(q <= max_q)
    values[blank] = 0 if measure == "count" else np.nan
    diag = np.arange(k)
    if diagonal == "frequency":
        values[diag, diag] = stats.frequency
    elif diagonal == "zero":
        values[diag, diag] = 0
    return pd.DataFrame(values, index=pd.Index(stats.codes, name=None),
                        columns=pd.Index(stats.codes, name=None))


def pair_table(
    stats: CooccurrenceStats,
    pairs: tuple[NDArray[np.intp], NDArray[np.intp]],
    q: NDArray[np.float64],
    p: NDArray[np.float64],
) -> pd.DataFrame:
    """Long table of the given (i, j) pairs with counts, every measure, p and q."""
    i, j = pairs
    n = stats.frequency
    data: dict[str, Sequence[object] | NDArray[np.generic]] = {
        "code_a": [stats.codes[a] for a in i],
        "code_b": [stats.codes[b] for b in j],
        "n_a": n[i],
        "n_b": n[j],
        "n_ab": stats.counts[i, j],
        "N": np.full(len(i), stats.N, dtype=np.int64),
    }
    for name in MEASURES:
        data[name] = stats.measure(name)[i, j].astype(np.int64 if name == "count" else float)
    data["p"] = p[i, j]
    data["q"] = q[i, j]
    return pd.DataFrame(data)


def cooccurrence_table(
    codings: Iterable[Coding],
    *,
    documents: Iterable[Document] | None = None,
    unit: str = "turn",
    codes: CodesArg = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    min_count: int = 1,
    max_q: float | None = None,
    window: int | None = None,
    sort_by: str | None = None,
) -> pd.DataFrame:
    """Long table, one row per pair of codes (``code_a`` before ``code_b``).

    Columns: ``code_a``, ``code_b``, ``n_a``, ``n_b`` (units carrying each
    code), ``n_ab`` (units carrying both), ``N`` (units), every measure
    (``count``, ``jaccard``, ``c``, ``cosine``, ``association``, ``lift``,
    ``pmi``, ``npmi``, ``inclusion``), ``p`` (one-sided hypergeometric,
    see :func:`~qualcode.analysis.measures.hypergeom_pvalue`) and ``q``
    (Benjamini–Hochberg over *all* pairs of the selected codes, before the
    filters). Rows with ``n_ab < min_count`` (default 1: pairs that never
    co-occur are left out) or ``q > max_q`` are dropped. Rows follow the
    code order, or are sorted descending by ``sort_by`` (ascending for
    ``p``/``q``).

    >>> import qualcode as qc
    >>> cs = [qc.Coding("d1", "a", 0, 5), qc.Coding("d1", "b", 2, 8),
    ...       qc.Coding("d2", "a", 0, 5), qc.Coding("d3", "b", 0, 5)]
    >>> t = cooccurrence_table(cs, unit="document")
    >>> t[["code_a", "code_b", "n_a", "n_b", "n_ab", "N", "jaccard"]]
      code_a code_b  n_a  n_b  n_ab  N   jaccard
    0      a      b    2    2     1  3  0.333333
    """
    stats = cooccurrence_stats(codings, documents=documents, unit=unit, codes=codes, where=where,
                               coders=coders, roles=roles, window=window)
    p, q = stats.pvalues()
    k = len(stats.codes)
    i, j = np.triu_indices(k, 1)
    keep = stats.counts[i, j] >= min_count
    if max_q is not None:
        keep &= q[i, j] <= max_q
    table = pair_table(stats, (i[keep], j[keep]), q, p)
    if sort_by is not None:
        if sort_by not in table.columns:
            raise InputError(f"cannot sort by {sort_by!r}; columns are {', '.join(table.columns)}")
        ascending = sort_by in ("p", "q", "code_a", "code_b")
        table = table.sort_values(sort_by, ascending=ascending, kind="stable")
        table = table.reset_index(drop=True)
    return table
