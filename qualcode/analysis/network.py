"""Co-occurrence networks: one-mode, bipartite (barriers ↔ strategies), difference.

Nodes are codes, with the attributes a reader of the figure needs:

``frequency`` (codings), ``units`` (units carrying the code), ``documents``
and ``participants`` (how many carry it; ``participants`` only when the
documents are given), ``group`` (codebook name or top-level ancestor code),
``codebook``, ``parent``, ``color`` (from the codebook, else a palette
colour by group) and ``label`` (the code's display label from the codebook,
else its name with spaces). Missing text attributes are ``""``.

Edges join codes that co-occur in at least ``min_count`` units (and at
least one) and pass ``max_q``; they carry ``count`` (``n12``), ``weight``
(the chosen measure), ``p``, ``q`` and every measure by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..model import Code, Codebook, Coding, Document
from .cooccurrence import CooccurrenceStats, check_measure, cooccurrence_stats
from .measures import MEASURES
from .selection import CodesArg, WhereArg, resolve_codes, select
from .units import assign_units, incidence_matrix

__all__ = [
    "PALETTE",
    "bipartite_network",
    "cooccurrence_network",
    "difference_network",
    "projections",
]

#: Colours for groups without a codebook colour (matplotlib's "tab10").
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
GROUP_BY = ("auto", "codebook", "top")

CodebooksArg = Codebook | Iterable[Codebook] | None


def _codebook_list(codebooks: CodebooksArg) -> list[Codebook]:
    if codebooks is None:
        return []
    if isinstance(codebooks, Codebook):
        return [codebooks]
    return list(codebooks)


def _top(code: Code, book: Codebook) -> str:
    seen = {code.name}
    current = code
    while current.parent is not None and current.parent in book and current.parent not in seen:
        current = book[current.parent]
        seen.add(current.name)
    return current.name


def node_attributes(
    stats: CooccurrenceStats, codebooks: CodebooksArg = None, *, group_by: str = "auto"
) -> dict[str, dict[str, Any]]:
    """Node attributes of every selected code (see the module docstring)."""
    if group_by not in GROUP_BY:
        raise InputError(f"unknown group_by {group_by!r}; expected one of {', '.join(GROUP_BY)}")
    k = len(stats.codes)
    cols = stats.coding_column
    ok = cols >= 0
    frequency = np.bincount(cols[ok], minlength=k)
    doc_index = {d: i for i, d in enumerate(stats.units.doc_ids)}
    cdoc = np.fromiter((doc_index[c.document] for c in stats.codings), np.int64,
                       len(stats.codings))
    pairs = np.unique(cdoc[ok] * max(k, 1) + cols[ok])
    documents = np.bincount(pairs % max(k, 1), minlength=k)
    participants: NDArray[np.int64] | None = None
    if stats.unit == "participant":
        participants = stats.frequency
    elif stats.unit == "turn":  # a participant is a (document, speaker) of the turn units
        u = stats.units
        keys = {k: i for i, k in enumerate(dict.fromkeys(zip(u.doc.tolist(), u.speaker,
                                                              strict=True)))}
        pid = np.fromiter((keys[k] for k in zip(u.doc.tolist(), u.speaker, strict=True)),
                          np.int64, u.n)
        rows, col_of = pid[u.unit], cols[u.coding]
        keep = col_of >= 0
        pairs_p = np.unique(rows[keep] * max(k, 1) + col_of[keep])
        participants = np.bincount(pairs_p % max(k, 1), minlength=k)
    elif stats.documents is not None:
        pu = assign_units(stats.codings, documents=stats.documents, unit="participant",
                          roles=stats.roles, speakers=stats.speakers)
        participants = np.asarray(incidence_matrix(pu, cols, k).sum(axis=0)).ravel()

    info: dict[str, tuple[Code, Codebook]] = {}
    for book in _codebook_list(codebooks):
        for code in book.codes:
            info.setdefault(code.name, (code, book))
    coding_book: dict[str, str] = {}
    for c in stats.codings:
        if c.codebook:
            coding_book.setdefault(c.code, c.codebook)
    book_of = {name: (info[name][1].name if name in info else coding_book.get(name, ""))
               for name in stats.codes}
    if group_by == "auto":
        group_by = "codebook" if len({b for b in book_of.values() if b}) > 1 else "top"
    groups: dict[str, str] = {}
    for name in stats.codes:
        if group_by == "codebook":
            groups[name] = book_of[name] or "(none)"
        elif name in info:
            groups[name] = _top(*info[name])
        else:
            groups[name] = "(none)"
    palette = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(dict.fromkeys(groups.values()))}
    out: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(stats.codes):
        found = info[name][0] if name in info else None
        attrs: dict[str, Any] = {
            "label": str(getattr(found, "label", None) or name.replace("_", " ")),
            "frequency": int(frequency[i]),
            "units": int(stats.counts[i, i]),
            "documents": int(documents[i]),
        }
        if participants is not None:
            attrs["participants"] = int(participants[i])
        attrs.update(
            group=groups[name],
            codebook=book_of[name],
            parent=(found.parent or "") if found is not None else "",
            color=(found.color if found is not None and found.color else palette[groups[name]]),
        )
        out[name] = attrs
    return out


def _graph_meta(unit: str, measure: str, stats: CooccurrenceStats, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"unit": unit, "measure": measure, "N": int(stats.N)}
    if stats.window is not None:
        meta["window"] = int(stats.window)
    for key, value in extra.items():
        if value is None:
            continue
        meta[key] = value if isinstance(value, (str, int, float)) else json.dumps(
            value, sort_keys=True, default=str)
    return meta


def _edges(
    stats: CooccurrenceStats,
    measure: str,
    mask: NDArray[np.bool_],
    min_count: int,
    max_q: float | None,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Edges for the pairs in ``mask`` (upper triangle or a bipartite block)."""
    p, q = stats.pvalues(mask)
    i, j = np.nonzero(mask)
    n12 = stats.counts[i, j]
    keep = n12 >= max(min_count, 1)
    if max_q is not None:
        keep &= q[i, j] <= max_q
    i, j = i[keep], j[keep]
    columns: dict[str, list[Any]] = {"count": stats.counts[i, j].tolist()}
    columns["weight"] = stats.measure(measure)[i, j].astype(float).tolist()
    columns["p"] = p[i, j].tolist()
    columns["q"] = q[i, j].tolist()
    for name in MEASURES:
        if name != "count":
            columns[name] = stats.measure(name)[i, j].astype(float).tolist()
    names = list(columns)
    codes = stats.codes
    rows = zip(*columns.values(), strict=True)
    return [(codes[a], codes[b], dict(zip(names, row, strict=True)))
            for a, b, row in zip(i.tolist(), j.tolist(), rows, strict=True)]


