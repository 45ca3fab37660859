"""Co-occurrence matrices and tables: filters, significance columns, where=."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact

import qualcode as qc
from qualcode.analysis import MEASURES, cooccurrence, cooccurrence_stats, cooccurrence_table


def doc(name: str, **attributes: object) -> qc.Document:
    return qc.Document(name=name, text=f"{name} " + "x" * 40, attributes=dict(attributes))


@pytest.fixture
def corpus() -> tuple[list[qc.Document], list[qc.Coding]]:
    """Ten documents (unit="document"): A in 4, B in 3, both in 2 -> the hand example."""
    docs = [doc(f"d{i}", site="Kediri" if i < 5 else "Jakarta",
                group_type="FGD" if i % 2 else "interview") for i in range(10)]
    codings = []
    for i in (0, 1, 2, 3):
        codings.append(qc.Coding(docs[i].id, "A", 0, 3))
    for i in (0, 1, 7):
        codings.append(qc.Coding(docs[i].id, "B", 4, 8))
    codings.append(qc.Coding(docs[9].id, "C", 0, 2))
    return docs, codings


def test_square_symmetric_with_frequency_diagonal(corpus: tuple) -> None:
    docs, codings = corpus
    m = cooccurrence(codings, documents=docs, unit="document")
    assert list(m.index) == list(m.columns) == ["A", "B", "C"]
    assert (m.to_numpy() == m.to_numpy().T).all()
    assert np.diagonal(m.to_numpy()).tolist() == [4, 3, 1]
    assert m.loc["A", "B"] == 2


def test_hand_example_through_the_pipeline(corpus: tuple) -> None:
    docs, codings = corpus
    t = cooccurrence_table(codings, documents=docs, unit="document", min_count=0)
    row = t[(t.code_a == "A") & (t.code_b == "B")].iloc[0]
    assert (row.n_a, row.n_b, row.n_ab, row.N) == (4, 3, 2, 10)
    assert row.jaccard == pytest.approx(0.4)
    assert row.c == pytest.approx(0.4)
    assert row.cosine == pytest.approx(2 / np.sqrt(12))
    assert row.association == pytest.approx(20 / 12)
    assert row.lift == pytest.approx(20 / 12)
    assert row.pmi == pytest.approx(np.log2(0.2 / 0.12))
    assert row.npmi == pytest.approx(np.log2(0.2 / 0.12) / -np.log2(0.2))
    assert row.inclusion == pytest.approx(2 / 3)
    assert row.p == pytest.approx(fisher_exact([[2, 2], [1, 5]], alternative="greater").pvalue)
    assert list(t.columns) == ["code_a", "code_b", "n_a", "n_b", "n_ab", "N", *MEASURES, "p", "q"]


def test_q_values_are_bh_over_all_pairs(corpus: tuple) -> None:
    docs, codings = corpus
    t = cooccurrence_table(codings, documents=docs, unit="document", min_count=0)
    assert len(t) == 3  # every pair of three codes
    np.testing.assert_allclose(t.q, false_discovery_control(t.p.to_numpy(), method="bh"))
    # the default min_count=1 drops pairs that never co-occur, but q stays the same
    t1 = cooccurrence_table(codings, documents=docs, unit="document")
    assert len(t1) == 1 and t1.q.iloc[0] == pytest.approx(t.q.iloc[0])


def test_every_measure_matrix(corpus: tuple) -> None:
    docs, codings = corpus
    for name in MEASURES:
        m = cooccurrence(codings, documents=docs, unit="document", measure=name, diagonal="zero")
        assert m.shape == (3, 3)
        assert m.loc["A", "B"] == pytest.approx(float(MEASURES[name](2, 4, 3, 10)))
        assert m.loc["A", "A"] == 0


def test_diagonal_options(corpus: tuple) -> None:
    docs, codings = corpus
    m = cooccurrence(codings, documents=docs, unit="document", measure="jaccard")
    assert m.loc["A", "A"] == 4  # frequency by default
    m = cooccurrence(codings, documents=docs, unit="document", measure="jaccard",
                     diagonal="measure")
    assert m.loc["A", "A"] == 1.0
    with pytest.raises(qc.InputError):
        cooccurrence(codings, documents=docs, unit="document", diagonal="diag")


def test_min_count_and_max_q_blank_cells(corpus: tuple) -> None:
    docs, codings = corpus
    m = cooccurrence(codings, documents=docs, unit="document", min_count=3)
    assert m.loc["A", "B"] == 0 and m.loc["A", "A"] == 4
    m = cooccurrence(codings, documents=docs, unit="document", measure="cosine", min_count=3)
    assert np.isnan(m["A"]["B"])
    m = cooccurrence(codings, documents=docs, unit="document", max_q=0.01)
    assert m.loc["A", "B"] == 0
    t = cooccurrence_table(codings, documents=docs, unit="document", max_q=0.01)
    assert t.empty


def test_codes_selects_and_orders_including_unused(corpus: tuple) -> None:
    docs, codings = corpus
    m = cooccurrence(codings, documents=docs, unit="document", codes=["B", "A", "Z"])
    assert list(m.index) == ["B", "A", "Z"]
    assert m.loc["Z", "Z"] == 0
    book = qc.Codebook("cb", codes=(qc.Code("B"), qc.Code("A")))
    assert list(cooccurrence(codings, documents=docs, unit="document", codes=book).index) == [
        "B", "A"]


def test_where_filters_documents(corpus: tuple) -> None:
    docs, codings = corpus
    m = cooccurrence(codings, documents=docs, unit="document", where={"site": "Kediri"})
    assert m.loc["A", "A"] == 4 and m.loc["B", "B"] == 2
    assert cooccurrence_stats(codings, documents=docs, unit="document",
                              where={"site": "Kediri"}).N == 5
    m = cooccurrence(codings, documents=docs, unit="document",
                     where={"site": "Kediri", "group_type": ["FGD"]})  # d1, d3
    assert m.loc["A", "A"] == 2 and m.loc["A", "B"] == 1
    m = cooccurrence(codings, documents=docs, unit="document", where={"site": ["Jakarta"]})
    assert m.loc["A", "A"] == 0 and m.loc["B", "B"] == 1


def test_where_needs_documents(corpus: tuple) -> None:
    _, codings = corpus
    with pytest.raises(qc.InputError, match="needs documents"):
        cooccurrence(codings, unit="document", where={"site": "Kediri"})


def test_coders_filter() -> None:
    cs = [qc.Coding("d1", "A", 0, 3, coder="ana"), qc.Coding("d1", "B", 0, 3, coder="budi"),
          qc.Coding("d2", "A", 0, 3, coder="ana")]
    m = cooccurrence(cs, unit="document", coders=["ana"], codes=["A", "B"])
    assert m.loc["A", "A"] == 2 and m.loc["B", "B"] == 0
    m = cooccurrence(cs, unit="document", coders="budi")
    assert list(m.index) == ["B"]


def test_codings_of_unknown_documents(corpus: tuple) -> None:
    docs, _ = corpus
    with pytest.raises(qc.InputError, match="none of the"):
        cooccurrence([qc.Coding("nope", "A", 0, 1)], documents=docs, unit="document")


def test_empty_input_gives_empty_frames() -> None:
    m = cooccurrence([], unit="document")
    assert isinstance(m, pd.DataFrame) and m.empty
    assert cooccurrence_table([], unit="document").empty
    m = cooccurrence([], unit="document", codes=["A"])
    assert m.loc["A", "A"] == 0


def test_unknown_measure() -> None:
    with pytest.raises(qc.InputError, match="unknown measure"):
        cooccurrence([], unit="document", measure="dice")


def test_table_sort_by(corpus: tuple) -> None:
    docs, codings = corpus
    t = cooccurrence_table(codings, documents=docs, unit="document", min_count=0,
                           sort_by="n_ab")
    assert t.n_ab.tolist() == sorted(t.n_ab, reverse=True)
    t = cooccurrence_table(codings, documents=docs, unit="document", min_count=0, sort_by="p")
    assert t.p.tolist() == sorted(t.p)
