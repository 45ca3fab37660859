"""Agreement coefficients against published worked examples (source beside each test)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import qualcode as qc
from qualcode import agreement as ag
from qualcode.agreement.alpha import Coincidences, _prepare

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43
# -- the reliability data matrix of section C (4 observers x 12 units, missing values),
# also in Krippendorff (2004), Content Analysis, 2nd ed., p. 230.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability
# measure for coding data. Communication Methods and Measures, 1(1), 77-89, p. 84:
# 40 units x 5 observers, ordinal, alpha = .7598.
HK2007_UNITS = [
    (1, 1, 2, None, 2), (1, 1, 0, 1, None), (2, 3, 3, 3, None), (None, 0, 0, None, 0),
    (0, 0, 0, None, 0), (0, 0, 0, None, 0), (1, 0, 2, None, 1), (1, None, 2, 0, None),
    (2, 2, 2, None, 2), (2, 1, 1, 1, None), (None, 1, 0, 0, None), (0, 0, 0, 0, None),
    (1, 2, 2, 2, None), (3, 3, 2, 2, 3), (1, 1, 1, None, 1), (1, 1, 1, None, 1),
    (2, 1, 2, None, 2), (1, 2, 3, 3, None), (1, 1, 0, 1, None), (0, 0, 0, None, 0),
    (0, 0, 1, 1, None), (0, 0, None, 0, 0), (2, 3, 3, 3, None), (0, 0, 0, 0, None),
    (1, 2, None, 2, 2), (0, 1, 1, 1, None), (0, 0, 0, 1, 0), (1, 2, 1, 2, None),
    (1, 1, 2, 2, None), (1, 1, 2, None, 2), (1, 1, 0, None, 0), (2, 1, 2, 1, None),
    (2, 2, None, 2, 2), (3, 2, 2, 2, None), (2, 2, 2, None, 2), (2, 2, 3, None, 2),
    (2, 2, 2, None, 2), (2, 2, None, 1, 2), (2, 2, 2, 2, None), (1, 1, 1, None, 1),
]
HK2007 = [list(coder) for coder in zip(*HK2007_UNITS, strict=True)]

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin, 76(5), 378-382, Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); kappa = .430.
# Individual ratings as distributed with R's irr package (`diagnoses`) and statsmodels' tests.
FLEISS1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
WIKI_FLEISS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def expand(table: list[list[int]], labels: list[object] | None = None) -> tuple[list, list]:
    """Two coders' ratings from a contingency table (rows coder A, columns coder B)."""
    labels = labels or list(range(len(table)))
    a: list[object] = []
    b: list[object] = []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [labels[i]] * n
            b += [labels[j]] * n
    return a, b


# Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by A and B.
WIKI_A, WIKI_B = expand([[20, 5], [10, 15]], ["yes", "no"])


# --- Krippendorff's alpha ---------------------------------------------------------------

@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_alpha_krippendorff_2011_all_levels(level: str, published: float) -> None:
    # Krippendorff (2011), section C, p. 3-8: .743, .815, .849, .797 (three decimals)
    assert round(ag.krippendorff_alpha(K2011, level=level), 3) == published  # type: ignore[arg-type]


def test_alpha_krippendorff_2011_labels_and_dataframe() -> None:
    # the same data as category labels (nominal), in a DataFrame with NaN for missing
    labels = {1: "book", 2: "letter", 3: "phone", 4: "computer", 5: "folder"}
    data = pd.DataFrame([[labels[v] if v else np.nan for v in row] for row in K2011])
    assert round(ag.krippendorff_alpha(data), 3) == 0.743
    order = ["book", "letter", "phone", "computer", "folder"]
    assert round(ag.krippendorff_alpha(data, level="ordinal", categories=order), 3) == 0.815


def test_alpha_binary_two_coders_krippendorff_2011() -> None:
    # Krippendorff (2011), section A, binary data, two observers: alpha = .095
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(ag.krippendorff_alpha(data), 3) == 0.095


def test_alpha_nominal_two_coders_krippendorff_2011() -> None:
    # Krippendorff (2011), section B, nominal data, two observers, no missing: alpha = .692
    data = [list("aabbdcccedda"), list("babbbccceddd")]
    assert round(ag.krippendorff_alpha(data), 3) == 0.692


