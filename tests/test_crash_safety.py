"""Crash safety: the CLI killed with SIGKILL mid-operation, and two writers at once.

Each crash test prepares a project (the state *before*), runs the operation
to completion on a copy (the state *after*), then runs it again on fresh
copies and kills the process with SIGKILL: after random delays, and at the
moment its write-ahead log starts to grow (so the kill lands inside the
write transaction). Every killed project must pass ``PRAGMA integrity_check``
and equal the state before or the state after - never anything between.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from qualcode.errors import ProjectError
from qualcode.model import Coding, Document
from qualcode.store import Project

WORDS = ("kontrak upah borongan pengepul tidak ada jaminan sosial kami bekerja di rumah "
         "setiap hari contract wage piece rate middleman no social protection we work").split()
SEED = 20240501


def cli(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "qualcode.cli", "--project", str(project), *args]


def bulk_cli(project: Path, *args: str) -> list[str]:
    """:func:`cli` with ``store.BULK_INSERT_ROWS`` lowered to 1,000: a write of more
    codings drops the codings table's indexes and rebuilds them in its transaction."""
    code = ("import runpy; from qualcode import store; store.BULK_INSERT_ROWS = 1000; "
            "runpy.run_module('qualcode.cli', run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", code, "--project", str(project), *args]


