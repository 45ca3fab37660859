"""Reading .odt, .rtf and .pdf transcripts: LibreOffice-made fixtures, hand-made
edge cases, and each kind of bad file."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

import qualcode as qc
from qualcode.errors import (
    CorruptFileError,
    EmptyFileError,
    InputError,
    NoTextLayerError,
)
from qualcode.io.docx import parse_docx
from qualcode.io.odt import parse_odt, read_odt
from qualcode.io.pdf import parse_pdf, read_pdf
from qualcode.io.rtf import parse_rtf, read_rtf

DATA = Path(__file__).parent / "data"


def check_offsets(doc: qc.Document) -> None:
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text
    for c in doc.comments:
        assert 0 <= c.start <= c.end <= len(doc.text)


def docx_twin(stem: str) -> qc.Document:
    path = DATA / "docx" / f"{stem}.docx"
    return parse_docx(path.read_bytes(), name=path.name)


# ------------------------------------------------------------------ odt


def test_odt_english_interview_matches_the_docx() -> None:
    doc = qc.read_transcript(DATA / "odt" / "interview_en.odt")
    check_offsets(doc)
    assert doc.format == "odt" and doc.name == "interview_en.odt"
    assert doc.language == "en"
    assert len(doc.turns) == 10
    assert doc.speakers == ["I", "R"]
    twin = docx_twin("interview_en")
    assert doc.text == twin.text
    assert doc.turns == twin.turns


def test_odt_meta_becomes_attributes() -> None:
    attrs = read_odt(DATA / "odt" / "interview_en.odt").attributes
    assert attrs["title"] == "Interview 01 (synthetic)"
    assert attrs["subject"] == "Home-based women workers"
    assert attrs["author"] == "qualcode tests"
    assert attrs["description"] == "Synthetic test fixture"
    assert attrs["created"] == "2024-03-05T09:00:00"
    assert attrs["category"] == "interview"
    assert attrs["keywords"].startswith("home-based")
    # user-defined properties keep their names and types
    assert (attrs["site"], attrs["participant_id"], attrs["age"]) == ("Sidoarjo", "P01", 41)
    assert "AppVersion" not in attrs


def test_odt_indonesian_multi_paragraph_turns() -> None:
    data = (DATA / "odt" / "interview_id.odt").read_bytes()
    doc = parse_odt(data, name="interview_id.odt")
    check_offsets(doc)
    assert len(doc.turns) == 8
    assert [t.role for t in doc.turns[:2]] == ["interviewer", "participant"]
    assert doc.turns[1].text == (
        "Sudah hampir delapan tahun, Mbak. Saya menjahit kerudung untuk seorang pengepul "
        "dari kota.\n\nBahannya diantar setiap hari Senin, lalu hasilnya diambil hari Sabtu.")


def test_odt_fgd_table() -> None:
    doc = parse_odt((DATA / "odt" / "fgd_table_id.odt").read_bytes(), name="fgd.odt")
    check_offsets(doc)
    assert [t.timestamp for t in doc.turns] == [5.0, 21.0, 40.0, 62.0, 75.0, 90.0, 108.0,
                                                 130.0, 151.0]
    assert doc.speakers == ["Fasilitator", "Ibu Sari", "Ibu Wati", "Ibu Ani", "Ibu Rina",
                            "Ibu Yuni"]
    assert doc.text == docx_twin("fgd_table_id").text


def test_odt_tracked_changes_and_comments() -> None:
    doc = parse_odt((DATA / "odt" / "tracked_comments.odt").read_bytes())
    check_offsets(doc)
    assert doc.text == docx_twin("tracked_comments").text
    assert "dua ribu" in doc.text and "tahun lalu" in doc.text
    assert "seribu" not in doc.text and "Kalimat ini dihapus" not in doc.text
    first, second = doc.comments
    assert doc.text[first.start : first.end] == "tidak ada kontrak"
    assert (first.text, first.author) == ("Kode: tanpa perjanjian tertulis", "Peneliti A")
    assert doc.text[second.start : second.end] == "dua ribu rupiah per potong"


_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)


def make_odt(body: str, *, meta: str = "", mimetype: bytes | None = None,
             content: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", mimetype or b"application/vnd.oasis.opendocument.text")
        if content is None:
            content = (f"<office:document-content {_NS}><office:body><office:text>{body}"
                       "</office:text></office:body></office:document-content>").encode()
        z.writestr("content.xml", content)
        if meta:
            z.writestr("meta.xml", f"<office:document-meta {_NS}><office:meta>{meta}"
                                   "</office:meta></office:document-meta>")
    return out.getvalue()


def test_odt_spaces_tabs_breaks_notes_and_point_comments() -> None:
    body = (
        '<text:h>Synthetic test fixture</text:h>'
        '<text:p>Pewawancara:<text:s/>Ada<text:s text:c="3"/>kontrak?<text:tab/>Tertulis?'
        '<text:line-break/>Atau lisan?</text:p>'
        '<text:list><text:list-item><text:p>Narasumber: Tidak ada'
        '<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>'
        'catatan kaki</text:p></text:note-body></text:note>, <text:span>hanya</text:span> '
        '<office:annotation><dc:creator>C</dc:creator><text:p>titik</text:p></office:annotation>'
        'janji.</text:p></text:list-item></text:list>'
    )
    meta = ('<dc:title>T</dc:title><meta:keyword>upah</meta:keyword><meta:keyword>kelompok'
            '</meta:keyword><meta:user-defined meta:name="umur" meta:value-type="float">41.5'
            '</meta:user-defined><meta:user-defined meta:name="lunas" '
            'meta:value-type="boolean">false</meta:user-defined>')
    doc = parse_odt(make_odt(body, meta=meta))
    check_offsets(doc)
    assert doc.text == ("Synthetic test fixture\n\nPewawancara: Ada   kontrak? Tertulis?\n"
                        "Atau lisan?\n\nNarasumber: Tidak ada, hanya janji.")
    assert [t.speaker for t in doc.turns] == ["Pewawancara", "Narasumber"]
    (c,) = doc.comments
    assert (c.start, c.end, c.text, c.author) == (
        doc.text.index("janji"), doc.text.index("janji"), "titik", "C")
    assert doc.attributes == {"title": "T", "keywords": "upah, kelompok", "umur": 41.5,
                              "lunas": False}


def test_bad_odt_files(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match=r"x\.odt: not a valid \.odt \(it is plain text"):
        parse_odt(b"Pewawancara: ini bukan odt\n", name="x.odt")
    sheet = make_odt("", mimetype=b"application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(CorruptFileError, match="spreadsheet, not a text document"):
        parse_odt(sheet, name="x.odt")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(CorruptFileError, match=r"no content\.xml"):
        parse_odt(out.getvalue(), name="x.odt")
    evil = make_odt("", content=b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                b"<office:document-content>&e;</office:document-content>")
    with pytest.raises(CorruptFileError, match="DOCTYPE"):
        parse_odt(evil, name="x.odt")
    path = tmp_path / "leer.odt"
    path.write_bytes(make_odt("<text:p> </text:p>"))
    with pytest.raises(EmptyFileError, match=r"leer\.odt"):
        qc.read_transcript(path)


# ------------------------------------------------------------------ rtf


def test_rtf_english_interview_from_libreoffice() -> None:
    doc = qc.read_transcript(DATA / "rtf" / "interview_en.rtf")
    check_offsets(doc)
    assert doc.format == "rtf" and doc.language == "en"
    assert len(doc.turns) == 10
    assert doc.speakers == ["I", "R"]
    # cp1252 escapes decoded: en dash and curly apostrophe
    assert doc.turns[5].text == (
        "Two hundred rupiah per pair \u2013 it hasn\u2019t gone up since 2019.")
    assert [t.text for t in doc.turns] == [t.text for t in docx_twin("interview_en").turns]
    assert doc.attributes["title"] == "Interview 01 (synthetic)"
    assert doc.attributes["author"] == "qualcode tests"
    assert doc == read_rtf(DATA / "rtf" / "interview_en.rtf")


def test_rtf_indonesian_interview() -> None:
    doc = parse_rtf((DATA / "rtf" / "interview_id.rtf").read_bytes(), name="w.rtf")
    check_offsets(doc)
    assert len(doc.turns) == 8
    assert doc.turns[3].text == (
        "Tidak ada kontrak, Mbak. Semuanya hanya lisan saja.\n"
        "Kalau upahnya turun, kami tidak bisa protes karena tidak ada bukti.")


def test_rtf_code_pages_and_unicode_escapes() -> None:
    data = (rb"{\rtf1\ansi\ansicpg1252{\info{\title Wawancara \'e9}}"
            rb"Pewawancara: Caf\'e9 \'93kontrak\'94?\par "
            rb"Narasumber: Tidak \u8212? tidak ada.\par}")
    doc = parse_rtf(data)
    assert doc.text == ("Pewawancara: Caf\u00e9 \u201ckontrak\u201d?\n"
                        "Narasumber: Tidak \u2014 tidak ada.")
    assert doc.attributes == {"title": "Wawancara \u00e9"}
    cyrillic = rb"{\rtf1\ansi\ansicpg1251 I: \'cf\'f0\'e8\'e2\'e5\'f2\par}"
    assert parse_rtf(cyrillic).turns[0].text == "\u041f\u0440\u0438\u0432\u0435\u0442"


def test_bad_rtf_files() -> None:
    with pytest.raises(CorruptFileError, match=r"not_rtf\.rtf.*does not start with"):
        qc.read_transcript(DATA / "rtf" / "not_rtf.rtf")
    with pytest.raises(EmptyFileError, match=r"e\.rtf"):
        parse_rtf(rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\par}", name="e.rtf")


# ------------------------------------------------------------------ pdf


def test_pdf_english_interview_from_libreoffice() -> None:
    doc = qc.read_transcript(DATA / "pdf" / "interview_en.pdf")
    check_offsets(doc)
    assert doc.format == "pdf" and doc.language == "en"
    assert len(doc.turns) == 10
    assert doc.speakers == ["I", "R"]
    assert [t.role for t in doc.turns[:2]] == ["interviewer", "participant"]
    assert doc.turns[0].text == "How long have you been sewing at home?"
    assert doc.turns[5].text == (
        "Two hundred rupiah per pair \u2013 it hasn\u2019t gone up since 2019.")
    # lines are wrapped as on the page
    assert doc.turns[3].text == (
        "No, there is no written agreement. He just tells us the piece rate when he\n"
        "brings the bundle.")
    assert doc.attributes["title"] == "Interview 01 (synthetic)"
    assert doc.attributes["author"] == "qualcode tests"
    assert doc == read_pdf(DATA / "pdf" / "interview_en.pdf")


def test_pdf_indonesian_interview() -> None:
    doc = parse_pdf((DATA / "pdf" / "interview_id.pdf").read_bytes(), name="w.pdf")
    check_offsets(doc)
    assert len(doc.turns) == 8
    assert doc.speakers == ["Pewawancara", "Narasumber"]
    assert doc.turns[3].text.startswith("Tidak ada kontrak, Mbak.")


def test_scanned_pdf_has_no_text_layer() -> None:
    with pytest.raises(NoTextLayerError, match=r"scanned_no_text\.pdf.*OCR.*ocrmypdf"):
        qc.read_transcript(DATA / "pdf" / "scanned_no_text.pdf")


def test_encrypted_pdf_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InputError, match=r"encrypted\.pdf: the PDF is encrypted") as info:
        qc.read_transcript(DATA / "pdf" / "encrypted.pdf")
    assert not isinstance(info.value, CorruptFileError)
    assert "password" in str(info.value)


def test_broken_pdfs_are_corrupt() -> None:
    with pytest.raises(CorruptFileError, match=r"corrupt\.pdf: not a valid \.pdf"):
        qc.read_transcript(DATA / "pdf" / "corrupt.pdf")
    with pytest.raises(CorruptFileError, match=r"x\.pdf: not a valid \.pdf \(no %PDF header"):
        parse_pdf(b"I: this is text, not a PDF", name="x.pdf")
    good = (DATA / "pdf" / "interview_en.pdf").read_bytes()
    with pytest.raises(CorruptFileError, match=r"cut\.pdf"):
        parse_pdf(good[:600], name="cut.pdf")


def test_missing_optional_dependencies_say_how_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)
    with pytest.raises(InputError, match=r"pip install qualcode\[formats\]"):
        parse_pdf((DATA / "pdf" / "interview_en.pdf").read_bytes())
    monkeypatch.setitem(sys.modules, "striprtf", None)
    monkeypatch.setitem(sys.modules, "striprtf.striprtf", None)
    with pytest.raises(InputError, match=r"pip install qualcode\[formats\]"):
        parse_rtf((DATA / "rtf" / "interview_en.rtf").read_bytes())


# ------------------------------------------------------------------ all formats agree


@pytest.mark.parametrize("fmt", ["docx", "odt", "rtf", "pdf"])
def test_every_format_gives_the_same_turns(fmt: str) -> None:
    doc = qc.read_transcript(DATA / fmt / f"interview_id.{fmt}")
    check_offsets(doc)
    assert doc.format == fmt
    assert [(t.speaker, t.role) for t in doc.turns] == [
        ("Pewawancara", "interviewer"), ("Narasumber", "participant")] * 4
    assert doc.turns[2].text == "Apakah ada perjanjian tertulis dengan pengepul itu?"
    assert doc.attributes["title"] == "Wawancara 02 (rekaan)"
    assert doc.language == "id"