def test_alpha_krippendorff_2004_p227_and_percent_agreement() -> None:
    # Krippendorff (2004), Content Analysis, 2nd ed., p. 227: 12 units, 2 coders,
    # percent agreement .833, alpha = .734
    a, b = expand([[1, 1, 0], [0, 4, 1], [0, 0, 5]], ["a", "b", "c"])
    assert round(ag.percent_agreement([a, b]), 3) == 0.833
    assert round(ag.krippendorff_alpha([a, b]), 3) == 0.734


def test_alpha_hayes_krippendorff_2007_ordinal() -> None:
    # Hayes & Krippendorff (2007, p. 84): ordinal alpha = .7598
    assert round(ag.krippendorff_alpha(HK2007, level="ordinal"), 4) == 0.7598


def test_alpha_ci_brackets_alpha_and_is_reproducible() -> None:
    # Hayes & Krippendorff (2007) data; our unit bootstrap, not their KALPHA procedure
    r1 = ag.krippendorff_alpha_ci(HK2007, level="ordinal", n_boot=2000, seed=1)
    r2 = ag.krippendorff_alpha_ci(HK2007, level="ordinal", n_boot=2000, seed=1)
    assert r1 == r2
    alpha, low, high = r1
    assert round(alpha, 4) == 0.7598
    assert 0.55 < low < alpha < high < 0.95
    assert r1.n_valid == r1.n_boot == 2000
    narrow = ag.krippendorff_alpha_ci(HK2007, level="ordinal", n_boot=2000, seed=1, ci=0.5)
    assert low < narrow.low < narrow.high < high


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_vectorised_alpha_equals_krippendorff_package(level: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        data = rng.integers(0, 5, size=(4, 15)).astype(object)
        data[rng.random(data.shape) < 0.25] = None
        try:
            expected = ag.krippendorff_alpha(data, level=level)  # type: ignore[arg-type]
        except qc.InputError:
            continue
        _, domain, counts = _prepare(data, level, None)
        co = Coincidences.from_counts(counts, level=level, values=domain)
        assert float(co.alpha()) == pytest.approx(expected, abs=1e-12)


def test_weighted_units_equal_repeated_units() -> None:
    counts = np.array([[2, 0], [1, 1], [0, 2], [1, 1]])
    repeated = np.repeat(counts, [3, 1, 2, 5], axis=0)
    weighted = Coincidences.from_counts(counts, weights=np.array([3, 1, 2, 5])).alpha()
    assert float(weighted) == pytest.approx(float(Coincidences.from_counts(repeated).alpha()))


# --- degenerate input -------------------------------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    ([[1, 2, 3]], "at least 2 coders"),
    ([], "at least 2 coders"),
    ([[1, 2, 3], [1, 2]], "mismatched lengths"),
    ([[None, None], [None, None]], "no pairable values"),
    ([[1, None, 3], [None, 2, None]], "no pairable values"),
    ([[1, 1, 1], [1, 1, None]], "expected disagreement D_e is 0"),
    ([["x", "x"], ["x", "x"], ["x", None]], "only one value"),
])
def test_alpha_degenerate_input_raises(data: list, message: str) -> None:
    with pytest.raises(qc.InputError, match=message):
        ag.krippendorff_alpha(data)


def test_alpha_rejects_bad_levels_and_values() -> None:
    with pytest.raises(qc.InputError, match="unknown level"):
        ag.krippendorff_alpha(K2011, level="cardinal")  # type: ignore[arg-type]
    with pytest.raises(qc.InputError, match="must be numbers"):
        ag.krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(qc.InputError, match="cannot be negative"):
        ag.krippendorff_alpha([[-1, 2], [1, 2]], level="ratio")
    with pytest.raises(qc.InputError, match="not among the given categories"):
        ag.krippendorff_alpha([["lo", "hi"], ["lo", "mid"]], level="ordinal",
                              categories=["lo", "hi"])
    with pytest.raises(qc.InputError, match="pass categories="):
        ag.krippendorff_alpha([["a", 1], [2, "b"]], level="ordinal")


def test_alpha_ci_all_resamples_degenerate_raises() -> None:
    # two units, one of which has no variation: every resample of 2 x the same unit fails
    with pytest.raises(qc.InputError):
        ag.krippendorff_alpha_ci([[0, 1, 1], [1, 1, 1]], n_boot=0)
    r = ag.krippendorff_alpha_ci([[0, 1, 1, 0, 0], [1, 1, 1, 0, 0]], n_boot=200)
    assert r.n_valid < 200


