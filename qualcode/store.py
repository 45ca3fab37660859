"""The project file: documents, codebooks and codings in one SQLite database.

A :class:`Project` is a single SQLite file (WAL journal, foreign keys on) or,
for tests and throw-away work, ``":memory:"``. Every write runs in one
transaction, so an interrupted ingest or import leaves the project as it was.

The schema version is ``PRAGMA user_version``. :data:`MIGRATIONS` lists the
steps that bring a database from version ``i`` to ``i + 1``; to change the
schema, append a SQL script (or a function taking the connection) and never
edit an earlier entry. Pending migrations run in one transaction when a
project is opened; a project written by a newer qualcode is refused.

>>> from qualcode.model import Coding, Document
>>> with Project.open(":memory:") as proj:
...     doc = proj.add_documents([Document(name="a.txt", text="Hello there")]).added[0]
...     proj.add_codings([Coding(doc.id, "greeting", 0, 5, coder="ana")])
...     [(c.code, c.coder) for c in proj.codings(coder="ana")]
1
[('greeting', 'ana')]
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import starmap
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._gc import collector_paused
from ._schema import SCHEMA_1 as _SCHEMA_1
from .errors import InputError, Problem, ProjectError
from .model import Code, Codebook, Coding, Comment, Document, Turn, trusted_coding

if TYPE_CHECKING:
    from .snapshots import Snapshot

__all__ = ["BULK_INSERT_ROWS", "MIGRATIONS", "SCHEMA_VERSION", "AddResult", "Project", "migrate",
           "run_script"]

Migration = str | Callable[[sqlite3.Connection], None]
#: A filter on codings: one value, a list of values, or ``None`` for any.
Filter = str | Iterable[str] | None

def _migration_1(conn: sqlite3.Connection) -> None:
    """Version 1: the initial schema, plus creation time and qualcode version."""
    from . import __version__  # imported late: the package imports this module

    run_script(conn, _SCHEMA_1)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("created", _now()), ("qualcode_version", __version__)])


#: Steps from schema version i to i + 1 (index 0 creates version 1). Append only.
MIGRATIONS: list[Migration] = [_migration_1]
#: The schema version this qualcode writes.
SCHEMA_VERSION = len(MIGRATIONS)

_CODING_COLUMNS = 'document_id, code, codebook, start, "end", coder, rule, memo'
#: The same columns in the order of :func:`qualcode.model.trusted_coding`'s parameters.
_CODING_FIELDS = 'document_id, code, start, "end", coder, rule, codebook, memo'

#: A write of more codings than this in one call (added plus replaced), if at
#: least half as many as the table holds, drops the codings table's secondary
#: indexes first and builds them again at the end, in the same transaction:
#: faster than updating three indexes row by row (1M codings into an empty
#: table: 8.5 s instead of 14 s; into a table of 1M: 600k codings 7.7 s instead
#: of 10.1 s, but 300k 5.4 s instead of 4.4 s; replacing 1M auto-codings among
#: 2M: 12 s instead of 23 s). An error or a crash rolls back the dropped
#: indexes with everything else.
BULK_INSERT_ROWS = 100_000


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


_LOCKED = ("the project is being changed by another qualcode process and stayed locked; "
           "nothing was changed: try again when the other process has finished")


def _locked(e: sqlite3.Error) -> bool:
    return "locked" in str(e) or "busy" in str(e)


def run_script(conn: sqlite3.Connection, sql: str) -> None:
    """Run ``sql`` statement by statement inside the caller's transaction.

    (:meth:`sqlite3.Connection.executescript` would commit first.)
    """
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ProjectError(f"incomplete SQL statement: {statement.strip()[:60]}")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> int:
    """Bring ``conn``'s schema up to ``len(migrations)`` in one transaction.

    ``migrations`` defaults to :data:`MIGRATIONS`; ``conn`` must be in
    autocommit mode (``isolation_level=None``). Returns the schema version.
    Raises :class:`ProjectError` if the database is newer than ``migrations``
    knows; if any step fails, every step is rolled back.
    """
    steps = MIGRATIONS if migrations is None else migrations

    def current() -> int:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(steps):
            raise ProjectError(f"the project has schema version {version}, but this qualcode "
                               f"only knows up to {len(steps)}; upgrade qualcode to open it")
        return version

    if current() == len(steps):  # up to date: no write lock needed
        return len(steps)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for i in range(current(), len(steps)):
            step = steps[i]
            if isinstance(step, str):
                run_script(conn, step)
            else:
                step(conn)
            conn.execute(f"PRAGMA user_version = {i + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(steps)


@functools.cache
def _null() -> float | None:
    """What to bind for a NULL in bulk inserts: NaN where SQLite stores it as NULL.

    Python's sqlite3 module binds ``None`` through its adaptation protocol
    (about 1 us each: a third to a half of the time of inserting codings,
    whose codebook, rule and memo are mostly ``None``); a float is bound
    directly, and SQLite stores a NaN as NULL.
    """
    conn = sqlite3.connect(":memory:")
    try:
        return math.nan if conn.execute("SELECT ? IS NULL", (math.nan,)).fetchone()[0] else None
    finally:
        conn.close()


def _json_default(obj: Any) -> Any:
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(obj, _dt.date | _dt.time):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise InputError(f"{what}: cannot store value {value!r}: {e}") from e


def _where(**filters: Filter) -> tuple[str, list[str]]:
    """SQL condition + parameters matching each column against a value or a list of values."""
    clauses, params = [], []
    for column, values in filters.items():
        if isinstance(values, str):
            clauses.append(f"{column} = ?")
            params.append(values)
        elif values is not None:
            clauses.append(f"{column} IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(values)))
    return " AND ".join(clauses) or "1", params


@dataclass(frozen=True)
class AddResult:
    """What :meth:`Project.add_documents` did with each document, as now stored."""

    added: list[Document] = field(default_factory=list)
    unchanged: list[Document] = field(default_factory=list)
    versioned: list[Document] = field(default_factory=list)


class Project:
    """A qualcode project: documents, codebooks and codings in one SQLite database.

    Create one with :meth:`open`. Reading methods return fresh value objects;
    each writing method runs in one transaction (group several with
    :meth:`transaction`).
    """

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._db: sqlite3.Connection | None = conn
        self.path = path
        self._depth = 0

    @classmethod
    def open(cls, path: str | Path = "qualcode.db", *, create: bool = True,
             timeout: float = 5.0) -> Project:
        """Open (and by default create) the project at ``path``; ``":memory:"`` is in memory.

        ``timeout`` is how many seconds a write waits for another process's
        write to finish before failing with :class:`ProjectError`.
        Raises :class:`ProjectError` naming the path if it is missing and
        ``create`` is false, is not a SQLite database, is a SQLite database of
        another program, or was written by a newer qualcode.
        """
        name = str(path)
        memory = name == ":memory:"
        if not memory and not create and not Path(name).exists():
            raise ProjectError("no such project file", path=name)
        try:
            conn = sqlite3.connect(name, timeout=timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise ProjectError(f"cannot open project: {e}", path=name) from e
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN")  # one snapshot: another process may be creating the schema
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            conn.execute("COMMIT")
            if version == 0 and tables:
                raise ProjectError("not a qualcode project (a SQLite database of another program)")
            migrate(conn)
            if not memory:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, ProjectError) as e:
            conn.close()
            if isinstance(e, ProjectError):
                message = e.message
            elif "not a database" in str(e):
                message = "not a qualcode project (the file is not a SQLite database)"
            elif _locked(e):
                message = _LOCKED
            else:
                message = f"cannot open project: {e}"
            raise ProjectError(message, path=name) from e
        return cls(conn, name)

    # -- connection and transactions ------------------------------------------------

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise ProjectError("the project is closed", path=self.path)
        return self._db

    def close(self) -> None:
        """Close the database; further use raises :class:`ProjectError`."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({self.path!r})"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically: commit at the end, roll back on any exception.

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``;
        another writer waits up to ``timeout`` seconds for it, then gets a
        :class:`ProjectError`); nested blocks are savepoints.
        """
        conn = self._conn
        savepoint = f"qc_{self._depth}"
        try:
            conn.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
        except sqlite3.OperationalError as e:
            if _locked(e):
                raise ProjectError(_LOCKED, path=self.path) from e
            raise
        self._depth += 1
        try:
            yield conn
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                conn.execute("ROLLBACK")
            else:
                conn.execute(f"ROLLBACK TO {savepoint}")
                conn.execute(f"RELEASE {savepoint}")
            raise
        self._depth -= 1
        conn.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")

    @property
    def schema_version(self) -> int:
        """The database's schema version (``PRAGMA user_version``)."""
        version: int = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return version

    @property
    def meta(self) -> dict[str, str]:
        """Facts about the project file: ``created``, ``qualcode_version`` (that created it)."""
        return dict(self._conn.execute("SELECT key, value FROM meta ORDER BY key"))

    def snapshot(self, reason: str, *, keep: int = 20) -> Snapshot:
        """Copy the project's committed state to its snapshots folder (see
        :func:`qualcode.snapshots.snapshot`); ``":memory:"`` raises :class:`ProjectError`."""
        from .snapshots import snapshot

        return snapshot(self, reason, keep=keep)

    # -- documents ------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Document], *, on_conflict: str = "version"
                      ) -> AddResult:
        """Add documents in one transaction; any failure leaves the project unchanged.

        A document whose ``sha256`` is already stored is *unchanged*: nothing
        is written (re-ingesting is idempotent, even under another name). A
        document with the ``name`` of a stored one but different content is an
        edited file: with ``on_conflict="version"`` it is stored as a new
        document whose ``version`` is the highest stored version of that name
        plus one, and the older versions and their codings are kept; with
        ``on_conflict="refuse"`` a :class:`ProjectError` naming it is raised.
        A new name keeps the document's own ``version`` (1 by default).
        """
        if on_conflict not in ("version", "refuse"):
            raise InputError(f"on_conflict must be 'version' or 'refuse', not {on_conflict!r}")
        result = AddResult()
        with self.transaction() as conn:
            for doc in docs:
                row = conn.execute("SELECT id FROM documents WHERE sha256 = ?",
                                   (doc.sha256,)).fetchone()
                if row:
                    result.unchanged.append(self._load_documents("id = ?", row[0])[0])
                    continue
                if conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone():
                    raise ProjectError(f"document {doc.name!r}: id {doc.id!r} is already "
                                       "used by another document", path=self.path)
                (latest,) = conn.execute("SELECT max(version) FROM documents WHERE name = ?",
                                         (doc.name,)).fetchone()
                if latest is not None and on_conflict == "refuse":
                    raise ProjectError(f"document {doc.name!r} is already in the project with "
                                       "different content; add it with on_conflict='version' "
                                       "to keep both versions", path=self.path)
                if latest is not None:
                    doc = dataclasses.replace(doc, version=latest + 1)
                self._insert_document(conn, doc)
                (result.added if latest is None else result.versioned).append(doc)
        return result

    def _insert_document(self, conn: sqlite3.Connection, doc: Document) -> None:
        conn.execute(
            "INSERT INTO documents (id, name, text, language, format, source, sha256, version,"
            " chars, words, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.name, doc.text, doc.language, doc.format, doc.source, doc.sha256,
             doc.version, len(doc.text), doc.word_count, _now()))
        conn.executemany(
            'INSERT INTO turns (document_id, idx, speaker, role, start, "end", timestamp,'
            " end_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(doc.id, i, t.speaker, t.role, t.start, t.end, t.timestamp, t.end_time)
             for i, t in enumerate(doc.turns)])
        conn.executemany(
            "INSERT INTO attributes (document_id, key, value) VALUES (?, ?, ?)",
            [(doc.id, k, _dumps(v, f"document {doc.name!r}, attribute {k!r}"))
             for k, v in doc.attributes.items()])
        conn.executemany(
            'INSERT INTO comments (document_id, idx, start, "end", text, author, date)'
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(doc.id, i, c.start, c.end, c.text, c.author, c.date)
             for i, c in enumerate(doc.comments)])

    def _load_documents(self, where: str = "1", *params: Any) -> list[Document]:
        conn = self._conn
        rows = conn.execute(
            "SELECT id, name, text, language, format, source, sha256, version FROM documents"
            f" WHERE {where} ORDER BY name, version", params).fetchall()
        if not rows:
            return []
        ids = (json.dumps([r[0] for r in rows]),)
        in_ids = "document_id IN (SELECT value FROM json_each(?))"
        texts = {r[0]: r[2] for r in rows}
        turns: dict[str, list[Turn]] = {}
        for doc_id, speaker, role, start, end, ts, te in conn.execute(
                'SELECT document_id, speaker, role, start, "end", timestamp, end_time FROM turns'
                f" WHERE {in_ids} ORDER BY document_id, idx", ids):
            turns.setdefault(doc_id, []).append(
                Turn(speaker, start, end, texts[doc_id][start:end], role, ts, te))
        attributes: dict[str, dict[str, Any]] = {}
        for doc_id, key, value in conn.execute(
                f"SELECT document_id, key, value FROM attributes WHERE {in_ids} ORDER BY rowid",
                ids):
            attributes.setdefault(doc_id, {})[key] = json.loads(value)
        comments: dict[str, list[Comment]] = {}
        for doc_id, start, end, text, author, date in conn.execute(
                f'SELECT document_id, start, "end", text, author, date FROM comments'
                f" WHERE {in_ids} ORDER BY document_id, idx", ids):
            comments.setdefault(doc_id, []).append(Comment(start, end, text, author, date))
        return [
            Document(name=name, text=text, turns=tuple(turns.get(i, ())), language=language,
                     attributes=attributes.get(i, {}), sha256=sha, id=i, source=source,
                     format=fmt, comments=tuple(comments.get(i, ())), version=version)
            for i, name, text, language, fmt, source, sha, version in rows]

    @property
    def documents(self) -> list[Document]:
        """Every stored document (all versions), ordered by name, then version."""
        return self._load_documents()

    def document(self, id_or_name: str) -> Document:
        """The document with this id, else the latest version of the one with this name."""
        found = self._load_documents("id = ?", id_or_name) or self._load_documents(
            "name = ? AND version = (SELECT max(version) FROM documents WHERE name = ?)",
            id_or_name, id_or_name)
        if not found:
            raise ProjectError(f"no document with id or name {id_or_name!r}", path=self.path)
        return found[0]

    def remove_document(self, id: str, *, snapshot: bool = False) -> None:
        """Remove the document with this id, with its turns, attributes, comments, codings.

        With ``snapshot=True`` the project is first copied to its snapshots
        folder (:meth:`snapshot`), so the removal can be undone.
        """
        if snapshot:
            row = self._conn.execute("SELECT name FROM documents WHERE id = ?", (id,)).fetchone()
            if row is not None:
                self.snapshot(f"before-remove-{row[0]}")
        with self.transaction() as conn:
            if not conn.execute("DELETE FROM documents WHERE id = ?", (id,)).rowcount:
                raise ProjectError(f"no document with id {id!r}", path=self.path)

    # -- codebooks ------------------------------------------------------------------

    def add_codebook(self, cb: Codebook, *, yaml_text: str | None = None) -> None:
        """Store ``cb`` (and its source text, if given), replacing one of the same name.

        A replaced codebook's codes are rewritten; codings are never touched.
        Rules are stored as JSON (a rule's ``to_dict()`` when it has one), so
        they come back as plain JSON values (dicts, lists, strings, ...).
        """
        what = f"codebook {cb.name!r}"
        rows = [(cb.name, c.name, c.parent, c.description, c.color, c.inclusion, c.exclusion,
                 _dumps(list(c.examples), f"{what}, code {c.name!r}"),
                 _dumps(list(c.rules), f"{what}, code {c.name!r}"), position)
                for position, c in enumerate(cb.codes)]
        meta = _dumps(dict(cb.meta), what)
        with self.transaction() as conn:
            conn.execute("DELETE FROM codebooks WHERE name = ?", (cb.name,))
            conn.execute("INSERT INTO codebooks (name, version, description, source, meta, yaml)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (cb.name, str(cb.version), cb.description, cb.source, meta, yaml_text))
            conn.executemany(
                "INSERT INTO codes (codebook, name, parent, description, color, inclusion,"
                " exclusion, examples, rules, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows)

    @property
    def codes(self) -> list[Code]:
        """Every code of every codebook (by codebook name, then codebook order).

        Each code's ``codebook`` is the name of the codebook it is stored in.
        """
        return [
            Code(name, parent, description, color, inclusion, exclusion,
                 tuple(json.loads(examples)), tuple(json.loads(rules)), codebook)
            for codebook, name, parent, description, color, inclusion, exclusion, examples,
            rules in self._conn.execute(
                "SELECT codebook, name, parent, description, color, inclusion, exclusion,"
                " examples, rules FROM codes ORDER BY codebook, position")]

    @property
    def codebooks(self) -> list[Codebook]:
        """Every stored codebook, by name, with its codes in stored order."""
        codes: dict[str | None, list[Code]] = {}
        for code in self.codes:
            codes.setdefault(code.codebook, []).append(code)
        return [
            Codebook(name, tuple(codes.get(name, ())), version, description, source,
                     json.loads(meta))
            for name, version, description, source, meta in self._conn.execute(
                "SELECT name, version, description, source, meta FROM codebooks ORDER BY name")]

    def codebook(self, name: str) -> Codebook:
        """The stored codebook called ``name``."""
        for cb in self.codebooks:
            if cb.name == name:
                return cb
        raise ProjectError(f"no codebook named {name!r}", path=self.path)

    def codebook_yaml(self, name: str) -> str | None:
        """The source text stored with codebook ``name`` (``None`` if none was given)."""
        row = self._conn.execute("SELECT yaml FROM codebooks WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ProjectError(f"no codebook named {name!r}", path=self.path)
        return str(row[0]) if row[0] is not None else None

    # -- codings --------------------------------------------------------------------

    def _coding_rows(self, codings: Iterable[Coding], coder_prefix: str = ""
                     ) -> list[tuple[Any, ...]]:
        """Rows to insert, or one :class:`InputError` listing every invalid coding.

        A row's ``None`` is :func:`_null` (bound as NULL, faster).
        """
        items = list(codings)
        wanted = json.dumps(sorted({c.document for c in items if isinstance(c, Coding)}))
        chars: dict[str, int] = dict(self._conn.execute(
            "SELECT id, chars FROM documents WHERE id IN (SELECT value FROM json_each(?))",
            (wanted,)))
        get, null = chars.get, _null()
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for c in items:  # one pass checks and builds the rows of valid codings
            if not (isinstance(c, Coding) and c.end <= get(c.document, -1)
                    and c.coder.startswith(coder_prefix)):
                break
            append((c.document, c.code, null if (v := c.codebook) is None else v, c.start,
                    c.end, c.coder, null if (v := c.rule) is None else v,
                    null if (v := c.memo) is None else v))
        else:
            return rows
        del rows  # an invalid coding: list every problem
        problems: list[Problem] = []
        for i, c in enumerate(items):
            if not isinstance(c, Coding):
                problems.append(Problem(f"item {i} is a {type(c).__name__}, not a Coding"))
                continue
            n = chars.get(c.document, -1)
            if c.end <= n and c.coder.startswith(coder_prefix):
                continue
            where = f"coding {i} ({c.code!r} by {c.coder!r})"
            if n < 0:
                problems.append(Problem(f"{where}: no document with id {c.document!r}"))
            elif c.end > n:
                problems.append(Problem(
                    f"{where}: span [{c.start}, {c.end}) runs past the end of the text ({n})"))
            if not c.coder.startswith(coder_prefix):
                problems.append(Problem(f"{where}: coder is not {coder_prefix}<version>"))
        shown = "; ".join(str(p) for p in problems[:3])
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise InputError(f"{len(problems)} invalid coding(s), nothing was added: "
                         f"{shown}{more}", path=self.path, problems=problems)

    def _insert_codings(self, rows: list[tuple[Any, ...]]) -> int:
        now = _now().replace("'", "''")  # a constant: cheaper than a parameter per row
        self._conn.executemany(f"INSERT INTO codings ({_CODING_COLUMNS}, created)"
                               f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{now}')", rows)
        return len(rows)

    @contextmanager
    def _bulk_write(self, rows: int) -> Iterator[None]:
        """Around a write (in a transaction) that adds or deletes ``rows`` codings.

        For a large one (see :data:`BULK_INSERT_ROWS`), drop the codings
        table's secondary indexes and create them again at the end. On an
        exception they stay dropped: the caller's transaction (or savepoint)
        rolls back, and that restores them.
        """
        assert self._depth > 0, "only inside a transaction"
        conn = self._conn
        if rows <= BULK_INSERT_ROWS or 2 * rows < conn.execute(
                "SELECT count(*) FROM codings").fetchone()[0]:
            yield
            return
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'codings'"
            " AND sql IS NOT NULL").fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            conn.execute(sql)

    def add_codings(self, codings: Iterable[Coding]) -> int:
        """Add codings in one transaction (``executemany``); returns how many were added.

        Each coding's document must be stored and its span must lie within
        the text; otherwise nothing is added and one :class:`InputError`
        lists every problem in ``.problems``. A large insert rebuilds the
        table's indexes once instead of updating them (see :data:`BULK_INSERT_ROWS`).
        """
        with self.transaction():
            rows = self._coding_rows(codings)
            with self._bulk_write(len(rows)):
                return self._insert_codings(rows)

    def replace_auto_codings(self, codebook_coder: str, codings: Iterable[Coding], *,
                             snapshot: bool = False) -> int:
        """Replace a codebook's auto-codings with ``codings``, in one transaction.

        ``codebook_coder`` is ``auto:<codebook>@<version>`` (``Codebook.coder``).
        Codings by *any* version of that codebook's auto coder are deleted;
        human codings and other codebooks' codings are never touched. Every new
        coding must have a coder of the same family. Returns how many were added.
        With ``snapshot=True``, the project's committed state is first copied
        to its snapshots folder (:meth:`snapshot`) if there are codings to replace.
        """
        if not codebook_coder.startswith("auto:"):
            raise InputError(f"not an auto coder: {codebook_coder!r} (expected auto:<name>@<v>)")
        name = codebook_coder[5:].rpartition("@")[0] or codebook_coder[5:]
        prefix = f"auto:{name}@"
        if snapshot and self._conn.execute(
                "SELECT 1 FROM codings WHERE substr(coder, 1, ?) = ? LIMIT 1",
                (len(prefix), prefix)).fetchone():
            self.snapshot(f"before-recode-{name}")
        with self.transaction() as conn:
            rows = self._coding_rows(codings, coder_prefix=prefix)
            # how many the DELETE below removes: coders from "auto:<name>@" up to (not
            # including) "auto:<name>A", a range of the coder index
            old = conn.execute("SELECT count(*) FROM codings WHERE coder >= ? AND coder < ?",
                               (prefix, prefix[:-1] + "A")).fetchone()[0]
            with self._bulk_write(len(rows) + old):
                conn.execute("DELETE FROM codings WHERE substr(coder, 1, ?) = ?",
                             (len(prefix), prefix))
                return self._insert_codings(rows)

    def codings(self, *, coder: Filter = None, code: Filter = None, document: Filter = None,
                codebook: Filter = None) -> list[Coding]:
        """Stored codings in the order added; each filter is a value or a list of values.

        ``document`` filters by document id.
        """
        where, params = _where(coder=coder, code=code, document_id=document, codebook=codebook)
        rows = self._conn.execute(
            f"SELECT {_CODING_FIELDS} FROM codings WHERE {where} ORDER BY id", params)
        with collector_paused():  # our own rows: valid, no need to check them again
            return list(starmap(trusted_coding, rows))

    def delete_codings(self, *, coder: Filter = None, code: Filter = None,
                       document: Filter = None, codebook: Filter = None) -> int:
        """Delete the codings matching every given filter (at least one); returns how many."""
        where, params = _where(coder=coder, code=code, document_id=document, codebook=codebook)
        if not params:
            raise InputError("delete_codings needs a coder, code, document or codebook filter")
        with self.transaction() as conn:
            count: int = conn.execute(f"DELETE FROM codings WHERE {where}", params).rowcount
            return count

    @property
    def coders(self) -> list[str]:
        """Every coder that has a coding, sorted."""
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT coder FROM codings ORDER BY coder")]

    def stats(self) -> dict[str, int]:
        """Counts of documents (every version), document names, turns, words, speakers,
        codings, coders, codebooks and codes."""
        queries = {
            "documents": "count(*) FROM documents",
            "document_names": "count(DISTINCT name) FROM documents",
            "turns": "count(*) FROM turns",
            "words": "coalesce(sum(words), 0) FROM documents",
            "speakers": "count(DISTINCT speaker) FROM turns",
            "codings": "count(*) FROM codings",
            "coders": "count(DISTINCT coder) FROM codings",
            "codebooks": "count(*) FROM codebooks",
            "codes": "count(*) FROM codes",
        }
        return {k: int(self._conn.execute(f"SELECT {q}").fetchone()[0])
                for k, q in queries.items()}
