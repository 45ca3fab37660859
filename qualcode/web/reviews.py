"""Review actions in the project file: apply, accept, reject, adjust, remove, undo.

How reviews are stored
----------------------
Every action a coder takes in the review app is one row of the table
``web_actions``, which this module creates in the project's SQLite file
(``CREATE TABLE IF NOT EXISTS``; the store's own schema and migrations are
not touched). Codings themselves stay ordinary rows of ``codings``, added
with :meth:`Project.add_codings`, so every analysis sees them:

============ ============================================================
``apply``    a human coding by the coder (``memo`` as given)
``accept``   a human coding by the coder with the auto coding's span and
             ``memo = "accepted auto:<codebook>@<version>[ rule <id>]"``
``adjust``   a human coding by the coder with a new span and
             ``memo = "adjusted auto:...[ rule <id>] from <start>-<end>"``
``reject``   no coding at all: the row records that the coder rejected the
             auto coding (document, code, span, auto coder, rule)
``remove``   the coder deleted one of their own codings (kept as JSON, so
             that undo can restore it)
============ ============================================================

An auto coding is identified by value — document, code, span and the
auto coder's codebook (any version) — not by row id, because re-running
``qualcode code`` replaces auto codings with new rows. Each row has the
coder, a UTC timestamp (``created``) and, once undone, ``undone``; undo
reverts the coder's latest action that is not undone yet.

Every function validates its input (document exists, ``0 <= start < end <=
len(text)``, code in a stored codebook) and does its reads and writes in one
transaction (``BEGIN IMMEDIATE``), so concurrent requests are serialised by
SQLite and cannot leave half an action behind.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..errors import InputError
from ..model import Coding
from ..store import Project

__all__ = [
    "ACTIONS",
    "Action",
    "ActionError",
    "AutoKey",
    "StoredCoding",
    "actions",
    "apply_code",
    "auto_family",
    "auto_key",
    "check_coder",
    "ensure_schema",
    "rejected_keys",
    "remove_coding",
    "review_auto",
    "review_status",
    "stored_codings",
    "undo_last",
]

ACTIONS = ("apply", "accept", "reject", "adjust", "remove")
Decision = Literal["accept", "reject", "adjust"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_actions (
    id INTEGER PRIMARY KEY,
    coder TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('apply', 'accept', 'reject', 'adjust', 'remove')),
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    auto_coder TEXT,
    auto_rule TEXT,
    auto_start INTEGER,
    auto_end INTEGER,
    coding_id INTEGER,
    removed TEXT,
    created TEXT NOT NULL,
    undone TEXT,
    CHECK (0 <= start AND start < "end"));
CREATE INDEX IF NOT EXISTS web_actions_coder ON web_actions(coder, id);
CREATE INDEX IF NOT EXISTS web_actions_document ON web_actions(document_id);
"""

_ACTION_COLUMNS = ('id, coder, action, document_id, code, start, "end", auto_coder, auto_rule, '
                   "auto_start, auto_end, coding_id, created, undone")
_CODER_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,80}$")
MAX_MEMO = 2000

#: (document id, code, start, end, auto coder family ``auto:<codebook>@``)
AutoKey = tuple[str, str, int, int, str]


class ActionError(InputError):
    """A review action that cannot be done; ``status`` is the matching HTTP status."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StoredCoding:
    """A stored coding with its row id and creation time (UTC, ISO 8601)."""

    id: int
    coding: Coding
    created: str


@dataclass(frozen=True)
class Action:
    """One row of ``web_actions``."""

    id: int
    coder: str
    action: str
    document: str
    code: str
    start: int
    end: int
    auto_coder: str | None
    auto_rule: str | None
    auto_start: int | None
    auto_end: int | None
    coding_id: int | None
    created: str
    undone: str | None

    @property
    def auto_key(self) -> AutoKey | None:
        """The reviewed auto coding's key, for accept, reject and adjust."""
        if self.auto_coder is None or self.auto_start is None or self.auto_end is None:
            return None
        return (self.document, self.code, self.auto_start, self.auto_end,
                auto_family(self.auto_coder))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def auto_family(coder: str) -> str:
    """``auto:barriers@1.0`` -> ``auto:barriers@`` (any version of the codebook)."""
    name = coder[5:].rpartition("@")[0] or coder[5:]
    return f"auto:{name}@"


