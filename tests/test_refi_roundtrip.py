"""REFI-QDA export: schema-valid files, and export -> import gives back what was exported."""

from __future__ import annotations

import string
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import qualcode as qc
from qualcode.exchange import refi
from qualcode.io._common import normalise_text
from qualcode.io.turns import detect_turns

ROOT = Path(__file__).parents[1]
SHARED_XSD = ROOT.parent / "shared" / "refi-qda" / "xsd"
BUNDLED_XSD = ROOT / "qualcode" / "exchange" / "refi"
DATA = Path(__file__).parent / "data" / "refi"
TRANSCRIPTS = ROOT / "transcripts"


def schema(kind: str) -> etree.XMLSchema:
    """The official XSD (../shared if present, else the copy shipped in the package)."""
    folder = SHARED_XSD if SHARED_XSD.is_dir() else BUNDLED_XSD
    return etree.XMLSchema(etree.parse(str(folder / f"{kind}-mrt2019.xsd")))


def assert_valid_qdpx(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        xml = zf.read("project.qde")
        root = etree.fromstring(xml)
        xsd = schema("Project")
        assert xsd.validate(root), xsd.error_log
        ns = {"q": "urn:QDA-XML:project:1.0"}
        for src in root.iterfind(".//q:TextSource", ns):  # every text is in the archive
            member = "sources/" + src.get("plainTextPath").removeprefix("internal://")
            assert member in names
            assert not zf.read(member).startswith(b"\xef\xbb\xbf")
            assert b"\r" not in zf.read(member)
    return root


def doc_key(d: qc.Document) -> tuple[Any, ...]:
    return (d.name, d.text, d.attributes, d.language)


def code_key(c: qc.Code) -> tuple[Any, ...]:
    return (c.name, c.parent, c.description, c.color)


def coding_keys(project: qc.Project) -> list[tuple[Any, ...]]:
    names = {d.id: d.name for d in project.documents}
    return sorted((names[c.document], c.code, c.start, c.end, c.coder, c.memo or "")
                  for c in project.codings())


def book_key(cb: qc.Codebook) -> tuple[Any, ...]:
    return (cb.name, cb.version, cb.description, [code_key(c) for c in cb.codes])


# -- hypothesis: random projects ----------------------------------------------------------

_xml_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn"))
_words = st.text(_xml_chars, min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_text_alphabet = st.sampled_from(
    list(string.ascii_letters + " .,:;?!'\n") + list("éèñüÅçışğ€—“”…") + ["😀", "👟", "𝄞"])


def _depth_first(codes: list[qc.Code], parent: str | None = None) -> list[qc.Code]:
    """Codes in the order an export writes them (each parent, then its children)."""
    out = []
    for c in codes:
        if c.parent == parent:
            out += [c, *_depth_first(codes, c.name)]
    return out


@st.composite
def projects(draw: st.DrawFn) -> tuple[list[qc.Document], list[qc.Codebook], list[qc.Coding]]:
    texts = draw(st.lists(st.lists(_text_alphabet, max_size=120).map(
        lambda cs: normalise_text("".join(cs))), min_size=1, max_size=3, unique=True))
    names = draw(st.lists(_words, min_size=len(texts), max_size=len(texts), unique=True))
    kinds = {"site": st.text(_xml_chars, max_size=10),
             "age": st.integers(-10**12, 10**12),
             "ratio": st.floats(allow_nan=False, allow_infinity=False),
             "member": st.booleans(),
             "date": st.dates().map(lambda d: d.isoformat()),
             "stamp": st.just("2024-03-05T10:20:30Z")}
    docs = []
    for name, text in zip(names, texts, strict=True):
        keys = draw(st.lists(st.sampled_from(sorted(kinds)), unique=True, max_size=4))
        attributes = {k: draw(kinds[k]) for k in keys}
        comments = []
        for _ in range(draw(st.integers(0, 2)) if text else 0):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, len(text)))
            comments.append(qc.Comment(start, end, draw(_words), draw(st.one_of(
                st.none(), st.sampled_from(["Ana", "Peneliti B"]))), draw(st.one_of(
                    st.none(), st.just("2024-03-06T09:30:00Z")))))
        docs.append(qc.Document(name=name, text=text, turns=detect_turns(text),
                                attributes=attributes, comments=tuple(comments)))
    books = []
    for b in range(draw(st.integers(1, 2))):
        code_names = draw(st.lists(_words, min_size=0, max_size=5, unique=True))
        codes: list[qc.Code] = []
        for n in code_names:
            parent = draw(st.sampled_from([None, *[c.name for c in codes]]))
            codes.append(qc.Code(
                name=n, parent=parent,
                description=draw(st.text(_xml_chars, max_size=20)),
                color=draw(st.sampled_from([None, "#123abc", "#F0A", "#00ff00"]))))
        books.append(qc.Codebook(name=f"book {b} ✓", codes=tuple(_depth_first(codes)),
                                 version=draw(st.sampled_from(["1", "2.0", "1.0-beta"])),
                                 description=draw(st.text(_xml_chars, max_size=30))))
    all_codes = [c.name for cb in books for c in cb.codes] + ["loose code"]
    codings = []
    for d in docs:
        if not d.text:
            continue
        for _ in range(draw(st.integers(0, 5))):
            start = draw(st.integers(0, len(d.text)))
            end = draw(st.integers(start, len(d.text)))
            codings.append(qc.Coding(
                document=d.id, code=draw(st.sampled_from(all_codes)), start=start, end=end,
                coder=draw(st.sampled_from(["Ana", "Budi Santoso", "auto:power_cube@1.0"])),
                memo=draw(st.one_of(st.none(), _words))))
    return docs, books, codings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_random_projects_round_trip(data: tuple[list[qc.Document], list[qc.Codebook],
                                                list[qc.Coding]]) -> None:
    docs, books, codings = data
    project = qc.Project.open(":memory:")
    project.add_documents(docs)
    for cb in books:
        project.add_codebook(cb)
    project.add_codings(codings)
    with tempfile.TemporaryDirectory() as tmp:
        path = refi.write_qdpx(project, Path(tmp) / "random.qdpx")
        assert_valid_qdpx(path)
        warnings: list[refi.RefiWarning] = []
        back = refi.read_qdpx(path, warnings=warnings)
    assert warnings == []
    assert sorted(project.documents, key=lambda d: d.name) == sorted(
        back.documents, key=lambda d: d.name)  # full equality: id, text, turns, attributes
    assert [book_key(cb) for cb in project.codebooks] == [book_key(cb) for cb in back.codebooks]
    assert coding_keys(project) == coding_keys(back)


