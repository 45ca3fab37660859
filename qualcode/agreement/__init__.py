"""Inter-coder agreement: coefficients, segment agreement, reports from stored codings.

Coefficients on coders x units data (``None`` = missing):
:func:`percent_agreement`, :func:`cohen_kappa` (unweighted, linear, quadratic),
:func:`scott_pi`, :func:`fleiss_kappa` (subjects x categories counts),
:func:`krippendorff_alpha` (nominal, ordinal, interval, ratio; any number of
coders; missing values) and :func:`krippendorff_alpha_ci` (bootstrap CI).
Degenerate input (fewer than two coders, nothing pairable, a single category,
rows of different lengths) raises :class:`~qualcode.InputError` with the
reason, never a silent NaN.

Segments: :func:`unitized_alpha` (Krippendorff's _uα for one code on a
continuum) and :func:`segment_agreement` (one-to-one overlap matching with
precision, recall and F1).

From stored codings (:class:`~qualcode.Coding`, :class:`~qualcode.Document`):
:func:`agreement_units`, :func:`agreement_table`, :func:`confusion_matrix`,
:func:`disagreements` + :func:`write_disagreements`, :func:`precision_recall`
(auto-coder vs gold) and :func:`span_agreement`. How codings become units is
described in :mod:`qualcode.agreement.units`.

Two coders, four units, the last coded once (so not pairable); by hand:
n_a = n_b = 3 pairable values, o_ab = 1, D_o = 2/6, D_e = 2*3*3/(6*5) = .6,
alpha = 1 - (1/3)/.6 = 4/9:

>>> from qualcode import agreement
>>> round(agreement.krippendorff_alpha([["a", "b", "b", None], ["a", "b", "a", "c"]]), 3)
0.444
"""

from __future__ import annotations

from ._common import interpret_alpha, interpret_kappa
from .alpha import AlphaInterval, krippendorff_alpha, krippendorff_alpha_ci
from .coefficients import (
    category_counts,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    percent_agreement,
    scott_pi,
)
from .report import agreement_table, confusion_matrix, precision_recall, span_agreement
from .review import disagreements, write_disagreements
from .spans import (
    SegmentAgreement,
    UnitizedAlpha,
    segment_agreement,
    unitized_alpha,
    unitized_alpha_details,
)
from .units import AgreementUnits, agreement_units, split_sentences

__all__ = [
    "AgreementUnits",
    "AlphaInterval",
    "SegmentAgreement",
    "UnitizedAlpha",
    "agreement_table",
    "agreement_units",
    "category_counts",
    "cohen_kappa",
    "cohen_kappa_table",
    "confusion_matrix",
    "disagreements",
    "fleiss_kappa",
    "interpret_alpha",
    "interpret_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "percent_agreement",
    "precision_recall",
    "scott_pi",
    "segment_agreement",
    "span_agreement",
    "split_sentences",
    "unitized_alpha",
    "unitized_alpha_details",
    "write_disagreements",
]
