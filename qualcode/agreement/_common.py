"""Shared helpers: reading coder x unit data, missing values, interpretation bands."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: Krippendorff (2004) Content Analysis, 2nd ed., p. 241.
ALPHA_BANDS_SOURCE = (
    "Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology "
    "(2nd ed., p. 241). Thousand Oaks, CA: Sage. Rely on variables with alpha >= .800; "
    "use .667 <= alpha < .800 only for tentative conclusions."
)
#: Landis & Koch (1977), Biometrics 33(1), p. 165.
KAPPA_BANDS_SOURCE = (
    "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for "
    "categorical data. Biometrics, 33(1), 159-174 (p. 165): < 0 poor, 0-.20 slight, "
    ".21-.40 fair, .41-.60 moderate, .61-.80 substantial, .81-1 almost perfect."
)


def is_missing(value: object) -> bool:
    """``None``, ``NaN``, ``pd.NA`` and ``pd.NaT`` are missing values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def coder_rows(data: Any, *, what: str = "data") -> list[list[object]]:
    """``data`` (coders x units: nested sequences, array or DataFrame) as lists.

    Raises InputError for fewer than two coders or rows of different lengths.
    """
    if isinstance(data, pd.DataFrame):
        rows = [list(r) for r in data.to_numpy(dtype=object)]
    elif isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InputError(f"{what} must be 2-dimensional (coders x units), got {data.ndim}-d")
        rows = [list(r) for r in data.tolist()]
    else:
        if isinstance(data, str | bytes) or not isinstance(data, Sequence | np.ndarray):
            raise InputError(f"{what} must be coders x units: a list of lists, array or DataFrame")
        rows = []
        for i, r in enumerate(data):
            if isinstance(r, str | bytes) or not hasattr(r, "__iter__"):
                raise InputError(f"{what}: coder {i + 1} is not a sequence of values")
            rows.append(list(r))
    if len(rows) < 2:
        raise InputError(
            f"{what} has {len(rows)} coder(s); agreement needs at least 2 coders (rows)"
        )
    n = len(rows[0])
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != n:
            raise InputError(
                f"{what}: mismatched lengths, coder 1 has {n} values but coder {i} has {len(r)}"
            )
    return rows


def encode(
    rows: list[list[object]], categories: Sequence[Hashable] | None, *, ordered: bool
) -> tuple[np.ndarray, list[Hashable]]:
    """Map labels to 0..V-1 (``-1`` = missing); return the codes and the categories.

    With ``categories`` the order given is kept and every observed value must be
    listed; otherwise categories are the observed values, sorted when ``ordered``
    (or when sortable), in order of first appearance if not.
    """
    seen: dict[Hashable, None] = {}
    for r in rows:
        for v in r:
            if is_missing(v):
                continue
            try:
                seen.setdefault(v, None)
            except TypeError:
                raise InputError(f"value {v!r} cannot be used as a category label") from None
    if categories is not None:
        cats = list(dict.fromkeys(categories))
        unknown = [v for v in seen if v not in set(cats)]
        if unknown:
            raise InputError(
                f"values not among the given categories: {', '.join(map(repr, unknown[:10]))}"
            )
    else:
        cats = list(seen)
        try:
            cats = sorted(cats)  # type: ignore[type-var]
        except TypeError:
            if ordered:
                raise InputError(
                    "cannot sort the observed values to order them; pass categories= "
                    "with the order of the scale"
                ) from None
    index = {c: i for i, c in enumerate(cats)}
    codes = np.array(
        [[-1 if is_missing(v) else index[v] for v in r] for r in rows], dtype=np.int64
    ).reshape(len(rows), -1)
    return codes, cats


def value_counts(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Units x categories counts from coders x units codes (``-1`` = missing)."""
    n_units = codes.shape[1]
    counts = np.zeros((n_units, max(n_categories, 1)), dtype=np.int64)
    coder_idx, unit_idx = np.nonzero(codes >= 0)
    np.add.at(counts, (unit_idx, codes[coder_idx, unit_idx]), 1)
    return counts[:, :n_categories] if n_categories else counts[:, :0]


def interpret_alpha(alpha: float) -> str:
    """Krippendorff's (2004, p. 241) reading of an alpha value.

    ``alpha >= .800``: reliable; ``.667 <= alpha < .800``: tentative conclusions
    only; below ``.667``: unreliable. Reference: Krippendorff, K. (2004).
    *Content Analysis: An Introduction to Its Methodology* (2nd ed.). Sage.

    >>> interpret_alpha(0.81), interpret_alpha(0.7), interpret_alpha(0.2)
    ('reliable', 'tentative only', 'unreliable')
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative only"
    return "unreliable"


def interpret_kappa(kappa: float) -> str:
    """Landis & Koch's (1977) band for a kappa value.

    < 0 poor, 0-.20 slight, .21-.40 fair, .41-.60 moderate, .61-.80
    substantial, .81-1.00 almost perfect. Reference: Landis, J. R., & Koch,
    G. G. (1977). The measurement of observer agreement for categorical data.
    *Biometrics*, 33(1), 159-174.

    >>> interpret_kappa(0.4), interpret_kappa(0.43), interpret_kappa(-0.1)
    ('fair', 'moderate', 'poor')
    """
    if kappa is None or math.isnan(kappa):
        return "undefined"
    for upper, band in ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"),
                        (0.80, "substantial")):
        if kappa < upper or (upper > 0 and kappa <= upper):
            return band
    return "almost perfect"