def _build(
    stats: CooccurrenceStats,
    measure: str,
    mask: NDArray[np.bool_],
    codebooks: CodebooksArg,
    group_by: str,
    min_count: int,
    max_q: float | None,
    isolates: bool,
) -> nx.Graph:
    attrs = node_attributes(stats, codebooks, group_by=group_by)
    edges = _edges(stats, measure, mask, min_count, max_q)
    g = nx.Graph()
    linked = {a for a, _, _ in edges} | {b for _, b, _ in edges}
    g.add_nodes_from((name, attrs[name]) for name in stats.codes
                     if attrs[name]["units"] > 0 and (isolates or name in linked))
    g.add_edges_from(edges)
    return g


def cooccurrence_network(
    codings: Iterable[Coding],
    *,
    documents: Iterable[Document] | None = None,
    codebooks: CodebooksArg = None,
    unit: str = "turn",
    measure: str = "count",
    codes: CodesArg = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    min_count: int = 1,
    max_q: float | None = None,
    window: int | None = None,
    group_by: str = "auto",
    isolates: bool = True,
) -> nx.Graph:
    """Code co-occurrence network (undirected, weighted by ``measure``).

    Nodes are the selected codes that occur (``isolates=False`` also drops
    codes without edges). ``codebooks`` supply groups, parents and colours;
    ``group_by`` is ``"codebook"``, ``"top"`` (top-level ancestor code) or
    ``"auto"`` (codebook when the codes come from several codebooks). q-values
    are Benjamini–Hochberg over all pairs of selected codes. The graph
    attributes record ``unit``, ``measure`` and ``N``.
    See :func:`~qualcode.analysis.cooccurrence.cooccurrence` for the rest.

    >>> import qualcode as qc
    >>> cs = [qc.Coding("d1", "a", 0, 5), qc.Coding("d1", "b", 2, 8),
    ...       qc.Coding("d2", "a", 0, 5), qc.Coding("d2", "c", 9, 12)]
    >>> G = cooccurrence_network(cs, unit="document", measure="jaccard")
    >>> sorted(G.edges(data="weight"))
    [('a', 'b', 0.5), ('a', 'c', 0.5)]
    >>> G.nodes["a"]["frequency"], G.nodes["a"]["documents"]
    (2, 2)
    """
    check_measure(measure)
    stats = cooccurrence_stats(codings, documents=documents, unit=unit, codes=codes, where=where,
                               coders=coders, roles=roles, window=window)
    k = len(stats.codes)
    g = _build(stats, measure, np.triu(np.ones((k, k), dtype=bool), 1), codebooks, group_by,
               min_count, max_q, isolates)
    g.graph.update(_graph_meta(unit, measure, stats, where=where, min_count=min_count,
                               max_q=max_q))
    return g


