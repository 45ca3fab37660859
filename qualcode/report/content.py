"""What goes into a coded-excerpt report, independent of the output format.

:func:`collect` reads the project once and returns a :class:`ReportData`:
per code its definition and excerpts, a code frequency table, frequency
tables by case attribute, the co-occurrence network figure (PNG, when
matplotlib is installed) and the power-cube table (when power-cube codes
are used). The docx and HTML writers only lay this out.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..model import Coding, Document
from ..store import Project

__all__ = ["CodeSection", "Excerpt", "ReportData", "collect", "default_attributes"]

#: Attributes never used for frequency tables (bookkeeping, not case variables).
SKIP_ATTRIBUTES = frozenset({"synthetic", "title"})


@dataclass(frozen=True)
class Excerpt:
    """One coded passage (codings of the same code on the same span are merged)."""

    document: str
    speaker: str | None
    role: str | None
    attributes: dict[str, str]
    text: str
    coders: list[str]
    start: int
    end: int


@dataclass(frozen=True)
class CodeSection:
    """A code's definition and its excerpts (at most ``max_excerpts``; ``total`` in all)."""

    name: str
    label: str
    codebook: str
    depth: int
    description: str
    inclusion: str
    exclusion: str
    excerpts: list[Excerpt]
    total: int


@dataclass
class ReportData:
    """Everything a report shows; tables are DataFrames, the figure PNG bytes."""

    title: str
    generated: str
    summary: list[tuple[str, str]]
    sections: list[CodeSection]
    frequencies: pd.DataFrame
    by_attribute: list[tuple[str, pd.DataFrame]]
    figure_png: bytes | None
    figure_title: str
    cube: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


def default_attributes(documents: Sequence[Document]) -> list[str]:
    """Case attributes worth a frequency table: text values set on at least 80 % of the
    documents, with 2 to 12 distinct values and fewer distinct values than documents."""
    n = len(documents)
    out = []
    keys = sorted({k for d in documents for k in d.attributes} - SKIP_ATTRIBUTES)
    for key in keys:
        values = [d.attributes[key] for d in documents if key in d.attributes]
        if len(values) < 0.8 * n or not all(isinstance(v, str) for v in values):
            continue
        distinct = len(set(values))
        if 2 <= distinct <= min(12, n - 1):
            out.append(key)
    return out


def _resolve_codes(proj: Project, codes: Iterable[str] | None, used: set[str]) -> list[str] | None:
    """Code names from names or codebook names; ``None`` keeps every code."""
    if codes is None:
        return None
    books = {b.name: b for b in proj.codebooks}
    known = {c.name for c in proj.codes} | used
    out: dict[str, None] = {}
    for item in codes:
        if item in books:
            out.update((c.name, None) for c in books[item].codes)
        elif item in known:
            out[item] = None
        else:
            raise InputError(f"unknown code or codebook {item!r}")
    return list(out)


def _matches(doc: Document, where: Mapping[str, Any] | None) -> bool:
    from ..analysis.selection import matches

    return matches(doc, where)


def _excerpts(codings: list[Coding], docs: dict[str, Document]) -> list[Excerpt]:
    merged: dict[tuple[str, int, int], list[str]] = {}
    for c in codings:
        coders = merged.setdefault((c.document, c.start, c.end), [])
        if c.coder not in coders:
            coders.append(c.coder)
    out = []
    for (doc_id, start, end), coders in merged.items():
        doc = docs[doc_id]
        turn = doc.turn_at(start) or next(
            (t for t in doc.turns if t.start < end and t.end > start), None)
        attrs = {k: str(v) for k, v in doc.attributes.items() if k not in SKIP_ATTRIBUTES}
        out.append(Excerpt(doc.name, turn.speaker if turn else None, turn.role if turn else None,
                           attrs, " ".join(doc.text[start:end].split()), coders, start, end))
    out.sort(key=lambda e: (e.document, e.start, e.end))
    return out


def _figure(codings: list[Coding], docs: list[Document], proj: Project, unit: str,
            measure: str, min_count: int) -> tuple[bytes | None, str]:
    try:
        from ..analysis import cooccurrence_network, network_figure

        g = cooccurrence_network(codings, documents=docs, codebooks=proj.codebooks, unit=unit,
                                 measure=measure, min_count=min_count, isolates=False)
        title = f"Code co-occurrence network ({unit}, {measure}, at least {min_count} units)"
        if g.number_of_nodes() == 0:
            return None, "no two codes co-occur often enough for a network"
        fig = network_figure(g, title=title, figsize=(10.0, 7.5))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150)
        return buf.getvalue(), title
    except (ImportError, InputError) as e:
        return None, f"network figure not drawn: {e}"


