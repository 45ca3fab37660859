"""Coded-excerpt reports (``qualcode report``): Word (.docx) and standalone HTML.

A report has, per code, its definition (description, inclusion, exclusion)
and its coded excerpts with document, speaker and case attributes; a code
frequency table and frequency tables by case attribute; the co-occurrence
network figure (needs matplotlib) and the power-cube table (when
power-cube codes are used). Auto codings rejected in the review app
(:mod:`qualcode.web`) are left out unless ``exclude_rejected=False``.

>>> import qualcode as qc, tempfile, pathlib
>>> proj = qc.Project.open(":memory:")
>>> doc = proj.add_documents([qc.parse_transcript(b"R: No contract.", name="a.txt")]).added[0]
>>> _ = proj.add_codings([qc.Coding(doc.id, "no_contract", 3, 15, coder="ana")])
>>> with tempfile.TemporaryDirectory() as tmp:
...     out = build_report(proj, pathlib.Path(tmp) / "r.html", format="html")
...     "No contract." in out.read_text()
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..store import Project
from .content import ReportData, collect

__all__ = ["FORMATS", "ReportData", "build_report", "collect"]

FORMATS = ("docx", "html")


def build_report(
    project: Project | str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    format: Literal["docx", "html"] = "docx",
    codes: Iterable[str] | None = None,
    where: Mapping[str, Any] | None = None,
    coders: Iterable[str] | None = None,
    attributes: Sequence[str] | None = None,
    max_excerpts: int = 25,
    exclude_rejected: bool = True,
    title: str | None = None,
) -> Path:
    """Write a coded-excerpt report of ``project`` to ``path``; returns the path.

    ``codes`` are code names or codebook names (all their codes); by default
    every code used. ``where`` keeps documents whose case attributes match
    (``{"site": "Kediri"}``, a list for any of several values). ``coders``
    keeps only those coders' codings. ``attributes`` names the case
    attributes for frequency tables (default: see
    :func:`~qualcode.report.content.default_attributes`). At most
    ``max_excerpts`` excerpts are shown per code. The file is written
    atomically (a temporary file renamed into place).
    """
    if format not in FORMATS:
        raise InputError(f"unknown report format {format!r}; expected docx or html")
    target = Path(path)
    if target.suffix.lower() != f".{format}":
        raise InputError(f"a {format} report needs a .{format} file name", path=target)
    if not target.parent.is_dir():
        raise InputError("the folder for the report does not exist", path=target.parent)
    if isinstance(project, Project):
        data = collect(project, codes=codes, where=where, coders=coders, attributes=attributes,
                       max_excerpts=max_excerpts, exclude_rejected=exclude_rejected,
                       title=title)
    else:
        with Project.open(os.fspath(project), create=False) as proj:
            data = collect(proj, codes=codes, where=where, coders=coders, attributes=attributes,
                           max_excerpts=max_excerpts, exclude_rejected=exclude_rejected,
                           title=title)
    tmp = target.with_name(f".{target.name}.part")
    try:
        if format == "docx":
            from .docx import write_docx

            write_docx(data, tmp)
        else:
            from .html import write_html

            write_html(data, tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