def bipartite_network(
    codings: Iterable[Coding],
    *,
    left: Codebook | Iterable[str],
    right: Codebook | Iterable[str],
    documents: Iterable[Document] | None = None,
    codebooks: CodebooksArg = None,
    unit: str = "turn",
    measure: str = "count",
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    min_count: int = 1,
    max_q: float | None = None,
    window: int | None = None,
    isolates: bool = True,
) -> nx.Graph:
    """Two-mode network: edges only between ``left`` and ``right`` codes.

    For instance barriers (left) and advocacy strategies (right): which
    strategies are reported in the same unit as which barriers. Nodes carry
    ``bipartite`` = 0 (left) or 1 (right) besides the usual attributes;
    ``group`` is the side's codebook name when a codebook is given. q-values
    are Benjamini–Hochberg over the left × right pairs only.

    >>> import qualcode as qc
    >>> cs = [qc.Coding("d1", "no_contract", 0, 5), qc.Coding("d1", "organise", 9, 12),
    ...       qc.Coding("d1", "low_pay", 20, 25)]
    >>> B = bipartite_network(cs, left=["no_contract", "low_pay"], right=["organise"],
    ...                       unit="document")
    >>> sorted(B.edges()), B.nodes["organise"]["bipartite"]
    ([('low_pay', 'organise'), ('no_contract', 'organise')], 1)
    """
    check_measure(measure)
    left_codes, right_codes = resolve_codes(left, []), resolve_codes(right, [])
    both = sorted(set(left_codes) & set(right_codes))
    if both:
        raise InputError(f"codes on both sides of a bipartite network: {', '.join(both)}")
    books = _codebook_list(codebooks)
    books += [b for b in (left, right) if isinstance(b, Codebook) and b not in books]
    stats = cooccurrence_stats(codings, documents=documents, unit=unit,
                               codes=left_codes + right_codes, where=where, coders=coders,
                               roles=roles, window=window)
    k, n_left = len(stats.codes), len(left_codes)
    mask = np.zeros((k, k), dtype=bool)
    mask[:n_left, n_left:] = True
    g = _build(stats, measure, mask, books, "codebook", min_count, max_q, isolates)
    side = {c: 0 for c in left_codes} | {c: 1 for c in right_codes}
    for name, data in g.nodes(data=True):
        data["bipartite"] = side[name]
    g.graph.update(_graph_meta(unit, measure, stats, where=where, min_count=min_count,
                               max_q=max_q))
    return g


def projections(b: nx.Graph) -> tuple[nx.Graph, nx.Graph]:
    """The two one-mode projections of a bipartite network (left, right).

    Two left codes are joined when they share right-hand neighbours; the
    edge ``weight`` is the number of shared neighbours
    (:func:`networkx.algorithms.bipartite.weighted_projected_graph`). Node
    attributes are kept.

    >>> B = nx.Graph([("x", "s"), ("y", "s"), ("y", "t")])
    >>> nx.set_node_attributes(B, {"x": 0, "y": 0, "s": 1, "t": 1}, "bipartite")
    >>> left, right = projections(B)
    >>> list(left.edges(data="weight")), list(right.edges(data="weight"))
    ([('x', 'y', 1)], [('s', 't', 1)])
    """
    from networkx.algorithms import bipartite

    sides: dict[int, list[Any]] = {0: [], 1: []}
    for node, side in b.nodes(data="bipartite"):
        if side not in sides:
            raise InputError(f"node {node!r} has no bipartite attribute 0 or 1")
        sides[side].append(node)
    return (bipartite.weighted_projected_graph(b, sides[0]),
            bipartite.weighted_projected_graph(b, sides[1]))


