"""REFI-QDA import: hostile files, broken files, producer quirks, all-or-nothing merging.

The fixtures are made by tests/data/refi/make_hostile.py (see its README).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import qualcode as qc
from qualcode.errors import ExchangeError
from qualcode.exchange import refi
from qualcode.exchange.refi import _xml

DATA = Path(__file__).parent / "data" / "refi"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


def _import(name: str) -> tuple[qc.Project, refi.ImportReport]:
    project = qc.Project.open(":memory:")
    return project, refi.import_qdpx(project, DATA / name)


def _coded(project: qc.Project) -> list[tuple[str, str, str]]:
    docs = {d.id: d for d in project.documents}
    return [(c.code, docs[c.document].text[c.start:c.end], c.coder) for c in project.codings()]


# -- hostile: refused, naming the file ------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), [
    ("traversal_member.qdpx", "'../../evil.txt' escapes the archive"),
    ("traversal_path.qdpx", "TextSource 'x' .* path 'internal://../../../etc/passwd' escapes"),
    ("zip_bomb.qdpx", "sources/bomb.txt' would expand to 3145728 bytes .* zip bomb"),
    ("doctype_xxe.qdpx", "declares a DOCTYPE"),
    ("billion_laughs.qde", "declares a DOCTYPE"),
    ("deep_nesting.qde", "Excessive depth"),
    ("not_a_zip.qdpx", "not a zip archive"),
    ("no_project.qdpx", "no project.qde in the archive"),
    ("malformed.qdpx", "not well-formed XML"),
    ("wrong_root.qdpx", "root element is <Foo>"),
])
def test_hostile_files_are_refused(name: str, message: str) -> None:
    with pytest.raises(ExchangeError, match=message) as info:
        refi.read_qdpx(DATA / name)
    assert info.value.path == str(DATA / name)
    assert str(DATA / name) in str(info.value)


def test_nothing_is_resolved_or_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    qde = tmp_path / "x.qde"
    qde.write_text(f'<!DOCTYPE Project [<!ENTITY s SYSTEM "file://{secret}">]>'
                   '<Project xmlns="urn:QDA-XML:project:1.0" name="&s;"/>', encoding="utf-8")
    with pytest.raises(ExchangeError, match="DOCTYPE"):
        refi.read_qdpx(qde)


def test_huge_trees_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_xml, "MAX_ELEMENTS", 10)
    with pytest.raises(ExchangeError, match="more than 10 XML"):
        refi.read_qdpx(DATA / "inline_project.qde")


def test_missing_file() -> None:
    with pytest.raises(ExchangeError, match="no such file"):
        refi.read_qdpx(DATA / "nope.qdpx")


# -- broken but readable: warnings naming the element ---------------------------------------


def test_dangling_references() -> None:
    project, report = _import("dangling_refs.qdpx")
    assert _coded(project) == [
        ("hours", "Twelve hours a day.", "Ana"),
        ("pay", "Twelve", "cccccccc-cccc-4ccc-8ccc-cccccccccccc")]
    messages = [str(w) for w in report.warnings]
    assert any("Coding e0000000-0000-4000-8000-00000000c0de (line 13): refers to code "
               "deadbeef-0000-4000-8000-000000000000 which is not in the codebook" in m
               for m in messages)
    assert any("user cccccccc-cccc-4ccc-8ccc-cccccccccccc is not among the Users" in m
               for m in messages)


def test_bad_spans() -> None:
    project, report = _import("bad_spans.qdpx")
    assert _coded(project) == [("hours", "Twelve hours a day.", "Ana")]
    messages = "\n".join(str(w) for w in report.warnings)
    for expected in ("000000000004 (line 13): startPosition 20 > endPosition 10",
                     "000000000006 (line 13): negative startPosition -3",
                     "000000000007 (line 13): startPosition/endPosition missing or not whole",
                     "000000000005 (line 13): selection [30, 500) is outside the text",
                     "not schema-valid: Element 'PlainTextSelection', attribute "
                     "'startPosition': 'x' is not a valid value"):
        assert expected in messages


def test_missing_and_unrepresentable_sources_are_listed() -> None:
    project, report = _import("missing_sources.qdpx")
    assert [d.name for d in project.documents] == ["simple.txt"]
    opaque = {o.name: o for o in report.opaque_sources}
    assert sorted(opaque) == ["gone.txt", "outside.txt", "scan.pdf", "talk.m4a"]
    assert opaque["gone.txt"].codings == 1 and "missing from the archive" in opaque[
        "gone.txt"].reason
    assert "external files are not read" in opaque["outside.txt"].reason
    assert opaque["talk.m4a"].kind == "audio" and opaque["scan.pdf"].kind == "pdf"
    assert any(w.element.startswith("TextSource 'gone.txt'") for w in report.warnings)


# -- producer quirks ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nvivo_like.qdpx", "utf16_recorded.qdpx"])
def test_utf16_positions_bom_crlf_and_folder_case(name: str) -> None:
    project, report = _import(name)
    assert [t for _, t, _ in _coded(project)] == EXPECTED["NVIVO_CODED"]
    (conv,) = report.conventions
    assert conv.convention == "UTF-16 code units, CRLF = 2" and not conv.agree
    if name == "utf16_recorded.qdpx":  # unknown producer: the recorded texts decide
        assert conv.matched == conv.checked == 4
        assert "recorded selection texts match" in conv.decided_by
    else:  # NVivo writes name="": boundaries (and the producer) decide
        assert conv.checked == 0 and "between words" in conv.decided_by
    assert any("Sources/" in w.message and "letter case" in w.message for w in report.warnings)
    (doc,) = project.documents
    assert not doc.text.startswith("\ufeff") and "\r" not in doc.text


def test_atlas_style_crlf_as_one_and_packaging_quirks() -> None:
    project, report = _import("atlas_like.qdpx")
    coded = _coded(project)
    assert [t for _, t, _ in coded] == EXPECTED["ATLAS_CODED"]
    assert [(code, coder) for code, _, coder in coded] == [
        ("hours", "Ana"), ("contract", "Ana"), ("work", "Ana")]
    assert project.codings()[0].memo == "Long hours before Friday"
    (conv,) = report.conventions
    assert conv.convention == "code points, CRLF = 1" and conv.matched == 3
    messages = "\n".join(str(w) for w in report.warnings)
    assert "urn:QDA-XML:project:1:0' is a variant" in messages
    assert "Element 'Sets': Missing child element(s)" in messages
    assert ".TXT' (the letter case differs)" in messages
    cb = project.codebook("fixture")
    assert cb["work"].color == "#336699" and cb["hours"].parent == "work"


def test_inline_text_cases_variables_notes_and_name_clashes() -> None:
    project, report = _import("inline_project.qde")
    (doc,) = project.documents
    assert doc.name == "wati.txt" and doc.text.startswith("I: Where do you work?")
    assert doc.attributes == {"site": "Kediri", "age": 41, "share": 0.25, "member": True,
                              "date": "2024-05-11", "case": "Ibu Wati"}
    assert [(t.speaker, t.role) for t in doc.turns][:2] == [("I", "interviewer"),
                                                            ("R", "participant")]
    cb = project.codebook("Kediri pilot")
    assert [(c.name, c.parent) for c in cb.codes] == [
        ("Place", None), ("Place/Other", "Place"), ("Work", None), ("Work/Other", "Work"),
        ("Pay", None)]
    assert cb["Work"].color == "#ff0000" and cb["Pay"].description == "Who pays, how and when"
    assert cb.meta["refi"]["not_codable"] == ["Place"]
    coded = _coded(project)
    assert coded[:3] == [("Place/Other", "At home, in Kediri.", "Budi"),
                         ("Work/Other", "I sew sandals.", "Budi"),
                         ("Pay", "The intermediary, per dozen", "Budi")]
    assert coded[3] == ("Work", doc.text, "Ana")  # a coding of the whole source
    assert project.codings()[2].memo == "Paid only when he comes."
    assert report.sets == {"Kediri": ["wati.txt"], "money": ["Pay"]}
    assert report.cases == {"Ibu Wati": ["wati.txt"]}
    (comment,) = doc.comments  # a selection with a description but no code
    assert (doc.text[comment.start:comment.end], comment.text, comment.author, comment.date) == (
        "per dozen", "Check: per dozen or per piece?", "Ana", "2024-05-12T09:30:00Z")
    notes = {n.name: n for n in report.notes}
    assert notes["Plan"].text == "Ask about the piece rate." and notes["Plan"].attached_to == ()
    assert notes["On pay"].attached_to[0].startswith("Coding")
    assert sum("another code is also called 'Other'" in w.message for w in report.warnings) == 2


# -- merging into an existing project: idempotent, all or nothing ---------------------------


def test_import_merges_and_is_idempotent() -> None:
    project = qc.Project.open(":memory:")
    first = refi.import_qdpx(project, DATA / "atlas_like.qdpx")
    again = refi.import_qdpx(project, DATA / "atlas_like.qdpx")
    assert first.documents_added == ["fgd_atlas.txt"] and first.codings_added == 3
    assert again.documents_unchanged == ["fgd_atlas.txt"] and again.codings_added == 0
    assert again.codings_duplicate == 3 and len(project.codings()) == 3
    # another file with the same project name adds to the same codebook
    refi.import_qdpx(project, DATA / "nvivo_like.qdpx")
    assert len(project.documents) == 2 and len(project.codings()) == 7
    assert [c.name for c in project.codebook("fixture").codes] == [
        "work", "hours", "contract", "pay"]


def test_a_document_already_ingested_is_reused(tmp_path: Path) -> None:
    text = "I: How long?\nR: Twelve hours a day."
    project = qc.Project.open(":memory:")
    stored = project.add_documents([qc.parse_transcript(text.encode(), name="mine.txt")]).added[0]
    report = refi.import_qdpx(project, DATA / "bad_spans.qdpx")
    assert report.documents_unchanged == ["mine.txt"] and report.documents_added == []
    assert [c.document for c in project.codings()] == [stored.id]


def test_import_is_all_or_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project = qc.Project.open(tmp_path / "p.qualcode")
    refi.import_qdpx(project, DATA / "atlas_like.qdpx")
    before = (project.stats(), [d.name for d in project.documents],
              [cb.name for cb in project.codebooks])

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(qc.Project, "add_codings", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        refi.import_qdpx(project, DATA / "inline_project.qde")
    monkeypatch.undo()
    after = (project.stats(), [d.name for d in project.documents],
             [cb.name for cb in project.codebooks])
    assert after == before
    with pytest.raises(ExchangeError):  # a hostile file never reaches the project
        refi.import_qdpx(project, DATA / "zip_bomb.qdpx")
    assert project.stats() == before[0]
    project.close()


def test_fixtures_are_up_to_date(tmp_path: Path) -> None:
    """make_hostile.py regenerates exactly the committed fixtures."""
    import importlib.util

    copy = tmp_path / "make_hostile.py"
    shutil.copy(DATA / "make_hostile.py", copy)
    spec = importlib.util.spec_from_file_location("make_hostile_copy", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    for made in tmp_path.iterdir():
        if made.name != "make_hostile.py" and made.is_file():
            assert made.read_bytes() == (DATA / made.name).read_bytes(), made.name
