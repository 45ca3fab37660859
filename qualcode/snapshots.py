"""Snapshots of a project file, so that nothing is ever lost silently.

Before an operation replaces data (re-coding with a changed codebook,
importing over an existing project, deleting a document) the caller takes
a :func:`snapshot`: a complete copy of the project's committed state, made
with SQLite's online backup API (consistent even while another process
writes), stored beside the project::

    study.qualcode
    study.qualcode.snapshots/
        index.json                                  what each snapshot is
        20250301T101500Z-before-recode-barriers.qualcode
        20250301T102012Z-before-import.qualcode

Each snapshot is an ordinary, self-contained project file (it opens with
:meth:`qualcode.Project.open`). :func:`restore` copies one back over the
project, after first snapshotting the current state (so a restore can
itself be undone); :func:`undo` restores the newest snapshot that has not
been restored yet, so repeated undos step back through history. Only the
``keep`` newest snapshots are kept (default 20); older ones are deleted
when a new one is taken.

Snapshots are written under a temporary name and renamed into place, and
the index is replaced atomically; an interrupted snapshot leaves at most a
``*.part`` file, which the next snapshot removes. The index is a cache: a
snapshot file missing from it is still listed (its reason read from its
name), and entries whose file is gone are dropped.

``":memory:"`` projects have no file and therefore no snapshots.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ProjectError

if TYPE_CHECKING:
    from .store import Project

__all__ = [
    "DEFAULT_KEEP",
    "RestoreResult",
    "Snapshot",
    "list_snapshots",
    "restore",
    "snapshot",
    "snapshots_dir",
    "undo",
]

#: How many snapshots are kept by default; older ones are pruned.
DEFAULT_KEEP = 20
_INDEX = "index.json"
_SUFFIX = ".qualcode"
_RESTORE_PREFIX = "before-restore"
_NAME = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?-(?P<reason>[a-z0-9-]*)\Z")


@dataclass(frozen=True)
class Snapshot:
    """One saved state of a project.

    ``id`` is the file name without ``.qualcode`` (a unique prefix of it is
    accepted by :func:`restore`); ``created`` is an ISO timestamp (UTC);
    ``documents``/``codings`` count what the snapshot holds; ``restored``
    is when it was last restored (``None`` if never).
    """

    id: str
    path: Path
    reason: str
    created: str
    size: int
    documents: int | None = None
    codings: int | None = None
    restored: str | None = None

    @property
    def automatic(self) -> bool:
        """Whether :func:`restore` made this snapshot (of the state it replaced)."""
        return self.reason.startswith(_RESTORE_PREFIX)


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore` did: the snapshot restored, and the copy of the state it replaced."""

    restored: Snapshot
    saved: Snapshot | None


def _project_file(project: Project | str | os.PathLike[str]) -> Path:
    path = str(getattr(project, "path", project))
    if path == ":memory:" or path.startswith("file::memory:") or not path:
        raise ProjectError("snapshots need a project file; an in-memory (':memory:') project "
                           "has none", path=":memory:")
    return Path(path)


def snapshots_dir(project_path: str | os.PathLike[str]) -> Path:
    """The folder where the snapshots of ``project_path`` are kept (``<project>.snapshots``)."""
    p = _project_file(project_path)
    return p.with_name(p.name + ".snapshots")