def _cube(codings: list[Coding], docs: list[Document], proj: Project) -> pd.DataFrame | None:
    from ..analysis import DEFAULT_DIMENSIONS, power_cube_table

    cube_codes = {c for cats in DEFAULT_DIMENSIONS.values() for c in cats}
    if not any(c.code in cube_codes for c in codings):
        return None
    books = [b for b in proj.codebooks if any(c in b for c in cube_codes)]
    table = power_cube_table(codings, books[0] if books else None, documents=docs).table
    table = table[table["count"] > 0].sort_values("count", ascending=False, kind="stable")
    out = table.astype({c: str for c in table.columns if c != "count"})
    return out.rename(columns={"count": "units"}).reset_index(drop=True)


def collect(
    proj: Project,
    *,
    codes: Iterable[str] | None = None,
    where: Mapping[str, Any] | None = None,
    coders: Iterable[str] | None = None,
    attributes: Sequence[str] | None = None,
    max_excerpts: int = 25,
    exclude_rejected: bool = True,
    network_unit: str = "turn",
    network_measure: str = "jaccard",
    network_min_count: int = 2,
    title: str | None = None,
) -> ReportData:
    """Gather the report's content from ``proj`` (see :func:`qualcode.report.build_report`)."""
    from ..analysis import code_attribute_matrix
    from ..summary import code_frequencies
    from ..web.reviews import auto_key, rejected_keys
    from ..web.views import code_index

    if max_excerpts < 0:
        raise InputError("max_excerpts must be 0 or more")
    all_docs = proj.documents
    docs = [d for d in all_docs if _matches(d, where)]
    if not docs:
        raise InputError(f"no document matches {dict(where or {})}")
    doc_ids = {d.id for d in docs}
    codings = [c for c in proj.codings(coder=list(coders) if coders is not None else None)
               if c.document in doc_ids]
    notes = []
    if exclude_rejected:
        rejected = rejected_keys(proj)
        before = len(codings)
        codings = [c for c in codings if not (c.is_auto and auto_key(c) in rejected)]
        if before > len(codings):
            n = before - len(codings)
            notes.append(f"{n} auto coding{'s' if n != 1 else ''} rejected in review "
                         f"{'are' if n != 1 else 'is'} left out.")
    wanted = _resolve_codes(proj, codes, {c.code for c in codings})
    if wanted is not None:
        keep = set(wanted)
        codings = [c for c in codings if c.code in keep]
    by_doc = {d.id: d for d in docs}
    by_code: dict[str, list[Coding]] = {}
    for c in codings:
        by_code.setdefault(c.code, []).append(c)
    sections: list[CodeSection] = []
    listed: set[str] = set()
    for book, infos in code_index(proj).items():
        for info in infos:
            if info.name in listed or (wanted is not None and info.name not in wanted):
                continue
            if wanted is None and info.name not in by_code:
                continue
            listed.add(info.name)
            found = _excerpts(by_code.get(info.name, []), by_doc)
            sections.append(CodeSection(info.name, info.label, book, info.depth,
                                        info.description, info.inclusion, info.exclusion,
                                        found[:max_excerpts], len(found)))
    for name in sorted(set(by_code) - listed):  # codes of no stored codebook
        found = _excerpts(by_code[name], by_doc)
        sections.append(CodeSection(name, name, "", 0, "", "", "", found[:max_excerpts],
                                    len(found)))
    frequencies = code_frequencies(codings, docs)
    attrs = list(attributes) if attributes is not None else default_attributes(docs)
    by_attribute = []
    for attr in attrs:
        if not codings:
            break
        m = code_attribute_matrix(codings, docs, attribute=attr, count="codings")
        m["total"] = m.sum(axis=1)
        by_attribute.append((attr, m))
    png, figure_title = (_figure(codings, docs, proj, network_unit, network_measure,
                                 network_min_count) if codings else (None, "no codings"))
    if png is None:
        notes.append(f"No network figure: {figure_title}.")
    who = sorted({c.coder for c in codings})
    summary = [("Project", Path(proj.path).name), ("Documents", str(len(docs))),
               ("Codings", f"{len(codings):,}"), ("Codes", str(len(by_code))),
               ("Coders", ", ".join(who) or "none")]
    if where:
        summary.append(("Documents where", ", ".join(f"{k} = {v}" for k, v in where.items())))
    if any(d.attributes.get("synthetic") for d in docs):
        notes.append("Some documents are marked synthetic: example data, not fieldwork.")
    return ReportData(
        title=title or f"Coded excerpts: {Path(proj.path).stem}",
        generated=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summary=summary, sections=sections, frequencies=frequencies,
        by_attribute=by_attribute, figure_png=png, figure_title=figure_title,
        cube=_cube(codings, docs, proj), notes=notes)
