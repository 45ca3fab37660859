"""Reading .docx transcripts: real fixtures (python-docx and LibreOffice), tables,
tracked changes, comments, properties, bad and hostile files."""

from __future__ import annotations

import io
import itertools
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.errors import CorruptFileError, EmptyFileError
from qualcode.io import _zipxml
from qualcode.io import docx as docx_module
from qualcode.io._common import normalise_text
from qualcode.io._markup import normalise_mapped
from qualcode.io.docx import parse_docx, read_docx

DATA = Path(__file__).parent / "data" / "docx"


def load(name: str) -> qc.Document:
    return parse_docx((DATA / name).read_bytes(), name=name)


def check_offsets(doc: qc.Document) -> None:
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text
    for c in doc.comments:
        assert 0 <= c.start <= c.end <= len(doc.text)


def to_bytes(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def replace_member(data: bytes, member: str, content: bytes | None) -> bytes:
    """A copy of the zip ``data`` with ``member`` replaced (or removed if None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info.filename))
        if content is not None:
            dst.writestr(member, content)
    return out.getvalue()


# ------------------------------------------------------------ paragraph transcripts


def test_english_interview_turns_and_roles() -> None:
    doc = load("interview_en.docx")
    check_offsets(doc)
    assert doc.format == "docx"
    assert doc.name == "interview_en.docx"
    assert len(doc.turns) == 10
    assert doc.speakers == ["I", "R"]
    assert [t.role for t in doc.turns[:2]] == ["interviewer", "participant"]
    assert doc.turns[3].text == (
        "No, there is no written agreement. He just tells us the piece rate when he brings "
        "the bundle."
    )
    assert doc.turns[5].text == (
        "Two hundred rupiah per pair \u2013 it hasn\u2019t gone up since 2019.")
    assert all(t.timestamp is None for t in doc.turns)
    assert doc.text.startswith("Synthetic test fixture: an invented interview")
    assert doc.turns[0].start > doc.text.index("Not real data.")  # preamble is in no turn


def test_core_and_custom_properties_become_attributes() -> None:
    attrs = load("interview_en.docx").attributes
    assert attrs["title"] == "Interview 01 (synthetic)"
    assert attrs["subject"] == "Home-based women workers"
    assert attrs["author"] == "qualcode tests"
    assert attrs["keywords"] == "home-based work; piece rates; social protection"
    assert attrs["category"] == "interview"
    assert attrs["description"] == "Synthetic test fixture"
    assert attrs["created"] == "2024-03-05T09:00:00Z"
    assert attrs["site"] == "Sidoarjo"
    assert attrs["participant_id"] == "P01"
    assert attrs["age"] == 41


def test_empty_properties_are_left_out() -> None:
    attrs = load("interview_id.docx").attributes
    assert attrs["title"] == "Wawancara 02 (rekaan)"
    assert "subject" not in attrs and "keywords" not in attrs and "category" not in attrs


def test_read_transcript_on_a_path() -> None:
    path = DATA / "interview_en.docx"
    doc = qc.read_transcript(path)
    assert doc == read_docx(path)
    assert doc.language == "en"
    assert doc.source == str(path.resolve())
    assert doc.attributes["site"] == "Sidoarjo"
    assert doc.text == load("interview_en.docx").text
    assert doc.sha256 == load("interview_en.docx").sha256


def test_indonesian_interview_with_multi_paragraph_turns() -> None:
    doc = qc.read_transcript(DATA / "interview_id.docx")
    check_offsets(doc)
    assert doc.language == "id"
    assert len(doc.turns) == 8
    assert doc.speakers == ["Pewawancara", "Narasumber"]
    assert [t.role for t in doc.turns[:2]] == ["interviewer", "participant"]
    assert doc.turns[3].text == (
        "Tidak ada kontrak, Mbak. Semuanya hanya lisan saja.\n\n"
        "Kalau upahnya turun, kami tidak bisa protes karena tidak ada bukti."
    )
    assert doc.turns[-1].text.endswith("supaya bisa belajar bersama.")


def test_docx_written_by_libreoffice_reads_the_same() -> None:
    ours, theirs = load("interview_id.docx"), load("interview_id_lo.docx")
    assert theirs.text == ours.text
    assert theirs.turns == ours.turns
    assert theirs.attributes["title"] == "Wawancara 02 (rekaan)"


def test_roles_override() -> None:
    data = (DATA / "interview_en.docx").read_bytes()
    doc = parse_docx(data, roles={"R": "facilitator"})
    assert doc.turns[1].role == "facilitator"


# ------------------------------------------------------------ table transcripts

FGD_SPEAKERS = ["Fasilitator", "Ibu Sari", "Ibu Wati", "Ibu Ani", "Ibu Rina", "Ibu Yuni"]
FGD_TIMES = [5.0, 21.0, 40.0, 62.0, 75.0, 90.0, 108.0, 130.0, 151.0]


@pytest.mark.parametrize("fixture", ["fgd_table_id.docx", "fgd_table_id_lo.docx"])
def test_fgd_speaker_time_text_table(fixture: str) -> None:
    doc = load(fixture)
    check_offsets(doc)
    assert len(doc.turns) == 9
    assert doc.speakers == FGD_SPEAKERS
    assert [t.timestamp for t in doc.turns] == FGD_TIMES
    assert [t.role for t in doc.turns].count("facilitator") == 2
    assert {t.role for t in doc.turns if t.speaker != "Fasilitator"} == {"participant"}
    assert doc.turns[2].text == "Sama. Upah borongan kami seribu rupiah per lusin."
    # a row with an empty speaker cell continues the speaker before
    assert (doc.turns[4].speaker, doc.turns[4].text) == (
        "Ibu Ani", "Padahal benangnya dari pengepul sendiri.")
    # the paragraphs before the table are the preamble, in no turn
    assert doc.text.startswith("Diskusi kelompok terfokus (FGD) pekerja rumahan, Desa Contoh."
                               "\n\nSynthetic test fixture")
    assert doc.text[: doc.turns[0].start].endswith("\n\n[00:00:05] Fasilitator: ")
    assert "Pembicara" not in doc.text  # the header row is not text
    assert doc.attributes["category"] == "fgd"


def _table_doc(
    rows: list[tuple[str, ...]], before: tuple[str, ...] = (), after: tuple[str, ...] = ()
) -> bytes:
    d = docx.Document()
    for p in before:
        d.add_paragraph(p)
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    for p in after:
        d.add_paragraph(p)
    return to_bytes(d)


def test_headerless_speaker_text_table() -> None:
    data = _table_doc([
        ("Moderator", "Who has a written contract with the intermediary?"),
        ("P1", "Nobody here. We are paid by the piece."),
        ("P2", "And nobody pays when we are sick."),
    ])
    doc = parse_docx(data)
    check_offsets(doc)
    assert [(t.speaker, t.role) for t in doc.turns] == [
        ("Moderator", "facilitator"), ("P1", "participant"), ("P2", "participant")]
    assert doc.turns[1].text == "Nobody here. We are paid by the piece."
    assert all(t.timestamp is None for t in doc.turns)


def test_headerless_time_speaker_text_table_with_ranges() -> None:
    data = _table_doc([
        ("00:00:01 - 00:00:09", "Interviewer", "Do you have any social protection?"),
        ("[00:00:10]", "Respondent", "No, none at all, not even health insurance."),
    ], before=("Synthetic test fixture.",))
    doc = parse_docx(data)
    check_offsets(doc)
    assert [(t.speaker, t.timestamp, t.end_time) for t in doc.turns] == [
        ("Interviewer", 1.0, 9.0), ("Respondent", 10.0, None)]
    assert doc.text.startswith("Synthetic test fixture.\n\n[00:00:01] Interviewer: ")


def test_english_header_with_number_column_and_closing_note() -> None:
    data = _table_doc([
        ("No", "Speaker", "Timestamp", "Transcript"),
        ("1", "Facilitator", "0:05", "Let us talk about piece rates."),
        ("2", "Sari", "0:12", "We get two hundred rupiah a pair."),
    ], after=("End of discussion.",))
    doc = parse_docx(data)
    check_offsets(doc)
    assert [(t.speaker, t.timestamp) for t in doc.turns] == [
        ("Facilitator", 5.0), ("Sari", 12.0), (None, None)]
    assert doc.turns[-1].text == "End of discussion."


def test_metadata_table_does_not_make_a_table_layout() -> None:
    data = _table_doc([("Lokasi", "Kediri"), ("Tanggal", "5 Maret 2024")],
                      after=("Pewawancara: Ada kontrak?", "Narasumber: Tidak ada."))
    doc = parse_docx(data)
    assert doc.text.startswith("Lokasi Kediri\n\nTanggal 5 Maret 2024\n\nPewawancara:")
    assert [t.speaker for t in doc.turns] == ["Pewawancara", "Narasumber"]


def test_small_transcript_table_inside_a_paragraph_transcript() -> None:
    data = _table_doc([("Speaker", "Text"), ("Sari", "Kami tidak punya kontrak.")],
                      before=("I: A long paragraph interview about piece rates and groups.",
                              "R: We started a group of seven women last year in the village."))
    doc = parse_docx(data)
    check_offsets(doc)
    assert [t.speaker for t in doc.turns] == ["I", "R", "Sari"]
    assert doc.turns[2].text == "Kami tidak punya kontrak."


# ------------------------------------------------------------ tracked changes, comments


@pytest.mark.parametrize("fixture", ["tracked_comments.docx", "tracked_comments_lo.docx"])
def test_tracked_changes_read_as_accepted(fixture: str) -> None:
    doc = load(fixture)
    check_offsets(doc)
    assert "Upahnya dua ribu rupiah per potong." in doc.text
    assert "kelompok tahun lalu." in doc.text
    for deleted in ("seribu", "bulan lalu", "Kalimat ini dihapus"):
        assert deleted not in doc.text
    assert "\n\n\n" not in doc.text  # the deleted paragraph leaves no gap
    assert [t.speaker for t in doc.turns] == ["Pewawancara", "Narasumber"] * 2
    assert doc.turns[1].text == (
        "Dengan perantara memang tidak ada kontrak, hanya janji lisan.\n\n"
        "Upahnya dua ribu rupiah per potong.")


@pytest.mark.parametrize("fixture", ["tracked_comments.docx", "tracked_comments_lo.docx"])
def test_word_comments_keep_their_exact_range(fixture: str) -> None:
    doc = load(fixture)
    assert len(doc.comments) == 2
    first, second = doc.comments
    assert doc.text[first.start : first.end] == "tidak ada kontrak"
    assert (first.text, first.author, first.date) == (
        "Kode: tanpa perjanjian tertulis", "Peneliti A", "2024-03-06T09:30:00Z")
    assert doc.text[second.start : second.end] == "dua ribu rupiah per potong"
    assert (second.text, second.author) == ("Kode: upah borongan", "Peneliti B")


def test_comment_across_paragraphs_and_in_a_table_cell() -> None:
    d = docx.Document()
    d.add_paragraph("Synthetic test fixture.")
    p1 = d.add_paragraph("I: ")
    r1 = p1.add_run("Is there a contract?   ")  # trailing spaces are normalised away
    p2 = d.add_paragraph()
    r2 = p2.add_run("R: No.")
    d.add_comment([r1, r2], text="spans two paragraphs", author="A")
    data = to_bytes(d)
    doc = parse_docx(data)
    (c,) = doc.comments
    assert doc.text[c.start : c.end] == "Is there a contract?\n\nR: No."

    d = docx.Document()
    table = d.add_table(rows=3, cols=2)
    rows = [("Pembicara", "Teks"), ("Fasilitator", "Ada kontrak?"),
            ("Ibu Sari", "Tidak ada kontrak tertulis.")]
    for r, row in enumerate(rows):
        for col, value in enumerate(row):
            table.cell(r, col).text = value
    cell_par = table.cell(2, 1).paragraphs[0]
    cell_par.clear()
    cell_par.add_run("Tidak ada ")
    anchor = cell_par.add_run("kontrak tertulis")
    cell_par.add_run(".")
    d.add_comment(anchor, text="Kode: tanpa kontrak", author="B")
    doc = parse_docx(to_bytes(d))
    check_offsets(doc)
    assert [t.speaker for t in doc.turns] == ["Fasilitator", "Ibu Sari"]
    (c,) = doc.comments
    assert doc.text[c.start : c.end] == "kontrak tertulis"


def test_tabs_breaks_hyphens_hidden_text_and_fields() -> None:
    d = docx.Document()
    d.add_paragraph("I:\tAda kontrak?\nTertulis?")
    p = d.add_paragraph("R: Tidak ")
    hidden = p.add_run("RAHASIA ")
    rpr = hidden._r.get_or_add_rPr()
    rpr.append(OxmlElement("w:vanish"))
    run = p.add_run("ada")
    run._r.append(OxmlElement("w:noBreakHyphen"))
    run._r.append(OxmlElement("w:softHyphen"))
    t = OxmlElement("w:t")
    t.text = "apa\u00adapa."
    run._r.append(t)
    instr = OxmlElement("w:instrText")
    instr.text = " PAGE "
    p.add_run()._r.append(instr)
    doc = parse_docx(to_bytes(d))
    assert doc.text == "I: Ada kontrak?\nTertulis?\n\nR: Tidak ada-apaapa."
    assert [t.text for t in doc.turns] == ["Ada kontrak?\nTertulis?", "Tidak ada-apaapa."]


def test_strict_ooxml_namespace_is_read() -> None:
    data = (DATA / "interview_en.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml")
    strict = xml.replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                         b"http://purl.oclc.org/ooxml/wordprocessingml/main")
    doc = parse_docx(replace_member(data, "word/document.xml", strict))
    assert len(doc.turns) == 10


# ------------------------------------------------------------ bad and hostile input


def test_truncated_docx_is_corrupt_and_named() -> None:
    with pytest.raises(CorruptFileError, match=r"corrupt_truncated\.docx.*not a valid \.docx"):
        qc.read_transcript(DATA / "corrupt_truncated.docx")
    data = (DATA / "corrupt_truncated.docx").read_bytes()
    with pytest.raises(CorruptFileError, match=r"broken\.docx: not a valid \.docx"):
        parse_docx(data, name="broken.docx")


def test_text_file_renamed_to_docx() -> None:
    with pytest.raises(CorruptFileError, match=r"text_renamed\.docx.*plain text"):
        qc.read_transcript(DATA / "text_renamed.docx")


def test_zip_without_document_xml() -> None:
    data = replace_member((DATA / "interview_en.docx").read_bytes(), "word/document.xml", None)
    with pytest.raises(CorruptFileError, match=r"x\.docx: not a valid \.docx \(it has no word/"):
        parse_docx(data, name="x.docx")


def test_malformed_xml_is_corrupt() -> None:
    data = replace_member((DATA / "interview_en.docx").read_bytes(), "word/document.xml",
                          b"<w:document xmlns:w='urn:x'><w:body><w:p>")
    with pytest.raises(CorruptFileError, match="not well-formed"):
        parse_docx(data, name="x.docx")


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body></w:document>",
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&b;&b;</w:t></w:r></w:p></w:body></w:document>",
])
def test_doctype_and_entities_are_refused(payload: bytes) -> None:
    data = replace_member((DATA / "interview_en.docx").read_bytes(), "word/document.xml",
                          payload)
    with pytest.raises(CorruptFileError, match="DOCTYPE"):
        parse_docx(data, name="evil.docx")


def test_zip_bomb_by_compression_ratio() -> None:
    data = replace_member((DATA / "interview_en.docx").read_bytes(), "word/bomb.bin", None)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("word/media/zeros.bin", b"\0" * (3 * 2**20))
    with pytest.raises(CorruptFileError, match="zip bomb"):
        parse_docx(out.getvalue(), name="bomb.docx")


def test_zip_bomb_by_size_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (DATA / "interview_en.docx").read_bytes()
    monkeypatch.setattr(_zipxml, "MAX_MEMBER_BYTES", 10_000)
    with pytest.raises(CorruptFileError, match=r"would expand to .* zip bomb"):
        parse_docx(data, name="big.docx")
    monkeypatch.setattr(_zipxml, "MAX_MEMBER_BYTES", 100 * 2**20)
    monkeypatch.setattr(_zipxml, "MAX_TOTAL_BYTES", 50_000)
    with pytest.raises(CorruptFileError, match="archive would expand"):
        parse_docx(data, name="big.docx")


def test_docx_without_text_is_empty() -> None:
    d = docx.Document()
    d.add_paragraph("")
    d.add_paragraph("   ")
    with pytest.raises(EmptyFileError, match=r"blank\.docx: the document has no text"):
        parse_docx(to_bytes(d), name="blank.docx")


# ------------------------------------------------------------ property test

_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Co"),
                       blacklist_characters="\ufffe\uffff")
_TEXT = st.builds(
    str.__add__,
    st.sampled_from(["", "", "I: ", "R: ", "Pewawancara: ", "Ibu Sari: "]),
    st.text(_CHARS | st.sampled_from(["\t", "\n", " ", "\u00ad", "\u2029", "\u0301"]),
            max_size=60),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_random_paragraphs_never_crash_and_turns_index_the_text(paragraphs: list[str]) -> None:
    d = docx.Document()
    try:
        for p in paragraphs:
            d.add_paragraph(p)
    except ValueError:  # not XML-compatible text; python-docx refuses it
        assume(False)
    data = to_bytes(d)
    cleaned = (p.replace("\t", " ").replace("\u00ad", "") for p in paragraphs)
    expected = normalise_text("\n\n".join(p for p in cleaned if normalise_text(p)))
    if not expected.strip():
        with pytest.raises(EmptyFileError):
            parse_docx(data)
        return
    doc = parse_docx(data)
    assert doc.text == expected
    check_offsets(doc)


_RAW = st.text(st.characters(blacklist_categories=("Cs", "Mn"))
               | st.sampled_from(" \n\t\r\u2028\u2029\x0c\u200b"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_RAW, st.lists(st.integers(-2, 45), max_size=6))
def test_comment_offsets_survive_normalisation(raw: str, offsets: list[int]) -> None:
    text, mapped = normalise_mapped(raw, offsets)
    assert text == normalise_text(raw)
    pairs = sorted(zip(offsets, mapped, strict=True))
    assert all(0 <= m <= len(text) for _, m in pairs)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))  # order is kept
    if unicodedata.is_normalized("NFC", raw):
        for o, m in pairs:  # a kept character is still where its offset points
            if 0 <= o < len(raw) and raw[o].isprintable() and not raw[o].isspace() \
                    and raw[o] not in "\u200b\ufeff":
                assert text[m] == raw[o]


@pytest.mark.parametrize("fixture", ["interview_en.docx", "fgd_table_id.docx",
                                     "tracked_comments.docx", "tracked_comments_lo.docx"])
def test_fast_and_full_paragraph_walks_agree(fixture: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load(fixture)
    original = docx_module._Walker.__init__

    def full_walk_only(self: docx_module._Walker, ns: str) -> None:
        original(self, ns)
        self.SLOW = (self.P,)  # every paragraph matches: always take the full walk

    monkeypatch.setattr(docx_module._Walker, "__init__", full_walk_only)
    slow = load(fixture)
    assert slow == fast
