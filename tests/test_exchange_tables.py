"""Codings tables (CSV, xlsx) and Word comments as codings."""

from __future__ import annotations

from pathlib import Path

import pytest

import qualcode as qc
from qualcode.exchange.tables import (
    codings_from_comments,
    parse_codings_csv,
    read_codings,
    write_codings,
)

TEXT = (
    "Pewawancara: Ada kontrak tertulis?\n"
    "Bu Sumi: Tidak ada, Bu. Tidak ada kontrak.\n"
    "Pewawancara: Upahnya?\n"
    "Bu Sumi: Upah ditentukan pengepul, per kodi."
)


@pytest.fixture()
def doc() -> qc.Document:
    return qc.parse_transcript(TEXT.encode(), name="sumi.txt")


def test_csv_with_offsets_and_with_quoted_text(doc: qc.Document) -> None:
    start = doc.text.index("Upah ditentukan")
    data = (
        "document,code,start,end,text,coder,occurrence\n"
        f"sumi.txt,piece_rate,{start},{start + 24},,Ana,\n"
        f"{doc.id},no_written_agreement,,,Tidak ada kontrak.,Ana,\n"
        "sumi,no_written_agreement,,,Tidak   ada,Budi,2\n"
    ).encode()
    codings = parse_codings_csv(data, [doc])
    assert [(c.code, doc.text[c.start : c.end], c.coder) for c in codings] == [
        ("piece_rate", "Upah ditentukan pengepul", "Ana"),
        ("no_written_agreement", "Tidak ada kontrak.", "Ana"),
        ("no_written_agreement", "Tidak ada", "Budi"),
    ]
    assert codings[2].start == doc.text.index("Tidak ada kontrak")


def test_csv_reports_every_problem_with_line(doc: qc.Document) -> None:
    data = (
        b"document,code,start,end,text,coder\n"
        b"nope.txt,x,0,3,,Ana\n"
        b"sumi.txt,,0,3,,Ana\n"
        b"sumi.txt,x,5,99999,,Ana\n"
        b"sumi.txt,x,,,Tidak ada,Ana\n"
        b"sumi.txt,x,,,never said,Ana\n"
        b"sumi.txt,x,0,3,,\n"
        b"sumi.txt,x,a,3,,Ana\n"
    )
    with pytest.raises(qc.InputError) as info:
        parse_codings_csv(data, [doc], path="c.csv")
    got = [str(p) for p in info.value.problems]
    assert got == [
        "c.csv:2: unknown document 'nope.txt'",
        "c.csv:3: no code",
        f"c.csv:4: span 5-99999 is not inside sumi.txt (0-{len(doc.text)})",
        "c.csv:5: text occurs 2 times in sumi.txt; add an 'occurrence' column to say which",
        "c.csv:6: text not found in sumi.txt: 'never said'",
        "c.csv:7: no coder: add a 'coder' column or pass coder=",
        "c.csv:8: start, end and occurrence must be whole numbers",
    ]


def test_missing_columns(doc: qc.Document) -> None:
    with pytest.raises(qc.InputError, match="missing column"):
        parse_codings_csv(b"a,b\n1,2\n", [doc])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_read_round_trip(doc: qc.Document, tmp_path: Path, suffix: str) -> None:
    codings = [
        qc.Coding(doc.id, "no_written_agreement", 44, 62, coder="Ana", memo="jelas, “tegas”"),
        qc.Coding(doc.id, "piece_rate", 96, 120, coder="auto:barriers@1", rule="r1",
                  codebook="barriers"),
    ]
    path = write_codings(codings, [doc], tmp_path / f"codings{suffix}")
    assert read_codings(path, [doc]) == codings
    assert not list(tmp_path.glob("*.part"))


def test_comments_as_codings() -> None:
    text = "Bu Sumi: Tidak ada kontrak. Upah per kodi."
    doc = qc.Document(
        name="c.docx", text=text,
        comments=(qc.Comment(9, 27, "no_written_agreement\nclear case", "Ana"),
                  qc.Comment(28, 42, "Piece rate", "Budi")),
    )
    cb = qc.Codebook("barriers", (qc.Code("no_written_agreement"), qc.Code("piece_rate")))
    with pytest.raises(qc.InputError) as info:
        codings_from_comments(doc, codebook=cb)
    assert [str(p) for p in info.value.problems] == [
        "c.docx: comment 2 names no code of 'barriers': 'Piece rate'"
    ]
    codings = codings_from_comments(doc)
    assert [(c.code, text[c.start : c.end], c.coder, c.memo) for c in codings] == [
        ("no_written_agreement", "Tidak ada kontrak.", "Ana", "clear case"),
        ("Piece rate", "Upah per kodi.", "Budi", None),
    ]


def test_doubled_quotes_and_semicolons(doc: qc.Document) -> None:
    """Excel writes quotes in cells as doubled quotes; semicolons in many locales."""
    data = (
        b'document;code;text;coder;memo\n'
        b'sumi.txt;no_written_agreement;Tidak ada kontrak.;Ana;"she said ""no paper"""\n'
    )
    (c,) = parse_codings_csv(data, [doc])
    assert c.memo == 'she said "no paper"'


def test_problems_are_in_the_message(doc: qc.Document) -> None:
    with pytest.raises(qc.InputError) as info:
        parse_codings_csv(b"document,code,start,end,coder\nnope,x,0,1,Ana\n", [doc], path="c.csv")
    assert "c.csv:2: unknown document 'nope'" in str(info.value)