def auto_key(c: Coding) -> AutoKey:
    """The key identifying an auto coding across re-coding runs."""
    return (c.document, c.code, c.start, c.end, auto_family(c.coder))


def check_coder(coder: object) -> str:
    """A valid human coder name (1-80 printable characters, not ``auto:...``)."""
    if not isinstance(coder, str) or not _CODER_RE.match(coder) or not coder.strip():
        raise ActionError("coder must be a name of 1 to 80 printable characters")
    if coder.startswith("auto:"):
        raise ActionError("auto:... names are reserved for auto-coding; choose a person's name")
    return coder


def ensure_schema(proj: Project) -> None:
    """Create ``web_actions`` in the project file if it is not there yet."""
    with proj.transaction() as conn:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)


def _has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                        "'web_actions'").fetchone() is not None


def _action(row: tuple[Any, ...]) -> Action:
    return Action(*row)


def stored_codings(proj: Project, *, document: str | None = None) -> list[StoredCoding]:
    """Codings with row ids, in the order added (optionally of one document)."""
    where, params = ("document_id = ?", (document,)) if document is not None else ("1", ())
    rows = _conn(proj).execute(
        'SELECT id, document_id, code, codebook, start, "end", coder, rule, memo, created '
        f"FROM codings WHERE {where} ORDER BY id", params)
    return [StoredCoding(i, Coding(document=d, code=c, codebook=cb, start=s, end=e, coder=who,
                                   rule=r, memo=m), created)
            for i, d, c, cb, s, e, who, r, m, created in rows]


def _conn(proj: Project) -> sqlite3.Connection:
    """The store's connection, for reads the public API does not offer (row ids)."""
    return proj._conn


def actions(proj: Project, *, coder: str | None = None, document: str | None = None,
            include_undone: bool = False) -> list[Action]:
    """Stored actions, oldest first (``[]`` if the app has never been used)."""
    conn = _conn(proj)
    if not _has_table(conn):
        return []
    clauses, params = [], []
    if coder is not None:
        clauses.append("coder = ?")
        params.append(coder)
    if document is not None:
        clauses.append("document_id = ?")
        params.append(document)
    if not include_undone:
        clauses.append("undone IS NULL")
    where = " AND ".join(clauses) or "1"
    return [_action(r) for r in conn.execute(
        f"SELECT {_ACTION_COLUMNS} FROM web_actions WHERE {where} ORDER BY id", params)]


def review_status(proj: Project, *, coder: str | None = None,
                  document: str | None = None) -> dict[AutoKey, list[Action]]:
    """Active accept/reject/adjust actions per auto coding, latest last.

    With ``coder``, only that coder's reviews.
    """
    out: dict[AutoKey, list[Action]] = {}
    for a in actions(proj, coder=coder, document=document):
        key = a.auto_key
        if key is not None and a.action in ("accept", "reject", "adjust"):
            out.setdefault(key, []).append(a)
    return out


def rejected_keys(proj: Project, *, coders: Iterable[str] | None = None) -> set[AutoKey]:
    """Auto codings whose latest active review (by any of ``coders``) is a rejection."""
    wanted = set(coders) if coders is not None else None
    latest: dict[tuple[AutoKey, str], str] = {}
    for a in actions(proj):
        key = a.auto_key
        if key is not None and (wanted is None or a.coder in wanted):
            latest[(key, a.coder)] = a.action
    return {key for (key, _), action in latest.items() if action == "reject"}


# -- validation --------------------------------------------------------------------------


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(f"{name} must be an integer")
    return value


def _check_span(conn: sqlite3.Connection, document: object, start: object, end: object
                ) -> tuple[str, int, int]:
    if not isinstance(document, str) or not document:
        raise ActionError("document must be a document id")
    row = conn.execute("SELECT chars FROM documents WHERE id = ?", (document,)).fetchone()
    if row is None:
        raise ActionError(f"no document with id {document!r}", status=404)
    s, e = _int(start, "start"), _int(end, "end")
    if not 0 <= s < e <= row[0]:
        raise ActionError(f"span [{s}, {e}) is invalid: need 0 <= start < end <= {row[0]}")
    return document, s, e


