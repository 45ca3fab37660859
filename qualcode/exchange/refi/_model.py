"""What an import found besides documents, codes and codings: the report's parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import Codebook, Coding, Document
from ._xml import RefiWarning

__all__ = ["ImportReport", "OpaqueSource", "RefiContent", "RefiNote", "SourceConvention"]


@dataclass(frozen=True)
class OpaqueSource:
    """A source qualcode cannot hold as text (PDF, picture, audio, video, missing file).

    It is listed, not dropped silently: ``codings`` counts the codings in the
    file that refer to it and were therefore not imported.
    """

    kind: str
    guid: str
    name: str
    path: str | None
    reason: str
    codings: int = 0


@dataclass(frozen=True)
class RefiNote:
    """A note (memo) from the file; ``attached_to`` names what it annotates."""

    guid: str
    name: str
    text: str
    attached_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceConvention:
    """How one text source's positions were counted, and how sure that is.

    ``agree`` is true when every convention gives the same offsets for this
    source (plain ASCII-like text with LF line ends, or no selections): then
    the choice did not matter. ``checked``/``matched`` count selections whose
    text the file records and how many of those match; ``clean`` counts
    selection boundaries that fall between words, out of ``boundaries``.
    """

    document: str
    convention: str
    agree: bool
    selections: int
    checked: int = 0
    matched: int = 0
    clean: int = 0
    boundaries: int = 0
    decided_by: str = ""


@dataclass
class RefiContent:
    """Everything read from a REFI-QDA project, before it is stored anywhere."""

    path: str
    project_name: str
    origin: str | None
    documents: list[Document] = field(default_factory=list)
    codebooks: list[Codebook] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)
    opaque_sources: list[OpaqueSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    sets: dict[str, list[str]] = field(default_factory=dict)
    cases: dict[str, list[str]] = field(default_factory=dict)
    conventions: list[SourceConvention] = field(default_factory=list)
    description: str = ""
    warnings: list[RefiWarning] = field(default_factory=list)


@dataclass
class ImportReport:
    """What :func:`~qualcode.exchange.refi.import_qdpx` did, and what it could not do.

    Document lists hold names. ``codings_duplicate`` counts codings already
    in the project (skipped, so importing twice changes nothing).
    """

    path: str
    project_name: str
    origin: str | None
    documents_added: list[str] = field(default_factory=list)
    documents_unchanged: list[str] = field(default_factory=list)
    documents_versioned: list[str] = field(default_factory=list)
    codebooks: list[str] = field(default_factory=list)
    codes: int = 0
    codings_added: int = 0
    codings_duplicate: int = 0
    opaque_sources: list[OpaqueSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    sets: dict[str, list[str]] = field(default_factory=dict)
    cases: dict[str, list[str]] = field(default_factory=dict)
    conventions: list[SourceConvention] = field(default_factory=list)
    warnings: list[RefiWarning] = field(default_factory=list)

    def summary(self) -> list[str]:
        """A few lines for people: counts, what was left out, and the warnings."""
        docs = len(self.documents_added) + len(self.documents_versioned)
        lines = [f"{self.path}: {docs} document(s) added, {len(self.documents_unchanged)} "
                 f"already present; {self.codes} code(s) in {', '.join(self.codebooks) or '-'}; "
                 f"{self.codings_added} coding(s) added"
                 + (f", {self.codings_duplicate} already present" if self.codings_duplicate
                    else "")]
        for c in self.conventions:
            if not c.agree:
                lines.append(f"  {c.document}: positions read as {c.convention} "
                             f"({c.decided_by})")
        for o in self.opaque_sources:
            lines.append(f"  not imported: {o.kind} {o.name!r} ({o.reason}; "
                         f"{o.codings} coding(s))")
        if self.notes:
            lines.append(f"  {len(self.notes)} note(s) kept in the report")
        if self.sets:
            lines.append(f"  {len(self.sets)} set(s): {', '.join(list(self.sets)[:8])}")
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return lines

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        from dataclasses import asdict

        return asdict(self)