# --- Cohen's kappa, Scott's pi, percent agreement ---------------------------------------

def test_cohen_kappa_wikipedia_example() -> None:
    # Wikipedia, "Cohen's kappa": p_o = .7, p_e = .5, kappa = .4
    assert ag.cohen_kappa(WIKI_A, WIKI_B) == pytest.approx(0.4)
    assert ag.percent_agreement([WIKI_A, WIKI_B]) == pytest.approx(0.7)


def test_scott_pi_hand_computed_on_wikipedia_table() -> None:
    # hand: p_o = .70; pooled yes = 55/100; p_e = .55^2 + .45^2 = .505; pi = .195/.495 = 13/33
    assert ag.scott_pi(WIKI_A, WIKI_B) == pytest.approx(13 / 33)


def test_cohen_1960_example() -> None:
    # Cohen (1960), Educational and Psychological Measurement 20, p. 45: 200 cases,
    # p_o = .70, p_c = .41, kappa = .492
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    assert round(ag.cohen_kappa_table(table), 3) == 0.492
    a, b = expand(table)
    assert round(ag.cohen_kappa(a, b), 3) == 0.492


def test_scott_pi_and_kappa_krippendorff_2004_p246() -> None:
    # Krippendorff (2004), Content Analysis, 2nd ed., p. 246: same agreement (.460) and
    # same pi (.186), but kappa .186 vs .258 depending on how disagreements are distributed
    a, b = expand([[12, 9, 9], [9, 14, 9], [9, 9, 20]], ["a", "b", "c"])
    assert round(ag.percent_agreement([a, b]), 3) == 0.460
    assert round(ag.scott_pi(a, b), 3) == 0.186
    assert round(ag.cohen_kappa(a, b), 3) == 0.186
    a, b = expand([[12, 18, 18], [0, 14, 18], [0, 0, 20]], ["a", "b", "c"])
    assert round(ag.percent_agreement([a, b]), 3) == 0.460
    assert round(ag.scott_pi(a, b), 3) == 0.186
    assert round(ag.cohen_kappa(a, b), 3) == 0.258


def test_weighted_kappa_sas_example() -> None:
    # SAS/STAT PROC FREQ agreement example (as in statsmodels' tests): 3 ordered categories,
    # simple kappa .4842, weighted kappa (Cicchetti-Allison = linear weights) .4701
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    assert round(ag.cohen_kappa_table(table), 4) == 0.4842
    assert round(ag.cohen_kappa_table(table, weights="linear"), 4) == 0.4701
    a, b = expand(table, ["low", "mid", "high"])
    scale = ["low", "mid", "high"]
    assert round(ag.cohen_kappa(a, b, weights="linear", categories=scale), 4) == 0.4701


def test_weighted_kappa_irr_anxiety() -> None:
    # R package irr (Gamer, Lemon, Fellows & Singh), kappa2(anxiety[, 2:3]) with weights
    # "unweighted" -0.006289308, "equal" (linear) 0.1459075, "squared" 0.2520325
    rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
    rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
    assert ag.cohen_kappa(rater2, rater3) == pytest.approx(-0.006289308, abs=5e-10)
    assert ag.cohen_kappa(rater2, rater3, weights="linear") == pytest.approx(0.1459075, abs=5e-8)
    assert ag.cohen_kappa(rater2, rater3, weights="quadratic") == pytest.approx(0.2520325,
                                                                                abs=5e-8)


def test_quadratic_kappa_hand_computed() -> None:
    # 3 categories, table [[2,1,0],[0,2,1],[0,0,2]] (n = 8): by hand, disagreement weights
    # (i-j)^2/4: observed sum = (1 + 1) * .25 / 8 = .0625; margins A (3,3,2), B (2,3,3)/8:
    # expected = sum_ij w_ij a_i b_j / 64 = (3*3*.25 + 3*3*1 + 3*2*.25 + 3*3*.25
    #            + 2*2*1 + 2*3*.25) / 64 = 20.5/64; kappa = 1 - .0625 * 64 / 20.5 = 1 - 4/20.5
    table = [[2, 1, 0], [0, 2, 1], [0, 0, 2]]
    assert ag.cohen_kappa_table(table, weights="quadratic") == pytest.approx(1 - 4 / 20.5)
    # linear weights |i-j|/2: observed (.5 + .5)/8; expected (4.5 + 9 + 3 + 4.5 + 4 + 3)/64
    assert ag.cohen_kappa_table(table, weights="linear") == pytest.approx(1 - 8 / 28)