def _check_code(conn: sqlite3.Connection, code: object, codebook: object) -> tuple[str, str]:
    if not isinstance(code, str) or not code:
        raise ActionError("code must be a code name")
    if codebook is not None and not isinstance(codebook, str):
        raise ActionError("codebook must be a codebook name")
    rows = conn.execute("SELECT codebook FROM codes WHERE name = ? ORDER BY codebook",
                        (code,)).fetchall()
    books = [r[0] for r in rows]
    if not books:
        raise ActionError(f"code {code!r} is not in any stored codebook")
    if codebook is None:
        return code, books[0]
    if codebook not in books:
        raise ActionError(f"code {code!r} is not in codebook {codebook!r}")
    return code, codebook


def _memo(memo: object) -> str | None:
    if memo is None:
        return None
    if not isinstance(memo, str) or len(memo) > MAX_MEMO:
        raise ActionError(f"memo must be text of at most {MAX_MEMO} characters")
    return memo or None


def _insert_action(conn: sqlite3.Connection, coder: str, action: str, document: str, code: str,
                   start: int, end: int, *, auto: Coding | None = None,
                   coding_id: int | None = None, removed: str | None = None) -> Action:
    now = _now()
    conn.execute(
        'INSERT INTO web_actions (coder, action, document_id, code, start, "end", auto_coder,'
        " auto_rule, auto_start, auto_end, coding_id, removed, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (coder, action, document, code, start, end,
         auto.coder if auto else None, auto.rule if auto else None,
         auto.start if auto else None, auto.end if auto else None, coding_id, removed, now))
    (rowid,) = conn.execute("SELECT last_insert_rowid()").fetchone()
    return Action(rowid, coder, action, document, code, start, end,
                  auto.coder if auto else None, auto.rule if auto else None,
                  auto.start if auto else None, auto.end if auto else None, coding_id, now, None)


def _add_coding(proj: Project, conn: sqlite3.Connection, coding: Coding) -> int:
    proj.add_codings([coding])
    rowid: int = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    return rowid


def _find_coding(conn: sqlite3.Connection, c: Coding) -> int | None:
    row = conn.execute(
        'SELECT id FROM codings WHERE document_id = ? AND code = ? AND start = ? AND "end" = ?'
        " AND coder = ? ORDER BY id LIMIT 1", (c.document, c.code, c.start, c.end, c.coder)
    ).fetchone()
    return None if row is None else int(row[0])


# -- actions ---------------------------------------------------------------------------


def apply_code(proj: Project, *, coder: str, document: object, code: object, start: object,
               end: object, codebook: object = None, memo: object = None) -> Action:
    """Store a human coding of ``code`` on ``[start, end)`` by ``coder``.

    Raises :class:`ActionError` (status 409) if the coder already has this
    code on exactly this span.
    """
    check_coder(coder)
    text_memo = _memo(memo)
    with proj.transaction() as conn:
        doc, s, e = _check_span(conn, document, start, end)
        name, book = _check_code(conn, code, codebook)
        coding = Coding(doc, name, s, e, coder=coder, codebook=book, memo=text_memo)
        if _find_coding(conn, coding) is not None:
            raise ActionError(f"{coder} already coded [{s}, {e}) as {name!r}", status=409)
        rowid = _add_coding(proj, conn, coding)
        return _insert_action(conn, coder, "apply", doc, name, s, e, coding_id=rowid)


