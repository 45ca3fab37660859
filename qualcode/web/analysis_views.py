"""The analysis pages of the review app: network, code × attribute matrix, agreement.

Each function takes an open project and the page's (validated) options and
returns what the template shows; the analysis itself is done by
:mod:`qualcode.analysis` and :mod:`qualcode.agreement`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..model import Coding, Document
from ..store import Project
from .reviews import rejected_keys
from .views import filter_codings

__all__ = ["TableData", "agreement_view", "analysis_codings", "matrix_view", "network_page",
           "table_data"]


@dataclass(frozen=True)
class TableData:
    """A DataFrame flattened for a template: header, row labels, cells, shading."""

    columns: list[str]
    rows: list[tuple[str, list[str], list[float]]] = field(default_factory=list)
    index_name: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)


def _label(value: Any) -> str:
    if isinstance(value, tuple):
        return " / ".join(str(v) for v in value)
    return str(value)


def table_data(df: pd.DataFrame, *, index: bool = True, shade: bool = False,
               max_rows: int | None = None) -> TableData:
    """Flatten ``df``; with ``shade``, each numeric cell gets its share of the maximum."""
    shown = df if max_rows is None else df.head(max_rows)
    numeric = shown.select_dtypes("number")
    top = float(numeric.to_numpy().max()) if shade and numeric.size else 0.0
    rows = []
    for label, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        cells = [_cell(v) for v in row]
        weights = [float(v) / top if top > 0 and isinstance(v, (int, float)) and not
                   isinstance(v, bool) and math.isfinite(float(v)) else 0.0 for v in row]
        rows.append((_label(label) if index else "", cells, weights))
    return TableData([_label(c) for c in shown.columns], rows,
                     str(shown.index.name or "") if index else "")


def analysis_codings(proj: Project, *, kind: str = "all", coder: str | None = None,
                     hide_rejected: bool = True) -> tuple[list[Coding], list[Document]]:
    """The project's codings of one kind (see :data:`~qualcode.web.views.KINDS`) and its
    documents; auto codings rejected in review are left out unless ``hide_rejected`` is false."""
    rejected = rejected_keys(proj) if hide_rejected else None
    return filter_codings(proj.codings(), kind, coder, rejected=rejected), proj.documents


def network_page(proj: Project, *, unit: str, measure: str, kind: str, coder: str | None,
                 min_count: int = 1) -> str:
    """The standalone interactive network page (:func:`qualcode.analysis.network_html`)."""
    from ..analysis import code_examples, cooccurrence_network, network_html

    codings, documents = analysis_codings(proj, kind=kind, coder=coder)
    if not codings:
        return ("<!DOCTYPE html><html lang='en'><meta charset='utf-8'><title>No codings</title>"
                "<p>No codings of this kind yet.</p></html>")
    g = cooccurrence_network(codings, documents=documents, codebooks=proj.codebooks, unit=unit,
                             measure=measure, min_count=min_count)
    examples = code_examples(codings, documents, per_code=3)
    return network_html(g, excerpts=examples)


def matrix_view(proj: Project, *, attribute: str, count: str, normalize: str | None,
                kind: str, coder: str | None) -> dict[str, Any]:
    """Code × attribute matrix, and the power-cube table when cube codes are present."""
    from ..analysis import DEFAULT_DIMENSIONS, code_attribute_matrix, power_cube_table

    codings, documents = analysis_codings(proj, kind=kind, coder=coder)
    out: dict[str, Any] = {"matrix": None, "cube": None}
    if not codings:
        return out
    m = code_attribute_matrix(codings, documents, attribute=attribute, count=count,
                              normalize=normalize)
    out["matrix"] = table_data(m, shade=True)
    cube_codes = {c for cats in DEFAULT_DIMENSIONS.values() for c in cats}
    if any(c.code in cube_codes for c in codings):
        books = [b for b in proj.codebooks if any(c in b for c in cube_codes)]
        cube = power_cube_table(codings, books[0] if books else None, documents=documents)
        out["cube"] = table_data(cube.pivot, shade=True)
    return out


def agreement_view(proj: Project, *, coders: Sequence[str], unit: str) -> dict[str, Any]:
    """Agreement table and disagreements between ``coders`` (auto codings rejected in
    review are left out)."""
    from ..agreement import agreement_table, disagreements

    codings, documents = analysis_codings(proj, kind="all")
    chosen = [c for c in codings if c.coder in set(coders)]
    table = agreement_table(chosen, documents, coders=list(coders), unit=unit,  # type: ignore[arg-type]
                            n_boot=200)
    review = disagreements(chosen, documents, coders=list(coders), unit=unit)  # type: ignore[arg-type]
    return {"table": table_data(table, index=False),
            "notes": [str(n) for n in table.attrs.get("notes", [])],
            "disagreements": table_data(review.drop(columns=["document_id"], errors="ignore"),
                                        index=False, max_rows=300),
            "n_disagreements": len(review)}
