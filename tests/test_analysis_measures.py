"""Co-occurrence measures and significance on hand-computed examples and vs scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control, fisher_exact

from qualcode.analysis import measures as m

# n1=4, n2=3, n12=2, N=10: p1=0.4, p2=0.3, p12=0.2
EXAMPLE = (2, 4, 3, 10)
EXPECTED = {
    "count": 2.0,
    "jaccard": 2 / (4 + 3 - 2),  # 0.4
    "c": 0.4,  # ATLAS.ti c-coefficient = Jaccard on binary units
    "cosine": 2 / math.sqrt(4 * 3),  # 0.57735
    "association": 2 * 10 / (4 * 3),  # 1.6667
    "lift": 0.2 / (0.4 * 0.3),  # 1.6667
    "pmi": math.log2(0.2 / (0.4 * 0.3)),  # 0.73697
    "npmi": math.log2(0.2 / (0.4 * 0.3)) / -math.log2(0.2),  # 0.31739
    "inclusion": 2 / 3,
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_measure_on_the_hand_computed_example(name: str) -> None:
    assert float(m.MEASURES[name](*EXAMPLE)) == pytest.approx(EXPECTED[name], rel=1e-12)


def test_hand_computed_values_written_out() -> None:
    assert EXPECTED["jaccard"] == pytest.approx(0.4)
    assert EXPECTED["cosine"] == pytest.approx(0.5773502692)
    assert EXPECTED["lift"] == pytest.approx(5 / 3)
    assert EXPECTED["pmi"] == pytest.approx(0.7369655942)
    assert EXPECTED["npmi"] == pytest.approx(0.3173938)


def test_second_example_disjoint_and_identical_codes() -> None:
    # never together: n12 = 0
    assert float(m.jaccard(0, 3, 3, 10)) == 0.0
    assert float(m.cosine(0, 3, 3, 10)) == 0.0
    assert float(m.association(0, 3, 3, 10)) == 0.0
    assert float(m.pmi(0, 3, 3, 10)) == -math.inf
    assert float(m.npmi(0, 3, 3, 10)) == -1.0
    # always together: n1 = n2 = n12 = 5 of 10
    assert float(m.jaccard(5, 5, 5, 10)) == 1.0
    assert float(m.cosine(5, 5, 5, 10)) == 1.0
    assert float(m.inclusion(5, 5, 5, 10)) == 1.0
    assert float(m.pmi(5, 5, 5, 10)) == pytest.approx(1.0)  # log2(0.5 / 0.25)
    assert float(m.npmi(5, 5, 5, 10)) == pytest.approx(1.0)
    # every unit carries both: npmi defined as 1
    assert float(m.npmi(10, 10, 10, 10)) == 1.0


def test_zero_frequency_codes_give_zero_not_nan() -> None:
    for name, f in m.MEASURES.items():
        value = float(f(0, 0, 0, 10))
        assert not math.isnan(value), name


def test_measures_broadcast_over_arrays() -> None:
    n12 = np.array([[3, 1], [1, 2]])
    n = np.array([3.0, 2.0])
    out = m.jaccard(n12, n[:, None], n[None, :], 5)
    assert out.shape == (2, 2)
    assert out[0, 1] == pytest.approx(1 / (3 + 2 - 1))


def test_hypergeometric_p_equals_fisher_one_sided_on_the_example() -> None:
    n12, n1, n2, n = EXAMPLE
    table = [[n12, n1 - n12], [n2 - n12, n - n1 - n2 + n12]]
    expected = fisher_exact(table, alternative="greater").pvalue
    assert float(m.hypergeom_pvalue(*EXAMPLE)) == pytest.approx(expected, rel=1e-12)
    # by hand: P(X>=2) = [C(3,2)C(7,2) + C(3,3)C(7,1)] / C(10,4) = (63 + 7) / 210
    assert float(m.hypergeom_pvalue(*EXAMPLE)) == pytest.approx(70 / 210)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_hypergeometric_p_equals_fisher_exact(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 60))
    n1 = data.draw(st.integers(0, n))
    n2 = data.draw(st.integers(0, n))
    n12 = data.draw(st.integers(max(0, n1 + n2 - n), min(n1, n2)))
    table = [[n12, n1 - n12], [n2 - n12, n - n1 - n2 + n12]]
    expected = 1.0 if n12 == 0 else fisher_exact(table, alternative="greater").pvalue
    assert float(m.hypergeom_pvalue(n12, n1, n2, n)) == pytest.approx(expected, rel=1e-9,
                                                                      abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_bh_equals_scipy(ps: list[float]) -> None:
    np.testing.assert_allclose(m.bh_qvalues(ps), false_discovery_control(ps, method="bh"))


def test_bh_by_hand_and_empty() -> None:
    # sorted p: .01 .03 .04 .5 -> p*4/rank: .04 .06 .0533 .5 -> cumulative min from the top
    np.testing.assert_allclose(m.bh_qvalues([0.01, 0.04, 0.03, 0.5]),
                               [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert m.bh_qvalues([]).size == 0


def test_hypergeometric_p_matches_scipy_for_large_unit_counts() -> None:
    from scipy.stats import hypergeom

    rng = np.random.default_rng(5)
    total = rng.integers(1_000, 40_000, 400)
    n1 = (rng.random(400) * total).astype(np.int64)
    n2 = (rng.random(400) * total).astype(np.int64)
    lo, hi = np.maximum(0, n1 + n2 - total), np.minimum(n1, n2)
    n12 = lo + (rng.random(400) * (hi - lo + 1)).astype(np.int64)
    ours = m.hypergeom_pvalue(n12, n1, n2, total)
    ref = np.where(n12 > 0, hypergeom.sf(n12 - 1, total, n1, n2), 1.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-300)
    # the significant tail, where precision matters most
    assert float(m.hypergeom_pvalue(300, 1000, 1000, 30_000)) == pytest.approx(
        float(hypergeom.sf(299, 30_000, 1000, 1000)), rel=1e-8)
