"""The command line, run as a real subprocess and through typer's runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def qualcode(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qualcode.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "transcripts"
    src.mkdir()
    for name in ("interview_en_frontmatter.txt", "fgd_id_kediri.txt", "wawancara_id_utf16.txt"):
        shutil.copy(DATA / "txt" / name, src / name)
    (src / "README.md").write_text("# not a transcript\n")
    (src / "cases.csv").write_text("file,site\nwawancara_id_utf16.txt,Semarang\n")
    return src


def test_init_ingest_docs_show(tmp_path: Path, folder: Path) -> None:
    db = tmp_path / "study.qualcode"
    r = runner.invoke(app, ["--project", str(db), "init"])
    assert r.exit_code == 0, r.output
    assert db.exists()
    r = runner.invoke(app, ["--project", str(db), "ingest", str(folder)])
    assert r.exit_code == 0, r.output
    assert "3 added, 0 new versions, 0 unchanged, 0 failed" in r.output
    # idempotent
    r = runner.invoke(app, ["--project", str(db), "ingest", str(folder)])
    assert "0 added, 0 new versions, 3 unchanged, 0 failed" in r.output
    with qc.Project.open(db) as proj:
        docs = {d.name: d for d in proj.documents}
    assert set(docs) == {"interview_en_frontmatter.txt", "fgd_id_kediri.txt",
                         "wawancara_id_utf16.txt"}
    assert docs["wawancara_id_utf16.txt"].attributes["site"] == "Semarang"
    r = runner.invoke(app, ["--project", str(db), "docs"])
    assert r.exit_code == 0 and "3 documents" in r.output and "Semarang" in r.output
    r = runner.invoke(app, ["--project", str(db), "show", "fgd_id_kediri.txt"])
    assert r.exit_code == 0
    assert "Bu Sumi" in r.output and "(facilitator)" in r.output
    assert "Tarifnya ditentukan sepihak." in r.output


def test_bad_files_are_reported_and_others_ingested(tmp_path: Path, folder: Path) -> None:
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "empty.txt").write_bytes(b"")
    db = tmp_path / "p.qualcode"
    r = qualcode("--project", str(db), "ingest", str(folder), "nonexistent.txt", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 3, r.stderr
    assert any("broken.docx" in ln for ln in errors)
    assert any("empty.txt" in ln and "empty" in ln for ln in errors)
    assert any("nonexistent.txt" in ln and "no such file" in ln for ln in errors)
    assert "3 added" in r.stdout
    with qc.Project.open(db) as proj:
        assert len(proj.documents) == 3


def test_edited_file_becomes_new_version_or_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "p.qualcode"
    f = tmp_path / "a.txt"
    f.write_text("I: Ada kontrak?\nR: Tidak ada.\n")
    assert runner.invoke(app, ["-p", str(db), "ingest", str(f)]).exit_code == 0
    f.write_text("I: Ada kontrak?\nR: Tidak ada, Bu. Tidak pernah.\n")
    r = runner.invoke(app, ["-p", str(db), "ingest", "--refuse-versions", str(f)])
    assert r.exit_code == 1 and "a.txt" in r.output
    r = runner.invoke(app, ["-p", str(db), "ingest", str(f)])
    assert r.exit_code == 0 and "1 new versions" in r.output
    with qc.Project.open(db) as proj:
        assert [(d.name, d.version) for d in proj.documents] == [("a.txt", 1), ("a.txt", 2)]


def test_project_from_environment(tmp_path: Path, folder: Path) -> None:
    import os

    env = dict(os.environ, QUALCODE_PROJECT=str(tmp_path / "env.qualcode"))
    r = qualcode("ingest", str(folder / "fgd_id_kediri.txt"), cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "env.qualcode").exists()
    assert not (tmp_path / "qualcode.db").exists()


def test_usage_error_exit_code_2(tmp_path: Path) -> None:
    r = qualcode("ingest", cwd=tmp_path)
    assert r.returncode == 2
    r = qualcode("no-such-command", cwd=tmp_path)
    assert r.returncode == 2


def test_not_a_project_file(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("this is not sqlite")
    r = qualcode("--project", str(bogus), "docs", cwd=tmp_path)
    assert r.returncode == 1
    assert "bogus.db" in r.stderr and "Traceback" not in r.stderr
    assert bogus.read_text() == "this is not sqlite"


def test_show_unknown_document(tmp_path: Path) -> None:
    db = tmp_path / "p.qualcode"
    runner.invoke(app, ["-p", str(db), "init"])
    r = runner.invoke(app, ["-p", str(db), "show", "nope"])
    assert r.exit_code == 1


def _two_coder_project(tmp_path: Path) -> tuple[Path, qc.Document]:
    db = tmp_path / "p.qualcode"
    fgd = DATA / "txt" / "fgd_id_kediri.txt"
    assert runner.invoke(app, ["-p", str(db), "ingest", str(fgd)]).exit_code == 0
    with qc.Project.open(db) as proj:
        doc = proj.documents[0]
    rows = ["document,code,text,coder,occurrence"]
    # Ana and Budi agree on two passages and differ on one
    for coder in ("Ana", "Budi"):
        rows.append(f"{doc.name},no_written_agreement,Tarifnya ditentukan sepihak.,{coder},")
        rows.append(f"{doc.name},no_social_protection,Kami belum didaftarkan BPJS.,{coder},")
    rows.append(f"{doc.name},family_norms,suami harus kasih izin dulu.,Ana,")
    (tmp_path / "codings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return db, doc


def test_import_export_and_agree(tmp_path: Path) -> None:
    db, _doc = _two_coder_project(tmp_path)
    r = runner.invoke(app, ["-p", str(db), "import", str(tmp_path / "codings.csv")])
    assert r.exit_code == 0, r.output
    assert "imported 5 codings" in r.output
    r = runner.invoke(app, ["-p", str(db), "export", str(tmp_path / "back.xlsx"),
                            "--coder", "Ana"])
    assert r.exit_code == 0 and "wrote 3 codings" in r.output
    from qualcode.exchange.tables import read_codings

    with qc.Project.open(db) as proj:
        assert read_codings(tmp_path / "back.xlsx", proj.documents) == proj.codings(coder="Ana")

    report = tmp_path / "review.html"
    table = tmp_path / "agreement.csv"
    r = runner.invoke(app, ["-p", str(db), "agree", "--coder", "Ana", "--coder", "Budi",
                            "--out", str(report), "--table", str(table), "--boot", "200"])
    assert r.exit_code == 0, r.output
    import pandas as pd

    frame = pd.read_csv(table, encoding="utf-8-sig").set_index("code")
    # 9 turns; Ana and Budi agree everywhere except family_norms in Bu Wati's turn
    assert frame.loc["no_written_agreement", "percent_agreement"] == 1.0
    assert frame.loc["family_norms", "percent_agreement"] == pytest.approx(8 / 9)
    html_text = report.read_text(encoding="utf-8")
    assert "suami harus kasih izin dulu." in html_text
    assert "Tarifnya ditentukan sepihak." not in html_text  # agreed units are not listed


def test_agree_needs_known_coders(tmp_path: Path) -> None:
    db, _ = _two_coder_project(tmp_path)
    runner.invoke(app, ["-p", str(db), "import", str(tmp_path / "codings.csv")])
    r = runner.invoke(app, ["-p", str(db), "agree", "--coder", "Ana", "--coder", "Zed"])
    assert r.exit_code == 1
    r = runner.invoke(app, ["-p", str(db), "agree", "--coder", "Ana"])
    assert r.exit_code == 2


def test_import_reports_bad_rows(tmp_path: Path) -> None:
    db, doc = _two_coder_project(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"document,code,text,coder\n{doc.name},x,not in the text,Ana\n"
                   "nope.txt,x,hi,Ana\n")
    r = qualcode("-p", str(db), "import", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert f"{bad}:2: text not found" in r.stderr
    assert f"{bad}:3: unknown document 'nope.txt'" in r.stderr
    with qc.Project.open(db) as proj:
        assert proj.codings() == []


def test_recode_snapshots_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "p.qualcode"  # the folder is created
    fgd = DATA / "txt" / "fgd_id_kediri.txt"
    assert runner.invoke(app, ["-p", str(db), "ingest", str(fgd)]).exit_code == 0
    assert runner.invoke(app, ["-p", str(db), "code", "barriers"]).exit_code == 0
    with qc.Project.open(db) as proj:
        first = proj.codings()
    assert first
    r = runner.invoke(app, ["-p", str(db), "code", "barriers"])  # re-coding snapshots first
    assert r.exit_code == 0
    r = runner.invoke(app, ["-p", str(db), "snapshots"])
    assert r.exit_code == 0 and "before-code-barriers" in r.output
    with qc.Project.open(db) as proj:
        proj.delete_codings(coder="auto:barriers@1.0")
    r = runner.invoke(app, ["-p", str(db), "undo"])
    assert r.exit_code == 0, r.output
    with qc.Project.open(db) as proj:
        assert proj.codings() == first


def test_anonymise_command(tmp_path: Path) -> None:
    db = tmp_path / "p.qualcode"
    fgd = DATA / "txt" / "fgd_id_kediri.txt"
    assert runner.invoke(app, ["-p", str(db), "ingest", str(fgd)]).exit_code == 0
    names = tmp_path / "names.txt"
    names.write_text("Kediri\n")
    key = tmp_path / "secret" / "key.json"
    key.parent.mkdir()
    out_db = tmp_path / "anon.qualcode"
    r = runner.invoke(app, ["-p", str(db), "anonymise", str(out_db), "--key", str(key),
                            "--places", str(names)])
    assert r.exit_code == 0, r.output
    with qc.Project.open(out_db) as proj:
        (doc,) = proj.documents
    assert "Bu Sumi" not in doc.text and "Sumi" not in {t.speaker for t in doc.turns}
    assert "Bu Sumi" in key.read_text(encoding="utf-8") or "Sumi" in key.read_text("utf-8")
    assert key.read_text(encoding="utf-8") not in out_db.read_bytes().decode("latin-1")


def test_jobs_give_the_same_project(tmp_path: Path, folder: Path) -> None:
    one, two = tmp_path / "one.qualcode", tmp_path / "two.qualcode"
    for db, jobs in ((one, "1"), (two, "2")):
        r = runner.invoke(app, ["-p", str(db), "ingest", str(folder), "--jobs", jobs])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["-p", str(db), "code", "barriers", "--jobs", jobs])
        assert r.exit_code == 0, r.output
    with qc.Project.open(one) as a, qc.Project.open(two) as b:
        assert a.documents == b.documents
        assert a.codings() == b.codings() and a.codings()