# -- the bundled transcripts, auto-coded -----------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> qc.Project:
    from qualcode.codebook import load_codebook
    from qualcode.coding import autocode

    files = [p for p in sorted(TRANSCRIPTS.iterdir())
             if p.is_file() and p.suffix in (".txt", ".docx", ".vtt")]
    docs = [qc.read_transcript(p) for p in files]
    books = [load_codebook("power_cube"), load_codebook("barriers")]
    project = qc.Project.open(":memory:")
    project.add_documents(docs)
    for cb in books:
        project.add_codebook(cb)
    project.add_codings(autocode(docs, books))
    first = docs[0]
    project.add_codings([
        qc.Coding(first.id, "no_written_agreement", 10, 60, coder="Ana Rahma",
                  codebook="barriers", memo="Kontrak? Tidak ada.\nSee turn 3 😀"),
        qc.Coding(first.id, "my own code", 0, 5, coder="Ana Rahma")])
    return project


def test_bundled_transcripts_export_valid_and_import_equal(bundled: qc.Project,
                                                           tmp_path: Path) -> None:
    assert len(bundled.documents) == 13 and len(bundled.codings()) > 500
    warnings: list[refi.RefiWarning] = []
    path = refi.write_qdpx(bundled, tmp_path / "bundled.qdpx", warnings=warnings)
    assert warnings == []
    root = assert_valid_qdpx(path)
    assert root.get("origin", "").startswith("qualcode ")
    back = refi.read_qdpx(path, warnings=warnings)
    assert warnings == []
    a = {d.name: d for d in bundled.documents}
    b = {d.name: d for d in back.documents}
    assert sorted(a) == sorted(b)
    for name in a:
        assert doc_key(a[name]) == doc_key(b[name]), name
        # turns are found again in the text: speakers and spans come back; a role set by
        # front matter, subtitle end times and fractions of seconds do not (REFI has no place)
        assert [(t.speaker, t.start, t.end) for t in a[name].turns] == [
            (t.speaker, t.start, t.end) for t in b[name].turns], name
        assert [int(t.timestamp) if t.timestamp is not None else None
                for t in a[name].turns] == [t.timestamp for t in b[name].turns], name
    assert [book_key(cb) for cb in bundled.codebooks] == [book_key(cb) for cb in back.codebooks]
    assert coding_keys(bundled) == coding_keys(back)
    # the codebook of each coding is that of its code; the loose code has none
    names = {(c.code, c.codebook) for c in back.codings()}
    assert ("my own code", None) in names and ("no_written_agreement", "barriers") in names


def test_reimport_into_the_same_project_changes_nothing(bundled: qc.Project,
                                                        tmp_path: Path) -> None:
    path = refi.write_qdpx(bundled, tmp_path / "again.qdpx")
    before = (bundled.stats(), coding_keys(bundled))
    report = refi.import_qdpx(bundled, path)
    assert report.documents_added == [] and len(report.documents_unchanged) == 13
    assert report.codings_added == 0 and report.codings_duplicate == len(bundled.codings())
    assert (bundled.stats(), coding_keys(bundled)) == before


