"""Auto-coding: matching, negation, scope, units, caching, offsets and frames."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.codebook import parse_codebook
from qualcode.coding import Scope, autocode, cache_stats, clear_memory_cache, explain
from qualcode.errors import CodebookError
from qualcode.frames import codings_frame
from qualcode.model import Codebook, Coding, Document


def book(text: str) -> Codebook:
    return parse_codebook(textwrap.dedent(text).lstrip("\n"))


def transcript(text: str, language: str = "en", **attributes: str) -> Document:
    doc = qc.parse_transcript(textwrap.dedent(text).lstrip("\n").encode(), name="t.txt",
                              language=language)
    if attributes:
        doc = Document(doc.name, doc.text, doc.turns, doc.language,
                       {**doc.attributes, **attributes})
    return doc


def coded(doc: Document, cb: Codebook | list[Codebook], **kw: object) -> list[tuple[str, str]]:
    return [(c.code, doc.text[c.start:c.end]) for c in autocode([doc], cb, **kw)]  # type: ignore[arg-type]


ONE = """
codebook: demo
version: "2.0"
codes:
  - name: c
    {extra}
    rules:
      {lang}:
        - {rule}
"""


def one(rule: str, lang: str = "en", extra: str = "") -> Codebook:
    return book(ONE.format(rule=rule, lang=lang, extra=extra or "description: x"))


# ------------------------------------------------------------------ matching

def test_phrase_is_case_insensitive_and_token_level() -> None:
    doc = transcript("""
        R: We had a WRITTEN Agreement. Written agreements are rare. A rewritten agreement.
        """)
    assert coded(doc, one("phrase: written agreement")) == [("c", "We had a WRITTEN Agreement.")]


def test_lemma_english() -> None:
    doc = transcript("R: They negotiated. We are Negotiating now. Negotiations failed.")
    assert coded(doc, one("lemma: negotiate")) == [
        ("c", "They negotiated."), ("c", "We are Negotiating now.")]
    doc = transcript("R: She signed contracts. He signs the contract.")
    assert coded(doc, one("lemma: sign contract")) == [("c", "She signed contracts.")]


def test_lemma_indonesian() -> None:
    doc = transcript("R: Dia berjanji. Ada perjanjian. Janjinya palsu. Kami dijanjikan upah. "
                     "Upahnya kecil.", language="id")
    assert coded(doc, one("lemma: janji", "id")) == [
        ("c", "Dia berjanji."), ("c", "Ada perjanjian."), ("c", "Janjinya palsu."),
        ("c", "Kami dijanjikan upah.")]
    assert coded(doc, one("lemma: perjanjian", "id")) == coded(doc, one("lemma: janji", "id"))


def test_near_within_and_ordered() -> None:
    doc = transcript("R: We signed a contract. We signed it after a long talk about the "
                     "contract. The contract was signed.")
    assert coded(doc, one("near: [sign, contract]\n          within: 2")) == [
        ("c", "We signed a contract."), ("c", "The contract was signed.")]
    assert coded(doc, one("near: [sign, contract]\n          within: 2\n          ordered: true")
                 ) == [("c", "We signed a contract.")]


def test_regex_all_and_any() -> None:
    doc = transcript("R: They pay Rp 1.500 per piece. Upah per potong. Piece rates are low.")
    cb = book("""
        codebook: demo
        codes:
          - name: amount
            unit: match
            rules: {en: [{regex: '\\brp\\.?\\s?\\d{1,3}(?:[.,]\\d{3})*'}]}
          - name: piece_wage
            rules: {en: [{all: [pay, {phrase: per piece}]}]}
          - name: either
            rules: {en: [{any: [{phrase: piece rates}, {regex: '\\bupah\\b'}], id: wage}]}
        """)
    assert coded(doc, cb) == [("piece_wage", "They pay Rp 1.500 per piece."),
                              ("amount", "Rp 1.500"),
                              ("either", "Upah per potong."), ("either", "Piece rates are low.")]
    assert {c.rule for c in autocode([doc], cb) if c.code == "either"} == {"wage"}


# ------------------------------------------------------------------ negation

NEGATED = "R: We never signed any written agreement. We have a written agreement now."


def test_negation_require_skip_and_other_code() -> None:
    doc = transcript(NEGATED)
    assert coded(doc, one("phrase: written agreement\n          negation: require")) == [
        ("c", "We never signed any written agreement.")]
    assert coded(doc, one("phrase: written agreement", extra="negation: skip")) == [
        ("c", "We have a written agreement now.")]
    assert coded(doc, one("phrase: written agreement")) == [
        ("c", "We never signed any written agreement."), ("c", "We have a written agreement now.")]
    cb = book("""
        codebook: barriers
        codes:
          - name: written_agreement
            negation: {code: no_written_agreement}
            rules: {en: [{phrase: written agreement}]}
          - name: no_written_agreement
        """)
    assert coded(doc, cb) == [("no_written_agreement", "We never signed any written agreement."),
                              ("written_agreement", "We have a written agreement now.")]


def test_negation_indonesian_and_window() -> None:
    cb = one("phrase: perjanjian tertulis\n          negation: require", "id")
    assert coded(transcript("R: Kami tidak punya perjanjian tertulis.", "id"), cb) == [
        ("c", "Kami tidak punya perjanjian tertulis.")]
    assert coded(transcript("R: Kami sudah punya perjanjian tertulis.", "id"), cb) == []
    # a negator 4 words back, or in the previous sentence, does not negate
    doc = transcript("R: No, we did sign a written agreement. No. A written agreement.")
    assert coded(doc, one("phrase: written agreement\n          negation: require")) == []
    wide = one("phrase: written agreement\n          negation: {mode: require, window: 5}")
    assert coded(doc, wide) == [("c", "No, we did sign a written agreement.")]


def test_negation_after_and_custom_negators() -> None:
    doc = transcript("R: Kontraknya belum ada. Kontrak sudah ada.", "id")
    assert coded(doc, one("lemma: kontrak\n          negation: require", "id")) == []
    assert coded(doc, one("lemma: kontrak\n          negation: {mode: require, after: 2}",
                          "id")) == [("c", "Kontraknya belum ada.")]
    cb = book("""
        codebook: demo
        defaults: {negation: skip, negators: {en: [hardly]}}
        codes:
          - name: c
            rules: {en: [{phrase: paid}]}
        """)
    doc = transcript("R: We were hardly paid. We were not paid. We were paid.")
    assert coded(doc, cb) == [("c", "We were not paid."), ("c", "We were paid.")]


# ------------------------------------------------------------------ scope

SCOPED = """
    I: Do you have a written agreement?
    R: No written agreement.
    Ibu Sari: A written agreement? Never.
    Moderator: Written agreement, anyone?
    """


def test_interviewer_turns_are_not_coded_by_default() -> None:
    doc = transcript(SCOPED)
    assert [t.role for t in doc.turns] == ["interviewer", "participant", "participant",
                                           "facilitator"]
    assert coded(doc, one("phrase: written agreement")) == [
        ("c", "No written agreement."), ("c", "A written agreement?")]
    assert len(coded(doc, one("phrase: written agreement", extra="scope: all"))) == 4
    assert coded(doc, one("phrase: written agreement", extra="scope: {speakers: [ibu sari]}")
                 ) == [("c", "A written agreement?")]
    assert coded(doc, one("phrase: written agreement",
                          extra="scope: {roles: [interviewer, facilitator]}")) == [
        ("c", "Do you have a written agreement?"), ("c", "Written agreement, anyone?")]


def test_documents_without_speakers_are_coded() -> None:
    doc = transcript("Title line\n\nWe have no written agreement.\n\nNobody does.")
    assert {t.role for t in doc.turns} == {"unknown"}
    assert coded(doc, one("phrase: written agreement")) == [("c", "We have no written agreement.")]
    bare = Document("bare.txt", "  A written agreement.  ", language="en")
    assert coded(bare, one("phrase: written agreement")) == [("c", "A written agreement.")]
    assert coded(bare, one("phrase: written agreement", extra="unit: turn")) == [
        ("c", "A written agreement.")]


WITHIN = """
codebook: barriers
codes:
  - name: barrier
    children:
      - name: no_contract
        rules: {en: [{phrase: no contract}]}
  - name: middleman
    unit: match
    scope: {within: barrier}
    rules: {en: [{lemma: middleman}]}
