"""Codebooks as CSV and xlsx tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.codebook import load_codebook
from qualcode.exchange.codebook_tables import (
    parse_codebook_csv,
    read_codebook_table,
    write_codebook_table,
)


def key(c: qc.Code) -> tuple[Any, ...]:
    return (c.name, c.parent, c.description, c.color, c.label, c.inclusion, c.exclusion)


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
@pytest.mark.parametrize("name", ["power_cube", "barriers", "empowerment", "advocacy"])
def test_bundled_codebooks_round_trip(name: str, ext: str, tmp_path: Path) -> None:
    cb = load_codebook(name)
    path = write_codebook_table(cb, tmp_path / f"{name}.{ext}")
    back = read_codebook_table(path)
    assert back.name == name
    assert [key(c) for c in back.codes] == [key(c) for c in cb.codes]


_cell = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")),
                max_size=15).map(str.strip)


@settings(max_examples=25, deadline=None)
@given(st.lists(_cell.filter(bool), min_size=1, max_size=8, unique=True), st.data())
def test_random_codebooks_round_trip(names: list[str], data: st.DataObject) -> None:
    import tempfile

    codes = []
    for i, n in enumerate(names):
        codes.append(qc.Code(
            name=n, parent=data.draw(st.sampled_from([None, *names[:i]])),
            description=data.draw(_cell), color=data.draw(st.sampled_from([None, "#abc", "teal"])),
            label=data.draw(st.one_of(st.none(), _cell.filter(bool))),
            inclusion=data.draw(_cell), exclusion=data.draw(_cell)))
    cb = qc.Codebook("random", tuple(codes))
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("csv", "xlsx"):
            back = read_codebook_table(write_codebook_table(cb, Path(tmp) / f"r.{ext}"))
            assert sorted(map(key, back.codes)) == sorted(map(key, codes))
            seen: set[str] = set()
            for c in back.codes:  # parents first
                assert c.parent is None or c.parent in seen
                seen.add(c.name)


def test_every_problem_is_reported_with_its_line() -> None:
    data = (b"name;parent;colour;description\n"
            b"work;;#1f3b73;Work at home\n"
            b'hours;work;#zz0000;"Long\nhours"\n'   # a quoted line break: the row spans 2 lines
            b"work;;;again\n"
            b"pay;money;;\n"
            b"a;b;;\n"
            b"b;a;;\n"
            b"self;self;;\n"
            b";work;;no name\n")
    with pytest.raises(qc.CodebookError) as info:
        parse_codebook_csv(data, path="book.csv")
    problems = [(p.line, p.message) for p in info.value.problems]
    assert problems == [
        (3, "bad colour '#zz0000' for 'hours'; use #RRGGBB, #RGB or a CSS colour name"),
        (5, "duplicate code 'work' (first on line 2)"),
        (6, "unknown parent 'money' of 'pay'"),
        (7, "parent cycle: a -> b -> a (lines 7, 8)"),
        (9, "code 'self' is its own parent"),
        (10, "a code needs a name"),
    ]
    assert "book.csv:5: duplicate code 'work'" in str(info.value)


def test_xlsx_rows_and_aliases(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Code", "Parent", "Colour", "Notes"])
    ws.append(["income", None, "teal", "ignored column"])
    ws.append(["low_piece_wage", "income", "#b22222", None])
    ws.append([None, None, None, None])
    ws.append(["late", "incme", None, None])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with pytest.raises(qc.CodebookError) as info:
        read_codebook_table(path)
    assert [(p.line, p.message) for p in info.value.problems] == [
        (5, "unknown parent 'incme' of 'late'")]
    ws.delete_rows(5)
    wb.save(path)
    cb = read_codebook_table(path, name="income", version="2")
    assert [(c.name, c.parent, c.color) for c in cb.codes] == [
        ("income", None, "teal"), ("low_piece_wage", "income", "#b22222")]
    assert cb.version == "2"


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    cb = qc.Codebook("x", (qc.Code("sum", description="=SUM(A1:A3)"),))
    back = read_codebook_table(write_codebook_table(cb, tmp_path / "x.xlsx"))
    assert back.codes[0].description == "=SUM(A1:A3)"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(qc.InputError, match="no such file"):
        read_codebook_table(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name\n\xff\xfe")
    with pytest.raises(qc.InputError, match="not UTF-8"):
        read_codebook_table(bad)
    no_name = tmp_path / "no_name.csv"
    no_name.write_text("parent,color\nx,#fff\n", encoding="utf-8")
    with pytest.raises(qc.CodebookError, match="no 'name' column"):
        read_codebook_table(no_name)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(qc.InputError, match="cannot read spreadsheet"):
        read_codebook_table(broken)
