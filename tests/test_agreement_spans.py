"""Unitized alpha and overlap matching of coded segments."""

from __future__ import annotations

import pytest

import qualcode as qc
from qualcode import agreement as ag
from qualcode.agreement.spans import merge_spans

# Krippendorff, K. (2004). Measuring the reliability of qualitative text analysis data.
# Quality & Quantity, 38, 787-800, Figure 2 and appendix (also Content Analysis, 2nd ed.,
# 2004, pp. 254-256): two observers i, j on the continuum [150, 450), codes c and k.
# Published: cD_o = .0144, cD_e = .0532, c-alpha = .7286; k-alpha = 1; pooled alpha = .859.
C_I = [(225, 295), (370, 400)]
C_J = [(220, 300), (355, 375), (400, 420)]
K_I = K_J = [(180, 240), (300, 350)]


def test_unitized_alpha_krippendorff_2004_code_c() -> None:
    r = ag.unitized_alpha_details([C_I, C_J], 300, begin=150)
    assert round(r.observed, 4) == 0.0144
    assert round(r.expected, 4) == 0.0532
    assert round(r.alpha, 4) == 0.7286
    assert r.n_units == 5


def test_unitized_alpha_krippendorff_2004_code_k_and_pooled() -> None:
    k = ag.unitized_alpha_details([K_I, K_J], 300, begin=150)
    assert k.observed == 0.0
    assert round(k.expected, 4) == 0.0490
    assert k.alpha == 1.0
    c = ag.unitized_alpha_details([C_I, C_J], 300, begin=150)
    pooled = 1 - (c.observed + k.observed) / (c.expected + k.expected)
    assert round(pooled, 3) == 0.859


def test_unitized_alpha_observed_disagreement_krippendorff_1995() -> None:
    # Krippendorff, K. (1995). On the reliability of unitizing continuous data. Sociological
    # Methodology, 25, 47-76, p. 57: four pairs of observers on a continuum of 24; observed
    # disagreements .03125 (A), 2.26736 (B), .02777 (C), .38715 (D), as also reproduced in
    # DKPro Statistics' Krippendorff1995Test. (The 1995 paper's expected disagreements are
    # known to contain an error, corrected in the 2004 formula used here.)
    pairs = {
        "A": ([(2, 10), (14, 20)], [(4, 8), (15, 17)]),
        "B": ([(0, 18)], [(0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 9), (9, 10)]),
        "C": ([(2, 8), (10, 12), (14, 18), (20, 22)],
              [(0, 2), (4, 8), (10, 14), (16, 18), (20, 22)]),
        "D": ([(0, 2), (2, 10), (10, 14), (14, 20), (20, 24)],
              [(0, 4), (4, 8), (8, 15), (15, 17), (17, 24)]),
    }
    published = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for name, spans in pairs.items():
        r = ag.unitized_alpha_details(list(spans), 24)
        assert r.observed == pytest.approx(published[name], abs=1e-5)


def test_unitized_alpha_three_coders_and_identical() -> None:
    same = [(3, 9), (20, 30)]
    assert ag.unitized_alpha([same, same, same], 40) == 1.0
    assert ag.unitized_alpha([same, same, [(3, 9)]], 40) < 1.0
    # a coder's overlapping segments merge; adjacent ones stay two units
    assert ag.unitized_alpha([[(3, 9), (5, 7)], [(3, 9)]], 40) == 1.0
    assert ag.unitized_alpha([[(3, 6), (6, 9)], [(3, 9)]], 40) < 1.0


def test_unitized_alpha_breaks_cut_gaps() -> None:
    a, b = [(2, 5), (12, 18)], [(2, 6), (12, 18)]
    plain = ag.unitized_alpha_details([a, b], 20)
    cut = ag.unitized_alpha_details([a, b], 20, breaks=[10])
    assert cut.observed == plain.observed
    assert cut.expected != plain.expected
    with pytest.raises(qc.InputError, match="crosses a document boundary"):
        ag.unitized_alpha([[(8, 12)], [(2, 5)]], 20, breaks=[10])


def test_unitized_alpha_degenerate() -> None:
    with pytest.raises(qc.InputError, match="at least 2 coders"):
        ag.unitized_alpha([[(0, 3)]], 10)
    with pytest.raises(qc.InputError, match="no coder marked any segment"):
        ag.unitized_alpha([[], []], 10)
    with pytest.raises(qc.InputError, match="outside the continuum"):
        ag.unitized_alpha([[(0, 30)], []], 10)
    with pytest.raises(qc.InputError, match="positive length"):
        ag.unitized_alpha([[], []], 0)


def test_merge_spans() -> None:
    assert merge_spans([]).tolist() == []
    assert merge_spans([(0, 5), (1, 2), (4, 8), (8, 9)]).tolist() == [[0, 8], [8, 9]]
    with pytest.raises(qc.InputError):
        merge_spans([(5, 1)])


def test_segment_agreement_thresholds_and_measures() -> None:
    a = [(0, 10), (20, 30), (40, 50)]
    b = [(0, 6), (22, 30), (60, 70)]
    r = ag.segment_agreement(a, b)  # IoU .6 and .8 -> two matches
    assert (r.tp, r.fp, r.fn) == (2, 1, 1)
    assert r.precision == pytest.approx(2 / 3) and r.recall == pytest.approx(2 / 3)
    assert ag.segment_agreement(a, b, threshold=0.7).tp == 1
    # overlap / shorter: (0,6) inside (0,10) scores 1.0
    r = ag.segment_agreement([(0, 10)], [(0, 2)], threshold=0.9, measure="shorter")
    assert r.tp == 1 and r.matches == ((0, 0, 1.0),)
    assert ag.segment_agreement([(0, 10)], [(0, 2)], threshold=0.9).tp == 0


def test_segment_agreement_is_one_to_one_and_maximal() -> None:
    # A's (0,10) could match either half at IoU .5; the matcher must leave (0,5) for (0,6)
    a = [(0, 10), (0, 6)]
    b = [(0, 5), (5, 10)]
    r = ag.segment_agreement(a, b, threshold=0.5)
    assert r.tp == 2
    assert sorted((i, j) for i, j, _ in r.matches) == [(0, 1), (1, 0)]


def test_segment_agreement_empty_and_errors() -> None:
    r = ag.segment_agreement([], [(1, 2)])
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)
    assert ag.segment_agreement([], [], zero_division=1.0).f1 == 1.0
    with pytest.raises(qc.InputError, match="threshold"):
        ag.segment_agreement([(0, 1)], [(0, 1)], threshold=0)
    with pytest.raises(qc.InputError, match="measure"):
        ag.segment_agreement([(0, 1)], [(0, 1)], measure="dice")  # type: ignore[arg-type]
