"""Coded-excerpt reports: docx read back with python-docx, HTML checked and rendered.

The HTML report is opened in headless Chromium (Playwright + Debian's
``chromium``) when both are installed; the docx is converted to PDF with
LibreOffice when ``soffice`` is installed. Neither is required.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest

import qualcode as qc
from qualcode.codebook import dump_codebook, load_codebook
from qualcode.coding import autocode
from qualcode.ingest import ingest
from qualcode.report import build_report
from qualcode.report.content import default_attributes
from qualcode.resources import bundled_dir
from qualcode.web import reviews

ARTIFACTS = Path(__file__).parent / "artifacts"
TRANSCRIPTS = ("smg_interview_packaging_worker_en.txt", "kdr_interview_disnaker_en.txt")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two bundled transcripts coded with barriers and power_cube, one human coding,
    one auto coding rejected in review."""
    path = tmp_path_factory.mktemp("report") / "study.qualcode"
    source = bundled_dir("transcripts")
    with qc.Project.open(path) as proj:
        ingest(proj, [source / name for name in TRANSCRIPTS])
        for name in ("barriers", "power_cube"):
            cb = load_codebook(name)
            proj.add_codebook(cb, yaml_text=dump_codebook(cb))
            proj.replace_auto_codings(cb.coder, autocode(proj.documents, cb))
        doc = proj.document(TRANSCRIPTS[0])
        turn = doc.turns[3]
        reviews.ensure_schema(proj)
        reviews.apply_code(proj, coder="ana", document=doc.id, code="no_osh", start=turn.start,
                           end=turn.end)
        auto = proj.codings(code="no_written_agreement", coder="auto:barriers@1.0")[0]
        reviews.review_auto(proj, coder="ana", document=auto.document, code=auto.code,
                            start=auto.start, end=auto.end, auto_coder=auto.coder,
                            decision="reject")
    return path


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_docx_headings_tables_and_figure(project: Path, tmp_path: Path) -> None:
    out = build_report(project, tmp_path / "report.docx", attributes=["site"])
    assert out == tmp_path / "report.docx" and not list(tmp_path.glob(".*part"))
    d = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in d.paragraphs
                if p.style is not None and p.style.name.startswith(("Heading", "Title"))]
    names = [t for _, t in headings]
    assert headings[0][0] == "Title"
    for h in ("Summary", "Codes and coded excerpts", "Frequencies by attribute",
              "Co-occurrence network", "Power cube", "Codebook: barriers", "Codings by site"):
        assert h in names, h
    code_headings = [t for s, t in headings if s == "Heading 3"]
    assert any(t.endswith("(no_osh)") for t in code_headings)
    assert any("(low_piece_wage)" in t for t in code_headings)
    # tables: summary, code frequencies, codings by site, power cube
    assert len(d.tables) == 4
    freq = d.tables[1]
    header = [c.text for c in freq.rows[0].cells]
    assert header[:3] == ["codebook", "code", "codings"]
    site = d.tables[2]
    assert [c.text for c in site.rows[0].cells] == ["code", "Kediri", "Semarang", "total"]
    cube = [c.text for c in d.tables[3].rows[0].cells]
    assert cube == ["space", "level", "form", "units"]
    text = "\n".join(p.text for p in d.paragraphs)
    assert "1 auto coding rejected in review is left out." in text
    assert "coded by ana" in text
    if has_matplotlib():
        assert len(d.inline_shapes) == 1
        assert d.inline_shapes[0].width > 0


def test_docx_filters(project: Path, tmp_path: Path) -> None:
    out = build_report(project, tmp_path / "r.docx", codes=["no_osh", "low_piece_wage"],
                       where={"site": "Semarang"}, coders=["ana", "auto:barriers@1.0"],
                       max_excerpts=1)
    d = docx.Document(str(out))
    code_headings = [p.text for p in d.paragraphs
                     if p.style is not None and p.style.name == "Heading 3"]
    assert len(code_headings) == 2
    assert all("Kediri" not in p.text for p in d.paragraphs)
    assert "Power cube" not in [p.text for p in d.paragraphs]  # no cube coder selected


def test_bad_arguments(project: Path, tmp_path: Path) -> None:
    with pytest.raises(qc.InputError):
        build_report(project, tmp_path / "r.pdf", format="pdf")  # type: ignore[arg-type]
    with pytest.raises(qc.InputError):
        build_report(project, tmp_path / "r.html", format="docx")
    with pytest.raises(qc.InputError):
        build_report(project, tmp_path / "r.docx", codes=["no_such_code"])
    with pytest.raises(qc.InputError):
        build_report(project, tmp_path / "r.docx", where={"site": "Atlantis"})
    with pytest.raises(qc.InputError):
        build_report(project, tmp_path / "missing" / "r.docx")
    assert not any(tmp_path.iterdir())


def test_html_is_escaped_and_standalone(tmp_path: Path) -> None:
    proj = qc.Project.open(":memory:")
    doc = proj.add_documents([qc.parse_transcript(
        b"R: We said <script>alert(1)</script> & left.\n", name="x<y>.txt")]).added[0]
    proj.add_codebook(qc.Codebook("cb", (qc.Code("c<1>", description="a & b"),)))
    proj.add_codings([qc.Coding(doc.id, "c<1>", 3, len(doc.text), coder="ana")])
    page = build_report(proj, tmp_path / "r.html", format="html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "x&lt;y&gt;.txt" in page and "a &amp; b" in page
    assert "http://" not in page and "https://" not in page


def test_default_attributes() -> None:
    docs = [qc.Document(name=f"d{i}", text="x", attributes={
        "site": ["A", "B", "C"][i % 3], "date": f"2024-01-{i + 1:02d}", "n": i,
        "synthetic": True, "only_one": "yes"}) for i in range(6)]
    assert default_attributes(docs) == ["site"]


def test_html_report_in_chromium(project: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    binary = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which(
        "chromium")
    if not binary:
        pytest.skip("chromium not installed (apt-get install chromium)")
    out = build_report(project, tmp_path / "report.html", format="html", attributes=["site"])
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(out.as_uri())
            assert page.inner_text("h1").startswith("Coded excerpts")
            h2 = page.locator("h2").all_inner_texts()
            assert {"Summary", "Codes and coded excerpts", "Co-occurrence network",
                    "Power cube", "Codebook: barriers"} <= set(h2)
            assert page.locator("h3#code-no_osh").count() == 1
            if has_matplotlib():
                width = page.eval_on_selector("#network-figure", "img => img.naturalWidth")
                assert width > 500
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report_html.png"))
        finally:
            browser.close()


def test_docx_opens_in_libreoffice(project: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = build_report(project, tmp_path / "report.docx", codes=["barriers"], max_excerpts=3)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=120, check=False)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists(), result.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
