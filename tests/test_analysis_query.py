"""Boolean code queries: AND / OR / NOT, units, filters, context, the frame."""

from __future__ import annotations

import dataclasses

import pytest

import qualcode as qc
from qualcode.analysis import Excerpt, code_examples, excerpts_frame, query

TEXT = (
    b"I: Tell me about work.\n"
    b"R: No contract. Low pay. We are afraid.\n"
    b"I: And the group?\n"
    b"R: No contract still, but the group helps.\n"
    b"P2: Low pay here too."
)


def code(doc: qc.Document, name: str, text: str, nth: int = 0) -> qc.Coding:
    s = -1
    for _ in range(nth + 1):
        s = doc.text.index(text, s + 1)
    return qc.Coding(doc.id, name, s, s + len(text))


@pytest.fixture
def data() -> tuple[list[qc.Document], list[qc.Coding]]:
    d = qc.parse_transcript(TEXT, name="fgd.txt")
    d = dataclasses.replace(d, attributes={"site": "Kediri"})
    other = qc.Document(name="other.txt", text="R: No contract, afraid.",
                        turns=(qc.Turn("R", 3, 23, "No contract, afraid.", "participant"),),
                        attributes={"site": "Jakarta"})
    cs = [
        code(d, "no_contract", "No contract", 0),
        code(d, "low_pay", "Low pay", 0),
        code(d, "fear", "afraid"),
        code(d, "no_contract", "No contract", 1),
        code(d, "group", "group helps"),
        code(d, "low_pay", "Low pay", 1),
        code(other, "no_contract", "No contract"),
        code(other, "fear", "afraid"),
    ]
    return [d, other], cs


def texts(excerpts: list[Excerpt]) -> list[str]:
    return [e.text for e in excerpts]


def test_three_way_and(data: tuple) -> None:
    docs, cs = data
    got = query(cs, docs, all_of=["no_contract", "low_pay", "fear"])
    assert texts(got) == ["No contract. Low pay. We are afraid."]
    e = got[0]
    assert e.speaker == "R" and e.role == "participant" and e.unit == "turn"
    assert e.codes == ("fear", "low_pay", "no_contract")
    assert [h[0] for h in e.hits] == ["no_contract", "low_pay", "fear"]
    assert e.attributes == {"site": "Kediri"} and e.document_name == "fgd.txt"


def test_or_and_not(data: tuple) -> None:
    docs, cs = data
    got = query(cs, docs, any_of=["group", "fear"])
    assert len(got) == 3
    got = query(cs, docs, all_of="no_contract", none_of="low_pay")
    assert texts(got) == ["No contract still, but the group helps.", "No contract, afraid."]
    got = query(cs, docs, all_of="low_pay", none_of=["no_contract"])
    assert texts(got) == ["Low pay here too."] and got[0].speaker == "P2"


def test_sentence_unit_and_context(data: tuple) -> None:
    docs, cs = data
    got = query(cs, docs, all_of=["no_contract", "low_pay"], unit="sentence")
    assert got == []
    got = query(cs, docs, all_of="low_pay", unit="sentence", where={"site": "Kediri"})
    assert texts(got) == ["Low pay.", "Low pay here too."]
    assert got[0].context_before == "No contract." and got[0].context_after == "We are afraid."
    turn = query(cs, docs, all_of="group", context=1)[0]
    assert turn.context_before == "I: And the group?"
    assert turn.context_after == "P2: Low pay here too."
    none = query(cs, docs, all_of="group", context=0)[0]
    assert none.context_before == "" and none.context_after == ""


def test_document_level_cooccurrence(data: tuple) -> None:
    docs, cs = data
    got = query(cs, docs, all_of=["group", "fear"], unit="document")
    assert len(got) == 1
    e = got[0]
    assert e.text == docs[0].text and e.start == 0
    assert {h[0] for h in e.hits} == {"group", "fear"}


def test_overlap_unit() -> None:
    d = qc.Document(name="x", text="one two three four five six")
    cs = [qc.Coding(d.id, "a", 0, 13), qc.Coding(d.id, "b", 8, 18), qc.Coding(d.id, "c", 19, 27)]
    got = query(cs, [d], all_of=["a", "b"], unit="overlap")
    assert texts(got) == ["one two three four"]
    assert query(cs, [d], all_of=["a", "c"], unit="overlap") == []
    assert texts(query(cs, [d], all_of=["a", "c"], unit="window", window=2)) == [
        "one two three four five six"]


def test_filters_roles_and_where(data: tuple) -> None:
    docs, cs = data
    assert texts(query(cs, docs, all_of="fear", where={"site": "Jakarta"})) == [
        "No contract, afraid."]
    assert query(cs, docs, all_of="low_pay", roles=["interviewer"]) == []
    got = query(cs, docs, all_of="low_pay", where={"speaker": "P2"})
    assert texts(got) == ["Low pay here too."]


def test_participant_unit(data: tuple) -> None:
    docs, cs = data
    got = query(cs, docs, all_of=["fear", "group"], unit="participant")
    assert len(got) == 1 and got[0].speaker == "R"
    assert got[0].text == ("No contract. Low pay. We are afraid.\n"
                           "No contract still, but the group helps.")


def test_query_needs_codes(data: tuple) -> None:
    docs, cs = data
    with pytest.raises(qc.InputError):
        query(cs, docs)


def test_excerpts_frame(data: tuple) -> None:
    docs, cs = data
    frame = excerpts_frame(query(cs, docs, all_of="no_contract"))
    assert len(frame) == 3
    assert {"document", "document_name", "text", "speaker", "role", "codes", "hits",
            "context_before", "context_after", "site"} <= set(frame.columns)
    assert frame.loc[0, "codes"] == "fear; low_pay; no_contract"
    assert frame.site.tolist() == ["Kediri", "Kediri", "Jakarta"]
    assert excerpts_frame([]).empty


def test_code_examples(data: tuple) -> None:
    docs, cs = data
    ex = code_examples(cs, docs, per_code=1)
    assert ex["no_contract"] == ["No contract"] and ex["group"] == ["group helps"]
    ex = code_examples(cs, docs, codes=["low_pay"], per_code=5)
    assert ex == {"low_pay": ["Low pay"]}  # the same passage once
    assert code_examples(cs, docs, where={"site": "Jakarta"})["fear"] == ["afraid"]
