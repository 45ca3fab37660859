"""Units of analysis: which codings fall together, and the incidence matrix.

A *unit* is the stretch of data within which two codes count as occurring
together. :func:`assign_units` maps every coding to the unit(s) it falls in
(a coding that spans two turns belongs to both), and :func:`incidence_matrix`
turns that into a sparse binary units × codes matrix ``X``, from which the
co-occurrence counts are ``X.T @ X``.

Units (``unit=``):

``turn`` (default)
    A coding belongs to every speaker turn its span overlaps. Codings
    outside every turn (a title) share one extra unit per document. A
    document without turns is a single unit.
``sentence``, ``paragraph``
    Sentences and blank-line separated paragraphs of each turn (see
    :mod:`qualcode.analysis.segment`); as for turns, codings outside them
    share one extra unit per document.
``participant``
    One unit per document and speaker: two codes co-occur if the same
    speaker reported both, anywhere in the document. Codings outside every
    turn (or in turns without a speaker) fall in a per-document unit.
``document``
    One unit per document.
``overlap``
    Two codings co-occur if their spans overlap. The units are the maximal
    sets of mutually overlapping codings (the maximal cliques of the
    interval-overlap graph), found by one sorted sweep: each unit is one
    site where codings overlap, and ``n12`` counts the sites where codes 1
    and 2 overlap. Zero-length codings count as one character.
``window``
    As ``overlap``, on word tokens, with every span extended by ``window``
    tokens to the right: two codings co-occur when fewer than ``window``
    tokens separate them (``window=0`` is overlap at token resolution).

Only the ``overlap`` and ``document`` units work without documents. The
number of units ``N`` counts every turn, sentence, paragraph, participant
or document of the documents given, coded or not, plus the "outside" units
that have codings; for ``overlap`` and ``window`` it is the number of sites.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ..errors import InputError
from ..model import Coding, Document
from .segment import document_regions, split_paragraphs, split_sentences, tokenize

__all__ = ["DEFAULT_WINDOW", "UNITS", "Units", "assign_units", "incidence_matrix"]

UNITS = ("turn", "sentence", "paragraph", "overlap", "window", "document", "participant")
#: Units that need the documents (their text or turns).
NEEDS_DOCUMENTS = frozenset({"turn", "sentence", "paragraph", "window", "participant"})
#: Tokens used for ``unit="window"`` when ``window`` is not given.
DEFAULT_WINDOW = 50

Ints = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Units:
    """Codings assigned to units.

    Per unit (arrays of length ``n``): ``doc`` (index into ``doc_ids``),
    ``start``/``end`` (character span in that document), ``speaker`` and
    ``role`` (for turn and participant units, else ``None``). Incidences
    (one entry per coding and unit it falls in): ``coding`` (index into the
    codings given) and ``unit``.
    """

    kind: str
    n: int
    doc_ids: tuple[str, ...]
    doc: Ints
    start: Ints
    end: Ints
    speaker: tuple[str | None, ...]
    role: tuple[str | None, ...]
    coding: Ints
    unit: Ints

    @property
    def N(self) -> int:
        return self.n


def check_unit(unit: str, documents: object, window: int | None) -> int | None:
    """Validate ``unit``/``window``/``documents``; return the window in tokens."""
    if unit not in UNITS:
        raise InputError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
    if unit in NEEDS_DOCUMENTS and documents is None:
        raise InputError(
            f"unit={unit!r} needs documents=[...] (the documents the codings refer to); "
            "only unit='document' and unit='overlap' work from codings alone"
        )
    if unit != "window":
        if window is not None:
            raise InputError(f"window= applies to unit='window' only, not unit={unit!r}")
        return None
    w = DEFAULT_WINDOW if window is None else window
    if not isinstance(w, int) or isinstance(w, bool) or w < 0:
        raise InputError(f"window must be a whole number of tokens >= 0, got {window!r}")
    return w


def _expand(lo: Ints, hi: Ints) -> tuple[Ints, Ints]:
    """For each i, the pairs (i, j) with lo[i] <= j < hi[i]; vectorised."""
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    idx = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    j = lo[idx] + (np.arange(total, dtype=np.int64) - offsets[idx])
    return idx, j


@dataclass
class _Segments:
    gstart: Ints  # global offsets, sorted, non-overlapping
    gend: Ints
    doc: Ints
    start: Ints
    end: Ints
    speaker: list[str | None]
    role: list[str | None]


def _segments(
    documents: Sequence[Document], base: Ints, kind: str, turn_filter: _TurnFilter | None
) -> _Segments:
    docs: list[int] = []
    spans: list[tuple[int, int]] = []
    speakers: list[str | None] = []
    roles: list[str | None] = []
    for d, doc in enumerate(documents):
        if kind == "turn":
            if not doc.turns:
                if turn_filter is None:
                    docs.append(d)
                    spans.append((0, len(doc.text)))
                    speakers.append(None)
                    roles.append(None)
                continue
            for t in doc.turns:
                if turn_filter is None or turn_filter.keeps(t.speaker, t.role):
                    docs.append(d)
                    spans.append((t.start, t.end))
                    speakers.append(t.speaker)
                    roles.append(t.role)
        else:
            split = split_paragraphs if kind == "paragraph" else split_sentences
            for r_start, r_end in document_regions(doc):
                for span in split(doc.text, r_start, r_end):
                    docs.append(d)
                    spans.append(span)
                    speakers.append(None)
                    roles.append(None)
    doc_arr = np.asarray(docs, dtype=np.int64)
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return _Segments(
        gstart=base[doc_arr] + arr[:, 0],
        gend=base[doc_arr] + arr[:, 1],
        doc=doc_arr,
        start=arr[:, 0].copy(),
        end=arr[:, 1].copy(),
        speaker=speakers,
        role=roles,
    )


@dataclass(frozen=True)
class _TurnFilter:
    roles: frozenset[str] | None
    speakers: frozenset[str] | None

    def keeps(self, speaker: str | None, role: str | None) -> bool:
        if self.roles is not None and role not in self.roles:
            return False
        return self.speakers is None or speaker in self.speakers


def _hits(seg: _Segments, gs: Ints, ge: Ints) -> tuple[Ints, Ints]:
    """(coding, segment) pairs whose spans overlap; segments sorted, disjoint."""
    lo = np.searchsorted(seg.gend, gs, side="right").astype(np.int64)
    hi = np.searchsorted(seg.gstart, ge, side="left").astype(np.int64)
    return _expand(lo, hi)


def _cliques(gs: Ints, ge: Ints) -> tuple[Ints, Ints, int]:
    """Maximal cliques of half-open intervals: (interval, clique) pairs, count.

    In the sorted sweep (ends before starts at equal positions), a maximal
    clique is the active set right after a start that is followed by an
    end. Its members are the intervals containing that start position, so
    membership is a range search, like the segments.
    """
    if len(gs) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    starts = np.unique(gs)
    ends = np.sort(ge)
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)
    next_end = ends[np.searchsorted(ends, starts, side="right")]
    points = starts[next_end <= next_start]
    lo = np.searchsorted(points, gs, side="left").astype(np.int64)
    hi = np.searchsorted(points, ge, side="left").astype(np.int64)
    coding, clique = _expand(lo, hi)
    return coding, clique, len(points)


def assign_units(
    codings: Sequence[Coding],
    *,
    documents: Sequence[Document] | None = None,
    unit: str = "turn",
    window: int | None = None,
    roles: Collection[str] | None = None,
    speakers: Collection[str] | None = None,
) -> Units:
    """Assign every coding to the unit(s) it falls in.

    ``roles``/``speakers`` keep only the turns of those speaker roles or
    names: codings outside them are left out, and for ``turn`` and
    ``participant`` units only those turns count as units.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Any contract?\\nR: No. We are afraid.", name="x.txt")
    >>> cs = [qc.Coding(doc.id, "contract", 20, 23), qc.Coding(doc.id, "fear", 24, 38)]
    >>> u = assign_units(cs, documents=[doc], unit="turn")
    >>> u.n, u.unit.tolist()
    (2, [1, 1])
    >>> assign_units(cs, documents=[doc], unit="sentence").unit.tolist()
    [1, 2]
    """
    w = check_unit(unit, documents, window)
    turn_filter = None
    if roles is not None or speakers is not None:
        if documents is None:
            raise InputError("filtering by speaker role or name needs documents=[...]")
        turn_filter = _TurnFilter(
            None if roles is None else frozenset(roles),
            None if speakers is None else frozenset(speakers),
        )
    if documents is not None:
        doc_ids = [d.id for d in documents]
    else:
        doc_ids = list(dict.fromkeys(c.document for c in codings))
    index = {d: i for i, d in enumerate(doc_ids)}
    try:
        cdoc = np.fromiter((index[c.document] for c in codings), np.int64, len(codings))
    except KeyError as e:
        raise InputError(
            f"a coding refers to document {e.args[0]!r}, which is not among the documents"
        ) from None
    cstart = np.fromiter((c.start for c in codings), np.int64, len(codings))
    cend = np.fromiter((c.end for c in codings), np.int64, len(codings))
    if documents is not None:
        lengths = np.asarray([len(d.text) for d in documents], dtype=np.int64)
    else:
        lengths = np.zeros(len(doc_ids), dtype=np.int64)
        np.maximum.at(lengths, cdoc, cend + 1)
    base = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    if documents is not None:
        cstart = np.minimum(cstart, lengths[cdoc])
        cend = np.minimum(cend, lengths[cdoc])
    cend = np.maximum(cend, cstart + 1)
    gs, ge = base[cdoc] + cstart, base[cdoc] + cend
    keep = np.ones(len(codings), dtype=bool)
    if turn_filter is not None and unit not in ("turn", "participant"):
        assert documents is not None
        tseg = _segments(documents, base, "turn", turn_filter)
        hit, _ = _hits(tseg, gs, ge)
        keep[:] = False
        keep[hit] = True
    none = (None,)

    if unit in ("overlap", "window"):
        sel = np.flatnonzero(keep)
        if unit == "window":
            assert documents is not None and w is not None
            gs, ge = _token_spans(documents, base, cdoc, gs, ge, w)
        coding, clique, n = _cliques(gs[sel], ge[sel])
        coding = sel[coding]
        udoc = np.zeros(n, np.int64)
        udoc[clique] = cdoc[coding]
        ustart = np.full(n, np.iinfo(np.int64).max)
        uend = np.zeros(n, np.int64)
        np.minimum.at(ustart, clique, cstart[coding])
        np.maximum.at(uend, clique, cend[coding])
        return Units(unit, n, tuple(doc_ids), udoc, ustart, uend, none * n, none * n,
                     coding, clique)

    if unit == "document":
        sel = np.flatnonzero(keep)
        n = len(doc_ids)
        starts = np.zeros(n, np.int64)
        return Units(unit, n, tuple(doc_ids), np.arange(n, dtype=np.int64), starts,
                     lengths.copy() if documents is not None else starts.copy(),
                     none * n, none * n, sel, cdoc[sel])

    assert documents is not None
    seg = _segments(documents, base, "turn" if unit == "participant" else unit, turn_filter)
    coding, segment = _hits(seg, gs, ge)
    if turn_filter is None:
        # codings outside every segment share one unit per document
        outside = np.ones(len(codings), dtype=bool)
        outside[coding] = False
        outside &= keep
        out_idx = np.flatnonzero(outside)
    else:
        out_idx = np.zeros(0, np.int64)
    out_docs, out_unit = np.unique(cdoc[out_idx], return_inverse=True)
    n_out = len(out_docs)
    o_start = np.full(n_out, np.iinfo(np.int64).max)
    o_end = np.zeros(n_out, np.int64)
    np.minimum.at(o_start, out_unit, cstart[out_idx])
    np.maximum.at(o_end, out_unit, cend[out_idx])

    if unit != "participant":
        n_seg = len(seg.doc)
        return Units(
            unit, n_seg + n_out, tuple(doc_ids),
            np.concatenate([seg.doc, out_docs]).astype(np.int64),
            np.concatenate([seg.start, o_start]), np.concatenate([seg.end, o_end]),
            tuple(seg.speaker) + none * n_out, tuple(seg.role) + none * n_out,
            np.concatenate([coding, out_idx]), np.concatenate([segment, n_seg + out_unit]),
        )

    # participant: (document, speaker); outside codings go to (document, None)
    keys: dict[tuple[int, str | None], int] = {}
    p_of_seg = np.empty(len(seg.doc), np.int64)
    roles_of: list[str | None] = []
    for i, (d, s) in enumerate(zip(seg.doc.tolist(), seg.speaker, strict=True)):
        k = keys.setdefault((d, s), len(keys))
        if k == len(roles_of):
            roles_of.append(seg.role[i])
        p_of_seg[i] = k
    p_of_out = np.empty(n_out, np.int64)
    for i, d in enumerate(out_docs.tolist()):
        k = keys.setdefault((d, None), len(keys))
        if k == len(roles_of):
            roles_of.append(None)
        p_of_out[i] = k
    n = len(keys)
    pdoc = np.asarray([d for d, _ in keys], dtype=np.int64)
    pstart = np.full(n, np.iinfo(np.int64).max)
    pend = np.zeros(n, np.int64)
    np.minimum.at(pstart, p_of_seg, seg.start)
    np.maximum.at(pend, p_of_seg, seg.end)
    np.minimum.at(pstart, p_of_out, o_start)
    np.maximum.at(pend, p_of_out, o_end)
    return Units(
        unit, n, tuple(doc_ids), pdoc, pstart, pend,
        tuple(s for _, s in keys), tuple(roles_of),
        np.concatenate([coding, out_idx]),
        np.concatenate([p_of_seg[segment], p_of_out[out_unit]]),
    )


def _token_spans(
    documents: Sequence[Document], base: Ints, cdoc: Ints, gs: Ints, ge: Ints, window: int
) -> tuple[Ints, Ints]:
    """Coding spans in global token coordinates, extended by ``window`` tokens."""
    starts, ends, counts = [], [], []
    for d, doc in enumerate(documents):
        s, e = tokenize(doc.text)
        starts.append(s + base[d])
        ends.append(e + base[d])
        counts.append(len(s))
    tstart = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    tend = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    t0 = np.searchsorted(tend, gs, side="right").astype(np.int64)
    t1 = np.searchsorted(tstart, ge, side="left").astype(np.int64)
    t1 = np.maximum(t1, t0 + 1)
    gap = cdoc * (window + 1)  # keeps extended spans from reaching the next document
    return t0 + gap, t1 + window + gap


def incidence_matrix(units: Units, code_index: Ints, n_codes: int) -> sp.csr_matrix:
    """Binary units × codes CSR matrix from the units and each coding's code.

    ``code_index[i]`` is the column of coding ``i``, or -1 to leave it out.

    >>> u = Units("document", 2, ("a", "b"), np.array([0, 1]), np.array([0, 0]),
    ...           np.array([9, 9]), (None, None), (None, None),
    ...           np.array([0, 1, 2]), np.array([0, 0, 1]))
    >>> incidence_matrix(u, np.array([0, 0, 1]), 2).toarray().tolist()
    [[1, 0], [0, 1]]
    """
    cols = code_index[units.coding]
    ok = cols >= 0
    rows, cols = units.unit[ok], cols[ok]
    data = np.ones(len(rows), dtype=np.int64)
    x = sp.csr_matrix((data, (rows, cols)), shape=(units.n, n_codes), dtype=np.int64)
    x.sum_duplicates()
    x.data[:] = 1
    return x
