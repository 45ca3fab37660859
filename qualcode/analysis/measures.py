"""Co-occurrence measures and their significance.

Every measure takes the same four arguments, as numbers or numpy arrays that
broadcast together:

``n12``
    the number of units carrying both codes,
``n1``, ``n2``
    the number of units carrying each code,
``N``
    the number of units.

and returns a float array (a numpy scalar for scalar input). Where a ratio
has a zero denominator (a code that never occurs) the value is 0, except for
PMI (``-inf`` when the codes never co-occur) and NPMI (``-1``).

The running example below is ``n1=4, n2=3, n12=2, N=10``: of ten turns,
four carry code A, three carry code B, and two carry both.

All measures here are computed on *binary* units (a unit carries a code or
not), so several measures that differ in general coincide: the ATLAS.ti
c-coefficient equals the Jaccard index, and association strength (with the
``N`` factor) equals lift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MEASURES",
    "association",
    "bh_qvalues",
    "c_coefficient",
    "cosine",
    "count",
    "hypergeom_pvalue",
    "inclusion",
    "jaccard",
    "lift",
    "npmi",
    "pmi",
]

Float = NDArray[np.float64]


def _arrays(*values: ArrayLike) -> tuple[Float, ...]:
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def _ratio(num: Float, den: Float) -> Float:
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def count(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    """The number of units carrying both codes, ``n12``.

    >>> float(count(2, 4, 3, 10))
    2.0
    """
    a, b, c, n = _arrays(n12, n1, n2, N)
    return np.array(np.broadcast_to(a, np.broadcast(a, b, c, n).shape))


def jaccard(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Jaccard index: the share of units carrying either code that carry both.

    .. math:: J = \frac{n_{12}}{n_1 + n_2 - n_{12}}

    Ranges from 0 (never together) to 1 (always together). ``N`` is unused.

    Reference: Jaccard, P. (1912). The distribution of the flora in the alpine
    zone. *New Phytologist*, 11(2), 37–50.
    https://doi.org/10.1111/j.1469-8137.1912.tb05611.x

    >>> float(jaccard(2, 4, 3, 10))  # 2 / (4 + 3 - 2)
    0.4
    """
    a, b, c = _arrays(n12, n1, n2)
    return _ratio(a, b + c - a)