def test_kappa_missing_and_degenerate() -> None:
    assert ag.cohen_kappa([1, 2, None, 1], [1, 2, 2, None]) == pytest.approx(1.0)
    with pytest.raises(qc.InputError, match="expected disagreement is 0"):
        ag.cohen_kappa(["a", "a"], ["a", "a"])
    with pytest.raises(qc.InputError, match="no unit was coded by both"):
        ag.cohen_kappa([1, None], [None, 2])
    with pytest.raises(qc.InputError, match="mismatched lengths"):
        ag.cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(qc.InputError, match="expected disagreement is 0"):
        ag.scott_pi(["a"], ["a"])
    with pytest.raises(qc.InputError, match="square"):
        ag.cohen_kappa_table([[1, 2, 3]])


def test_percent_agreement_methods() -> None:
    data = [["a", "a", "b"], ["a", "b", "b"], ["a", "b", None]]
    # unit 1: 3/3 pairs; unit 2: 1/3; unit 3: 1/1 -> pairwise (1 + 1/3 + 1)/3
    assert ag.percent_agreement(data) == pytest.approx(7 / 9)
    assert ag.percent_agreement(data, method="unanimous") == pytest.approx(2 / 3)
    with pytest.raises(qc.InputError, match="no unit was coded by two"):
        ag.percent_agreement([[1, None], [None, 2]])


# --- Fleiss' kappa ----------------------------------------------------------------------

def test_fleiss_kappa_wikipedia_example() -> None:
    # Wikipedia, "Fleiss' kappa": P-bar = .378, P-bar_e = .213, kappa = .210
    t = np.array(WIKI_FLEISS, dtype=float)
    p_i = ((t**2).sum(axis=1) - 14) / (14 * 13)
    assert round(p_i.mean(), 3) == 0.378
    assert round(((t.sum(axis=0) / t.sum()) ** 2).sum(), 3) == 0.213
    assert round(ag.fleiss_kappa(WIKI_FLEISS), 3) == 0.210


def test_fleiss_kappa_fleiss_1971_table() -> None:
    # Fleiss (1971), p. 380: kappa = .430 for the 30 x 6 psychiatric diagnoses
    table = ag.category_counts([list(r) for r in zip(*FLEISS1971, strict=True)])
    assert table.shape == (30, 5)
    assert round(ag.fleiss_kappa(table), 3) == 0.430


def test_fleiss_kappa_degenerate() -> None:
    with pytest.raises(qc.InputError, match="same number of ratings"):
        ag.fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(qc.InputError, match="expected disagreement is 0"):
        ag.fleiss_kappa([[3, 0], [3, 0]])
    with pytest.raises(qc.InputError, match="at least 2 raters"):
        ag.fleiss_kappa([[1, 0], [0, 1]])


def test_against_statsmodels_when_installed() -> None:
    ir = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(3)
    for _ in range(10):
        ratings = rng.integers(0, 4, size=(25, 5))
        table, _ = ir.aggregate_raters(ratings, n_cat=4)
        if table.sum(axis=0).max() == table.sum():
            continue
        assert ag.fleiss_kappa(table) == pytest.approx(ir.fleiss_kappa(table))
        a, b = ratings[:, 0], ratings[:, 1]
        ct = np.zeros((4, 4))
        np.add.at(ct, (a, b), 1)
        for weights, wt in ((None, None), ("linear", "linear"), ("quadratic", "quadratic")):
            ours = ag.cohen_kappa(a, b, weights=weights, categories=[0, 1, 2, 3])  # type: ignore[arg-type]
            theirs = ir.cohens_kappa(ct, wt=wt, return_results=False)
            assert ours == pytest.approx(theirs)


# --- interpretation ---------------------------------------------------------------------

def test_interpretation_bands() -> None:
    # Krippendorff (2004, p. 241); Landis & Koch (1977, p. 165)
    assert [ag.interpret_alpha(x) for x in (0.8, 0.799, 0.667, 0.666, math.nan)] == [
        "reliable", "tentative only", "tentative only", "unreliable", "undefined"]
    assert [ag.interpret_kappa(x) for x in (-0.01, 0.0, 0.2, 0.21, 0.4, 0.6, 0.8, 0.81)] == [
        "poor", "slight", "slight", "fair", "fair", "moderate", "substantial", "almost perfect"]
