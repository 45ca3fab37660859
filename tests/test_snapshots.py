"""Snapshots, restore and undo: nothing that replaces data is lost silently."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import snapshots
from qualcode.errors import ProjectError
from qualcode.model import Coding, Document
from qualcode.snapshots import list_snapshots, restore, snapshot, snapshots_dir, undo
from qualcode.store import Project

TEXT = "I: Where do you work?\nR: At home, sewing for a factory."


def doc(name: str = "a.txt", text: str = TEXT) -> Document:
    return Document(name=name, text=text)


def codings_of(db: Path) -> list[tuple[str, str, int, int, str]]:
    with Project.open(db, create=False) as p:
        return sorted((c.document, c.code, c.start, c.end, c.coder) for c in p.codings())


def names_of(db: Path) -> list[str]:
    with Project.open(db, create=False) as p:
        return [d.name for d in p.documents]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "study.qualcode"
    with Project.open(path) as p:
        d = p.add_documents([doc()]).added[0]
        p.add_codings([Coding(d.id, "home", 25, 32, coder="ana")])
    return path


def test_snapshot_is_a_complete_single_file_project(db: Path) -> None:
    with Project.open(db) as p:
        snap = p.snapshot("before import")
    assert snap.path.parent == snapshots_dir(db) == db.with_name("study.qualcode.snapshots")
    assert snap.path.name.endswith("-before-import.qualcode")
    assert (snap.reason, snap.documents, snap.codings) == ("before import", 1, 1)
    assert not Path(f"{snap.path}-wal").exists()
    conn = sqlite3.connect(snap.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert codings_of(snap.path) == codings_of(db)
    index = json.loads((snapshots_dir(db) / "index.json").read_text())
    assert [s["id"] for s in index["snapshots"]] == [snap.id]
    assert list_snapshots(db) == [snap]


def test_memory_and_missing_projects_have_no_snapshots(tmp_path: Path) -> None:
    with Project.open(":memory:") as p, pytest.raises(ProjectError, match="in-memory"):
        p.snapshot("x")
    with pytest.raises(ProjectError, match="in-memory"):
        list_snapshots(":memory:")
    with pytest.raises(ProjectError, match="no such project file"):
        snapshot(tmp_path / "nope.qualcode", "x")


def test_snapshot_inside_a_transaction_holds_the_committed_state(db: Path) -> None:
    with Project.open(db) as p, p.transaction():
        p.delete_codings(coder="ana")
        snap = p.snapshot("inside")
    assert snap.codings == 1 and codings_of(db) == []
    undo(db)
    assert len(codings_of(db)) == 1


def test_undo_steps_back_and_restore_is_itself_undoable(db: Path) -> None:
    states = [codings_of(db)]
    with Project.open(db) as p:
        doc_id = p.documents[0].id
        for i in range(3):
            p.snapshot(f"step {i}")
            p.add_codings([Coding(doc_id, f"c{i}", 0, 1, coder="ana")])
            states.append(sorted((c.document, c.code, c.start, c.end, c.coder)
                                 for c in p.codings()))
    assert codings_of(db) == states[3]
    first = undo(db)
    assert codings_of(db) == states[2]
    assert first.saved is not None and first.saved.automatic
    undo(db)
    assert codings_of(db) == states[1]
    undo(db)
    assert codings_of(db) == states[0]
    with pytest.raises(ProjectError, match="nothing to undo"):
        undo(db)
    restore(db, first.saved.id)  # undo the first undo
    assert codings_of(db) == states[3]
    assert sum(s.automatic for s in list_snapshots(db)) == 4


def test_ids_prefixes_and_unknown_snapshots(db: Path) -> None:
    a = snapshot(db, "alpha")
    b = snapshot(db, "beta")
    assert a.id != b.id
    stamp = a.id.split("-")[0]
    with pytest.raises(ProjectError, match="no snapshot"):
        restore(db, "19990101T000000Z")
    if b.id.startswith(stamp):  # same second: the stamp alone is ambiguous
        with pytest.raises(ProjectError, match="give more of the id"):
            restore(db, stamp)
    result = restore(db, b.id[:-2])
    assert result.restored.id == b.id and result.restored.restored is not None


def test_only_the_newest_snapshots_are_kept(db: Path) -> None:
    made = [snapshot(db, f"n{i}", keep=5) for i in range(8)]
    kept = list_snapshots(db)
    assert [s.id for s in kept] == [s.id for s in reversed(made[-5:])]
    files = sorted(p.name for p in snapshots_dir(db).glob("*.qualcode"))
    assert files == sorted(s.path.name for s in kept)
    with pytest.raises(ProjectError, match="keep"):
        snapshot(db, "x", keep=0)


def test_index_is_rebuilt_from_files_and_stray_parts_removed(db: Path) -> None:
    snap = snapshot(db, "before recode")
    folder = snapshots_dir(db)
    (folder / "index.json").write_text("{not json")
    (folder / "20990101T000000Z-junk.part").write_bytes(b"half a snapshot")
    (folder / "unrelated.qualcode").write_bytes(b"not ours")  # name does not parse: ignored
    found = list_snapshots(db)
    assert [(s.id, s.reason) for s in found] == [(snap.id, "before-recode")]
    snapshot(db, "again")
    assert not list(folder.glob("*.part"))


def test_damaged_snapshot_is_refused_and_project_untouched(db: Path) -> None:
    snap = snapshot(db, "x")
    data = snap.path.read_bytes()
    snap.path.write_bytes(data[:100] + b"\0" * (len(data) - 100))
    before = codings_of(db)
    with pytest.raises(ProjectError, match=r"cannot be (restored|read)"):
        restore(db, snap.id)
    assert codings_of(db) == before


def test_reasons_cannot_escape_the_snapshots_folder(db: Path, tmp_path: Path) -> None:
    snap = snapshot(db, "../../../etc/passwd \\ C:/x")
    assert snap.path.parent == snapshots_dir(db)
    assert snap.path.name.endswith("-etc-passwd-c-x.qualcode")
    outside = [p for p in tmp_path.rglob("*") if p.is_file()
               and snapshots_dir(db) not in p.parents and not p.name.startswith("study.qualcode")]
    assert outside == []


# -- store hooks --------------------------------------------------------------------------------


def test_replace_auto_codings_snapshots_only_when_it_replaces(db: Path) -> None:
    with Project.open(db) as p:
        d = p.documents[0]
        p.replace_auto_codings("auto:cb@1", [Coding(d.id, "x", 0, 1, coder="auto:cb@1")],
                               snapshot=True)
        assert list_snapshots(db) == []  # nothing was replaced
        p.replace_auto_codings("auto:cb@2", [Coding(d.id, "y", 0, 1, coder="auto:cb@2")],
                               snapshot=True)
        (snap,) = list_snapshots(db)
        assert snap.reason == "before-recode-cb" and snap.codings == 2
    undo(db)
    assert [c[1] for c in codings_of(db)] == ["home", "x"]


def test_remove_document_with_snapshot_can_be_undone(db: Path) -> None:
    with Project.open(db) as p:
        p.remove_document(p.documents[0].id, snapshot=True)
        assert p.documents == [] and p.codings() == []
    undo(db)
    assert names_of(db) == ["a.txt"] and len(codings_of(db)) == 1


_coding = st.builds(
    lambda who, code, s, n: (who, code, s, s + n),
    st.sampled_from(["ana", "budi", "auto", "automatic", "auto:other@1", "auto:cb@1",
                     "auto:cb@2", "auto:cbx@1"]),
    st.sampled_from(["a", "b", "c"]), st.integers(0, 40), st.integers(1, 10))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(existing=st.lists(_coding, max_size=30), new=st.lists(_coding, max_size=20))
def test_auto_coding_never_deletes_human_codings(existing: list[tuple[str, str, int, int]],
                                                 new: list[tuple[str, str, int, int]]) -> None:
    with Project.open(":memory:") as p:
        d = p.add_documents([doc()]).added[0]
        p.add_codings([Coding(d.id, code, s, e, coder=who) for who, code, s, e in existing])
        fresh = [Coding(d.id, code, s, e, coder="auto:cb@3", rule="r") for _, code, s, e in new]
        p.replace_auto_codings("auto:cb@3", fresh)
        kept = sorted((c.coder, c.code, c.start, c.end) for c in p.codings()
                      if not c.coder.startswith("auto:cb@"))
        assert kept == sorted((who, code, s, e) for who, code, s, e in existing
                              if not who.startswith("auto:cb@"))
        mine = sorted((c.code, c.start, c.end) for c in p.codings(coder="auto:cb@3"))
        assert mine == sorted((code, s, e) for _, code, s, e in new)
        assert p.codings(coder=["auto:cb@1", "auto:cb@2"]) == []


# -- concurrency and crashes ----------------------------------------------------------------------


def test_snapshot_while_another_process_writes(db: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from qualcode.model import Coding
        from qualcode.store import Project
        with Project.open(sys.argv[1]) as p, p.transaction():
            p.delete_codings(coder="ana")
            print("holding", flush=True)
            time.sleep(0.5)
        """), str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    snap = snapshot(db, "concurrent")  # reads the committed state, does not wait
    assert snap.codings == 1
    assert holder.wait(timeout=30) == 0
    assert codings_of(db) == []


