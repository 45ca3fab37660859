"""Pseudonymisation: consistent pseudonyms, valid offsets, a key kept apart."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.anonymise import (
    anonymise,
    anonymise_project,
    read_key,
    read_names,
    write_candidates,
    write_key,
)
from qualcode.errors import InputError, ProjectError
from qualcode.exchange.tables import write_codings
from qualcode.model import Code, Codebook, Coding, Comment, Document, Turn
from qualcode.store import Project


def transcript(name: str, lines: list[tuple[str, str]], **kw: object) -> Document:
    """A document of ``Speaker: text`` lines with exact turns."""
    parts, turns, pos = [], [], 0
    for speaker, said in lines:
        label = f"{speaker}: "
        parts.append(label + said)
        start = pos + len(label)
        role = "interviewer" if speaker in ("I", "Pewawancara", "Dewi") else "participant"
        turns.append(Turn(speaker, start, start + len(said), said, role))
        pos += len(label) + len(said) + 1
    return Document(name=name, text="\n".join(parts), turns=tuple(turns), **kw)  # type: ignore[arg-type]


SARI = transcript("wawancara_sari.txt", [
    ("Pewawancara", "Ibu Sari, sudah berapa lama menjahit di Kediri?"),
    ("Ibu Sari", "Lima tahun. Bu Sari ini dulu kerja di PT Maju Jaya, sekarang di rumah."),
    ("Pewawancara", "Sarinah juga ikut? Kata SARI tadi begitu."),
    ("Ibu Sari", "Iya, Sarinah tetangga saya."),
], attributes={"site": "Kediri", "interviewee": "Ibu Sari", "age": 41})
BUDI = transcript("budi.txt", [
    ("I", "Pak Budi kenal Ibu Sari?"),
    ("Budi Santoso", "Kenal, Sari itu teman saya dari Kediri."),
])


def slices(doc: Document, codings: list[Coding]) -> list[str]:
    return [doc.text[c.start:c.end] for c in codings if c.document == doc.id]


def test_speakers_names_places_and_organisations() -> None:
    r = anonymise([SARI, BUDI], places=["Kediri"], organisations=["PT Maju Jaya"])
    a, b = r.documents
    assert a.text.splitlines() == [
        "Pewawancara: Participant 01, sudah berapa lama menjahit di Place 01?",
        "Participant 01: Lima tahun. Participant 01 ini dulu kerja di Org 01, sekarang di rumah.",
        "Pewawancara: Sarinah juga ikut? Kata Participant 01 tadi begitu.",
        "Participant 01: Iya, Sarinah tetangga saya.",
    ]
    assert [t.speaker for t in a.turns] == ["Pewawancara", "Participant 01"] * 2
    assert b.text.splitlines() == ["I: Pak Participant 02 kenal Participant 01?",
                                   "Participant 02: Kenal, Participant 01 itu teman saya dari "
                                   "Place 01."]
    assert [t.speaker for t in b.turns] == ["I", "Participant 02"]
    assert a.attributes == {"site": "Place 01", "interviewee": "Participant 01", "age": 41}
    assert a.name == "wawancara_Participant_01.txt" and a.source is None
    assert r.key["Ibu Sari"] == r.key["Bu Sari"] == r.key["Sari"] == "Participant 01"
    assert r.key["Budi Santoso"] == "Participant 02" and "Budi" in r.key
    assert r.key["Kediri"] == "Place 01" and r.key["PT Maju Jaya"] == "Org 01"
    assert r.ids == {SARI.id: a.id, BUDI.id: b.id} and a.id != SARI.id
    for d in r.documents:  # turns still index the text
        assert all(d.text[t.start:t.end] == t.text for t in d.turns)


def test_parts_of_speaker_names_are_replaced_unless_ordinary_words() -> None:
    r = anonymise([SARI, BUDI])
    assert "Pak Participant 02" in r.documents[1].text  # "Budi" of speaker "Budi Santoso"
    assert r.key["Santoso"] == "Participant 02"


def test_user_chosen_pseudonyms_and_longest_first() -> None:
    d = Document(name="x.txt", text="Sari Dewi met Sari and sari-sari at Sarinah's shop.")
    r = anonymise([d], names={"Sari Dewi": "Ani", "Sari": "Tutik"}, speakers=False)
    assert r.documents[0].text == "Ani met Tutik and Tutik-Tutik at Sarinah's shop."
    assert r.replacements == 4


def test_generic_labels_and_initials() -> None:
    d = transcript("x.txt", [("I", "S said so."), ("S", "Yes, I am S."), ("P1", "ok"),
                             ("Speaker 2", "fine")])
    r = anonymise([d])
    assert r.documents[0].text.splitlines() == [
        "I: S said so.", "Participant 01: Yes, I am S.", "P1: ok", "Speaker 2: fine"]
    assert [t.speaker for t in r.documents[0].turns] == ["I", "Participant 01", "P1",
                                                           "Speaker 2"]
    assert r.key == {"S": "Participant 01"}


def test_roles_give_interviewer_and_facilitator_pseudonyms() -> None:
    d = transcript("x.txt", [("Dewi", "Apa kabar?"), ("Moderator Rina", "Mulai ya."),
                             ("Ibu Ani", "Baik.")])
    d = Document(name=d.name, text=d.text, turns=(
        Turn("Dewi", d.turns[0].start, d.turns[0].end, d.turns[0].text, "interviewer"),
        Turn("Moderator Rina", d.turns[1].start, d.turns[1].end, d.turns[1].text,
             "facilitator"),
        d.turns[2]))
    r = anonymise([d])
    assert [t.speaker for t in r.documents[0].turns] == ["Interviewer 01", "Facilitator 01",
                                                           "Participant 01"]


def test_common_word_parts_and_ambiguous_parts_are_only_candidates() -> None:
    a = transcript("a.txt", [("Ibu Hope", "We hope so."), ("Mbak Rina", "Rina agrees.")])
    b = transcript("b.txt", [("Fasilitator Rina", "Thanks, Rina.")])
    r = anonymise([a, b], detect=True)
    assert "Hope" not in r.key and "Rina" not in r.key  # "hope" is a word; Rina is two people
    texts = [d.text for d in r.documents]
    assert "We hope so." in texts[0] and "Rina agrees." in texts[0]
    found = {c.text: c for c in r.candidates}
    assert "Rina" in found and "speaker names" in found["Rina"].reason
    assert "Hope" not in found or "ordinary word" in found["Hope"].reason


def test_detected_names_are_candidates_not_replacements() -> None:
    d = Document(name="x.txt", text=(
        "I: Who helped you?\nR: My neighbour Wartini helped, and later Wartini's son. "
        "We sell to Pak Darto in Tulungagung. The Contract was never written. "
        "Nobody had a contract."))
    r = anonymise([d], detect=True)
    assert r.documents[0].text == d.text  # nothing applied
    found = {c.text for c in r.candidates}
    assert {"Wartini", "Darto", "Tulungagung"} <= found
    assert not found & {"Contract", "Nobody", "We", "My", "The", "Who", "I", "R"}
    accepted = anonymise([d], names=[c.text for c in r.candidates
                                     if c.text in {"Wartini", "Darto"}])
    assert "Person 01" in accepted.documents[0].text and "Darto" not in accepted.documents[0].text


def test_key_is_reused_and_numbering_continues(tmp_path: Path) -> None:
    first = anonymise([SARI], places=["Kediri"])
    key_file = write_key(first.key, tmp_path / "key.json")
    second = anonymise([BUDI], key=read_key(key_file), places=["Surabaya"])
    assert second.key["Sari"] == first.key["Sari"] == "Participant 01"
    assert second.key["Budi Santoso"] == "Participant 02"
    assert second.key["Surabaya"] == "Place 02"
    assert "Participant 01" in second.documents[0].text  # Sari, through the old key


def test_key_file_is_private_and_never_overwrites_other_files(tmp_path: Path) -> None:
    key = anonymise([SARI]).key
    path = write_key(key, tmp_path / "key.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key(path) == key
    assert "CONFIDENTIAL" in json.loads(path.read_text())["note"]
    write_key({**key, "X": "Person 09"}, path)  # replacing a key is fine
    victim = tmp_path / "interview.txt"
    victim.write_text("I: precious transcript")
    with pytest.raises(InputError, match="not a pseudonym key file"):
        write_key(key, victim)
    assert victim.read_text() == "I: precious transcript"
    with pytest.raises(InputError, match="no such key file"):
        read_key(tmp_path / "missing.json")


def test_names_file_and_candidates_file_round_trip(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("# people\nSari\nBudi Santoso = Pak B\n\n", encoding="utf-8")
    assert read_names(names) == {"Sari": None, "Budi Santoso": "Pak B"}
    r = anonymise([BUDI], detect=True, speakers=False)
    out = write_candidates(r.candidates, tmp_path / "candidates.txt")
    assert set(read_names(out)) == {c.text for c in r.candidates}


def test_codings_comments_and_memos_follow_the_text() -> None:
    text = "R: Sari Dewi sold to Kediri traders."
    d = Document(name="x.txt", text=text, comments=(Comment(3, 12, "Sari Dewi, check"),))
    codings = [
        Coding(d.id, "whole", 3, len(text), coder="ana", memo="about Sari Dewi"),
        Coding(d.id, "cut-in", 6, 16, coder="ana"),  # "i Dewi sol": cuts into the name
        Coding(d.id, "place", 21, 27, coder="ana"),  # "Kediri"
        Coding(d.id, "inside", 22, 24, coder="ana"),  # "ed", inside "Kediri"
        Coding(d.id, "empty", 30, 30, coder="ana"),
    ]
    r = anonymise([d], codings, names={"Sari Dewi": "Person X"}, places={"Kediri": "Town"},
                  speakers=False)
    new = r.documents[0]
    assert new.text == "R: Person X sold to Town traders."
    assert slices(new, r.codings) == ["Person X sold to Town traders.", "Person X sol", "Town",
                                      "Town", ""]
    assert r.codings[0].memo == "about Person X" and r.codings[0].document == new.id
    (comment,) = new.comments
    assert new.text[comment.start:comment.end] == "Person X" and comment.text == "Person X, check"


def test_codings_of_unknown_documents_are_refused() -> None:
    with pytest.raises(InputError, match="not among the documents"):
        anonymise([SARI], [Coding("nope", "c", 0, 1)])


# -- offsets, as a property ---------------------------------------------------------------------

FILLERS = ["kami", "kerja", "di", "rumah,", "upah", "tidak", "ada.", "kontrak", "Sarinah",
           "budiman", "x"]
NAMES = {"Sari": "S1", "sari": "S1", "SARI": "S1", "Budi Santoso": "Participant Number Two",
         "Kediri": "K", "Koperasi Melati": "Org 7"}


@st.composite
def documents(draw: st.DrawFn) -> tuple[Document, list[tuple[int, int, str]], list[Coding]]:
    lines = draw(st.lists(st.lists(st.sampled_from(FILLERS + list(NAMES)), min_size=1,
                                   max_size=12), min_size=1, max_size=6))
    segments: list[tuple[int, int, str]] = []  # original span -> replacement text
    pieces, pos = [], 0
    for li, tokens in enumerate(lines):
        for ti, token in enumerate(tokens):
            if ti:
                pieces.append(" ")
                segments.append((pos, pos + 1, " "))
                pos += 1
            pieces.append(token)
            segments.append((pos, pos + len(token), NAMES.get(token, token)))
            pos += len(token)
        if li < len(lines) - 1:
            pieces.append("\n")
            segments.append((pos, pos + 1, "\n"))
            pos += 1
    text = "".join(pieces)
    turns, start = [], 0
    for line in text.split("\n"):
        turns.append(Turn(None, start, start + len(line), line))
        start += len(line) + 1
    doc = Document(name="p.txt", text=text, turns=tuple(turns))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))),
                          max_size=8))
    codings = [Coding(doc.id, "c", min(a, b), max(a, b), coder="ana") for a, b in spans]
    return doc, segments, codings


def expected_passage(text: str, segments: list[tuple[int, int, str]], start: int,
                     end: int) -> str:
    """The coded passage after replacement; a name the span cuts into is taken whole."""
    out = []
    for s, e, new in segments:
        if e <= start or s >= end:
            continue
        replaced = text[s:e] != new
        out.append(new if replaced else new[max(start, s) - s:min(end, e) - s])
    return "".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=documents())
def test_every_offset_is_remapped(case: tuple[Document, list[tuple[int, int, str]],
                                              list[Coding]]) -> None:
    doc, segments, codings = case
    names = {k: v for k, v in NAMES.items() if k not in ("Kediri", "Koperasi Melati")}
    r = anonymise([doc], codings, names=names, places={"Kediri": "K"},
                  organisations={"Koperasi Melati": "Org 7"}, speakers=False)
    new = r.documents[0]
    assert new.text == "".join(seg[2] for seg in segments)
    assert len(new.turns) == len(doc.turns)
    for t in new.turns:
        assert new.text[t.start:t.end] == t.text and "\n" not in t.text
    for old, c in zip(codings, r.codings, strict=True):
        got = new.text[c.start:c.end]
        if old.start == old.end:
            assert got == ""
        else:
            assert got == expected_passage(doc.text, segments, old.start, old.end), (
                old, got)


# -- projects --------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "study.qualcode"
    with Project.open(path) as p:
        p.add_codebook(Codebook("cb", (Code("place"), Code("work"))), yaml_text="codebook: cb\n")
        docs = p.add_documents([SARI, BUDI]).added
        text = docs[0].text
        at = text.index("Kediri")
        p.add_codings([Coding(docs[0].id, "place", at, at + 6, coder="ana", memo="Sari's town"),
                       Coding(docs[1].id, "work", 0, len(docs[1].text), coder="auto:cb@1",
                              rule="r1", codebook="cb")])
        p.snapshot("before anything")
    return path


def test_anonymise_project_builds_a_clean_copy(project: Path, tmp_path: Path) -> None:
    dst = tmp_path / "shared" / "anonymised.qualcode"
    dst.parent.mkdir()
    r = anonymise_project(project, dst, places=["Kediri"], organisations=["PT Maju Jaya"])
    (tmp_path / "private").mkdir()
    key_file = write_key(r.key, tmp_path / "private" / "key.json")
    with Project.open(dst, create=False) as p:
        assert [cb.name for cb in p.codebooks] == ["cb"]
        docs = {d.id: d for d in p.documents}
        codings = p.codings()
        assert {c.document for c in codings} <= set(docs)
        place = next(c for c in codings if c.code == "place")
        assert docs[place.document].text[place.start:place.end] == "Place 01"
        assert place.memo == f"{r.key['Sari']}'s town"
        export = tmp_path / "shared" / "codings.csv"
        write_codings(codings, p.documents, export)
    # no original name survives anywhere in what may be shared
    originals = [rb"\bSari\b", rb"\bBudi\b", rb"Santoso", rb"Kediri", rb"Maju Jaya"]
    for f in (dst, tmp_path / "shared" / "codings.csv"):
        data = f.read_bytes()
        for name in originals:
            assert not re.search(name, data), (f.name, name)
    assert b"Sarinah" in dst.read_bytes()  # a name nobody listed stays: see docs/privacy.md
    assert not list(dst.parent.glob("*.snapshots")) and not list(dst.parent.glob("*.part"))
    assert sorted(p.name for p in dst.parent.iterdir()) == ["anonymised.qualcode",
                                                            "codings.csv"]
    assert "Sari" in key_file.read_text()  # the key, kept apart, can re-identify


def test_anonymise_project_refuses_to_overwrite(project: Path, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="must not replace the project"):
        anonymise_project(project, project)
    other = tmp_path / "other.qualcode"
    other.write_bytes(b"precious")
    with pytest.raises(ProjectError, match="already exists"):
        anonymise_project(project, other)
    assert other.read_bytes() == b"precious"
    with pytest.raises(ProjectError, match="needs a file"):
        anonymise_project(project, ":memory:")


def test_anonymise_project_from_an_open_project(tmp_path: Path) -> None:
    with Project.open(":memory:") as p:
        p.add_documents([SARI])
        r = anonymise_project(p, tmp_path / "anon.qualcode")
    assert r.key["Ibu Sari"] == "Participant 01"
    with Project.open(tmp_path / "anon.qualcode") as q:
        assert not re.search(r"\bSari\b", q.documents[0].text)
