"""Krippendorff's alpha: point estimate (via the ``krippendorff`` package) and bootstrap CI.

Alpha is one minus observed over expected disagreement,

.. math::

    \\alpha = 1 - \\frac{D_o}{D_e}
            = 1 - (n - 1)\\frac{\\sum_c \\sum_k o_{ck}\\,\\delta^2_{ck}}
                              {\\sum_c \\sum_k n_c n_k\\,\\delta^2_{ck}},

where :math:`o_{ck} = \\sum_u (\\text{number of } c\\text{-}k \\text{ pairs in unit } u)
/ (m_u - 1)` is the coincidence matrix over *pairable* values (units with
:math:`m_u \\ge 2` values), :math:`n_c` its margins, :math:`n` the number of
pairable values, and :math:`\\delta^2` the metric of the level of measurement:
nominal :math:`[c \\ne k]`; ordinal :math:`(\\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2`;
interval :math:`(c - k)^2`; ratio :math:`((c - k)/(c + k))^2`.

References: Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*.
Annenberg School for Communication, University of Pennsylvania,
https://repository.upenn.edu/asc_papers/43. Krippendorff, K. (2004). *Content
Analysis: An Introduction to Its Methodology* (2nd ed.), ch. 11. Sage.

The public :func:`krippendorff_alpha` wraps :func:`krippendorff.alpha`
(Castro, S., *Fast Krippendorff*, https://github.com/pln-fing-udelar/fast-krippendorff).
The bootstrap, the weighted units (character runs) and the pooled multi-code
alpha use :class:`Coincidences`, a vectorised version of the same formula,
which the tests check against the package.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ._common import LEVELS, Level, coder_rows, encode, is_missing, value_counts

__all__ = ["AlphaInterval", "Coincidences", "krippendorff_alpha", "krippendorff_alpha_ci"]


def _distances(level: str, values: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Squared distances ``delta^2`` (..., V, V); ``n_c`` (..., V) for ordinal."""
    v = len(values)
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level == "interval":
        return (values[:, None] - values[None, :]) ** 2
    if level == "ratio":
        s = values[:, None] + values[None, :]
        d = values[:, None] - values[None, :]
        return np.divide(d, s, out=np.zeros((v, v)), where=s != 0) ** 2
    # ordinal: ranks only; distances depend on the marginal frequencies n_g
    idx = np.arange(v)
    lo = np.minimum(idx[:, None], idx[None, :])
    hi = np.maximum(idx[:, None], idx[None, :])
    cs = np.cumsum(n_c, axis=-1)
    between = cs[..., hi] - cs[..., lo] + n_c[..., lo]
    return (between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0) ** 2