def _slug(reason: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")
    return slug[:48].rstrip("-") or "snapshot"


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _connect_ro(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def _counts(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
    try:
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        codings = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    except sqlite3.Error:
        return None, None
    return int(docs), int(codings)


# -- the index ------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialise index updates between processes (best effort where fcntl is missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: the index is a cache and is rebuilt from the files
        yield
        return
    with open(folder / ".lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _read_index(folder: Path) -> list[Snapshot]:
    """Snapshots in ``folder``, oldest first, reconciled with the files present."""
    entries: dict[str, Snapshot] = {}
    try:
        raw = json.loads((folder / _INDEX).read_text(encoding="utf-8"))
        items = raw.get("snapshots", []) if isinstance(raw, dict) else []
    except (OSError, ValueError):
        items = []
    for item in items:
        try:
            file = folder / (str(item["id"]) + _SUFFIX)
            if file.parent != folder or not file.is_file():
                continue
            entries[str(item["id"])] = Snapshot(
                id=str(item["id"]), path=file, reason=str(item["reason"]),
                created=str(item["created"]), size=file.stat().st_size,
                documents=item.get("documents"), codings=item.get("codings"),
                restored=item.get("restored"))
        except (KeyError, TypeError, OSError):
            continue
    if folder.is_dir():
        for file in folder.glob("*" + _SUFFIX):
            m = _NAME.match(file.stem)
            if file.stem in entries or m is None:
                continue
            created = _dt.datetime.strptime(m["stamp"], "%Y%m%dT%H%M%SZ").replace(
                tzinfo=_dt.UTC).isoformat(timespec="microseconds")
            entries[file.stem] = Snapshot(file.stem, file, m["reason"], created,
                                          file.stat().st_size)
    return sorted(entries.values(), key=lambda s: (s.created, s.id))


def _write_index(folder: Path, snaps: list[Snapshot]) -> None:
    items = []
    for s in snaps:
        item: dict[str, Any] = asdict(s)
        del item["path"], item["size"]
        items.append(item)
    tmp = folder / (_INDEX + ".part")
    tmp.write_text(json.dumps({"version": 1, "snapshots": items}, indent=1, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, folder / _INDEX)


def list_snapshots(project_path: str | os.PathLike[str]) -> list[Snapshot]:
    """The snapshots of the project at ``project_path``, newest first."""
    return list(reversed(_read_index(snapshots_dir(project_path))))


# -- taking a snapshot ----------------------------------------------------------------


def _copy(src: sqlite3.Connection, dest: Path) -> tuple[int | None, int | None]:
    """Back ``src`` up into a new single-file database at ``dest`` (no WAL)."""
    out = sqlite3.connect(dest, isolation_level=None)
    try:
        src.backup(out)
        # the copied header says WAL when the project uses WAL; make the copy one file
        out.execute("PRAGMA journal_mode = DELETE")
        return _counts(out)
    finally:
        out.close()


def snapshot(project: Project | str | os.PathLike[str], reason: str, *,
             keep: int = DEFAULT_KEEP) -> Snapshot:
    """Copy the committed state of ``project`` (a :class:`~qualcode.Project` or a path)
    to ``<project>.snapshots/<timestamp>-<reason>.qualcode`` and return it.

    The copy is read through its own connection, so it holds what was last
    committed even when called inside one of the project's transactions
    (the state before that transaction began). Snapshots beyond the ``keep``
    newest are deleted. Raises :class:`ProjectError` for an in-memory
    project or a project file that does not exist.
    """
    path = _project_file(project)
    if not path.is_file():
        raise ProjectError("no such project file; nothing to snapshot", path=path)
    if keep < 1:
        raise ProjectError(f"keep must be at least 1, not {keep}", path=path)
    folder = snapshots_dir(path)
    with _locked(folder):
        for stale in folder.glob("*.part"):
            stale.unlink(missing_ok=True)
        now = _now()
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        slug = _slug(reason)
        snap_id, n = f"{stamp}-{slug}", 1
        while (folder / (snap_id + _SUFFIX)).exists():
            n += 1
            snap_id = f"{stamp}-{n}-{slug}"
        final = folder / (snap_id + _SUFFIX)
        tmp = folder / (snap_id + ".part")
        try:
            src = _connect_ro(path)
        except sqlite3.Error as e:
            raise ProjectError(f"cannot read the project to snapshot it: {e}", path=path) from e
        try:
            documents, codings = _copy(src, tmp)
        except sqlite3.Error as e:
            tmp.unlink(missing_ok=True)
            raise ProjectError(f"cannot snapshot the project: {e}", path=path) from e
        finally:
            src.close()
        os.replace(tmp, final)
        snap = Snapshot(snap_id, final, reason, now.isoformat(timespec="microseconds"),
                        final.stat().st_size, documents, codings)
        snaps = [s for s in _read_index(folder) if s.id != snap_id] + [snap]
        for old in snaps[:-keep]:
            with contextlib.suppress(OSError):  # e.g. open elsewhere on Windows
                old.path.unlink(missing_ok=True)
        _write_index(folder, snaps[-keep:])
    return snap


# -- restoring ------------------------------------------------------------------------


def _find(snaps: list[Snapshot], snapshot_id: str, path: Path) -> Snapshot:
    exact = [s for s in snaps if s.id == snapshot_id]
    found = exact or [s for s in snaps if snapshot_id and s.id.startswith(snapshot_id)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ProjectError(f"no snapshot {snapshot_id!r} (list them with qualcode snapshots)",
                           path=path)
    raise ProjectError(f"{len(found)} snapshots start with {snapshot_id!r}; give more of the id",
                       path=path)


def _check_snapshot(snap: Snapshot) -> sqlite3.Connection:
    """Open a snapshot read-only after checking it is an intact qualcode project."""
    from .store import SCHEMA_VERSION

    try:
        conn = _connect_ro(snap.path)
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as e:
        raise ProjectError(f"snapshot {snap.id} cannot be read: {e}", path=snap.path) from e
    if ok != "ok" or not 1 <= version <= SCHEMA_VERSION:
        conn.close()
        why = "it is damaged" if ok != "ok" else f"it has schema version {version}"
        raise ProjectError(f"snapshot {snap.id} cannot be restored: {why}", path=snap.path)
    return conn


def restore(project_path: str | os.PathLike[str], snapshot_id: str, *,
            keep: int = DEFAULT_KEEP, timeout: float = 5.0) -> RestoreResult:
    """Replace the project at ``project_path`` with the snapshot ``snapshot_id``.

    ``snapshot_id`` is a snapshot's id or a unique prefix of it. The current
    state is snapshotted first (reason ``before-restore-<id>``), so the
    restore can be undone with another :func:`restore`. The project is
    replaced in one SQLite transaction: a crash leaves it as it was before
    or as the snapshot, never in between. Raises :class:`ProjectError` if
    the snapshot is unknown, damaged or from a newer qualcode, or if another
    process keeps the project locked for more than ``timeout`` seconds.
    """
    path = _project_file(project_path)
    folder = snapshots_dir(path)
    target = _find(_read_index(folder), snapshot_id, path)
    src = _check_snapshot(target)
    try:
        saved = (snapshot(path, f"{_RESTORE_PREFIX}-{target.id}", keep=keep)
                 if path.is_file() else None)
        try:
            dest = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise ProjectError(f"cannot open the project to restore it: {e}", path=path) from e
        try:
            dest.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as e:
            raise ProjectError(f"cannot restore snapshot {target.id}: {e}; the project is "
                               "unchanged", path=path) from e
        finally:
            dest.close()
    finally:
        src.close()
    with _locked(folder):
        snaps = _read_index(folder)
        stamp = _now().isoformat(timespec="seconds")
        snaps = [replace(s, restored=stamp) if s.id == target.id else s for s in snaps]
        _write_index(folder, snaps)
    return RestoreResult(replace(target, restored=stamp), saved)


def undo(project_path: str | os.PathLike[str], *, keep: int = DEFAULT_KEEP,
         timeout: float = 5.0) -> RestoreResult:
    """Undo the last data-replacing operation: restore the newest snapshot not yet restored.

    Snapshots that :func:`restore` itself made are skipped, so calling
    ``undo`` again steps further back. To revert an undo, :func:`restore` the
    ``before-restore-...`` snapshot it made (``result.saved``). Raises
    :class:`ProjectError` when there is nothing to undo.
    """
    path = _project_file(project_path)
    for snap in list_snapshots(path):
        if not snap.automatic and snap.restored is None:
            return restore(path, snap.id, keep=keep, timeout=timeout)
    raise ProjectError("nothing to undo: no snapshot that has not been restored already",
                       path=path)