def run(cmd: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    Path(cmd[4]).parent.mkdir(parents=True, exist_ok=True)  # the --project folder
    done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def write_transcripts(folder: Path, n: int, *, turns: int = 80, seed: int = SEED) -> Path:
    rnd = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        lines = [f"{'I' if j % 2 == 0 else f'Ibu Peserta{i}'}: "
                 + " ".join(rnd.choice(WORDS) for _ in range(30)) for j in range(turns)]
        (folder / f"t{i:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def index_definitions(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def state(db: Path) -> str:
    """A fingerprint of everything the project holds (not timestamps)."""
    h = hashlib.sha256()
    with Project.open(db, create=False) as p:
        for d in p.documents:
            h.update(repr((d.id, d.name, d.version, d.sha256, d.text, d.turns, d.attributes,
                           d.comments)).encode())
        for c in sorted(p.codings(), key=lambda c: (c.document, c.start, c.end, c.code,
                                                     c.coder, c.rule or "")):
            h.update(repr((c.document, c.code, c.start, c.end, c.coder, c.rule, c.codebook,
                           c.memo)).encode())
        for cb in p.codebooks:
            h.update(repr((cb.name, cb.version, [x.name for x in cb.codes])).encode())
        h.update(repr(p.stats()).encode())
    return h.hexdigest()


def fresh_copy(src: Path, dst: Path) -> Path:
    """Copy a closed project (its WAL checkpointed away) to ``dst``."""
    assert not Path(f"{src}-wal").exists() or Path(f"{src}-wal").stat().st_size == 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    return dst


@dataclass
class Kill:
    how: str
    finished_first: bool
    wal_bytes_at_kill: int
    outcome: str = ""


def kill_during(cmd: Sequence[str], db: Path, *, delay: float | None = None,
                wal_growth: int | None = None, give_up: float = 60) -> Kill:
    """Start ``cmd``; SIGKILL it after ``delay`` s, or once the WAL grew by ``wal_growth``."""
    wal = Path(f"{db}-wal")
    proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    try:
        if delay is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=delay)
        else:
            assert wal_growth is not None
            while proc.poll() is None and time.monotonic() - start < give_up:
                if wal.exists() and wal.stat().st_size > wal_growth:
                    break
                time.sleep(0.002)
        finished = proc.poll() is not None
        size = wal.stat().st_size if wal.exists() else 0
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    how = f"after {delay:.2f} s" if delay is not None else f"when WAL > {wal_growth} B"
    return Kill(how, finished, size)


def crash_trials(tmp: Path, before_db: Path, args: Sequence[str], *, delays: Sequence[float],
                 wal_growths: Sequence[int], command: Callable[..., list[str]] = cli
                 ) -> list[Kill]:
    """Kill ``qualcode <args>`` (run by ``command``) at each delay and WAL size;
    check every outcome."""
    after_db = fresh_copy(before_db, tmp / "after" / "p.qualcode")
    before, started = state(before_db), time.monotonic()
    run(command(after_db, *args))
    duration = time.monotonic() - started
    print(f"{' '.join(args)[:40]}: uninterrupted run {duration:.2f} s")
    after = state(after_db)
    assert after != before, "the operation changed nothing: the test would prove nothing"
    kills = []
    trials = [("delay", d) for d in delays] + [("wal", g) for g in wal_growths]
    for i, (kind, value) in enumerate(trials):
        db = fresh_copy(before_db, tmp / f"kill{i}" / "p.qualcode")
        if kind == "delay":
            k = kill_during(command(db, *args), db, delay=value * duration)
        else:
            k = kill_during(command(db, *args), db, wal_growth=int(value))
        assert integrity(db) == "ok", k
        now = state(db)
        assert now in (before, after), f"{k}: the project is in a state between before and after"
        k.outcome = "before" if now == before else "after"
        if k.finished_first:
            assert k.outcome == "after"
        kills.append(k)
        print(f"  killed {k.how}: finished first={k.finished_first}, "
              f"WAL {k.wal_bytes_at_kill} B -> {k.outcome}")
    # at least one kill landed before the commit and left the project as it was
    assert any(k.outcome == "before" and not k.finished_first for k in kills), kills
    return kills


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_transcripts(tmp_path_factory.mktemp("corpus") / "transcripts", 80)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A closed project holding the 80 transcripts."""
    db = tmp_path_factory.mktemp("ingested") / "p.qualcode"
    run(cli(db, "ingest", str(corpus)))
    return db


@pytest.mark.slow
def test_sigkill_mid_ingest(tmp_path: Path, corpus: Path) -> None:
    before_db = tmp_path / "before" / "p.qualcode"
    seed = write_transcripts(tmp_path / "seed", 3, seed=1)
    run(cli(before_db, "ingest", str(seed)))  # the state before is not empty
    rnd = random.Random(SEED)
    kills = crash_trials(tmp_path, before_db, ["ingest", str(corpus)],
                         delays=[rnd.uniform(0.3, 0.9)], wal_growths=[100_000, 1_000_000])
    assert len(kills) == 3


@pytest.mark.slow
@pytest.mark.parametrize("command", [cli, bulk_cli], ids=["import", "bulk-import"])
def test_sigkill_mid_import(tmp_path: Path, ingested: Path,
                            command: Callable[..., list[str]]) -> None:
    with Project.open(ingested) as p:
        docs = p.documents
    rows = ["document,code,start,end,coder"]
    rnd = random.Random(SEED)
    for i in range(60_000):
        d = docs[i % len(docs)]
        start = rnd.randrange(0, len(d.text) - 50)
        rows.append(f"{d.id},code{i % 13},{start},{start + rnd.randint(1, 50)},ana")
    table = tmp_path / "codings.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before_db = fresh_copy(ingested, tmp_path / "before" / "p.qualcode")
    kills = crash_trials(tmp_path, before_db, ["import", str(table)],
                         delays=[rnd.uniform(0.3, 0.9)], wal_growths=[100_000, 1_000_000],
                         command=command)
    assert len(kills) == 3
    # whatever the outcome, the project has all its indexes (a bulk import drops and
    # re-creates the codings table's indexes inside its transaction)
    indexes = index_definitions(before_db)
    for i in range(len(kills)):
        assert index_definitions(tmp_path / f"kill{i}" / "p.qualcode") == indexes
    assert index_definitions(tmp_path / "after" / "p.qualcode") == indexes


def _has_code_command() -> bool:
    try:
        from qualcode.cli import app
    except Exception:  # pragma: no cover - the CLI is being written
        return False
    names = {c.name or (c.callback.__name__ if c.callback else "")
             for c in app.registered_commands}
    return "code" in names


@pytest.mark.slow
@pytest.mark.skipif(not _has_code_command(), reason="`qualcode code` does not exist yet")
def test_sigkill_mid_coding(tmp_path: Path, corpus: Path) -> None:
    before_db = tmp_path / "before" / "p.qualcode"
    run(cli(before_db, "ingest", *sorted(str(p) for p in corpus.iterdir())[:8]))
    rnd = random.Random(SEED)
    # the coding transaction is small (committed in one go): the WAL grows at the commit
    kills = crash_trials(tmp_path, before_db, ["code", "barriers"],
                         delays=[rnd.uniform(0.2, 0.5)], wal_growths=[32])
    # a run killed mid-way (token cache half written) does not spoil the next run
    survivor = tmp_path / "kill0" / "p.qualcode"
    run(cli(survivor, "code", "barriers"))
    assert state(survivor) == state(tmp_path / "after" / "p.qualcode")
    assert len(kills) == 2


# -- two writers at once ----------------------------------------------------------------------

_HOLDER = textwrap.dedent("""
    import sys, time
    from qualcode.model import Coding
    from qualcode.store import Project
    path, doc_id, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with Project.open(path) as p, p.transaction():
        p.add_codings([Coding(doc_id, "holder", 0, 1, coder="holder")])
        print("holding", flush=True)
        time.sleep(hold)
""")


def _hold_lock(db: Path, doc_id: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), doc_id, str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read() if proc.stderr else ""
    return proc


@pytest.fixture
def small_project(tmp_path: Path) -> tuple[Path, Document]:
    db = tmp_path / "p.qualcode"
    doc = Document(name="a.txt", text="I: Where do you work?\nR: At home.")
    with Project.open(db) as p:
        p.add_documents([doc])
    return db, doc


def test_second_process_waits_for_the_writer(small_project: tuple[Path, Document]) -> None:
    db, doc = small_project
    holder = _hold_lock(db, doc.id, 1.0)
    started = time.monotonic()
    with Project.open(db) as p:  # waits up to 5 s for the lock
        p.add_codings([Coding(doc.id, "waiter", 0, 1, coder="waiter")])
    assert time.monotonic() - started > 0.5
    assert holder.wait(timeout=30) == 0
    with Project.open(db) as p:
        assert sorted(c.code for c in p.codings()) == ["holder", "waiter"]
    assert integrity(db) == "ok"


def test_second_process_fails_clearly_when_the_lock_is_held(
        small_project: tuple[Path, Document]) -> None:
    db, doc = small_project
    holder = _hold_lock(db, doc.id, 1.5)
    try:
        with Project.open(db, timeout=0.3) as p:
            assert len(p.documents) == 1  # reading is never blocked (WAL)
            with pytest.raises(ProjectError, match="another qualcode process"):
                p.add_codings([Coding(doc.id, "loser", 0, 1, coder="loser")])
    finally:
        assert holder.wait(timeout=30) == 0
    with Project.open(db) as p:
        assert [c.code for c in p.codings()] == ["holder"]
    assert integrity(db) == "ok"


@pytest.mark.slow
def test_cli_reports_a_locked_project_without_traceback(
        small_project: tuple[Path, Document], tmp_path: Path) -> None:
    db, doc = small_project
    folder = write_transcripts(tmp_path / "more", 2)
    holder = _hold_lock(db, doc.id, 7.0)
    try:
        done = subprocess.run(cli(db, "ingest", str(folder)), capture_output=True, text=True,
                              timeout=60)
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "another qualcode process" in done.stderr
    with Project.open(db) as p:
        assert [d.name for d in p.documents] == ["a.txt"]
    assert integrity(db) == "ok"


def test_holder_killed_mid_transaction_leaves_nothing_behind(
        small_project: tuple[Path, Document]) -> None:
    db, doc = small_project
    before = state(db)
    holder = _hold_lock(db, doc.id, 30.0)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert integrity(db) == "ok"
    assert state(db) == before
    with Project.open(db, timeout=1) as p:  # the lock died with the process
        p.add_codings([Coding(doc.id, "after", 0, 1, coder="b")])


def test_concurrent_cli_ingests_both_land(tmp_path: Path) -> None:
    db = tmp_path / "p.qualcode"
    a = write_transcripts(tmp_path / "a", 20, seed=1)
    b = write_transcripts(tmp_path / "b", 20, seed=2)
    procs = [subprocess.Popen(cli(db, "ingest", str(f)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in (a, b)]
    for proc in procs:
        out, errs = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + errs
    with Project.open(db) as p:
        assert len(p.documents) == 40
    assert integrity(db) == "ok"