@dataclass(frozen=True)
class Coincidences:
    """Units grouped into distinct patterns with their coincidence contributions.

    ``counts`` is units x items x categories: how many coders gave each value to
    each item of a unit (one item for plain data; one item per code when
    codes are pooled). Units with the same counts share a pattern, so the
    bootstrap works on patterns, not units: resampling N units with replacement
    is a multinomial draw over patterns with probabilities freq/N.
    """

    contributions: np.ndarray  # patterns x V x V
    weights: np.ndarray  # patterns: summed unit weights
    freq: np.ndarray  # patterns: number of units
    n_units: int
    values: np.ndarray  # V numeric values (ranks for nominal/ordinal)
    level: str

    @classmethod
    def from_counts(
        cls,
        counts: np.ndarray,
        *,
        level: str = "nominal",
        values: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> Coincidences:
        if counts.ndim == 2:
            counts = counts[:, None, :]
        n, k, v = counts.shape
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        m = counts.sum(axis=2)  # units x items
        keep = (m >= 2).any(axis=1)
        counts, w = counts[keep], w[keep]
        if counts.shape[0]:
            patterns, inverse = np.unique(counts.reshape(len(counts), -1), axis=0,
                                          return_inverse=True)
            inverse = inverse.reshape(-1)
        else:
            patterns, inverse = np.zeros((0, k * v), dtype=np.int64), np.zeros(0, dtype=np.int64)
        p = patterns.reshape(-1, k, v).astype(float)
        mp = p.sum(axis=2)  # patterns x items
        outer = p[:, :, :, None] * p[:, :, None, :] - p[:, :, :, None] * np.eye(v)
        denom = np.where(mp >= 2, mp - 1, np.inf)[:, :, None, None]
        contributions = (outer / denom).sum(axis=1)
        vals = np.arange(v, dtype=float) if values is None else np.asarray(values, dtype=float)
        return cls(
            contributions=contributions,
            weights=np.bincount(inverse, weights=w, minlength=len(patterns)),
            freq=np.bincount(inverse, minlength=len(patterns)).astype(float),
            n_units=int(counts.shape[0]),
            values=vals,
            level=level,
        )

    def matrix(self, weights: np.ndarray | None = None) -> np.ndarray:
        """The coincidence matrix o (V x V), or (B x V x V) for B rows of weights."""
        w = self.weights if weights is None else weights
        return np.tensordot(w, self.contributions, axes=(-1, 0))

    def alpha(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Alpha for the given pattern weights; NaN where undefined (D_e = 0)."""
        o = self.matrix(weights)
        n_c = o.sum(axis=-1)
        n = n_c.sum(axis=-1)
        delta = _distances(self.level, self.values, n_c)
        d_o = (o * delta).sum(axis=(-2, -1))
        d_e = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1.0 - (n - 1.0) * d_o / d_e
        # D_e is exactly 0 (not merely small) when a single value occurs
        return np.where((d_e > 0) & (n > 1), out, np.nan)

    def bootstrap(self, n_boot: int, seed: int | None) -> np.ndarray:
        """Alphas of ``n_boot`` unit-resampling bootstrap samples (NaN = undefined)."""
        rng = np.random.default_rng(seed)
        if self.n_units == 0:
            return np.full(n_boot, np.nan)
        draws = rng.multinomial(self.n_units, self.freq / self.freq.sum(), size=n_boot)
        # each resampled unit carries its pattern's mean weight (1 for ordinary units)
        per_unit = np.divide(self.weights, self.freq, out=np.zeros_like(self.weights),
                             where=self.freq > 0)
        out: np.ndarray = self.alpha(draws * per_unit)
        return out


def _prepare(
    data: Any, level: str, categories: Sequence[Hashable] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check ``data``; return (reliability data as floats, value domain, counts)."""
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    rows = coder_rows(data)
    if level in ("nominal", "ordinal"):
        codes, cats = encode(rows, categories, ordered=level == "ordinal")
        domain = np.arange(len(cats), dtype=float)
        numeric = np.where(codes >= 0, codes, np.nan).astype(float)
        counts = value_counts(codes, len(cats))
    else:
        if categories is not None:
            raise InputError("categories= applies to nominal and ordinal data only")
        numeric = np.full((len(rows), len(rows[0])), np.nan)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if is_missing(v):
                    continue
                if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                    raise InputError(f"{level} data must be numbers; got {v!r} (coder {i + 1})")
                if level == "ratio" and v < 0:
                    raise InputError(f"ratio data cannot be negative; got {v!r} (coder {i + 1})")
                numeric[i, j] = float(v)
        domain = np.unique(numeric[~np.isnan(numeric)])
        codes = np.full(numeric.shape, -1, dtype=np.int64)
        present = ~np.isnan(numeric)
        codes[present] = np.searchsorted(domain, numeric[present])
        counts = value_counts(codes, len(domain))
    _check_pairable(counts, domain, level)
    return numeric, domain, counts


def _check_pairable(counts: np.ndarray, domain: np.ndarray, level: str) -> None:
    m = counts.sum(axis=1)
    pairable = counts[m >= 2]
    if pairable.size == 0 or pairable.sum() == 0:
        raise InputError(
            "no pairable values: no unit was coded by two or more coders, so agreement "
            "cannot be assessed (alpha undefined)"
        )
    used = np.flatnonzero(pairable.sum(axis=0))
    if len(used) < 2:
        value = domain[used[0]] if len(used) else "?"
        raise InputError(
            f"only one value ({value if level in ('interval', 'ratio') else 'a single category'})"
            " occurs in the pairable data: the expected disagreement D_e is 0, so alpha is "
            "undefined (there is no variation to agree on)"
        )


def krippendorff_alpha(
    data: Any, *, level: Level = "nominal", categories: Sequence[Hashable] | None = None
) -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    ``data`` is coders x units (nested lists, array or DataFrame with one row
    per coder); ``None``/``NaN`` mark missing values. Nominal labels may be any
    hashable values (they are mapped to numbers). Ordinal data keep the order of
    ``categories=`` or, if not given, the sorted observed values; interval and
    ratio data must be numbers (ratio: non-negative).

    Formula: :math:`\\alpha = 1 - D_o/D_e` over the coincidence matrix of
    pairable values (see the module docstring); computed by
    :func:`krippendorff.alpha`. Reference: Krippendorff, K. (2011).
    *Computing Krippendorff's Alpha-Reliability*. University of Pennsylvania.

    Raises :class:`~qualcode.InputError` for fewer than 2 coders, rows of
    different lengths, no unit with two or more values, or a single value in
    all pairable data (expected disagreement 0: alpha is undefined).

    The reliability data of Krippendorff (2011, p. 3), four coders, twelve
    units, missing values:

    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> [round(krippendorff_alpha(data, level=lv), 3)
    ...  for lv in ("nominal", "ordinal", "interval", "ratio")]
    [0.743, 0.815, 0.849, 0.797]
    """
    try:
        import krippendorff
    except ImportError as e:  # pragma: no cover - optional extra
        raise ModuleNotFoundError(
            "krippendorff_alpha needs the 'krippendorff' package: "
            "pip install 'qualcode[agreement]'"
        ) from e
    numeric, domain, _ = _prepare(data, level, categories)
    return float(
        krippendorff.alpha(reliability_data=numeric, value_domain=domain,
                           level_of_measurement=level)
    )


@dataclass(frozen=True)
class AlphaInterval:
    """Alpha with a bootstrap confidence interval; unpacks as ``alpha, low, high``."""

    alpha: float
    low: float
    high: float
    ci: float
    n_boot: int
    n_valid: int
    level: str
    method: str = "percentile bootstrap over units"

    def __iter__(self) -> Iterator[float]:
        return iter((self.alpha, self.low, self.high))


def interval_from_boot(
    alpha: float, boots: np.ndarray, *, ci: float, n_boot: int, level: str
) -> AlphaInterval:
    """Percentile interval of the defined bootstrap alphas."""
    valid = boots[~np.isnan(boots)]
    if valid.size == 0:
        raise InputError(
            "every bootstrap sample had a single value (alpha undefined in all of "
            "them): too few units or too little variation for a confidence interval"
        )
    tail = (1.0 - ci) / 2.0
    low, high = np.quantile(valid, [tail, 1.0 - tail])
    return AlphaInterval(float(alpha), float(low), float(high), ci, n_boot, int(valid.size),
                         level)


def krippendorff_alpha_ci(
    data: Any,
    *,
    level: Level = "nominal",
    categories: Sequence[Hashable] | None = None,
    n_boot: int = 1000,
    seed: int | None = 0,
    ci: float = 0.95,
) -> AlphaInterval:
    """Alpha with a percentile bootstrap confidence interval, resampling units.

    Method (implemented here): the *units* (columns of ``data``) that hold two
    or more values are resampled with replacement ``n_boot`` times, alpha is
    recomputed on each sample (expected disagreement included), and the
    interval is the ``(1 - ci)/2`` and ``1 - (1 - ci)/2`` quantiles of the
    resampled alphas (Efron & Tibshirani, 1993, *An Introduction to the
    Bootstrap*, ch. 13). Units are the resampling clusters, so the dependence
    between the values within a unit is kept. Samples in which alpha is
    undefined (a single value left) are dropped; ``n_valid`` says how many
    remained.

    This is *not* the bootstrap of Hayes & Krippendorff (2007, "Answering the
    call for a standard reliability measure for coding data", *Communication
    Methods and Measures* 1(1), 77-89; the KALPHA macro), which resamples pairs
    of values from the observed coincidences with the expected disagreement
    held fixed, and so gives somewhat different (usually narrower) limits.

    Returns an :class:`AlphaInterval` (``alpha, low, high = ...`` unpacks).

    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> alpha, low, high = krippendorff_alpha_ci(data, level="interval", n_boot=500)
    >>> round(alpha, 3), low < alpha < high <= 1.0
    (0.849, True)
    """
    if not 0.0 < ci < 1.0:
        raise InputError(f"ci must be between 0 and 1, got {ci}")
    if n_boot < 1:
        raise InputError(f"n_boot must be at least 1, got {n_boot}")
    alpha = krippendorff_alpha(data, level=level, categories=categories)
    _, domain, counts = _prepare(data, level, categories)
    co = Coincidences.from_counts(counts, level=level, values=domain)
    boots = co.bootstrap(n_boot, seed)
    return interval_from_boot(alpha, boots, ci=ci, n_boot=n_boot, level=level)