def test_export_is_deterministic_and_reuses_kept_guids(tmp_path: Path) -> None:
    source = refi.read_qdpx(DATA / "inline_project.qde")
    one = refi.write_qdpx(source, tmp_path / "one.qdpx", name="Kediri pilot")
    two = refi.write_qdpx(source, tmp_path / "two.qdpx", name="Kediri pilot")
    assert one.read_bytes() == two.read_bytes()
    root = assert_valid_qdpx(one)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    codes = {c.get("name"): c for c in root.iterfind(".//q:Code", ns)}
    assert codes["Pay"].get("guid") == "00000005-0000-4000-8000-000000000000"
    assert codes["Place"].get("isCodable") == "false"
    assert codes["Work"].get("color") == "#ff0000"
    sources = root.findall(".//q:TextSource", ns)
    assert [s.get("guid") for s in sources] == ["30000001-0000-4000-8000-000000000000"]
    sets = {s.get("name"): s for s in root.iterfind(".//q:Set", ns)}
    assert {"Kediri", "money", "Kediri pilot"} <= set(sets)
    assert sets["money"].find("q:MemberCode", ns).get("targetGUID") == codes["Pay"].get("guid")
    # and it reads back to the same thing
    back = refi.read_qdpx(one)
    assert [doc_key(d) for d in back.documents] == [doc_key(d) for d in source.documents]
    assert [book_key(cb) for cb in back.codebooks] == [book_key(cb) for cb in source.codebooks]
    assert coding_keys(back) == coding_keys(source)


def test_word_comments_travel_as_uncoded_selections(tmp_path: Path) -> None:
    doc = qc.read_transcript(ROOT / "tests" / "data" / "docx" / "tracked_comments.docx")
    assert len(doc.comments) == 2
    project = qc.Project.open(":memory:")
    project.add_documents([doc])
    root = assert_valid_qdpx(refi.write_qdpx(project, tmp_path / "c.qdpx"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    sels = root.findall(".//q:PlainTextSelection", ns)
    assert [s.findtext("q:Description", namespaces=ns) for s in sels] == [
        "Kode: tanpa perjanjian tertulis", "Kode: upah borongan"]
    assert [s.find("q:Coding", ns) for s in sels] == [None, None]
    (back,) = refi.read_qdpx(tmp_path / "c.qdpx").documents
    assert back.comments == doc.comments


def test_variable_types(tmp_path: Path) -> None:
    doc = qc.Document(name="a.txt", text="I: Halo.\nR: Halo juga.", attributes={
        "site": "Kediri", "age": 41, "share": 0.25, "tiny": 1e-7, "member": False,
        "date": "2024-05-11", "when": "2024-05-11T08:00:00+07:00", "tags": ["a", "b"],
        "missing": None})
    project = qc.Project.open(":memory:")
    project.add_documents([doc])
    warnings: list[refi.RefiWarning] = []
    root = assert_valid_qdpx(refi.write_qdpx(project, tmp_path / "v.qdpx", warnings=warnings))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    types = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", ns)}
    assert types == {"site": "Text", "age": "Integer", "share": "Float", "tiny": "Float",
                     "member": "Boolean", "date": "Date", "when": "DateTime", "tags": "Text"}
    assert [w.message for w in warnings] == ["attribute 'missing' has no value; left out"]
    (back,) = refi.read_qdpx(tmp_path / "v.qdpx").documents
    expected = {k: v for k, v in doc.attributes.items() if v is not None}
    expected["tags"] = '["a", "b"]'  # lists travel as JSON text
    assert back.attributes == expected


# -- codebooks (.qdc) ------------------------------------------------------------------------


def test_qdc_round_trip_and_validity(tmp_path: Path) -> None:
    from qualcode.codebook import load_codebook

    cb = load_codebook("power_cube")
    path = refi.write_qdc(cb, tmp_path / "power_cube.qdc")
    xsd = schema("Codebook")
    assert xsd.validate(etree.parse(str(path))), xsd.error_log
    back = refi.read_qdc(path)
    assert book_key(back) == book_key(cb)
    # several codebooks in one file validate, and read back as one (with a warning)
    both = refi.write_qdc([cb, load_codebook("barriers")], tmp_path / "both.qdc")
    assert xsd.validate(etree.parse(str(both)))
    warnings: list[refi.RefiWarning] = []
    merged = refi.read_qdc(both, warnings=warnings)
    assert len(merged.codes) == len(cb.codes) + len(load_codebook("barriers").codes)
    assert any("2 qualcode codebooks" in w.message for w in warnings)
    with pytest.raises(qc.InputError, match="without codes"):
        refi.write_qdc(qc.Codebook("empty"), tmp_path / "empty.qdc")


def test_qdc_namespace_variant_and_project_codebook() -> None:
    warnings: list[refi.RefiWarning] = []
    cb = refi.read_qdc(DATA / "codebook_0_4.qdc", warnings=warnings)
    assert [(c.name, c.parent, c.color) for c in cb.codes] == [
        ("barriers", None, "#46AA00"), ("no contract", "barriers", None)]
    assert cb.meta["refi"]["sets"][0]["codes"] == ["no contract"]
    assert any("variant" in w.message for w in warnings)
    from_project = refi.read_qdc(DATA / "inline_project.qde")
    assert [c.name for c in from_project.codes] == [
        "Place", "Place/Other", "Work", "Work/Other", "Pay"]