def review_auto(proj: Project, *, coder: str, document: object, code: object, start: object,
                end: object, auto_coder: object, decision: object, new_start: object = None,
                new_end: object = None) -> Action:
    """Accept, reject or adjust the span of one auto coding, as ``coder``.

    The auto coding must be stored (same document, code, span and coder).
    A coder reviews each auto coding once (409 otherwise; undo first).
    """
    check_coder(coder)
    if decision not in ("accept", "reject", "adjust"):
        raise ActionError("decision must be accept, reject or adjust")
    if not isinstance(auto_coder, str) or not auto_coder.startswith("auto:"):
        raise ActionError("auto_coder must be the auto coding's coder (auto:<codebook>@<v>)")
    with proj.transaction() as conn:
        doc, s, e = _check_span(conn, document, start, end)
        if not isinstance(code, str):
            raise ActionError("code must be a code name")
        row = conn.execute(
            'SELECT codebook, rule FROM codings WHERE document_id = ? AND code = ? AND start = ?'
            ' AND "end" = ? AND coder = ? ORDER BY id LIMIT 1',
            (doc, code, s, e, auto_coder)).fetchone()
        if row is None:
            raise ActionError(f"no auto coding {code!r} [{s}, {e}) by {auto_coder}", status=404)
        auto = Coding(doc, code, s, e, coder=auto_coder, codebook=row[0], rule=row[1])
        key = auto_key(auto)
        for a in actions(proj, coder=coder, document=doc):
            if a.auto_key == key and a.action in ("accept", "reject", "adjust"):
                raise ActionError(f"{coder} already reviewed this coding ({a.action}); "
                                  "undo that first", status=409)
        rule = f" rule {auto.rule}" if auto.rule else ""
        if decision == "reject":
            return _insert_action(conn, coder, "reject", doc, code, s, e, auto=auto)
        if decision == "accept":
            ns, ne, memo = s, e, f"accepted {auto_coder}{rule}"
        else:
            _, ns, ne = _check_span(conn, doc, new_start, new_end)
            memo = f"adjusted {auto_coder}{rule} from {s}-{e}"
        coding = Coding(doc, code, ns, ne, coder=coder, codebook=auto.codebook, memo=memo)
        rowid = _find_coding(conn, coding)
        created = rowid is None
        if rowid is None:
            rowid = _add_coding(proj, conn, coding)
        return _insert_action(conn, coder, str(decision), doc, code, ns, ne, auto=auto,
                              coding_id=rowid if created else None)


def remove_coding(proj: Project, *, coder: str, coding_id: object) -> Action:
    """Delete one of ``coder``'s own codings (by row id); undo restores it."""
    check_coder(coder)
    cid = _int(coding_id, "coding_id")
    with proj.transaction() as conn:
        row = conn.execute(
            'SELECT document_id, code, codebook, start, "end", coder, rule, memo FROM codings'
            " WHERE id = ?", (cid,)).fetchone()
        if row is None:
            raise ActionError(f"no coding with id {cid}", status=404)
        c = Coding(row[0], row[1], row[3], row[4], coder=row[5], codebook=row[2], rule=row[6],
                   memo=row[7])
        if c.coder != coder:
            raise ActionError(f"coding {cid} is by {c.coder}, not {coder}", status=403)
        conn.execute("DELETE FROM codings WHERE id = ?", (cid,))
        return _insert_action(conn, coder, "remove", c.document, c.code, c.start, c.end,
                              removed=json.dumps(asdict(c)))


def undo_last(proj: Project, *, coder: str) -> Action | None:
    """Revert ``coder``'s latest action that is not undone yet; ``None`` if there is none."""
    check_coder(coder)
    with proj.transaction() as conn:
        if not _has_table(conn):
            return None
        row = conn.execute(
            f"SELECT {_ACTION_COLUMNS}, removed FROM web_actions WHERE coder = ? AND undone IS"
            " NULL ORDER BY id DESC LIMIT 1", (coder,)).fetchone()
        if row is None:
            return None
        a, removed = _action(row[:-1]), row[-1]
        if a.action in ("apply", "accept", "adjust") and a.coding_id is not None:
            mine = Coding(a.document, a.code, a.start, a.end, coder=coder)
            found = conn.execute(
                'SELECT 1 FROM codings WHERE id = ? AND document_id = ? AND code = ? AND start = ?'
                ' AND "end" = ? AND coder = ?',
                (a.coding_id, a.document, a.code, a.start, a.end, coder)).fetchone()
            target = a.coding_id if found else _find_coding(conn, mine)
            if target is not None:
                conn.execute("DELETE FROM codings WHERE id = ?", (target,))
        elif a.action == "remove" and removed:
            data = json.loads(removed)
            proj.add_codings([Coding(**data)])
        now = _now()
        conn.execute("UPDATE web_actions SET undone = ? WHERE id = ?", (now, a.id))
        return Action(**{**asdict(a), "undone": now})
