"""Units of analysis, segmentation, and the sparse counts vs a brute-force reference."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.analysis import (
    UNITS,
    assign_units,
    cooccurrence,
    cooccurrence_stats,
    split_paragraphs,
    split_sentences,
)
from qualcode.analysis.measures import MEASURES
from qualcode.analysis.segment import document_regions, tokenize

TEXT = (
    b"Interview notes\n"
    b"I: Is there a written contract?\n"
    b"R: No contract. We are paid by the piece. It is low.\n"
    b"\n"
    b"Second paragraph here. Very low pay.\n"
    b"P2: I agree. No contract for me either.\n"
    b"I: Thank you."
)


def make_doc() -> qc.Document:
    return qc.parse_transcript(TEXT, name="x.txt")


def span(doc: qc.Document, text: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(text, start + 1)
    return start, start + len(text)


def coding(doc: qc.Document, code: str, text: str, nth: int = 0) -> qc.Coding:
    s, e = span(doc, text, nth)
    return qc.Coding(doc.id, code, s, e)


@pytest.fixture
def doc() -> qc.Document:
    return make_doc()


def test_transcript_fixture_has_the_expected_turns(doc: qc.Document) -> None:
    assert [t.speaker for t in doc.turns] == ["I", "R", "P2", "I"]


def test_sentences_and_paragraphs(doc: qc.Document) -> None:
    r_turn = doc.turns[1]
    sents = [doc.text[s:e] for s, e in split_sentences(doc.text, r_turn.start, r_turn.end)]
    assert sents == ["No contract.", "We are paid by the piece.", "It is low.",
                     "Second paragraph here.", "Very low pay."]
    paras = [doc.text[s:e] for s, e in split_paragraphs(doc.text, r_turn.start, r_turn.end)]
    assert paras == ["No contract. We are paid by the piece. It is low.",
                     "Second paragraph here. Very low pay."]
    assert document_regions(doc) == [(t.start, t.end) for t in doc.turns]


def test_sentence_splitter_rules() -> None:
    text = 'Dr. smith came. "Really?" she asked… Yes!! (Then) it ended.\nNext line ok. ¿Qué? 3. no'
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == ["Dr. smith came.", '"Really?" she asked…', "Yes!!", "(Then) it ended.",
                   "Next line ok.", "¿Qué? 3. no"]


def test_tokenize_counts_words() -> None:
    s, e = tokenize("Upah borongan, Rp 10.000 per kodi.")
    assert len(s) == 7 and e[-1] == len("Upah borongan, Rp 10.000 per kodi")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
       | st.text(alphabet="ab _.,1\u00e9\u0663\u00b2\u4e2d\u200b\U0001f600-", max_size=60))
def test_tokenize_matches_regex_word_runs(text: str) -> None:
    starts, ends = tokenize(text)
    spans = [m.span() for m in re.finditer(r"\w+", text)]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == spans


def test_turn_units(doc: qc.Document) -> None:
    cs = [
        coding(doc, "contract", "written contract"),  # turn 0 (I)
        coding(doc, "no_contract", "No contract", 0),  # turn 1 (R)
        coding(doc, "low_pay", "Very low pay"),  # turn 1 (R), second paragraph
        coding(doc, "no_contract", "No contract", 1),  # turn 2 (P2)
        coding(doc, "title", "Interview notes"),  # outside every turn
    ]
    u = assign_units(cs, documents=[doc], unit="turn")
    assert u.unit.tolist() == [0, 1, 1, 2, 4]
    assert u.n == 5  # four turns + the document's outside unit
    m = cooccurrence(cs, documents=[doc], unit="turn")
    assert m.loc["low_pay", "no_contract"] == 1
    assert m.loc["no_contract", "no_contract"] == 2
    assert m.loc["contract", "no_contract"] == 0


def test_coding_spanning_two_turns_belongs_to_both(doc: qc.Document) -> None:
    s, _ = span(doc, "It is low.")
    _, e = span(doc, "I agree.")
    u = assign_units([qc.Coding(doc.id, "x", s, e)], documents=[doc], unit="turn")
    assert u.unit.tolist() == [1, 2]


def test_sentence_and_paragraph_units(doc: qc.Document) -> None:
    cs = [coding(doc, "no_contract", "No contract", 0), coding(doc, "piece", "paid by the piece"),
          coding(doc, "low_pay", "Very low pay")]
    sent = cooccurrence(cs, documents=[doc], unit="sentence")
    assert sent.loc["no_contract", "piece"] == 0
    para = cooccurrence(cs, documents=[doc], unit="paragraph")
    assert para.loc["no_contract", "piece"] == 1
    assert para.loc["no_contract", "low_pay"] == 0
    turn = cooccurrence(cs, documents=[doc], unit="turn")
    assert turn.loc["no_contract", "low_pay"] == 1


def test_overlap_units(doc: qc.Document) -> None:
    s, e = span(doc, "We are paid by the piece. It is low.")
    cs = [
        qc.Coding(doc.id, "pay", s, e),
        coding(doc, "piece", "paid by the piece"),  # inside pay
        coding(doc, "low", "It is low"),  # inside pay, not overlapping piece
        coding(doc, "contract", "No contract", 0),  # touches nothing
    ]
    m = cooccurrence(cs, unit="overlap")  # works without documents
    assert m.loc["pay", "piece"] == 1 and m.loc["pay", "low"] == 1
    assert m.loc["piece", "low"] == 0
    assert m.loc["pay", "pay"] == 2  # pay takes part in two overlap sites
    stats = cooccurrence_stats(cs, unit="overlap")
    assert stats.N == 3  # {pay, piece}, {pay, low}, {contract}


def test_adjacent_spans_do_not_overlap() -> None:
    cs = [qc.Coding("d", "a", 0, 5), qc.Coding("d", "b", 5, 9)]
    assert cooccurrence(cs, unit="overlap").loc["a", "b"] == 0


def test_window_units(doc: qc.Document) -> None:
    cs = [coding(doc, "no_contract", "No contract", 0), coding(doc, "low", "It is low")]
    # tokens between them: We are paid by the piece -> 6
    def pair(w: int) -> int:
        m = cooccurrence(cs, documents=[doc], unit="window", window=w)
        return int(m["low"]["no_contract"])
    assert pair(6) == 0
    assert pair(7) == 1
    assert pair(50) == 1  # the default window is 50 tokens
    assert int(cooccurrence(cs, documents=[doc], unit="window")["low"]["no_contract"]) == 1


def test_document_and_participant_units(doc: qc.Document) -> None:
    other = qc.parse_transcript(b"R: Nothing about pay.\nI: Ok.", name="y.txt")
    cs = [
        coding(doc, "no_contract", "No contract", 0),  # R
        coding(doc, "low_pay", "Very low pay"),  # R
        coding(doc, "agree", "I agree"),  # P2
        coding(doc, "thanks", "Thank you"),  # I, turn 3
        coding(doc, "contract", "written contract"),  # I, turn 0
        qc.Coding(other.id, "low_pay", 3, 10),
    ]
    d = cooccurrence(cs, documents=[doc, other], unit="document")
    assert d.loc["low_pay", "low_pay"] == 2
    assert d.loc["agree", "thanks"] == 1
    p = cooccurrence(cs, documents=[doc, other], unit="participant")
    assert p.loc["thanks", "contract"] == 1  # same speaker, different turns
    assert p.loc["agree", "no_contract"] == 0
    assert p.loc["low_pay", "no_contract"] == 1
    assert cooccurrence_stats(cs, documents=[doc, other], unit="participant").N == 5


def test_units_needing_documents_raise_input_error() -> None:
    cs = [qc.Coding("d", "a", 0, 5)]
    for unit in ("turn", "sentence", "paragraph", "window", "participant"):
        with pytest.raises(qc.InputError, match="needs documents"):
            cooccurrence(cs, unit=unit)
    with pytest.raises(qc.InputError, match="unknown unit"):
        cooccurrence(cs, unit="line")
    with pytest.raises(qc.InputError, match="window"):
        cooccurrence(cs, unit="overlap", window=3)


def test_roles_restrict_turns(doc: qc.Document) -> None:
    cs = [coding(doc, "contract", "written contract"), coding(doc, "no_contract", "No contract", 0)]
    m = cooccurrence(cs, documents=[doc], roles=["participant"], codes=["contract", "no_contract"])
    assert m.loc["contract", "contract"] == 0 and m.loc["no_contract", "no_contract"] == 1
    assert cooccurrence_stats(cs, documents=[doc], roles="participant").N == 2  # R and P2 turns


# --- brute force reference -------------------------------------------------------------


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _span(c: qc.Coding, doc: qc.Document) -> tuple[int, int]:
    s = min(c.start, len(doc.text))
    e = min(c.end, len(doc.text))
    return s, max(e, s + 1)


def _token_span(c: qc.Coding, doc: qc.Document, w: int) -> tuple[int, int]:
    starts, ends = tokenize(doc.text)
    s, e = _span(c, doc)
    t0 = sum(1 for x in ends if x <= s)
    t1 = max(sum(1 for x in starts if x < e), t0 + 1)
    return t0, t1 + w


def brute_units(codings: Sequence[qc.Coding], docs: Sequence[qc.Document], unit: str,
                window: int = 5) -> list[set[str]]:
    """Every unit as the set of codes in it, computed the slow, obvious way."""
    by_id = {d.id: d for d in docs}
    units: dict[Hashable, set[str]] = {}
    if unit in ("overlap", "window"):
        g = nx.Graph()
        g.add_nodes_from(range(len(codings)))
        for i, j in itertools.combinations(range(len(codings)), 2):
            a, b = codings[i], codings[j]
            if a.document != b.document:
                continue
            d = by_id[a.document]
            if unit == "overlap":
                hit = _overlaps(_span(a, d), _span(b, d))
            else:
                hit = _overlaps(_token_span(a, d, window), _token_span(b, d, window))
            if hit:
                g.add_edge(i, j)
        return [{codings[i].code for i in clique} for clique in nx.find_cliques(g)]
    segments: dict[str, list[tuple[int, int]]] = {}
    for d in docs:
        if unit == "document":
            units[d.id] = set()
        elif unit in ("turn", "participant"):
            for i, t in enumerate(d.turns):
                units[(d.id, t.speaker if unit == "participant" else i)] = set()
            if not d.turns:
                units[(d.id, None if unit == "participant" else 0)] = set()
        else:
            split = split_sentences if unit == "sentence" else split_paragraphs
            segments[d.id] = [s for r in document_regions(d) for s in split(d.text, *r)]
            for s in segments[d.id]:
                units[(d.id, s)] = set()
    for c in codings:
        d = by_id[c.document]
        sp = _span(c, d)
        keys: list[Hashable] = []
        if unit == "document":
            keys = [d.id]
        elif unit in ("turn", "participant"):
            turns = list(enumerate(d.turns)) or [(0, qc.Turn(None, 0, len(d.text), d.text))]
            keys = [(d.id, t.speaker if unit == "participant" else i)
                    for i, t in turns if _overlaps(sp, (t.start, t.end))]
        else:
            keys = [(d.id, s) for s in segments[d.id] if _overlaps(sp, s)]
        if not keys:
            keys = [(d.id, None) if unit == "participant" else (d.id, "outside")]
        for k in keys:
            units.setdefault(k, set()).add(c.code)
    return list(units.values())


def brute_counts(units: list[set[str]], codes: list[str]) -> np.ndarray:
    out = np.zeros((len(codes), len(codes)), dtype=np.int64)
    idx = {c: i for i, c in enumerate(codes)}
    for present in units:
        for a in present:
            for b in present:
                out[idx[a], idx[b]] += 1
    return out


WORDS = ["pay", "low", "contract", "no", "group", "union", "we", "they", "piece", "rate"]
SPEAKERS = ["I", "R", "Bu Sari", "P2"]


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[qc.Document], list[qc.Coding]]:
    docs = []
    for k in range(draw(st.integers(1, 3))):
        lines = []
        for _ in range(draw(st.integers(1, 5))):
            speaker = draw(st.sampled_from(SPEAKERS))
            sentences = []
            for _ in range(draw(st.integers(1, 4))):
                words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
                sentences.append(" ".join(words).capitalize() + draw(st.sampled_from(".?!")))
            sep = draw(st.sampled_from([" ", " ", "\n\n"]))
            lines.append(f"{speaker}: {sep.join(sentences)}")
        doc = qc.parse_transcript("\n".join(lines).encode(), name=f"d{k}.txt")
        docs.append(dataclasses.replace(doc, id=f"doc{k}"))  # texts may repeat
    codings = []
    for _ in range(draw(st.integers(0, 14))):
        d = draw(st.sampled_from(docs))
        s = draw(st.integers(0, len(d.text)))
        e = draw(st.integers(s, min(len(d.text), s + 40)))
        codings.append(qc.Coding(d.id, draw(st.sampled_from("ABCD")), s, e))
    return docs, codings


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.sampled_from(UNITS))
def test_sparse_counts_equal_brute_force(corpus: tuple[list[qc.Document], list[qc.Coding]],
                                         unit: str) -> None:
    docs, codings = corpus
    codes = ["A", "B", "C", "D"]
    window = 5 if unit == "window" else None
    stats = cooccurrence_stats(codings, documents=docs, unit=unit, codes=codes, window=window)
    units = brute_units(codings, docs, unit)
    expected = brute_counts(units, codes)
    np.testing.assert_array_equal(stats.counts, expected)
    # N: every turn/sentence/... plus the outside units used; overlap/window: the sites
    assert len(units) == stats.N
    # every measure equals its formula applied pair by pair to the brute-force counts
    n = np.diagonal(expected)
    for name in ("jaccard", "cosine", "association", "npmi", "inclusion"):
        got = cooccurrence(codings, documents=docs, unit=unit, codes=codes, measure=name,
                           window=window, diagonal="measure").to_numpy()
        for i, j in itertools.product(range(4), range(4)):
            want = float(MEASURES[name](expected[i, j], n[i], n[j], len(units)))
            assert math.isclose(got[i, j], want, rel_tol=1e-9, abs_tol=1e-12), (name, i, j)


@settings(max_examples=15, deadline=None)
@given(corpora())
def test_brute_force_pmi_by_hand(corpus: tuple[list[qc.Document], list[qc.Coding]]) -> None:
    docs, codings = corpus
    units = brute_units(codings, docs, "turn")
    counts: Counter[tuple[str, str]] = Counter()
    single: Counter[str] = Counter()
    for present in units:
        single.update(present)
        counts.update(itertools.combinations(sorted(present), 2))
    m = cooccurrence(codings, documents=docs, measure="pmi", codes=["A", "B", "C", "D"])
    big_n = len(units)
    for (a, b), n12 in counts.items():
        want = math.log2((n12 / big_n) / ((single[a] / big_n) * (single[b] / big_n)))
        assert m.loc[a, b] == pytest.approx(want)
