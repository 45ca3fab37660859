"""Agreement on coded *segments*: Krippendorff's unitized alpha and overlap matching.

Spans are ``(start, end)`` code-point offsets, 0-based and end-exclusive, as in
:class:`~qualcode.model.Coding`. All arithmetic is on runs of characters
(segment lengths), never character by character.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..errors import InputError

__all__ = [
    "SegmentAgreement",
    "UnitizedAlpha",
    "merge_spans",
    "segment_agreement",
    "unitized_alpha",
    "unitized_alpha_details",
]


def merge_spans(spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Sorted union of spans as an (n, 2) array; empty spans dropped.

    Overlapping spans merge; spans that only touch (``end == start``) stay
    separate, as two adjacent units are not one unit in Krippendorff's sense.

    >>> merge_spans([(5, 9), (0, 3), (2, 4), (9, 12), (7, 7)]).tolist()
    [[0, 4], [5, 9], [9, 12]]
    """
    arr = np.array([(int(s), int(e)) for s, e in spans], dtype=np.int64).reshape(-1, 2)
    if (arr[:, 1] < arr[:, 0]).any():
        raise InputError("a span ends before it starts")
    arr = arr[arr[:, 1] > arr[:, 0]]
    if len(arr) == 0:
        return arr
    arr = arr[np.lexsort((arr[:, 1], arr[:, 0]))]
    # a span starts a new group unless it overlaps (strictly) the running end so far
    running_end = np.maximum.accumulate(arr[:, 1])
    new = np.ones(len(arr), dtype=bool)
    new[1:] = arr[1:, 0] >= running_end[:-1]
    starts = arr[new, 0]
    ends = np.maximum.reduceat(arr[:, 1], np.flatnonzero(new))
    return np.stack([starts, ends], axis=1)


@dataclass(frozen=True)
class UnitizedAlpha:
    """Unitized alpha with its observed and expected disagreement."""

    alpha: float
    observed: float
    expected: float
    n_units: int
    length: int
    n_coders: int


def _gaps(units: np.ndarray, begin: int, end: int, breaks: np.ndarray) -> np.ndarray:
    """Lengths of one coder's gaps in [begin, end), cut at ``breaks``."""
    starts = np.concatenate([[begin], units[:, 1]])
    stops = np.concatenate([units[:, 0], [end]])
    lengths: list[int] = []
    for s, e in zip(starts.tolist(), stops.tolist(), strict=True):
        if e <= s:
            continue
        inner = breaks[(breaks > s) & (breaks < e)].tolist()
        edges = [s, *inner, e]
        lengths.extend(b - a for a, b in itertools.pairwise(edges))
    return np.array(lengths, dtype=float)


