"""Property tests for the agreement coefficients (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode import agreement as ag
from qualcode.agreement.spans import merge_spans
from qualcode.model import Document, Turn


def num(value: Any) -> float:
    """A table cell as a float (pandas-stubs types cells loosely)."""
    return float(value)


LEVELS = ["nominal", "ordinal", "interval", "ratio"]
FAST = settings(max_examples=60, deadline=None)


@st.composite
def reliability_data(draw: st.DrawFn, missing: bool = True) -> list[list[int | None]]:
    n_coders = draw(st.integers(2, 4))
    n_units = draw(st.integers(2, 10))
    value = st.integers(0, 4)
    cell = st.one_of(st.none(), value) if missing else value
    return [[draw(cell) for _ in range(n_units)] for _ in range(n_coders)]


def alpha_or_error(data: list[list[int | None]], level: str) -> float | None:
    try:
        return ag.krippendorff_alpha(data, level=level)  # type: ignore[arg-type]
    except qc.InputError:
        return None


@FAST
@given(st.lists(st.integers(0, 5), min_size=2, max_size=12), st.integers(2, 5),
       st.sampled_from(LEVELS))
def test_perfect_agreement_gives_one(values: list[int], n_coders: int, level: str) -> None:
    assume(len(set(values)) > 1)
    data = [list(values) for _ in range(n_coders)]
    assert ag.krippendorff_alpha(data, level=level) == pytest.approx(1.0)  # type: ignore[arg-type]
    assert ag.percent_agreement(data) == 1.0
    assert ag.cohen_kappa(values, values) == pytest.approx(1.0)
    assert ag.cohen_kappa(values, values, weights="quadratic") == pytest.approx(1.0)
    assert ag.scott_pi(values, values) == pytest.approx(1.0)
    assert ag.fleiss_kappa(ag.category_counts(data)) == pytest.approx(1.0)


@FAST
@given(reliability_data(), st.sampled_from(LEVELS), st.randoms(use_true_random=False))
def test_alpha_invariant_to_coder_and_unit_order(data: list[list[int | None]], level: str,
                                                 rnd: object) -> None:
    alpha = alpha_or_error(data, level)
    assume(alpha is not None)
    rows = list(data)
    rnd.shuffle(rows)  # type: ignore[attr-defined]
    order = list(range(len(data[0])))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = [[row[j] for j in order] for row in rows]
    assert ag.krippendorff_alpha(shuffled, level=level) == pytest.approx(alpha)  # type: ignore[arg-type]


@FAST
@given(reliability_data(), st.sampled_from(LEVELS), st.integers(0, 4))
def test_unpairable_units_do_not_change_alpha(data: list[list[int | None]], level: str,
                                              lone: int) -> None:
    alpha = alpha_or_error(data, level)
    assume(alpha is not None)
    # a unit nobody coded and a unit one coder coded carry no pairable values
    extended = [[*row, None, (lone if i == 0 else None)] for i, row in enumerate(data)]
    assert ag.krippendorff_alpha(extended, level=level) == pytest.approx(alpha)  # type: ignore[arg-type]


@FAST
@given(reliability_data(), st.sampled_from(LEVELS))
def test_alpha_is_defined_or_raises_clearly(data: list[list[int | None]], level: str) -> None:
    counts = ag.category_counts(data).to_numpy()
    pairable = counts[counts.sum(axis=1) >= 2]
    n_values = int((pairable.sum(axis=0) > 0).sum())
    if n_values >= 2:
        assert np.isfinite(ag.krippendorff_alpha(data, level=level))  # type: ignore[arg-type]
    else:
        with pytest.raises(qc.InputError, match=r"pairable|only one value"):
            ag.krippendorff_alpha(data, level=level)  # type: ignore[arg-type]


@FAST
@given(st.integers(1, 10), st.integers(1, 4), st.one_of(st.none(), st.integers(0, 3)))
def test_degenerate_inputs_raise(n_units: int, n_coders: int, value: int | None) -> None:
    # one category (or nothing at all) in every cell, or a single coder
    data = [[value] * n_units for _ in range(n_coders)]
    with pytest.raises(qc.InputError):
        ag.krippendorff_alpha(data)
    with pytest.raises(qc.InputError):
        ag.krippendorff_alpha([[1, 2, 3][: max(n_units, 2)]])


@FAST
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=30),
       st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_and_pi_symmetric(pairs: list[tuple[int, int]], weights: str | None) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    cats = [0, 1, 2, 3]
    try:
        k = ag.cohen_kappa(a, b, weights=weights, categories=cats)  # type: ignore[arg-type]
    except qc.InputError:
        assume(False)
    assert ag.cohen_kappa(b, a, weights=weights, categories=cats) == pytest.approx(k)  # type: ignore[arg-type]
    assert -1.0 - 1e-9 <= k <= 1.0 + 1e-9
    assert ag.scott_pi(a, b) == pytest.approx(ag.scott_pi(b, a))


@FAST
@given(reliability_data(missing=False))
def test_bootstrap_interval_is_ordered(data: list[list[int | None]]) -> None:
    try:
        r = ag.krippendorff_alpha_ci(data, n_boot=50, seed=3)
    except qc.InputError:
        assume(False)
    assert r.low <= r.high
    assert 0 < r.n_valid <= 50


spans_st = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)).map(
    lambda t: (t[0], t[0] + t[1])), max_size=6)


@FAST
@given(spans_st, spans_st, st.integers(2, 4))
def test_unitized_alpha_one_iff_identical(a: list[tuple[int, int]], b: list[tuple[int, int]],
                                          n_coders: int) -> None:
    assume(a)
    assert ag.unitized_alpha([a] * n_coders, 80) == pytest.approx(1.0)
    if merge_spans(a).tolist() != merge_spans(b).tolist():
        assert ag.unitized_alpha([a, b], 80) < 1.0
        assert ag.unitized_alpha([b, a], 80) == pytest.approx(ag.unitized_alpha([a, b], 80))


@FAST
@given(spans_st, spans_st, st.floats(0.05, 1.0), st.sampled_from(["union", "shorter"]))
def test_overlap_matcher_bounds(a: list[tuple[int, int]], b: list[tuple[int, int]],
                                threshold: float, measure: str) -> None:
    r = ag.segment_agreement(a, b, threshold=threshold, measure=measure)  # type: ignore[arg-type]
    for x in (r.precision, r.recall, r.f1):
        assert 0.0 <= x <= 1.0
    assert r.tp <= min(r.n_a, r.n_b)
    assert len({i for i, _, _ in r.matches}) == len({j for _, j, _ in r.matches}) == r.tp
    swapped = ag.segment_agreement(b, a, threshold=threshold, measure=measure)  # type: ignore[arg-type]
    assert swapped.tp == r.tp
    assert (swapped.precision, swapped.recall) == pytest.approx((r.recall, r.precision))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["x", "y"]),
                          st.integers(0, 39), st.integers(0, 12)), min_size=2, max_size=10))
def test_character_runs_equal_per_character(raw: list[tuple[str, str, int, int]]) -> None:
    text = "S: " + "a" * 17 + "\nT: " + "b" * 16
    doc = Document(name="d.txt", text=text,
                   turns=(Turn("S", 3, 20, "a" * 17), Turn("T", 24, 40, "b" * 16)))
    codings = [qc.Coding(doc.id, code, s, min(s + n, 40), coder=c) for c, code, s, n in raw]
    assume({c.coder for c in codings} == {"A", "B"})
    au = ag.agreement_units(codings, [doc], coders=["A", "B"], unit="character")
    assert au.units["weight"].sum() == len(text)
    table = ag.agreement_table(codings, [doc], coders=["A", "B"], unit="character",
                               u_alpha=False).set_index("code")
    for code in au.codes:
        per_char = np.zeros((2, len(text)), dtype=int)
        for c in codings:
            if c.code == code:
                per_char[["A", "B"].index(c.coder), c.start : c.end] = 1
        assert table.loc[code, "percent_agreement"] == pytest.approx(
            ag.percent_agreement(per_char))
        try:
            expected = ag.krippendorff_alpha(per_char)
        except qc.InputError:
            assert math.isnan(num(table.loc[code, "alpha"]))
            continue
        assert table.loc[code, "alpha"] == pytest.approx(expected)
