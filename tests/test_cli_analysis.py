"""Coding and analysis commands on a project built from bundled transcripts."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
FILES = ("kdr_interview_perantara_id.txt", "jkt_fgd_cilincing_pengelem_id.txt",
         "smg_interview_packaging_worker_en.txt", "cases.csv")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    src = tmp / "transcripts"
    src.mkdir()
    for name in FILES:
        shutil.copy(ROOT / "transcripts" / name, src / name)
    db = tmp / "p.qualcode"
    assert runner.invoke(app, ["-p", str(db), "ingest", str(src)]).exit_code == 0
    r = runner.invoke(app, ["-p", str(db), "code", "barriers", "advocacy"])
    assert r.exit_code == 0, r.output
    return db


def test_code_records_coder_and_rule_and_recoding_keeps_human_codings(project: Path) -> None:
    with qc.Project.open(project) as proj:
        auto = proj.codings(coder="auto:barriers@1.0")
        doc = proj.documents[0]
        human = qc.Coding(doc.id, "no_written_agreement", doc.turns[1].start,
                          doc.turns[1].end, coder="Rina")
        proj.add_codings([human])
    assert auto and all(c.rule for c in auto)
    r = runner.invoke(app, ["-p", str(project), "code", "barriers"])
    assert r.exit_code == 0
    with qc.Project.open(project) as proj:
        assert proj.codings(coder="Rina") == [human]
        assert proj.codings(coder="auto:barriers@1.0") == auto  # same rules, same codings
        proj.delete_codings(coder="Rina")


def test_dry_run_stores_nothing_and_explain_shows_rules(tmp_path: Path, project: Path) -> None:
    copy = tmp_path / "copy.qualcode"
    with qc.Project.open(project) as proj:
        before = len(proj.codings())
    shutil.copy(project, copy)
    r = runner.invoke(app, ["-p", str(copy), "code", "power_cube", "--dry-run", "--explain",
                            "--limit", "2"])
    assert r.exit_code == 0, r.output
    assert "dry run: nothing stored" in r.output and "rule " in r.output
    with qc.Project.open(copy) as proj:
        assert len(proj.codings()) == before


def test_bad_codebook_lists_every_problem(tmp_path: Path, project: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "codebook: bad\nversion: '1'\nlanguages: [en]\ncodes:\n"
        "  - name: a\n    color: notacolour\n    rules:\n      en: [{phrase: x}]\n"
        "  - name: a\n    rules:\n      fr: [{phrase: y}]\n"
        "  - name: b\n    parent: nowhere\n    rules:\n      en: [{regex: '(a+)+'}]\n"
    )
    r = runner.invoke(app, ["-p", str(project), "code", str(bad)])
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if "bad.yaml:" in ln]
    assert len(lines) >= 4, r.output  # colour, duplicate, language, parent, regex


def test_codes_and_excerpts(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "codes.xlsx"
    r = runner.invoke(app, ["-p", str(project), "codes", "--by", "site", "--out", str(out)])
    assert r.exit_code == 0
    frame = pd.read_excel(out)
    assert set(frame["site"]) == {"Kediri", "North Jakarta", "Semarang"}
    assert (frame["codings"] >= frame["turns"]).all()
    r = runner.invoke(app, ["-p", str(project), "excerpts", "no_written_agreement"])
    assert r.exit_code == 0 and "excerpts" in r.output


def test_network_exports_and_bipartite(project: Path, tmp_path: Path) -> None:
    gexf, html = tmp_path / "n.gexf", tmp_path / "n.html"
    r = runner.invoke(app, ["-p", str(project), "network", "--bipartite", "barriers",
                            "advocacy", "--out", str(gexf), "--out", str(html)])
    assert r.exit_code == 0, r.output
    g = nx.read_gexf(gexf)
    with qc.Project.open(project) as proj:
        barrier_codes = {c.name for c in proj.codebook("barriers").codes}
    for a, b in g.edges():
        assert (a in barrier_codes) != (b in barrier_codes)
    assert "<script src=" not in html.read_text(encoding="utf-8")
    r = runner.invoke(app, ["-p", str(project), "network", "--out", str(tmp_path / "x.doc")])
    assert r.exit_code == 1


def test_matrix_and_query(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["-p", str(project), "matrix", "--by", "group_type", "--normalize",
                            "column", "--codebook", "barriers", "--out", str(out)])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out, encoding="utf-8-sig").set_index("code")
    assert set(frame.columns) == {"FGD", "interview"}
    assert frame.sum().round(6).tolist() == [100.0, 100.0]
    r = runner.invoke(app, ["-p", str(project), "query", "--all", "low_piece_wage",
                            "--all", "negotiation_with_employers", "--where", "site=Kediri"])
    assert r.exit_code == 0
    # the intermediary recounts the group bargaining over the piece rate
    assert r.output.rstrip().endswith("2 passages")
    assert "kdr_interview_perantara_id.txt" in r.output
    r = runner.invoke(app, ["-p", str(project), "query", "--where", "site"])
    assert r.exit_code == 2


def test_refi_export_validates_and_imports_back(project: Path, tmp_path: Path) -> None:
    from lxml import etree

    from qualcode.exchange.refi import read_qdpx

    qdpx = tmp_path / "study.qdpx"
    r = runner.invoke(app, ["-p", str(project), "export", str(qdpx)])
    assert r.exit_code == 0, r.output
    import zipfile

    with zipfile.ZipFile(qdpx) as z:
        xml = etree.fromstring(z.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(
        str(ROOT / "qualcode" / "exchange" / "refi" / "Project-mrt2019.xsd")))
    assert schema.validate(xml), schema.error_log
    fresh = tmp_path / "fresh.qualcode"
    r = runner.invoke(app, ["-p", str(fresh), "import", str(qdpx)])
    assert r.exit_code == 0, r.output
    with qc.Project.open(project) as a, qc.Project.open(fresh) as b:
        key = lambda c: (c.document, c.code, c.start, c.end, c.coder)  # noqa: E731
        assert sorted(map(key, a.codings())) == sorted(map(key, b.codings()))
        assert [d.text for d in a.documents] == [d.text for d in b.documents]
    assert read_qdpx(qdpx).codes  # the library reads it too


def test_codebook_table_and_qdc_export(project: Path, tmp_path: Path) -> None:
    table = tmp_path / "barriers.xlsx"
    r = runner.invoke(app, ["-p", str(project), "export", str(table), "--codebook-table",
                            "--codebook", "barriers"])
    assert r.exit_code == 0, r.output
    frame = pd.read_excel(table)
    assert "no_written_agreement" in set(frame["name"])
    qdc = tmp_path / "books.qdc"
    r = runner.invoke(app, ["-p", str(project), "export", str(qdc)])
    assert r.exit_code == 0, r.output
    other = tmp_path / "other.qualcode"
    r = runner.invoke(app, ["-p", str(other), "import", str(qdc)])
    assert r.exit_code == 0, r.output


def test_hostile_qdpx_is_refused_and_nothing_stored(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.qualcode"
    shutil.copy(project, copy)
    with qc.Project.open(copy) as proj:
        before = (len(proj.documents), len(proj.codings()))
    for name in ("zip_bomb.qdpx", "traversal_member.qdpx", "doctype_xxe.qdpx"):
        r = runner.invoke(app, ["-p", str(copy), "import", str(ROOT / "tests/data/refi" / name)])
        assert r.exit_code == 1, (name, r.output)
        assert name in r.output
    with qc.Project.open(copy) as proj:
        assert (len(proj.documents), len(proj.codings())) == before
