"""``qualcode demo``: the whole pipeline on the bundled synthetic data.

Builds a fresh project in ``OUT/demo.qualcode`` from ``transcripts/``,
auto-codes it with the four bundled codebooks, and writes to ``OUT/``:

- ``tables/``: documents, turns, code frequencies (overall, by site, by
  group type, by speaker role), barriers by site, the power-cube table,
  the strongest barrier ↔ strategy links, network centrality;
- ``networks/``: the barrier ↔ strategy network and the all-codes
  co-occurrence network as GEXF, GraphML, JSON, CSV, PNG, SVG and
  interactive HTML;
- ``figures/``: the power-cube heatmap;
- ``reports/``: the coded-excerpt report as HTML and Word;
- ``index.html`` linking all of it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .ingest import ingest
from .model import Codebook, Coding, Document
from .resources import bundled_dir
from .store import Project

__all__ = ["BUNDLED_CODEBOOKS", "DemoResult", "documents_frame", "run_demo", "turns_frame"]

BUNDLED_CODEBOOKS = ("barriers", "advocacy", "power_cube", "empowerment")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DemoResult:
    project: Path
    index: Path
    outputs: list[Path] = field(default_factory=list)


def documents_frame(documents: list[Document]) -> pd.DataFrame:
    """One row per document: name, language, turns, words, speakers and attributes."""
    rows = []
    for d in documents:
        row = {"document": d.name, "id": d.id, "version": d.version, "format": d.format,
               "language": d.language, "turns": len(d.turns), "words": d.word_count,
               "speakers": len(d.speakers)}
        row.update({k: v for k, v in d.attributes.items() if k not in row})
        rows.append(row)
    return pd.DataFrame(rows)


def turns_frame(documents: list[Document]) -> pd.DataFrame:
    """One row per turn: document, index, speaker, role, offsets, timestamp, words, text."""
    rows = [
        {"document": d.name, "turn": i, "speaker": t.speaker, "role": t.role, "start": t.start,
         "end": t.end, "timestamp": t.timestamp, "words": len(t.text.split()), "text": t.text}
        for d in documents
        for i, t in enumerate(d.turns)
    ]
    return pd.DataFrame(rows)


_SECTIONS = (
    ("tables", "Tables (CSV)"),
    ("networks", "Networks (Gephi, Cytoscape, figures, interactive HTML)"),
    ("figures", "Figures"),
    ("reports", "Coded-excerpt reports"),
)


def _index_html(title: str, outputs: list[Path], root: Path, summary: str) -> str:
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;"
        "line-height:1.4}img{max-width:100%;border:1px solid #ddd}</style>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>All transcripts in this demo are <strong>synthetic</strong>: written for the "
        "qualcode examples, not fieldwork data. Auto-coding is a first pass for review, "
        "not a finding.</p>",
        f"<p>{html.escape(summary)}</p>",
    ]
    for folder, heading in _SECTIONS:
        files = [p for p in outputs if p.parent.name == folder]
        if not files:
            continue
        parts.append(f"<h2>{html.escape(heading)}</h2><ul>")
        for p in files:
            rel = html.escape(p.relative_to(root).as_posix())
            parts.append(f'<li><a href="{rel}">{rel}</a></li>')
        parts.append("</ul>")
        for p in files:
            if p.suffix == ".png":
                rel = html.escape(p.relative_to(root).as_posix())
                parts.append(f'<p><img src="{rel}" alt="{rel}"></p>')
    parts.append("</html>\n")
    return "\n".join(parts)


def _tables(codings: list[Coding], documents: list[Document], books: list[Codebook],
            out: Path) -> list[Path]:
    from . import analysis
    from .summary import code_frequencies

    written: list[Path] = []

    def save(name: str, frame: pd.DataFrame, *, index: bool = False) -> None:
        path = out / f"{name}.csv"
        frame.to_csv(path, index=index)
        written.append(path)

    save("documents", documents_frame(documents))
    save("turns", turns_frame(documents))
    save("code_frequencies", code_frequencies(codings, documents))
    for by in ("site", "group_type", "role"):
        save(f"code_frequencies_by_{by}", code_frequencies(codings, documents, by=by))
    barrier_codes = [c.name for b in books if b.name == "barriers" for c in b.codes
                     if not b.children(c.name)]
    for attribute in ("site", "group_type"):
        save(f"barriers_by_{attribute}_percent", analysis.code_attribute_matrix(
            codings, documents, attribute=attribute, codes=barrier_codes, count="units",
            normalize="column"), index=True)
    cube_book = next((b for b in books if b.name == "power_cube"), None)
    if cube_book is not None:
        cube = analysis.power_cube_table(codings, cube_book, documents=documents)
        save("power_cube_cells", cube.table)
        save("power_cube_pivot", cube.pivot, index=True)
    return written


def run_demo(
    out_dir: str | Path,
    *,
    transcripts: str | Path | None = None,
    codebooks: tuple[str, ...] = BUNDLED_CODEBOOKS,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the pipeline on the bundled (or given) transcripts; write results to ``out_dir``."""
    from . import analysis
    from .codebook import load_codebook
    from .coding import autocode
    from .coding.project import store_auto_codings

    out = Path(out_dir)
    for sub in ("tables", "networks", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    db = out / "demo.qualcode"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    source = Path(transcripts) if transcripts is not None else bundled_dir("transcripts")
    books = [load_codebook(name) for name in codebooks]
    with Project.open(db) as proj:
        ingest(proj, [source], progress=progress)
        documents = proj.documents

        def coding_progress(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total, "coding")

        codings = autocode(documents, books, progress=coding_progress)
        store_auto_codings(proj, books, codings)

    outputs = _tables(codings, documents, books, out / "tables")
    examples = analysis.code_examples(codings, documents)
    by_name = {b.name: b for b in books}
    networks = out / "networks"
    if "barriers" in by_name and "advocacy" in by_name:
        bipartite = analysis.bipartite_network(
            codings, left=by_name["barriers"], right=by_name["advocacy"], documents=documents,
            codebooks=books, unit="turn", measure="association", min_count=2)
        analysis.communities(bipartite)
        for ext in ("gexf", "graphml", "json", "csv", "png", "svg", "html"):
            outputs += analysis.write_network(
                bipartite, networks / f"barriers_strategies.{ext}", excerpts=examples,
                title="Barriers and advocacy strategies reported in the same turn "
                      "(synthetic data)")
        links = analysis.cooccurrence_table(
            codings, documents=documents, unit="turn", min_count=2,
            codes=[c.name for b in (by_name["barriers"], by_name["advocacy"]) for c in b.codes])
        left = {c.name for c in by_name["barriers"].codes}
        cross = links[links["code_a"].isin(left) != links["code_b"].isin(left)]
        path = out / "tables" / "barrier_strategy_links.csv"
        cross.sort_values("association", ascending=False).to_csv(path, index=False)
        outputs.append(path)
        centrality = analysis.centrality(bipartite)
        path = out / "tables" / "barrier_strategy_centrality.csv"
        centrality.to_csv(path)
        outputs.append(path)
    whole = analysis.cooccurrence_network(codings, documents=documents, codebooks=books,
                                          unit="turn", measure="association", min_count=3,
                                          max_q=0.05)
    analysis.communities(whole)
    for ext in ("gexf", "png", "html"):
        outputs += analysis.write_network(
            whole, networks / f"all_codes.{ext}", excerpts=examples,
            title="All codes: significant co-occurrence in turns (q ≤ .05, synthetic data)")
    if "power_cube" in by_name:
        import matplotlib

        matplotlib.use("Agg")
        cube = analysis.power_cube_table(codings, by_name["power_cube"], documents=documents)
        fig = analysis.heatmap_figure(cube.pivot, title="Power cube: turns per cell "
                                                        "(synthetic data)")
        path = out / "figures" / "power_cube_heatmap.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        outputs.append(path)
    from .report import build_report

    reports = out / "reports"
    reports.mkdir(exist_ok=True)
    for fmt in ("html", "docx"):
        outputs.append(build_report(db, reports / f"coded_excerpts.{fmt}",
                                    format="html" if fmt == "html" else "docx",
                                    title="qualcode demo: coded excerpts (synthetic data)"))
    summary = (f"{len(documents)} documents, {sum(len(d.turns) for d in documents):,} turns, "
               f"{sum(d.word_count for d in documents):,} words; {len(codings):,} auto-codings "
               f"from {len(books)} codebooks ({', '.join(b.name for b in books)}).")
    index = out / "index.html"
    index.write_text(_index_html("qualcode demo", outputs, out, summary), encoding="utf-8")
    return DemoResult(project=db, index=index, outputs=[*outputs, index])