"""


def test_scope_within_same_codebook() -> None:
    doc = transcript("R: There is no contract with the middleman. The middleman is kind.")
    assert coded(doc, book(WITHIN)) == [("no_contract", "There is no contract with the middleman."),
                                        ("middleman", "middleman")]


def test_scope_within_other_codebook_and_context() -> None:
    doc = transcript("R: There is no contract with the middleman. The middleman is kind.")
    power = book("""
        codebook: power
        codes:
          - name: visible_power
            scope: {within: "barriers:barrier"}
            rules: {en: [{lemma: middleman}]}
        """)
    barriers = book(WITHIN)
    both = autocode([doc], [power, barriers])
    assert [(c.codebook, c.code, doc.text[c.start:c.end]) for c in both] == [
        ("power", "visible_power", "There is no contract with the middleman."),  # same span:
        ("barriers", "no_contract", "There is no contract with the middleman."),  # call order
        ("barriers", "middleman", "middleman")]
    # earlier codings match by exact code name (their codebook's tree is not known here)
    earlier = [c for c in both if c.codebook == "barriers"]
    assert autocode([doc], power, context=earlier) == []
    exact = Codebook(power.name, tuple(dataclasses.replace(
        c, scope=Scope(within=("barriers:no_contract",))) for c in power.codes))
    assert autocode([doc], exact, context=earlier) == [
        c for c in both if c.codebook == "power"]
    assert autocode([doc], exact, context=[]) == []
    # codings of a codebook in the call come from this run only, not from context
    stale = [Coding(doc.id, "barrier", 0, len(doc.text), "auto:barriers@0", None, "barriers")]
    assert autocode([doc], [power, barriers], context=stale) == both
    with pytest.raises(CodebookError, match="barriers"):
        autocode([doc], power)


# ------------------------------------------------------------------ units and records

UNITS = """
    I: Question about the written agreement?
    R: First sentence here. The written agreement was missing.

    Second paragraph, written agreement again.
    I: Ok.
    """


@pytest.mark.parametrize(("unit", "expected"), [
    ("sentence", ["The written agreement was missing.",
                  "Second paragraph, written agreement again."]),
    ("paragraph", ["First sentence here. The written agreement was missing.",
                   "Second paragraph, written agreement again."]),
    ("turn", ["First sentence here. The written agreement was missing.\n\n"
              "Second paragraph, written agreement again."]),
    ("match", ["written agreement", "written agreement"]),
])
def test_units(unit: str, expected: list[str]) -> None:
    doc = transcript(UNITS)
    codings = autocode([doc], one("phrase: written agreement", extra=f"unit: {unit}"))
    assert [doc.text[c.start:c.end] for c in codings] == expected


def test_coder_rule_and_one_coding_per_unit() -> None:
    doc = transcript("R: A written agreement, a written contract. Nothing else.")
    cb = book("""
        codebook: demo
        version: "2.0"
        codes:
          - name: c
            rules:
              en:
                - phrase: written contract
                - phrase: written agreement
                  id: wa
          - name: d
            unit: match
            rules: {en: [{phrase: written agreement}, {lemma: agreement}]}
        """)
    codings = autocode([doc], cb)
    assert codings == [
        Coding(doc.id, "c", 3, 43, "auto:demo@2.0", "wa", "demo"),
        Coding(doc.id, "d", 5, 22, "auto:demo@2.0", "d/en/1", "demo"),
    ]
    assert all(c.is_auto for c in codings)
    [first, _] = explain(doc, cb)
    assert first.passage == "A written agreement, a written contract."
    assert [(m.rule, m.text, m.negated) for m in first.matches] == [
        ("wa", "written agreement", False), ("c/en/1", "written contract", False)]
    assert first.matched_text == "written agreement" and first.rule == "wa"


def test_languages_progress_and_bundled_names() -> None:
    en = transcript("R: A written agreement.")
    id_ = transcript("R: Perjanjian tertulis.", "id")
    calls: list[tuple[int, int]] = []
    cb = one("phrase: written agreement")
    assert coded(id_, cb) == []
    autocode([en, id_], cb, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    assert [c.code for c in autocode([en, id_], "example")] == [
        "written_agreement", "written_agreement"]


# ------------------------------------------------------------------ cache

def test_token_cache_memory_and_disk(tmp_path: Path) -> None:
    doc = transcript("R: A unique cache test sentence about a written agreement, 8812.")
    clear_memory_cache()
    cache_stats.reset()
    first = autocode([doc], one("phrase: written agreement"))
    assert cache_stats.tokenised == 1
    edited = autocode([doc], one("lemma: agreement", extra="unit: match"))  # codebook edited
    assert cache_stats.tokenised == 1 and cache_stats.memory_hits == 1
    assert [doc.text[c.start:c.end] for c in edited] == ["agreement"]

    disk = tmp_path / "tokens"
    clear_memory_cache()
    assert autocode([doc], one("phrase: written agreement"), cache_dir=disk) == first
    assert cache_stats.tokenised == 2 and cache_stats.disk_writes == 1
    clear_memory_cache()
    assert autocode([doc], one("phrase: written agreement"), cache_dir=disk) == first
    assert cache_stats.tokenised == 2 and cache_stats.disk_hits == 1
    assert len(list(disk.rglob("*.tok"))) == 1


# ------------------------------------------------------------------ frames

def test_codings_frame() -> None:
    doc = transcript(SCOPED, region="Jepara", language_note="x")
    codings = autocode([doc], one("phrase: written agreement"))
    plain = codings_frame(codings)
    assert list(plain.columns) == ["document", "code", "codebook", "start", "end", "coder",
                                   "rule", "memo"]
    df = codings_frame(codings, [doc])
    assert df["text"].tolist() == ["No written agreement.", "A written agreement?"]
    assert df["speaker"].tolist() == ["R", "Ibu Sari"]
    assert df["role"].tolist() == ["participant", "participant"]
    assert df["turn"].tolist() == [1, 2]
    assert df["region"].tolist() == ["Jepara", "Jepara"]
    assert df["document_name"].tolist() == ["t.txt", "t.txt"]
    assert len(codings_frame([], [doc])) == 0


# ------------------------------------------------------------------ offsets (property)

WORDS = ["we", "the", "never", "tidak", "paid", "work", "Written", "agreement", "middleman",
         "rp", "20.000", "no", "contract", "signed", "janji", "perjanjian", ",", ".", "?"]
KEYWORDS = ["written agreement", "MIDDLEMAN", "signed the contract", "Rp 5.000", "perjanjian"]
PROPERTY_BOOK = parse_codebook(textwrap.dedent("""
    codebook: prop
    codes:
      - name: a
        unit: match
        negation: {code: b}
        rules: {en: [{phrase: written agreement}, {regex: 'rp\\s?\\d+(?:\\.\\d{3})*'}]}
      - name: b
        unit: turn
        rules: {en: [{lemma: middleman}, {near: [sign, contract], within: 2}]}
      - name: c
        unit: paragraph
        scope: all
        rules: {en: [{lemma: janji}, {all: [paid, work]}]}
      - name: d
        negation: skip
        scope: {within: b}
        rules: {en: [{phrase: perjanjian}]}
    """))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        speaker = draw(st.sampled_from(["I", "R", "Ibu Sari", ""]))
        words = draw(st.lists(st.sampled_from(WORDS + KEYWORDS), min_size=1, max_size=25))
        body = " ".join(words)
        if draw(st.booleans()):
            body = body.replace(" . ", ".\n\n", 1)
        parts.append(f"{speaker}: {body}" if speaker else body)
    return qc.parse_transcript("\n".join(parts).encode(), name="p.txt", language="en")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_offsets_always_index_the_document_text(doc: Document) -> None:
    codings = autocode([doc], PROPERTY_BOOK)
    assert codings == autocode([doc], PROPERTY_BOOK)  # deterministic
    assert [x.coding for x in explain([doc], PROPERTY_BOOK)] == codings
    keys = [(c.start, c.end, c.code) for c in codings]
    assert len(set(keys)) == len(keys) and keys == sorted(keys, key=lambda k: k[:2])
    for c in codings:
        passage = doc.text[c.start:c.end]
        assert 0 <= c.start < c.end <= len(doc.text)
        assert passage == passage.strip()
        turn = doc.turn_at(c.start)
        assert turn is not None and c.end <= turn.end
        matched = any(k in passage.lower() for k in ("written agreement", "rp"))
        if c.code == "a":  # unit match
            assert matched and len(passage) <= len("written agreement")
        elif c.code == "b":  # unit turn, or a negated match of a (unit match)
            assert passage == turn.text or matched
        elif c.code == "c":  # unit paragraph
            assert "\n\n" not in passage
        else:  # d: a sentence inside a b passage
            assert "perjanjian" in passage and any(
                b.start <= c.start and c.end <= b.end for b in codings if b.code == "b")


# ------------------------------------------------------------------ batches

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=5), st.sampled_from([1, 200, 2_000_000]))
def test_documents_coded_together_equal_each_coded_alone(
        docs: list[Document], batch: int) -> None:
    import qualcode.coding.engine as engine

    saved = engine.BATCH_CHARACTERS
    engine.BATCH_CHARACTERS = batch  # one document per batch, a few, or all in one
    try:
        together = autocode(docs, PROPERTY_BOOK)
    finally:
        engine.BATCH_CHARACTERS = saved
    alone = [c for d in docs for c in autocode([d], PROPERTY_BOOK)]
    assert together == alone


def test_batch_boundaries_do_not_leak() -> None:
    # text that would match across the end of one document and the start of the
    # next, a lookbehind at a document's first character, a document without
    # turns, an empty one and one in another language, all in one call
    cb = book("""
        codebook: leak
        codes:
          - name: across
            scope: all
            rules: {en: [{phrase: end start}, {near: [finish, begin], within: 3}]}
          - name: first
            scope: all
            unit: match
            rules: {en: [{regex: '(?<![a-z ])alpha'}]}
        """)
    plain = [Document(f"d{i}.txt", text, (), "en") for i, text in
             enumerate(["the very end", "start here and finish", "begin alpha", "alpha now"])]
    docs = [*plain, Document("e.txt", "", (), "en"), Document("i.txt", "alpha", (), "id")]
    together = autocode(docs, cb)
    assert [(c.document, c.code, c.start, c.end) for c in together] == [
        (plain[3].id, "first", 0, 5)]
    assert together == [c for d in docs for c in autocode([d], cb)]


def test_the_same_document_twice_keeps_each_copys_place() -> None:
    a = transcript("R: We never had a written agreement.")
    b = transcript("R: Another written agreement story.")
    cb = one("phrase: written agreement")
    got = autocode([a, b, a], cb)
    assert [(c.document, c.start) for c in got] == \
        [(a.id, 3), (b.id, 3), (a.id, 3)]