@pytest.mark.slow
def test_sigkill_during_restore_leaves_one_state_or_the_other(tmp_path: Path) -> None:
    db = tmp_path / "big.qualcode"
    with Project.open(db) as p:
        docs = p.add_documents([doc(f"d{i}.txt", f"text {i} " + "word " * 4000)
                                for i in range(150)]).added
        p.add_codings([Coding(d.id, "c", 0, 4, coder="ana") for d in docs])
    snap = snapshot(db, "full")
    with Project.open(db) as p:
        for d in p.documents[:100]:
            p.remove_document(d.id)
    before, target = names_of(db), names_of(snap.path)
    assert len(before) == 50 and len(target) == 150
    script = "import sys; from qualcode.snapshots import restore; restore(sys.argv[1], sys.argv[2])"
    outcomes = set()
    for delay in (0.25, 0.5, 0.75, 1.0, 1.5):
        copy = tmp_path / f"k{delay}" / "big.qualcode"
        copy.parent.mkdir()
        copy.write_bytes(db.read_bytes())
        (copy.parent / "big.qualcode.snapshots").mkdir()
        for f in snapshots_dir(db).iterdir():
            (copy.parent / "big.qualcode.snapshots" / f.name).write_bytes(f.read_bytes())
        proc = subprocess.Popen([sys.executable, "-c", script, str(copy), snap.id])
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        now = names_of(copy)
        assert now in (before, target), delay
        outcomes.add(len(now))
    assert outcomes  # which states were seen depends on the machine's speed


def test_module_exports() -> None:
    assert set(snapshots.__all__) >= {"snapshot", "list_snapshots", "restore", "undo"}
