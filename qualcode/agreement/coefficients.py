"""Percent agreement, Cohen's kappa (weighted), Scott's pi and Fleiss' kappa.

Written here rather than taken from statsmodels (not a qualcode dependency);
the tests check each against published worked examples and, where installed,
against :mod:`statsmodels.stats.inter_rater`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import coder_rows, encode, value_counts

__all__ = [
    "category_counts",
    "cohen_kappa",
    "cohen_kappa_table",
    "fleiss_kappa",
    "percent_agreement",
    "scott_pi",
]

Weights = Literal["linear", "quadratic"] | None


def pairwise_agreement(counts: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean over units (with 2+ values) of the share of agreeing coder pairs.

    ``counts`` is units x categories (or units x items x categories, pooled).
    """
    if counts.ndim == 2:
        counts = counts[:, None, :]
    c = counts.astype(float)
    m = c.sum(axis=2)
    pairs = m * (m - 1) / 2
    agree = (c * (c - 1) / 2).sum(axis=2)
    w = np.ones(counts.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    w_items = np.broadcast_to(w[:, None], m.shape)
    ok = pairs > 0
    if not ok.any():
        raise InputError("no unit was coded by two or more coders: percent agreement undefined")
    return float((w_items[ok] * agree[ok] / pairs[ok]).sum() / w_items[ok].sum())


def percent_agreement(
    data: Any, *, method: Literal["pairwise", "unanimous"] = "pairwise"
) -> float:
    """Share of agreement, from 0 to 1, between coders (rows) over units (columns).

    ``"pairwise"``: for each unit with two or more values, the share of coder
    pairs that gave the same value, averaged over those units (for two coders:
    the share of units both coded alike). ``"unanimous"``: the share of those
    units on which all coders who coded it agree. ``None``/``NaN`` = missing.
    Percent agreement is not chance-corrected; report it beside kappa or alpha.

    Wikipedia's worked example for Cohen's kappa (50 proposals; yes/yes 20,
    yes/no 5, no/yes 10, no/no 15):

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> percent_agreement([a, b])
    0.7
    """
    rows = coder_rows(data)
    codes, cats = encode(rows, None, ordered=False)
    counts = value_counts(codes, len(cats))
    if method == "pairwise":
        return pairwise_agreement(counts)
    if method != "unanimous":
        raise InputError(f"unknown method {method!r}; expected 'pairwise' or 'unanimous'")
    m = counts.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        raise InputError("no unit was coded by two or more coders: percent agreement undefined")
    return float((counts[ok].max(axis=1) == m[ok]).mean())


def _weight_matrix(k: int, weights: Weights | np.ndarray) -> np.ndarray:
    """Disagreement weights w_ij (0 on the diagonal)."""
    if isinstance(weights, np.ndarray):
        w = np.asarray(weights, dtype=float)
        if w.shape != (k, k):
            raise InputError(f"weights matrix must be {k} x {k}, got {w.shape}")
        return w
    i = np.arange(k)
    diff = np.abs(i[:, None] - i[None, :]).astype(float)
    if weights is None:
        return (diff > 0).astype(float)
    scale = max(k - 1, 1)
    if weights == "linear":
        return diff / scale
    if weights == "quadratic":
        return (diff / scale) ** 2
    raise InputError(f"unknown weights {weights!r}; expected None, 'linear' or 'quadratic'")


def cohen_kappa_table(table: Any, *, weights: Weights | np.ndarray = None) -> float:
    """Cohen's kappa from a k x k contingency table (rows coder A, columns coder B).

    .. math::

        \\kappa_w = 1 - \\frac{\\sum_{ij} w_{ij} p_{ij}}{\\sum_{ij} w_{ij} p_{i.} p_{.j}}

    with disagreement weights :math:`w_{ij} = [i \\ne j]` (unweighted, which
    gives :math:`(p_o - p_e)/(1 - p_e)`), :math:`|i - j|/(k - 1)` (linear) or
    :math:`(i - j)^2/(k - 1)^2` (quadratic), categories in table order.
    References: Cohen, J. (1960). A coefficient of agreement for nominal scales.
    *Educational and Psychological Measurement*, 20(1), 37-46. Cohen, J. (1968).
    Weighted kappa. *Psychological Bulletin*, 70(4), 213-220.

    Cohen (1960, p. 45), 200 cases, three categories: :math:`\\kappa = .492`.

    >>> round(cohen_kappa_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]]), 3)
    0.492
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise InputError(f"a kappa table must be square (k x k), got shape {t.shape}")
    if (t < 0).any():
        raise InputError("a kappa table cannot hold negative counts")
    total = t.sum()
    if total <= 0:
        raise InputError("the kappa table is empty: no unit was coded by both coders")
    p = t / total
    w = _weight_matrix(t.shape[0], weights)
    expected = (w * np.outer(p.sum(axis=1), p.sum(axis=0))).sum()
    if expected <= 1e-15:
        raise InputError(
            "kappa undefined: both coders used one and the same category throughout, so the "
            "expected disagreement is 0"
        )
    return float(1.0 - (w * p).sum() / expected)


def _pair_codes(
    a: Sequence[Any], b: Sequence[Any], categories: Sequence[Hashable] | None, ordered: bool
) -> tuple[np.ndarray, list[Hashable]]:
    rows = coder_rows([list(a), list(b)], what="ratings")
    codes, cats = encode(rows, categories, ordered=ordered)
    both = (codes >= 0).all(axis=0)
    if not both.any():
        raise InputError("no unit was coded by both coders (every pair has a missing value)")
    return codes[:, both], cats


def cohen_kappa(
    a: Sequence[Any],
    b: Sequence[Any],
    *,
    weights: Weights = None,
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's kappa between two coders' ratings ``a`` and ``b`` (same units, same order).

    Units where either rating is missing (``None``/``NaN``) are dropped. For
    weighted kappa the categories are ordered by ``categories=`` or, if not
    given, by sorting the observed values; give ``categories`` when a category
    of the scale was never used, as it changes the linear/quadratic weights.
    See :func:`cohen_kappa_table` for the formula and references.

    Wikipedia's worked example ("Cohen's kappa"): 50 grant proposals,
    p_o = .70, p_e = .50, so kappa = .40.

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(a, b), 3)
    0.4
    """
    codes, cats = _pair_codes(a, b, categories, ordered=weights is not None)
    k = len(cats)
    table = np.zeros((k, k))
    np.add.at(table, (codes[0], codes[1]), 1)
    return cohen_kappa_table(table, weights=weights)


def scott_pi(
    a: Sequence[Any], b: Sequence[Any], *, categories: Sequence[Hashable] | None = None
) -> float:
    """Scott's pi between two coders: kappa with pooled marginals for chance.

    .. math::

        \\pi = \\frac{p_o - p_e}{1 - p_e}, \\qquad
        p_e = \\sum_k \\Bigl(\\frac{n_{A,k} + n_{B,k}}{2n}\\Bigr)^2

    Reference: Scott, W. A. (1955). Reliability of content analysis: The case
    of nominal scale coding. *Public Opinion Quarterly*, 19(3), 321-325.

    On the 50-proposal example above (hand-computed: p_o = .70, pooled "yes"
    = 55/100, p_e = .55^2 + .45^2 = .505, pi = .195/.495 = 13/33):

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(scott_pi(a, b), 4)
    0.3939
    """
    codes, cats = _pair_codes(a, b, categories, ordered=False)
    k = len(cats)
    n = codes.shape[1]
    p_o = float((codes[0] == codes[1]).mean())
    pooled = np.bincount(codes.reshape(-1), minlength=k) / (2.0 * n)
    p_e = float((pooled**2).sum())
    if p_e >= 1.0 - 1e-15:
        raise InputError(
            "Scott's pi undefined: both coders used one and the same category throughout, so "
            "the expected disagreement is 0"
        )
    return (p_o - p_e) / (1.0 - p_e)


def fleiss_from_counts(counts: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Fleiss' kappa from units x categories counts (equal raters per unit), weighted units."""
    c = np.asarray(counts, dtype=float)
    m = c.sum(axis=1)
    w = np.ones(len(c)) if weights is None else np.asarray(weights, dtype=float)
    p_i = ((c * c).sum(axis=1) - m) / (m * (m - 1))
    p_bar = float((w * p_i).sum() / w.sum())
    p_j = (w[:, None] * c).sum(axis=0) / (w * m).sum()
    p_e = float((p_j**2).sum())
    if p_e >= 1.0 - 1e-15:
        raise InputError(
            "Fleiss' kappa undefined: every rating is in one category, so the expected "
            "disagreement is 0"
        )
    return (p_bar - p_e) / (1.0 - p_e)


def fleiss_kappa(table: Any) -> float:
    """Fleiss' kappa from a subjects x categories table of rating counts.

    Every subject must be rated by the same number of raters ``m >= 2`` (the
    raters need not be the same people). With :math:`n_{ij}` the raters who put
    subject *i* in category *j*, :math:`N` subjects:

    .. math::

        P_i = \\frac{\\sum_j n_{ij}^2 - m}{m(m-1)}, \\quad
        \\bar P = \\frac{1}{N}\\sum_i P_i, \\quad
        p_j = \\frac{\\sum_i n_{ij}}{N m}, \\quad
        \\bar P_e = \\sum_j p_j^2, \\quad
        \\kappa = \\frac{\\bar P - \\bar P_e}{1 - \\bar P_e}

    Reference: Fleiss, J. L. (1971). Measuring nominal scale agreement among
    many raters. *Psychological Bulletin*, 76(5), 378-382. For unequal numbers
    of ratings (missing values) use :func:`krippendorff_alpha` instead.

    Wikipedia's worked example ("Fleiss' kappa": 10 subjects, 14 raters, 5
    categories; P-bar = .378, P-bar_e = .213, kappa = .210):

    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...          [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...          [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> print(f"{fleiss_kappa(table):.3f}")
    0.210
    """
    t = table.to_numpy(dtype=float) if isinstance(table, pd.DataFrame) else np.asarray(
        table, dtype=float)
    if t.ndim != 2 or t.shape[0] == 0:
        raise InputError("Fleiss' kappa needs a subjects x categories table of counts")
    if (t < 0).any():
        raise InputError("Fleiss' kappa table cannot hold negative counts")
    m = t.sum(axis=1)
    if not np.allclose(m, m[0]):
        raise InputError(
            "Fleiss' kappa needs the same number of ratings for every subject (row sums "
            f"range from {m.min():g} to {m.max():g}); use krippendorff_alpha for missing values"
        )
    if m[0] < 2:
        raise InputError(f"Fleiss' kappa needs at least 2 raters per subject, got {m[0]:g}")
    return fleiss_from_counts(t)


def category_counts(
    data: Any, *, categories: Sequence[Hashable] | None = None
) -> pd.DataFrame:
    """Units x categories counts from coders x units data (input for :func:`fleiss_kappa`).

    >>> category_counts([["a", "b", "a"], ["a", "a", None]]).to_numpy().tolist()
    [[2, 0], [1, 1], [1, 0]]
    """
    rows = coder_rows(data)
    codes, cats = encode(rows, categories, ordered=False)
    return pd.DataFrame(value_counts(codes, len(cats)), columns=pd.Index(cats))