def _pair_disagreement(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of delta^2 over segment pairs of two coders (one direction of each pair type).

    Unit-unit pairs that overlap: (b_g - b_h)^2 + (e_g - e_h)^2; a unit lying
    wholly inside the other coder's gap (overlapping none of its units): l^2,
    for the units of both coders.
    """
    total = 0.0
    if len(a) and len(b):
        lo = np.searchsorted(b[:, 1], a[:, 0], side="right")  # first h with end > start_g
        hi = np.searchsorted(b[:, 0], a[:, 1], side="left")  # h with start < end_g
        n_over = np.maximum(hi - lo, 0)
        gi = np.repeat(np.arange(len(a)), n_over)
        offsets = np.arange(n_over.sum()) - np.repeat(np.cumsum(n_over) - n_over, n_over)
        hj = np.repeat(lo, n_over) + offsets
        diff = a[gi].astype(float) - b[hj].astype(float)
        total += float((diff**2).sum())
        covered_b = np.zeros(len(b), dtype=bool)
        covered_b[hj] = True
        alone_a = n_over == 0
    else:
        alone_a = np.ones(len(a), dtype=bool)
        covered_b = np.zeros(len(b), dtype=bool)
    la = (a[:, 1] - a[:, 0]).astype(float)
    lb = (b[:, 1] - b[:, 0]).astype(float)
    total += float((la[alone_a] ** 2).sum() + (lb[~covered_b] ** 2).sum())
    return total


def unitized_alpha_details(
    spans: Sequence[Iterable[tuple[int, int]]],
    length: int,
    *,
    begin: int = 0,
    breaks: Iterable[int] = (),
) -> UnitizedAlpha:
    """Krippendorff's unitized alpha for one code, with _uD_o and _uD_e; see :func:`unitized_alpha`.

    Krippendorff (2004, *Quality & Quantity* 38, appendix), code *c*:

    >>> r = unitized_alpha_details([[(225, 295), (370, 400)],
    ...                             [(220, 300), (355, 375), (400, 420)]], 300, begin=150)
    >>> round(r.observed, 4), round(r.expected, 4), round(r.alpha, 4)
    (0.0144, 0.0532, 0.7286)
    """
    m = len(spans)
    if m < 2:
        raise InputError(f"unitized alpha needs at least 2 coders, got {m}")
    big_l = int(length)
    if big_l <= 0:
        raise InputError("unitized alpha needs a continuum of positive length")
    end = begin + big_l
    cuts = np.unique(np.array([b for b in breaks if begin < b < end], dtype=np.int64))
    units = [merge_spans(s) for s in spans]
    for i, u in enumerate(units):
        if len(u) and (u[0, 0] < begin or u[-1, 1] > end):
            raise InputError(f"coder {i + 1} has a span outside the continuum [{begin}, {end})")
        if len(cuts) and len(u):
            inside = np.searchsorted(cuts, u[:, 0], side="right") < np.searchsorted(
                cuts, u[:, 1], side="left")
            if inside.any():
                raise InputError(f"coder {i + 1} has a span that crosses a document boundary")
    n_units = sum(len(u) for u in units)
    if n_units == 0:
        raise InputError(
            "unitized alpha undefined: no coder marked any segment with this code, so the "
            "expected disagreement is 0"
        )
    # observed disagreement
    pair_sum = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            pair_sum += _pair_disagreement(units[i], units[j])
    d_o = 2.0 * pair_sum / (m * (m - 1) * float(big_l) ** 2)
    # expected disagreement
    lengths = np.concatenate([(u[:, 1] - u[:, 0]) for u in units]).astype(float)
    gaps = np.sort(np.concatenate([_gaps(u, begin, end, cuts) for u in units]))
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    idx = np.searchsorted(gaps, lengths, side="left")
    n_fit = len(gaps) - idx
    fit = suffix[idx] - n_fit * (lengths - 1.0)  # sum over gaps >= l of (l_gap - l + 1)
    numerator = ((n_units - 1) / 3.0 * (2 * lengths**3 - 3 * lengths**2 + lengths)
                 + lengths**2 * fit).sum()
    ml = float(m) * big_l
    denominator = ml * (ml - 1.0) - (lengths * (lengths - 1.0)).sum()
    d_e = float(2.0 / big_l * numerator / denominator)
    if d_e <= 0:
        raise InputError(
            "unitized alpha undefined: the expected disagreement is 0 (every segment is one "
            "character long and no gap could hold another)"
        )
    return UnitizedAlpha(float(1.0 - d_o / d_e), float(d_o), float(d_e), n_units, big_l, m)


def unitized_alpha(
    spans: Sequence[Iterable[tuple[int, int]]],
    length: int,
    *,
    begin: int = 0,
    breaks: Iterable[int] = (),
) -> float:
    """Krippendorff's unitized alpha (:math:`_u\\alpha`) for one code on a continuum.

    ``spans`` holds, for each of *m* coders, the ``(start, end)`` segments the
    coder marked with the code on the continuum ``[begin, begin + length)``
    (e.g. a document's text). Each coder's continuum is partitioned into units
    (marked segments; a coder's overlapping segments are merged) and gaps.
    ``breaks`` are positions where gaps are cut (document boundaries when
    several documents are laid end to end); no unit may cross one.

    For segments *g* of coder *i* and *h* of coder *j* with beginnings *b*,
    lengths *l*:

    .. math::

        \\delta^2_{ighj} = \\begin{cases}
          (b_g - b_h)^2 + (b_g + l_g - b_h - l_h)^2 & \\text{units that overlap} \\\\
          l_g^2 & g \\text{ a unit inside gap } h \\\\
          l_h^2 & h \\text{ a unit inside gap } g \\\\
          0 & \\text{otherwise}
        \\end{cases}

        _uD_o = \\frac{\\sum_i \\sum_{j \\ne i} \\sum_g \\sum_h \\delta^2_{ighj}}{m(m-1)L^2}

        _uD_e = \\frac{2}{L}\\,
          \\frac{\\sum_{i,g \\in \\text{units}} \\Bigl[\\frac{N-1}{3}(2l_g^3 - 3l_g^2 + l_g)
                 + l_g^2 \\sum_{j,h \\in \\text{gaps},\\, l_h \\ge l_g} (l_h - l_g + 1)\\Bigr]}
               {mL(mL - 1) - \\sum_{i,g \\in \\text{units}} l_g(l_g - 1)}

        _u\\alpha = 1 - {_uD_o} / {_uD_e}

    with *N* the number of units marked by all coders. Several codes pool as
    :math:`1 - \\sum_c {_cD_o} / \\sum_c {_cD_e}` (:func:`unitized_alpha_details`
    gives both parts). This is the binary (one code, units vs gaps) _uα of
    Krippendorff, K. (1995). On the reliability of unitizing continuous data.
    *Sociological Methodology*, 25, 47-76; in the form of Krippendorff, K.
    (2004). Measuring the reliability of qualitative text analysis data.
    *Quality & Quantity*, 38, 787-800 (and *Content Analysis*, 2nd ed., 2004,
    pp. 251-256). The later coefficients of Krippendorff, K., Mathet, Y.,
    Bouvry, S., & Widlöcher, A. (2016). On the reliability of unitizing textual
    continua: Further developments. *Quality & Quantity*, 50, 2347-2364
    (|_uα, _cuα, _(k)uα) are not implemented.

    Krippendorff's (2004) worked example, code *c* on the continuum [150, 450):
    _cD_o = .0144, _cD_e = .0532, _cα = .7286.

    >>> i = [(225, 295), (370, 400)]
    >>> j = [(220, 300), (355, 375), (400, 420)]
    >>> round(unitized_alpha([i, j], 300, begin=150), 4)
    0.7286
    """
    return unitized_alpha_details(spans, length, begin=begin, breaks=breaks).alpha


@dataclass(frozen=True)
class SegmentAgreement:
    """Matched segments of coder B against coder A (the reference)."""

    n_a: int
    n_b: int
    tp: int
    precision: float
    recall: float
    f1: float
    #: (index in spans_a, index in spans_b, overlap score), in input positions
    matches: tuple[tuple[int, int, float], ...]

    @property
    def fp(self) -> int:
        return self.n_b - self.tp

    @property
    def fn(self) -> int:
        return self.n_a - self.tp


def prf(tp: float, n_pred: float, n_true: float, zero_division: float) -> tuple[float, ...]:
    """Precision, recall and F1 with ``zero_division`` for 0/0."""
    precision = tp / n_pred if n_pred else zero_division
    recall = tp / n_true if n_true else zero_division
    f1 = (2 * precision * recall / (precision + recall)) if precision + recall else 0.0
    if not n_pred and not n_true:
        f1 = zero_division
    return precision, recall, f1


def _distinct(spans: Iterable[tuple[int, int]]) -> tuple[np.ndarray, list[int]]:
    """Non-empty spans without duplicates, with each one's first position in the input."""
    first: dict[tuple[int, int], int] = {}
    for i, (start, end) in enumerate(spans):
        if int(end) > int(start):
            first.setdefault((int(start), int(end)), i)
    arr = np.array(list(first), dtype=np.int64).reshape(-1, 2)
    return arr, list(first.values())


def segment_agreement(
    spans_a: Iterable[tuple[int, int]],
    spans_b: Iterable[tuple[int, int]],
    *,
    threshold: float = 0.5,
    measure: Literal["union", "shorter"] = "union",
    zero_division: float = 0.0,
) -> SegmentAgreement:
    """Overlap-based agreement: match B's segments to A's, one to one.

    Two segments match when ``overlap / union`` (``measure="union"``, the
    Jaccard index) or ``overlap / length of the shorter`` (``"shorter"``) is at
    least ``threshold`` (overlap > 0 always required). Among all one-to-one
    matchings the one with the most matches (then the largest total score) is
    taken (Hungarian algorithm, :func:`scipy.optimize.linear_sum_assignment`).
    With A as reference: precision = matches / segments of B, recall =
    matches / segments of A, F1 their harmonic mean; 0/0 gives
    ``zero_division``. Duplicate and empty segments are ignored; ``matches``
    gives positions in the input sequences.

    >>> r = segment_agreement([(0, 10), (20, 30)], [(2, 10), (40, 50)])
    >>> r.tp, r.precision, r.recall, r.f1
    (1, 0.5, 0.5, 0.5)
    """
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"threshold must be in (0, 1], got {threshold}")
    if measure not in ("union", "shorter"):
        raise InputError(f"unknown measure {measure!r}; expected 'union' or 'shorter'")
    a, ia = _distinct(spans_a)
    b, ib = _distinct(spans_b)
    matches: list[tuple[int, int, float]] = []
    if len(a) and len(b):
        overlap = np.clip(np.minimum(a[:, None, 1], b[None, :, 1])
                          - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None).astype(float)
        la = (a[:, 1] - a[:, 0]).astype(float)
        lb = (b[:, 1] - b[:, 0]).astype(float)
        if measure == "union":
            base = la[:, None] + lb[None, :] - overlap
        else:
            base = np.minimum(la[:, None], lb[None, :])
        score = overlap / base
        eligible = (overlap > 0) & (score >= threshold - 1e-12)
        if eligible.any():
            big = float(min(len(a), len(b)) + 1)
            gain = np.where(eligible, big + score, 0.0)
            rows, cols = linear_sum_assignment(gain, maximize=True)
            matches = sorted((ia[r], ib[c], float(score[r, c]))
                             for r, c in zip(rows, cols, strict=True) if eligible[r, c])
    tp = len(matches)
    precision, recall, f1 = prf(tp, len(b), len(a), zero_division)
    return SegmentAgreement(len(a), len(b), tp, precision, recall, f1, tuple(matches))

