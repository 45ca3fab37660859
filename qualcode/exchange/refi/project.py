"""Storing an imported REFI-QDA project: :func:`read_qdpx` and :func:`import_qdpx`.

:func:`import_qdpx` merges into an existing project in one transaction:
the file is read and checked completely first, and any failure while
storing rolls everything back, so a project is never half-imported.
Merging is idempotent: a document whose text is already in the project is
reused (whatever its name or original file), codes already in a codebook
keep their definition (an empty description or colour is filled in), and a
coding already present (same document, code, span and coder) is skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ...model import Codebook, Coding, Document
from ...store import Project
from ._model import ImportReport, RefiContent
from ._xml import RefiWarning
from .reader import load_qdpx

__all__ = ["import_content", "import_qdpx", "read_qdpx"]


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _merge_codebook(old: Codebook, new: Codebook) -> Codebook | None:
    """``old`` with ``new``'s codes added and blanks filled; ``None`` if nothing changes."""
    known = {c.name: c for c in old.codes}
    codes = []
    changed = False
    for c in old.codes:
        extra = next((n for n in new.codes if n.name == c.name), None)
        if extra is not None and ((not c.description and extra.description)
                                  or (not c.color and extra.color)):
            c = dataclasses.replace(c, description=c.description or extra.description,
                                    color=c.color or extra.color)
            changed = True
        codes.append(c)
    added = [c for c in new.codes if c.name not in known]
    meta = dict(old.meta)
    refi = dict(meta.get("refi") or {})
    for key, value in (new.meta.get("refi") or {}).items():
        if isinstance(value, dict) and isinstance(refi.get(key), dict):
            refi[key] = {**value, **refi[key]}
        else:
            refi.setdefault(key, value)
    if refi != meta.get("refi"):
        meta["refi"] = refi
        changed = True
    if not added and not changed:
        return None
    return dataclasses.replace(old, codes=tuple(codes) + tuple(added), meta=meta)


def _remap_meta(cb: Codebook, ids: dict[str, str]) -> Codebook:
    refi = dict(cb.meta.get("refi") or {})
    if "sources" in refi:
        refi["sources"] = {ids.get(k, k): v for k, v in refi["sources"].items()}
    if "sets" in refi:
        refi["sets"] = [{**s, "sources": [ids.get(i, i) for i in s.get("sources", [])]}
                        for s in refi["sets"]]
    return dataclasses.replace(cb, meta={**cb.meta, "refi": refi})


def import_content(project: Project, content: RefiContent) -> ImportReport:
    """Store what :func:`~qualcode.exchange.refi.load_qdpx` read, in one transaction."""
    report = ImportReport(
        path=content.path, project_name=content.project_name, origin=content.origin,
        opaque_sources=list(content.opaque_sources), notes=list(content.notes),
        sets=dict(content.sets), cases=dict(content.cases),
        conventions=list(content.conventions), warnings=list(content.warnings))
    with project.transaction():
        by_text = {_text_key(d.text): d for d in project.documents}
        ids: dict[str, str] = {}
        to_add: list[Document] = []
        for doc in content.documents:
            hit = by_text.get(_text_key(doc.text))
            if hit is not None:
                ids[doc.id] = hit.id
                report.documents_unchanged.append(hit.name)
            else:
                to_add.append(doc)
        if to_add:
            result = project.add_documents(to_add)
            report.documents_added.extend(d.name for d in result.added)
            report.documents_versioned.extend(d.name for d in result.versioned)
            report.documents_unchanged.extend(d.name for d in result.unchanged)
            stored = {d.sha256: d.id for d in project.documents}
            for doc in to_add:
                ids[doc.id] = stored[doc.sha256]
        existing = {cb.name: cb for cb in project.codebooks}
        for cb in content.codebooks:
            cb = _remap_meta(cb, ids)
            report.codebooks.append(cb.name)
            report.codes += len(cb.codes)
            old = existing.get(cb.name)
            if old is None:
                project.add_codebook(cb)
                continue
            merged = _merge_codebook(old, cb)
            if merged is not None:
                yaml_text = project.codebook_yaml(cb.name) if len(merged.codes) == len(
                    old.codes) else None
                project.add_codebook(merged, yaml_text=yaml_text)
        codings = [dataclasses.replace(c, document=ids[c.document]) for c in content.codings]
        docs = sorted({c.document for c in codings})
        seen = {(c.document, c.code, c.start, c.end, c.coder)
                for c in (project.codings(document=docs) if docs else [])}
        new: list[Coding] = []
        for c in codings:
            if (c.document, c.code, c.start, c.end, c.coder) in seen:
                report.codings_duplicate += 1
            else:
                new.append(c)
        report.codings_added = project.add_codings(new) if new else 0
    return report


def import_qdpx(project: Project, path: str | Path) -> ImportReport:
    """Merge a .qdpx (or bare .qde) into ``project``: all of it, or nothing.

    Returns an :class:`~qualcode.exchange.refi.ImportReport`: what was added,
    what was already there, which counting convention each source used, the
    sources that could not be imported (PDF, pictures, audio, video, missing
    files), notes, sets, cases and every warning. Raises
    :class:`~qualcode.errors.ExchangeError` (the project unchanged) if the
    file cannot be read safely.
    """
    return import_content(project, load_qdpx(path))


def read_qdpx(path: str | Path, *, warnings: list[RefiWarning] | None = None) -> Project:
    """Read a .qdpx (or bare .qde) into a new in-memory :class:`~qualcode.store.Project`.

    Warnings are appended to ``warnings`` when a list is given. For the
    full report, use ``import_qdpx(Project.open(":memory:"), path)``.
    """
    content = load_qdpx(path)
    project = Project.open(":memory:")
    try:
        report = import_content(project, content)
    except BaseException:
        project.close()
        raise
    if warnings is not None:
        warnings.extend(report.warnings)
    return project