def c_coefficient(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""ATLAS.ti's c-coefficient, the strength of a code co-occurrence.

    .. math:: c = \frac{n_{12}}{n_1 + n_2 - n_{12}}

    ATLAS.ti defines it on quotations, where ``n12`` counts co-occurring
    quotation pairs; on binary units (a turn carries a code or not), as
    here, it is *exactly the Jaccard index*. It is kept under its own name
    so tables match what ATLAS.ti users expect.

    Reference: ATLAS.ti Scientific Software Development GmbH (2023).
    *ATLAS.ti 23 Windows — User Manual*, "Code Co-Occurrence Table:
    c-coefficient". Berlin. https://doc.atlasti.com/ManualWin.v23/

    >>> float(c_coefficient(2, 4, 3, 10))
    0.4
    """
    return jaccard(n12, n1, n2, N)


def cosine(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Salton's cosine (the Ochiai coefficient).

    .. math:: \cos = \frac{n_{12}}{\sqrt{n_1 n_2}}

    The cosine of the angle between the two codes' binary unit vectors.
    ``N`` is unused.

    Reference: Salton, G. & McGill, M. J. (1983). *Introduction to Modern
    Information Retrieval*. New York: McGraw-Hill.

    >>> round(float(cosine(2, 4, 3, 10)), 6)  # 2 / sqrt(12)
    0.57735
    """
    a, b, c = _arrays(n12, n1, n2)
    return _ratio(a, np.sqrt(b * c))


def association(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Association strength (van Eck & Waltman 2009), probabilistic form.

    .. math:: AS = \frac{n_{12} \, N}{n_1 n_2}

    The ratio of the observed number of co-occurrences to the number
    expected if the two codes were independent (``n1 n2 / N``): 1 means
    "as often as chance", above 1 "more often". This form, with the ``N``
    factor, equals :func:`lift` on binary units. van Eck & Waltman define
    the measure as ``n12 / (n1 n2)`` (dropping the constant ``N``), and
    VOSviewer uses ``2 m n12 / (n1 n2)`` with ``m`` the total link weight;
    all three rank pairs identically within one network, but only the form
    used here is comparable across networks of different size.

    Reference: van Eck, N. J. & Waltman, L. (2009). How to normalize
    cooccurrence data? An analysis of some well-known similarity measures.
    *Journal of the American Society for Information Science and
    Technology*, 60(8), 1635–1651. https://doi.org/10.1002/asi.21075

    >>> round(float(association(2, 4, 3, 10)), 6)  # 2 * 10 / (4 * 3)
    1.666667
    """
    a, b, c, n = _arrays(n12, n1, n2, N)
    return _ratio(a * n, b * c)


def lift(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Lift (Brin et al.'s "interest"): observed over expected co-occurrence.

    .. math:: \mathrm{lift} = \frac{p_{12}}{p_1 p_2} = \frac{n_{12} N}{n_1 n_2}

    Reference: Brin, S., Motwani, R., Ullman, J. D. & Tsur, S. (1997).
    Dynamic itemset counting and implication rules for market basket data.
    *Proceedings of ACM SIGMOD 1997*, 255–264.
    https://doi.org/10.1145/253260.253325

    >>> round(float(lift(2, 4, 3, 10)), 6)
    1.666667
    """
    return association(n12, n1, n2, N)


def pmi(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Pointwise mutual information, in bits.

    .. math:: \mathrm{PMI} = \log_2 \frac{p_{12}}{p_1 p_2},
       \quad p_{12} = n_{12}/N,\ p_i = n_i/N

    0 means independence; ``-inf`` when the codes never co-occur.

    Reference: Church, K. W. & Hanks, P. (1990). Word association norms,
    mutual information, and lexicography. *Computational Linguistics*,
    16(1), 22–29.

    >>> round(float(pmi(2, 4, 3, 10)), 6)  # log2(0.2 / (0.4 * 0.3))
    0.736966
    >>> float(pmi(0, 4, 3, 10))
    -inf
    """
    a, b, c, n = _arrays(n12, n1, n2, N)
    shape = np.broadcast(a, b, c, n).shape
    out = np.full(shape, -np.inf)
    a, b, c, n = (np.broadcast_to(x, shape) for x in (a, b, c, n))
    ok = (a > 0) & (b > 0) & (c > 0)
    out[ok] = np.log2(a[ok] * n[ok] / (b[ok] * c[ok]))
    return out


def npmi(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Normalised PMI, between -1 (never together) and 1 (always together).

    .. math:: \mathrm{NPMI} = \frac{\mathrm{PMI}}{-\log_2 p_{12}}

    When the codes always co-occur in every unit (``p12 = 1``) the value is 1.

    Reference: Bouma, G. (2009). Normalized (pointwise) mutual information
    in collocation extraction. *Proceedings of the Biennial GSCL
    Conference 2009*, 31–40.

    >>> round(float(npmi(2, 4, 3, 10)), 6)  # 0.736966 / log2(5)
    0.317394
    >>> float(npmi(0, 4, 3, 10))
    -1.0
    """
    a, b, c, n = _arrays(n12, n1, n2, N)
    shape = np.broadcast(a, b, c, n).shape
    p = pmi(a, b, c, n)
    a, n = np.broadcast_to(a, shape), np.broadcast_to(n, shape)
    out = np.full(shape, -1.0)
    ok = a > 0
    full = ok & (a == n)
    part = ok & ~full
    out[part] = p[part] / -np.log2(a[part] / n[part])
    out[full] = 1.0
    return out


def inclusion(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""Inclusion index (Szymkiewicz–Simpson overlap coefficient).

    .. math:: I = \frac{n_{12}}{\min(n_1, n_2)}

    1 when every unit of the rarer code also carries the other code: the
    rarer code is "included" in the commoner one.

    Reference: Callon, M., Courtial, J.-P. & Laville, F. (1991). Co-word
    analysis as a tool for describing the network of interactions between
    basic and technological research: the case of polymer chemistry.
    *Scientometrics*, 22(1), 155–205. https://doi.org/10.1007/BF02019280

    >>> round(float(inclusion(2, 4, 3, 10)), 6)  # 2 / min(4, 3)
    0.666667
    """
    a, b, c = _arrays(n12, n1, n2)
    return _ratio(a, np.minimum(b, c))


#: Measure name -> function(n12, n1, n2, N).
MEASURES: dict[str, Callable[[Any, Any, Any, Any], Float]] = {
    "count": count,
    "jaccard": jaccard,
    "c": c_coefficient,
    "cosine": cosine,
    "association": association,
    "lift": lift,
    "pmi": pmi,
    "npmi": npmi,
    "inclusion": inclusion,
}


def hypergeom_pvalue(n12: ArrayLike, n1: ArrayLike, n2: ArrayLike, N: ArrayLike) -> Float:
    r"""One-sided p-value of observing at least ``n12`` co-occurrences by chance.

    Under independence, the number of units carrying both codes, given
    ``n1``, ``n2`` and ``N``, follows the hypergeometric distribution, so

    .. math:: p = P(X \ge n_{12}), \quad X \sim \mathrm{Hypergeom}(N, n_1, n_2)

    which equals ``scipy.stats.hypergeom.sf(n12 - 1, N, n1, n2)``. This is
    Fisher's exact test (one-sided, ``alternative="greater"``) on the 2×2
    table ``[[n12, n1 - n12], [n2 - n12, N - n1 - n2 + n12]]``. Pairs that
    never co-occur get ``p = 1``.

    scipy evaluates each tail separately and takes ~0.2 ms per pair when
    ``N`` is in the tens of thousands, too slow for the 45,000 pairs of 300
    codes; here every tail is summed at once with numpy, starting from the
    exact log-probability of ``n12`` and walking the pmf recurrence away
    from the mode until the rest of the tail is below 1e-17 of the sum (when
    ``n12`` is at or below the mode, ``p = 1 - P(X < n12)``, summed the same
    way). The result agrees with scipy to about 1e-10 relative; the tests
    compare the two.

    Reference: Fisher, R. A. (1922). On the interpretation of χ² from
    contingency tables, and the calculation of P. *Journal of the Royal
    Statistical Society*, 85(1), 87–94.

    >>> round(float(hypergeom_pvalue(2, 4, 3, 10)), 6)
    0.333333
    """
    a, b, c, n = (np.asarray(x, dtype=np.int64) for x in (n12, n1, n2, N))
    shape = np.broadcast(a, b, c, n).shape
    a, b, c, n = (np.broadcast_to(x, shape).ravel() for x in (a, b, c, n))
    out = np.ones(a.shape, dtype=np.float64)
    ok = a > 0
    if ok.any():
        out[ok] = _upper_tail(a[ok], n[ok], b[ok], c[ok])
    return out.reshape(shape)


def _log_choose(n: Float, k: Float) -> Float:
    from scipy.special import betaln

    # log C(n, k) = -log(n + 1) - log B(n - k + 1, k + 1); betaln avoids the
    # cancellation of three large gammaln terms
    return np.asarray(-np.log1p(n) - betaln(n - k + 1, k + 1), dtype=np.float64)


def _upper_tail(
    k: NDArray[np.int64], total: NDArray[np.int64], good: NDArray[np.int64],
    draws: NDArray[np.int64],
) -> Float:
    """P(X >= k) for X ~ Hypergeom(total, good, draws), vectorised (see above)."""
    out = np.zeros(k.shape, dtype=np.float64)
    lo = np.maximum(0, draws - (total - good))
    hi = np.minimum(good, draws)
    out[k <= lo] = 1.0
    idx = np.flatnonzero((k > lo) & (k <= hi))
    if idx.size == 0:
        return out
    m, g, d = (x[idx].astype(np.float64) for x in (total, good, draws))
    mode = ((draws[idx] + 1) * (good[idx] + 1)) // (total[idx] + 2)
    up = k[idx] > mode
    x = np.where(up, k[idx], k[idx] - 1).astype(np.float64)
    rest = m - g - d  # >= -x on the support
    term = np.exp(_log_choose(g, x) + _log_choose(m - g, d - x) - _log_choose(m, d))
    tail = term.copy()
    step = np.where(up, 1.0, -1.0)
    active = np.arange(idx.size)
    while active.size:
        xa, ga, da, ra = x[active], g[active], d[active], rest[active]
        ratio = np.where(
            up[active],
            (ga - xa) * (da - xa) / ((xa + 1) * (ra + xa + 1)),
            xa * (ra + xa) / ((ga - xa + 1) * (da - xa + 1)),
        )
        nxt = term[active] * ratio
        tail[active] += nxt
        term[active] = nxt
        x[active] += step[active]
        # the pmf is log-concave, so the rest of the tail is at most nxt * r / (1 - r)
        done = nxt * ratio <= 1e-17 * tail[active] * (1.0 - ratio)
        active = active[~done]
    out[idx] = np.clip(np.where(up, tail, 1.0 - tail), 0.0, 1.0)
    return out


def bh_qvalues(p: ArrayLike) -> Float:
    """Benjamini–Hochberg adjusted p-values (q-values) of a family of tests.

    For the ``m`` p-values sorted ascending, ``q_(i) = min_{j >= i} p_(j) m / j``
    (capped at 1): the same values as
    ``scipy.stats.false_discovery_control(p, method="bh")`` (the tests check),
    computed with numpy because importing ``scipy.stats`` alone takes about
    two seconds. An empty family gives an empty array.

    Reference: Benjamini, Y. & Hochberg, Y. (1995). Controlling the false
    discovery rate: a practical and powerful approach to multiple testing.
    *Journal of the Royal Statistical Society B*, 57(1), 289–300.

    >>> [round(q, 4) for q in bh_qvalues([0.01, 0.04, 0.03, 0.5]).tolist()]
    [0.04, 0.0533, 0.0533, 0.5]
    """
    arr = np.asarray(p, dtype=np.float64).ravel()
    m = arr.size
    if m == 0:
        return arr.copy()
    order = np.argsort(arr, kind="stable")
    scaled = arr[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m, dtype=np.float64)
    out[order] = q_sorted
    return out.reshape(np.shape(p))