def difference_network(
    codings: Sequence[Coding],
    *,
    where_a: Mapping[str, Any],
    where_b: Mapping[str, Any],
    documents: Iterable[Document],
    codebooks: CodebooksArg = None,
    unit: str = "turn",
    measure: str = "count",
    codes: CodesArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    min_count: int = 1,
    max_q: float | None = None,
    window: int | None = None,
    group_by: str = "auto",
) -> nx.Graph:
    """Compare two groups of documents: edge ``weight`` = measure in A − in B.

    Both groups are analysed over the same codes (default: every code used
    in either). An edge is kept when it passes ``min_count``/``max_q`` in
    *either* group; it carries ``weight_a``, ``weight_b``, ``count_a``,
    ``count_b``, ``p_a``, ``q_a``, ``p_b``, ``q_b`` and ``weight``. A pair
    absent from one group has count 0 there, and the measure's value at
    zero co-occurrence (0, or -1 for NPMI). PMI is undefined there (−∞), so
    use NPMI instead. Nodes carry ``frequency_a``/``frequency_b`` and
    ``units_a``/``units_b``; ``frequency`` and ``units`` are their sums.

    >>> import qualcode as qc
    >>> da = qc.Document(name="a", text="x" * 20, attributes={"site": "A"})
    >>> db = qc.Document(name="b", text="y" * 20, attributes={"site": "B"})
    >>> cs = [qc.Coding(da.id, "p", 0, 5), qc.Coding(da.id, "q", 3, 9),
    ...       qc.Coding(db.id, "p", 0, 5)]
    >>> G = difference_network(cs, documents=[da, db], unit="document",
    ...                        where_a={"site": "A"}, where_b={"site": "B"})
    >>> G.edges["p", "q"]["weight"], G.nodes["p"]["frequency_b"]
    (1.0, 1)
    """
    check_measure(measure)
    if measure == "pmi":
        raise InputError("difference_network cannot use PMI (−∞ when a pair is absent); "
                         "use measure='npmi'")
    docs = list(documents)
    items = list(codings)
    if codes is None:
        union = select(items, docs, where=where_a, coders=coders).codings
        union += select(items, docs, where=where_b, coders=coders).codings
        code_list = resolve_codes(None, union)
    else:
        code_list = resolve_codes(codes, [])
    common: dict[str, Any] = dict(documents=docs, unit=unit, codes=code_list, coders=coders,
                                  roles=roles, window=window)
    sa = cooccurrence_stats(items, where=where_a, **common)
    sb = cooccurrence_stats(items, where=where_b, **common)
    k = len(code_list)
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    pa, qa = sa.pvalues(upper)
    pb, qb = sb.pvalues(upper)

    def passes(s: CooccurrenceStats, q: NDArray[np.float64]) -> NDArray[np.bool_]:
        ok = s.counts >= max(min_count, 1)
        return ok & (q <= max_q) if max_q is not None else ok

    i, j = np.nonzero(upper & (passes(sa, qa) | passes(sb, qb)))
    wa, wb = sa.measure(measure), sb.measure(measure)
    g = nx.Graph()
    attrs_a = node_attributes(sa, codebooks, group_by=group_by)
    attrs_b = node_attributes(sb, codebooks, group_by=group_by)
    for name in code_list:
        a, b = attrs_a[name], attrs_b[name]
        if a["units"] + b["units"] == 0:
            continue
        node = {key: a[key] for key in ("label", "group", "codebook", "parent", "color")}
        for key in ("frequency", "units", "documents"):
            node[key] = a[key] + b[key]
            node[f"{key}_a"], node[f"{key}_b"] = a[key], b[key]
        g.add_node(name, **node)
    for a_, b_ in zip(i.tolist(), j.tolist(), strict=True):
        g.add_edge(
            code_list[a_], code_list[b_],
            weight=float(wa[a_, b_] - wb[a_, b_]),
            weight_a=float(wa[a_, b_]), weight_b=float(wb[a_, b_]),
            count_a=int(sa.counts[a_, b_]), count_b=int(sb.counts[a_, b_]),
            p_a=float(pa[a_, b_]), q_a=float(qa[a_, b_]),
            p_b=float(pb[a_, b_]), q_b=float(qb[a_, b_]),
        )
    g.graph.update(_graph_meta(unit, measure, sa, where_a=dict(where_a), where_b=dict(where_b),
                               min_count=min_count, max_q=max_q))
    g.graph["N_a"], g.graph["N_b"] = int(sa.N), int(sb.N)
    g.graph.pop("N", None)
    return g
