"""Plain-text transcripts: encodings, line ends, front matter, speaker turns."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.io.turns import detect_turns, match_label

DATA = Path(__file__).parent / "data" / "txt"


def check_offsets(doc: qc.Document) -> None:
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text


def test_front_matter_attributes_roles_and_multiparagraph_turns() -> None:
    doc = qc.read_transcript(DATA / "interview_en_frontmatter.txt", cases={})
    check_offsets(doc)
    assert doc.name == "interview_en_frontmatter.txt"
    assert doc.language == "en"
    assert doc.attributes == {
        "synthetic": True,
        "site": "North Jakarta",
        "group_type": "interview",
        "date": "2024-05-14",
        "language": "en",
    }
    assert [(t.speaker, t.role) for t in doc.turns] == [
        ("Dewi", "interviewer"),
        ("Bu Rina", "participant"),
        ("Dewi", "interviewer"),
        ("Bu Rina", "participant"),
    ]
    assert doc.turns[1].text == (
        "A neighbour brought the first bag of uppers. We never signed anything,\n"
        "there was no paper at all.\n\nShe just said the rate, per pair, and that was it."
    )
    assert "---" not in doc.text  # front matter is metadata, not text
    assert doc.text.startswith("[Synthetic test fixture")


@pytest.mark.parametrize(
    "name", ["wawancara_id_bom_crlf.txt", "wawancara_id_utf16.txt"]
)
def test_bom_encodings_and_crlf_give_identical_text(name: str) -> None:
    doc = qc.read_transcript(DATA / name, cases={})
    assert "\r" not in doc.text and "\ufeff" not in doc.text
    assert doc.language == "id"
    assert [t.speaker for t in doc.turns] == ["Pewawancara", "Narasumber"] * 2
    assert doc.turns[1].text == "Sudah lima tahun, Mbak. Nggak ada hitam di atas putih."
    check_offsets(doc)


def test_same_text_in_different_encodings_differs_only_in_hash() -> None:
    a = qc.read_transcript(DATA / "wawancara_id_bom_crlf.txt", cases={})
    b = qc.read_transcript(DATA / "wawancara_id_utf16.txt", cases={})
    assert a.text == b.text and a.turns == b.turns
    assert a.sha256 != b.sha256  # the hash is of the original bytes


def test_legacy_cp1252_with_cr_line_ends() -> None:
    doc = qc.read_transcript(DATA / "interview_en_cp1252_cr.txt", cases={})
    assert doc.turns[0].text == "What did the middleman say about the “bonus”?"
    assert doc.turns[1].text == "He said it’s only for the café orders, not for us."
    assert [t.role for t in doc.turns] == ["interviewer", "participant"]


def test_focus_group_label_conventions() -> None:
    doc = qc.read_transcript(DATA / "fgd_id_kediri.txt", cases={})
    check_offsets(doc)
    got = [(t.speaker, t.role, t.timestamp) for t in doc.turns]
    assert got == [
        ("Fasilitator", "facilitator", 5.0),
        ("Bu Sumi", "participant", 12.0),
        ("Bu Wati", "participant", 62.0),
        ("Mbak Nur", "participant", 90.0),
        ("P4", "participant", None),
        ("P5", "participant", None),
        ("Bu Yuli", "participant", None),
        ("T", "interviewer", None),
        ("J", "participant", None),
    ]
    assert doc.turns[1].text == "Saya dulu takut ngomong.\nSekarang sudah berani."
    assert doc.turns[3].text == "Tarifnya ditentukan sepihak."
    assert doc.language == "id"
    assert len(doc.speakers) == 9


def test_role_override_from_argument() -> None:
    doc = qc.read_transcript(
        DATA / "fgd_id_kediri.txt", cases={}, roles={"Bu Sumi": "facilitator"}
    )
    assert doc.turns[1].role == "facilitator"


def test_cases_table_beside_transcripts(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("---\nsite: Semarang\n---\nI: Halo\nR: Iya, Bu.\n")
    (tmp_path / "cases.csv").write_text(
        "file,site,group_type,date\na.txt,Kediri,interview,2024-01-02\n", encoding="utf-8"
    )
    doc = qc.read_transcript(tmp_path / "a.txt")
    # front matter beats the case table; the table fills the rest
    assert doc.attributes["site"] == "Semarang"
    assert doc.attributes["group_type"] == "interview"
    assert doc.attributes["date"] == "2024-01-02"


def test_cases_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Document", "site", "n_speakers"])
    ws.append(["b", "North Jakarta", 7])
    wb.save(tmp_path / "cases.xlsx")
    (tmp_path / "b.txt").write_text("Moderator: Mari mulai.\nP1: Baik.\n")
    doc = qc.read_transcript(tmp_path / "b.txt")
    assert doc.attributes["site"] == "North Jakarta"
    assert doc.attributes["n_speakers"] == 7


def test_bad_case_table_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("file,site,site\na.txt,X,Y\n,Z,W\na.txt,X,Y\n")
    (tmp_path / "a.txt").write_text("I: halo\n")
    with pytest.raises(qc.InputError) as info:
        qc.read_transcript(tmp_path / "a.txt")
    problems = [str(p) for p in info.value.problems]
    csv_path = str(tmp_path / "cases.csv")
    assert problems == [
        f"{csv_path}:1: column 'site' appears more than once",
        f"{csv_path}:3: row has no file name",
        f"{csv_path}:4: file 'a.txt' is listed twice",
    ]


def test_language_override_and_invalid_language() -> None:
    doc = qc.read_transcript(DATA / "interview_en_cp1252_cr.txt", cases={}, language="id")
    assert doc.language == "id"
    with pytest.raises(qc.InputError, match="unsupported language 'fr'"):
        qc.read_transcript(DATA / "interview_en_cp1252_cr.txt", cases={}, language="fr")


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("empty.txt", qc.EmptyFileError, "empty"),
        ("binary.txt", qc.EncodingError, "binary"),
        ("bad_front_matter.txt", qc.InputError, "invalid YAML front matter"),
        ("missing.txt", qc.MissingFileError, "no such file"),
    ],
)
def test_bad_files_name_the_file(name: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        qc.read_transcript(DATA / name, cases={})
    assert name in str(info.value)


def test_front_matter_error_has_line_number() -> None:
    with pytest.raises(qc.InputError) as info:
        qc.read_transcript(DATA / "bad_front_matter.txt", cases={})
    assert isinstance(info.value, ValueError)
    assert info.value.line == 2  # the unclosed list on line 2


def test_unsupported_extension(tmp_path: Path) -> None:
    p = tmp_path / "notes.xyz"
    p.write_text("I: hi")
    with pytest.raises(qc.UnsupportedFormatError, match=r"unsupported file type '\.xyz'"):
        qc.read_transcript(p)


def test_sources_are_not_modified() -> None:
    before = {p: p.read_bytes() for p in DATA.iterdir()}
    for p in DATA.glob("*.txt"):
        with contextlib.suppress(qc.QualcodeError):
            qc.read_transcript(p, cases={})
    assert {p: p.read_bytes() for p in DATA.iterdir()} == before


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("Name: text", "Name"),
        ("NAME: text", "NAME"),
        ("[00:01:02] Ibu Sari: text", "Ibu Sari"),
        ("Ibu Sari (00:01:02): text", "Ibu Sari"),
        ("Ibu Sari 00:01:02", "Ibu Sari"),
        ("Q: text", "Q"),
        ("A: text", "A"),
        ("P12: text", "P12"),
        ("Peserta 3: text", "Peserta 3"),
        ("Informan: text", "Informan"),
        ("Responden: text", "Responden"),
        ("Moderator: text", "Moderator"),
        ("00:01:02 Speaker 2: text", "Speaker 2"),
        ("Ibu Sari [00:01:02]: text", "Ibu Sari"),
        ("Siti binti Ahmad: text", "Siti binti Ahmad"),
    ],
)
def test_label_conventions(line: str, speaker: str) -> None:
    label = match_label(line)
    assert label is not None and label.speaker == speaker


@pytest.mark.parametrize(
    "line",
    [
        "The trouble is: nobody wrote it down",
        "Note: recording paused",
        "Catatan: rekaman terputus",
        "at 10:30 we met",
        "http://example.org",
        "Ratio 3:1 was agreed",
        "kami bilang: tidak mau",
    ],
)
def test_not_labels(line: str) -> None:
    assert match_label(line) is None


def test_no_labels_gives_paragraph_turns() -> None:
    turns = detect_turns("First paragraph\nstill first.\n\n\nSecond one.")
    assert [(t.speaker, t.role, t.text) for t in turns] == [
        (None, "unknown", "First paragraph\nstill first."),
        (None, "unknown", "Second one."),
    ]


_label_words = st.sampled_from(
    ["I", "R", "P1", "Bu Sari", "Pewawancara", "Narasumber", "Moderator", "Mbak Nur"]
)
_utterance = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"),
    min_size=0,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_crashes_and_turns_tile_the_text(text: str) -> None:
    try:
        doc = qc.parse_transcript(text.encode("utf-8", "surrogatepass"), name="x.txt")
    except qc.InputError:
        return
    previous = 0
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text
        assert t.start >= previous and t.text.strip() == t.text and t.text
        previous = t.end
    # every non-space character outside turns belongs to a speaker label
    gaps = []
    cut = 0
    for t in doc.turns:
        gaps.append(doc.text[cut : t.start])
        cut = t.end
    gaps.append(doc.text[cut:])
    if any(t.speaker for t in doc.turns):
        for gap in gaps[1:]:
            lines = [ln for ln in gap.split("\n") if ln.strip()]
            assert all(match_label(ln + " x") or match_label(ln) for ln in lines), gap


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_label_words, _utterance), min_size=1, max_size=12))
def test_generated_transcripts_recover_speakers(turns: list[tuple[str, str]]) -> None:
    body = "\n".join(f"{s}: {u}" for s, u in turns)
    doc = qc.parse_transcript(body.encode(), name="gen.txt")
    expected = [(s, " ".join(u.split("\n")).strip()) for s, u in turns]
    got_speakers = [t.speaker for t in doc.turns]
    # turns with empty utterances vanish; lines that look like labels split turns
    assert set(got_speakers) <= {s for s, _ in expected} | {
        match_label(ln).speaker  # type: ignore[union-attr]
        for _, u in turns
        for ln in u.split("\n")
        if match_label(ln)
    }
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text
