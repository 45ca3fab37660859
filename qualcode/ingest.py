"""Ingesting transcript files into a project: paths, folders and globs.

:func:`ingest` reads every file first and stores the documents that parsed
in a single transaction, so an interrupted or failed ingest leaves the
project exactly as it was. Files that cannot be read are reported, not
fatal: the others are still ingested.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, QualcodeError
from .io import SUPPORTED_EXTENSIONS, read_transcript
from .model import Document

if TYPE_CHECKING:
    from .store import Project

__all__ = ["IngestReport", "Skipped", "expand_paths", "ingest", "read_transcripts"]

#: File names that sit beside transcripts but are not transcripts.
_NOT_TRANSCRIPTS = ("readme", "license", "licence", "changelog", "cases")


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: documents added, already present, new versions, failures."""

    added: list[Document] = field(default_factory=list)
    unchanged: list[Document] = field(default_factory=list)
    versioned: list[Document] = field(default_factory=list)
    failed: list[Skipped] = field(default_factory=list)
    ignored: list[Skipped] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _is_candidate(p: Path) -> bool:
    name = p.name.lower()
    if name.startswith((".", "~$")):  # hidden files, Word lock files
        return False
    if Path(name).stem in _NOT_TRANSCRIPTS:
        return False
    return p.suffix.lower() in SUPPORTED_EXTENSIONS


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Files named by ``paths``: files as given, folders recursively, glob patterns.

    Returns (files, skipped). In folders, only files with a supported
    extension are taken, and READMEs, licences, case tables, hidden files
    and Word lock files are left out; a file named explicitly is always
    taken (and fails later if its format is unsupported). Paths that match
    nothing are reported in ``skipped``. Order is sorted and duplicates
    are removed.
    """
    files: dict[Path, None] = {}
    skipped: list[Skipped] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and _is_candidate(child):
                    files.setdefault(child, None)
        elif p.is_file():
            files.setdefault(p, None)
        elif any(ch in str(raw) for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(raw), recursive=True))
            taken = [m for m in matches if m.is_file() and _is_candidate(m)]
            if not taken:
                skipped.append(Skipped(str(raw), "pattern matches no transcript files"))
            for m in taken:
                files.setdefault(m, None)
        else:
            skipped.append(Skipped(str(raw), "no such file or folder"))
    return list(files), skipped


def read_transcripts(
    paths: Iterable[str | Path],
    *,
    language: str | None = None,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[list[Document], list[Skipped]]:
    """Read every transcript under ``paths``; -> (documents, failures)."""
    files, failed = expand_paths(paths)
    docs: list[Document] = []
    for i, f in enumerate(files):
        if progress is not None:
            progress(i, len(files), str(f))
        try:
            docs.append(read_transcript(f, language=language, roles=roles, attributes=attributes))
        except QualcodeError as e:
            failed.append(Skipped(str(f), e.message if e.path else str(e)))
        except OSError as e:
            failed.append(Skipped(str(f), f"cannot read: {e.strerror or e}"))
        except Exception as e:  # a reader bug must not abort a 200-file ingest
            failed.append(Skipped(str(f), f"unexpected error ({type(e).__name__}: {e}); "
                                          "please report this file's problem"))
    if progress is not None:
        progress(len(files), len(files), "")
    return docs, failed


def ingest(
    project: Project,
    paths: Iterable[str | Path],
    *,
    language: str | None = None,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    on_conflict: str = "version",
    progress: Callable[[int, int, str], None] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
) -> IngestReport:
    """Read transcripts under ``paths`` and add them to ``project``.

    Idempotent: a file whose bytes are already stored changes nothing. A
    file with the name of a stored document but different bytes is stored
    as a new version (``on_conflict="version"``) or refused
    (``on_conflict="refuse"``, raising :class:`~qualcode.errors.ProjectError`
    before anything is written). The documents are stored in one
    transaction; files that fail to read are listed in ``failed``.

    ``jobs`` reads on that many processes (0: one per core);
    ``scheduler`` (``"tcp://host:8786"``) reads on a Dask cluster
    (``pip install qualcode[scale]``). Results are the same either way.
    """
    if on_conflict not in ("version", "refuse"):
        raise InputError(f"on_conflict must be 'version' or 'refuse', not {on_conflict!r}")
    if scheduler is not None:  # read on a Dask cluster; stored here as usual
        from .scale.dask import read_transcripts_dask

        docs, failed = read_transcripts_dask(paths, scheduler=scheduler, language=language,
                                             roles=roles, attributes=attributes)
    elif jobs != 1:
        from .parallel import read_transcripts_parallel

        docs, failed = read_transcripts_parallel(paths, jobs=jobs or None, language=language,
                                                 roles=roles, attributes=attributes,
                                                 progress=progress)
    else:
        docs, failed = read_transcripts(
            paths, language=language, roles=roles, attributes=attributes, progress=progress
        )
    result = project.add_documents(docs, on_conflict=on_conflict)
    return IngestReport(
        added=list(result.added),
        unchanged=list(result.unchanged),
        versioned=list(result.versioned),
        failed=failed,
    )
