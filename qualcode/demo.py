"""``qualcode demo``: the whole pipeline on the bundled synthetic data.

Builds a fresh project in ``OUT/demo.qualcode`` from ``transcripts/`` and
writes tables (CSV) and an ``index.html`` linking every output. Each later
stage of the pipeline (coding, networks, agreement) adds its outputs here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .ingest import ingest
from .model import Document
from .resources import bundled_dir
from .store import Project

__all__ = ["DemoResult", "documents_frame", "run_demo", "turns_frame"]


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


def _index_html(title: str, outputs: list[Path], root: Path) -> str:
    items = "\n".join(
        f'<li><a href="{html.escape(p.relative_to(root).as_posix())}">'
        f"{html.escape(p.relative_to(root).as_posix())}</a></li>"
        for p in outputs
    )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto}</style>"
        f"<h1>{html.escape(title)}</h1>"
        "<p>All transcripts in this demo are <strong>synthetic</strong>: written for the "
        "qualcode examples, not fieldwork data.</p>"
        f"<ul>\n{items}\n</ul></html>\n"
    )


def run_demo(
    out_dir: str | Path,
    *,
    transcripts: str | Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DemoResult:
    """Run the pipeline on the bundled (or given) transcripts; write results to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.qualcode"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    source = Path(transcripts) if transcripts is not None else bundled_dir("transcripts")
    outputs: list[Path] = []
    with Project.open(db) as proj:
        ingest(proj, [source], progress=progress)
        documents = proj.documents
    tables = out / "tables"
    tables.mkdir(exist_ok=True)
    for name, frame in (("documents", documents_frame(documents)),
                        ("turns", turns_frame(documents))):
        path = tables / f"{name}.csv"
        frame.to_csv(path, index=False)
        outputs.append(path)
    index = out / "index.html"
    index.write_text(_index_html("qualcode demo", outputs, out), encoding="utf-8")
    return DemoResult(project=db, index=index, outputs=[*outputs, index])
