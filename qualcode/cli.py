"""The ``qualcode`` command line: thin typer commands over library calls.

Project file: ``--project PATH``, else ``$QUALCODE_PROJECT``, else
``./qualcode.db``. Exit codes: 0 success, 1 bad input (one line per
problem, naming the file), 2 usage error.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import QualcodeError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="qualcode",
    help="Reproducible qualitative coding: ingest transcripts, code, agree, build networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (files, CI logs) gets wide tables instead of truncated cells.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 200)


class _State:
    project: Path | None = None
    debug: bool = False


state = _State()


def project_path() -> Path:
    """``--project``, else ``$QUALCODE_PROJECT``, else ``./qualcode.db``."""
    if state.project is not None:
        return state.project
    env = os.environ.get("QUALCODE_PROJECT")
    return Path(env) if env else Path("qualcode.db")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn QualcodeErrors into one clear line per problem and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except QualcodeError as e:
            if state.debug:
                raise
            message = escape(str(e.args[0] if e.args else e))
            err.print(f"[red]error:[/red] {message}", soft_wrap=True)
            for problem in e.problems:
                err.print(f"  {problem}", soft_wrap=True, markup=False)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar as a ``progress(done, total, item)`` callback."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}", style="dim"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None, item="")

        def update(done: int, total: int, item: str = "") -> None:
            bar.update(task, completed=done, total=total, item=Path(item).name if item else "")

        yield update


def open_project(*, create: bool = False) -> Any:
    from .store import Project

    path = project_path()
    if create and str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    return Project.open(path, create=create)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    project: Annotated[
        Path | None,
        typer.Option(
            "--project", "-p", help="Project file (default $QUALCODE_PROJECT or ./qualcode.db)."
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """Reproducible qualitative coding from the terminal."""
    state.project = project
    state.debug = debug


@app.command()
@handle_errors
def init(
    directory: Annotated[Path | None, typer.Argument(help="Folder for qualcode.db.")] = None,
) -> None:
    """Create a project file (DIR/qualcode.db, or --project)."""
    from .store import Project

    path = project_path() if directory is None else directory / "qualcode.db"
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    with Project.open(path, create=True):
        pass
    out.print(f"{'Opened existing' if existed else 'Created'} project {path}")


JobsOption = Annotated[
    int, typer.Option(help="Processes to use (0: one per core). Results are identical.")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Run on a Dask cluster, e.g. tcp://host:8786 (pip install "
                      "qualcode\\[scale])."),
]


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or globs.")],
    language: Annotated[
        str | None, typer.Option(help="Force the language (en, id) instead of detecting it.")
    ] = None,
    refuse_versions: Annotated[
        bool,
        typer.Option(
            "--refuse-versions",
            help="Refuse a changed file whose name is already stored, instead of versioning.",
        ),
    ] = False,
    jobs: JobsOption = 1,
    scheduler: SchedulerOption = None,
) -> None:
    """Add transcripts to the project. Re-ingesting the same bytes changes nothing."""
    from .ingest import ingest as run_ingest

    with open_project(create=True) as proj, progress_bar("Reading") as bar:
        report = run_ingest(
            proj,
            paths,
            language=language,
            on_conflict="refuse" if refuse_versions else "version",
            progress=bar,
            jobs=jobs,
            scheduler=scheduler,
        )
    table = Table(title=f"Ingest into {project_path()}")
    for col in ("file", "status", "turns", "words", "speakers", "language"):
        table.add_column(col, justify="right" if col in ("turns", "words", "speakers") else "left")
    for status, docs in (("added", report.added), ("new version", report.versioned),
                         ("unchanged", report.unchanged)):
        for d in docs:
            table.add_row(escape(d.name), status, str(len(d.turns)), f"{d.word_count:,}",
                          str(len(d.speakers)), d.language or "")
    for s in report.failed:
        table.add_row(escape(Path(s.path).name), "[red]failed[/red]", "", "", "", "")
    out.print(table)
    for s in report.failed:
        err.print(f"[red]error:[/red] {escape(s.path)}: {escape(s.reason)}", soft_wrap=True)
    out.print(
        f"{len(report.added)} added, {len(report.versioned)} new versions, "
        f"{len(report.unchanged)} unchanged, {len(report.failed)} failed"
    )
    if report.failed:
        raise typer.Exit(1)


@app.command()
@handle_errors
def docs() -> None:
    """List the project's documents with their case attributes."""
    with open_project() as proj:
        documents = proj.documents
    keys = sorted({k for d in documents for k in d.attributes} - {"language", "synthetic"})
    table = Table()
    for col in ("id", "name", "v", "lang", "turns", "words", *keys):
        table.add_column(col)
    for d in documents:
        table.add_row(d.id, d.name, str(d.version), d.language or "", str(len(d.turns)),
                      f"{d.word_count:,}", *(str(d.attributes.get(k, "")) for k in keys))
    out.print(table)
    out.print(f"{len(documents)} documents")


@app.command()
@handle_errors
def show(
    document: Annotated[str, typer.Argument(help="Document id or name.")],
    turns: Annotated[int | None, typer.Option(help="Show at most this many turns.")] = None,
) -> None:
    """Show a document's attributes and speaker turns."""
    from .io._common import format_timestamp

    with open_project() as proj:
        doc = proj.document(document)
    out.print(f"[bold]{escape(doc.name)}[/bold]  id={doc.id}  v{doc.version}  "
              f"language={doc.language}")
    for k, v in doc.attributes.items():
        out.print(f"  {k}: {v}", markup=False)
    for t in doc.turns[:turns]:
        when = f"[{format_timestamp(t.timestamp)}] " if t.timestamp is not None else ""
        out.print(f"\n[dim]{when}{t.start}-{t.end}[/dim] [bold]{escape(t.speaker or '—')}[/bold] "
                  f"[italic]({t.role})[/italic]")
        out.print(t.text, markup=False)


def print_frame(frame: Any, *, title: str | None = None, max_rows: int | None = None) -> None:
    """Print a pandas DataFrame as a rich table."""
    table = Table(title=title)
    for col in frame.columns:
        numeric = str(frame[col].dtype).startswith(("int", "float"))
        table.add_column(str(col), justify="right" if numeric else "left")
    shown = frame if max_rows is None else frame.head(max_rows)
    for row in shown.itertuples(index=False):
        table.add_row(*("" if v is None or v != v else
                        (f"{v:,.3f}" if isinstance(v, float) else str(v)) for v in row))
    out.print(table)
    if max_rows is not None and len(frame) > max_rows:
        out.print(f"... {len(frame) - max_rows} more rows")


def save_frame(frame: Any, path: Path) -> None:
    """Write a DataFrame to .csv (UTF-8 with BOM) or .xlsx, by extension."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise typer.BadParameter(f"--out must end in .csv or .xlsx, not {suffix or 'nothing'}")
    tmp = path.with_name(path.name + ".part")
    if suffix == ".xlsx":
        frame.to_excel(tmp, index=False, engine="openpyxl")
    else:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    tmp.replace(path)
    err.print(f"wrote {path}")


@app.command()
@handle_errors
def code(
    codebooks: Annotated[
        list[str], typer.Argument(help="Codebook YAML files or bundled names (e.g. barriers).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be coded; store nothing.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each coded passage, the rule and the match.")
    ] = False,
    limit: Annotated[int, typer.Option(help="With --explain: passages to show.")] = 50,
    jobs: JobsOption = 1,
    scheduler: SchedulerOption = None,
) -> None:
    """Auto-code the project's documents with codebooks; records coder and rule.

    Re-coding replaces that codebook's earlier auto-codings only; human
    codings are never touched.
    """
    from .codebook import load_codebook
    from .coding import autocode
    from .coding import explain as explain_codings
    from .coding.project import store_auto_codings
    from .summary import code_frequencies

    books = [load_codebook(c) for c in codebooks]
    with open_project() as proj:
        documents = latest_versions(proj.documents)
        context = proj.codings()
        cache = token_cache_dir()
        with progress_bar("Coding") as bar:
            def step(done: int, total: int) -> None:
                bar(done, total, "")

            if explain:
                found = explain_codings(documents, books, context=context, cache_dir=cache,
                                        progress=step)
                codings = [e.coding for e in found]
            elif scheduler is not None:
                from .scale.dask import autocode_dask

                codings = autocode_dask(documents, books, scheduler=scheduler, context=context)
            elif jobs != 1:
                from .parallel import autocode_parallel

                codings = autocode_parallel(documents, books, jobs=jobs or None,
                                            context=context, cache_dir=cache, progress=step)
            else:
                codings = autocode(documents, books, context=context, cache_dir=cache,
                                   progress=step)
        if explain:
            names = {d.id: d.name for d in documents}
            for e in found[:limit]:
                c = e.coding
                out.print(f"\n[bold]{escape(c.code)}[/bold]  {escape(names[c.document])} "
                          f"{c.start}-{c.end}  [dim]rule {escape(str(c.rule))}: "
                          f"{escape(e.matched_text)!r}[/dim]")
                out.print(e.passage, markup=False)
            if len(found) > limit:
                out.print(f"... {len(found) - limit} more (raise --limit)")
        if not dry_run:
            existing = {c.coder for c in context}
            if any(c.startswith(f"auto:{cb.name}@") for cb in books for c in existing):
                proj.snapshot("before-code-" + "-".join(cb.name for cb in books))
            store_auto_codings(proj, books, codings)
    print_frame(code_frequencies(codings, documents), title=f"{len(codings):,} codings in "
                f"{len(documents)} documents" + (" (dry run: nothing stored)" if dry_run else ""))


def latest_versions(documents: list[Any]) -> list[Any]:
    """Only the newest version of each document name."""
    newest: dict[str, Any] = {}
    for d in documents:
        if d.name not in newest or d.version > newest[d.name].version:
            newest[d.name] = d
    return list(newest.values())


def token_cache_dir() -> Path | None:
    """Tokenised documents are cached beside the project file (none for :memory:)."""
    path = project_path()
    if str(path) == ":memory:":
        return None
    return path.with_name(path.name + ".cache")


@app.command()
@handle_errors
def stats(
    by: Annotated[str | None, typer.Option(help="Case attribute to break down by.")] = None,
) -> None:
    """Documents, turns, words and speakers, and code frequencies, overall or by attribute."""
    from .summary import code_frequencies, corpus_summary

    with open_project() as proj:
        documents = proj.documents
        codings = proj.codings()
    print_frame(corpus_summary(documents, by=by), title="Corpus")
    if codings:
        print_frame(code_frequencies(codings, documents, by=by), title="Codes")


@app.command()
@handle_errors
def codes(
    by: Annotated[
        str | None,
        typer.Option(help="Break down by a case attribute, or role, speaker or coder."),
    ] = None,
    coder: Annotated[list[str] | None, typer.Option(help="Only codings by this coder.")] = None,
    codebook: Annotated[str | None, typer.Option(help="Only codes of this codebook.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Also save as .csv/.xlsx.")] = None,
) -> None:
    """Code frequencies: codings, turns, documents and participants per code."""
    from .summary import code_frequencies

    with open_project() as proj:
        documents = proj.documents
        codings = proj.codings(coder=coder or None, codebook=codebook)
    frame = code_frequencies(codings, documents, by=by)
    print_frame(frame, title=f"{len(codings):,} codings")
    if out_file is not None:
        save_frame(frame, out_file)


@app.command()
@handle_errors
def excerpts(
    code: Annotated[list[str], typer.Argument(help="Code name(s).")],
    context: Annotated[int, typer.Option(help="Turns of context before and after.")] = 0,
    coder: Annotated[list[str] | None, typer.Option(help="Only codings by this coder.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Save as .csv/.xlsx.")] = None,
) -> None:
    """Show the passages coded with CODE, with speaker and context."""
    from .summary import excerpts as find_excerpts

    with open_project() as proj:
        documents = proj.documents
        codings = proj.codings(code=code, coder=coder or None)
    frame = find_excerpts(codings, documents, code=code, context=context)
    if out_file is not None:
        save_frame(frame, out_file)
        return
    for row in frame.to_dict("records"):
        out.print(f"\n[bold]{escape(row['code'])}[/bold]  {escape(row['document'])} "
                  f"{row['start']}-{row['end']}  [italic]{escape(str(row['speaker'] or '—'))} "
                  f"({row['role']})[/italic]  [dim]{escape(row['coder'])}[/dim]")
        if row["before"]:
            out.print(row["before"], style="dim", markup=False)
        out.print(row["text"], markup=False)
        if row["after"]:
            out.print(row["after"], style="dim", markup=False)
    out.print(f"\n{len(frame)} excerpts")


def parse_where(items: list[str] | None) -> dict[str, Any] | None:
    """``["site=Kediri", "group_type=FGD,interview"]`` -> ``{"site": "Kediri", ...}``."""
    if not items:
        return None
    where: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--where")
        values = [v.strip() for v in value.split(",")]
        where[key.strip()] = values if len(values) > 1 else values[0]
    return where


def selected_codings(proj: Any, *, codebooks: list[str] | None, coders: list[str] | None,
                     codes: list[str] | None) -> tuple[list[Any], list[Any], list[Any]]:
    """(codings, latest documents, codebooks) for analysis commands."""
    documents = latest_versions(proj.documents)
    ids = {d.id for d in documents}
    codings = [c for c in proj.codings(coder=coders or None, code=codes or None,
                                       codebook=codebooks or None) if c.document in ids]
    books = proj.codebooks
    if codebooks:
        books = [b for b in books if b.name in codebooks]
    return codings, documents, books


UnitOption = Annotated[
    str, typer.Option(help="turn, sentence, paragraph, overlap, window, document, participant.")
]
WhereOption = Annotated[
    list[str] | None, typer.Option(help="Case attribute filter KEY=VALUE[,VALUE] (repeatable).")
]
CoderOption = Annotated[list[str] | None, typer.Option(help="Only codings by this coder.")]
CodebookOption = Annotated[
    list[str] | None, typer.Option(help="Only codes of this stored codebook (repeatable).")
]


@app.command()
@handle_errors
def network(
    out_files: Annotated[
        list[Path],
        typer.Option("--out", help="F.gexf, .graphml, .json, .csv, .png, .svg or .html "
                                   "(repeatable)."),
    ],
    unit: UnitOption = "turn",
    measure: Annotated[
        str, typer.Option(help="count, jaccard, c, cosine, association, lift, pmi, npmi.")
    ] = "association",
    codes_: Annotated[list[str] | None, typer.Option("--codes", help="Only these codes.")] = None,
    codebook: CodebookOption = None,
    bipartite: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Two codebooks: only edges between their codes (e.g. barriers "
                          "advocacy)."),
    ] = None,
    where: WhereOption = None,
    coder: CoderOption = None,
    min_count: Annotated[int, typer.Option(help="Drop edges seen fewer times.")] = 1,
    max_q: Annotated[float | None, typer.Option(help="Drop edges with BH q above this.")] = None,
    window: Annotated[int | None, typer.Option(help="Tokens, for --unit window.")] = None,
) -> None:
    """Co-occurrence network of codes, written to Gephi/Cytoscape files, figures or HTML."""
    from . import analysis

    with open_project() as proj:
        codings, documents, books = selected_codings(
            proj, codebooks=list(bipartite) if bipartite else codebook, coders=coder,
            codes=codes_)
    common: dict[str, Any] = dict(documents=documents, codebooks=books, unit=unit,
                                  measure=measure, where=parse_where(where),
                                  min_count=min_count, max_q=max_q, window=window)
    if bipartite:
        by_name = {b.name: b for b in books}
        missing = [n for n in bipartite if n not in by_name]
        if missing:
            from .errors import InputError

            raise InputError(f"codebook(s) {', '.join(missing)} not in {project_path()}; "
                             "run qualcode code first")
        graph = analysis.bipartite_network(codings, left=by_name[bipartite[0]],
                                           right=by_name[bipartite[1]], **common)
    else:
        graph = analysis.cooccurrence_network(codings, codes=codes_, **common)
    analysis.communities(graph)
    examples = analysis.code_examples(codings, documents)
    for path in out_files:
        for written in analysis.write_network(graph, path, excerpts=examples,
                                              title=f"Co-occurrence ({unit}, {measure})"):
            out.print(f"wrote {written}")
    top = sorted(graph.edges(data=True), key=lambda e: -float(e[2].get("weight", 0)))[:10]
    table = Table(title=f"{graph.number_of_nodes()} codes, {graph.number_of_edges()} edges; "
                        f"strongest by {measure}")
    for col in ("code a", "code b", "count", measure, "q"):
        table.add_column(col)
    for a, b, data in top:
        table.add_row(a, b, str(data.get("count", "")), f"{float(data.get('weight', 0)):.3f}",
                      f"{float(data.get('q', float('nan'))):.3g}")
    out.print(table)


@app.command()
@handle_errors
def matrix(
    by: Annotated[
        str, typer.Option(help="Case attribute (site, group_type...), role or speaker.")
    ] = "site",
    count: Annotated[
        str, typer.Option(help="codings, units, documents or participants.")
    ] = "codings",
    normalize: Annotated[str | None, typer.Option(help="row, column or all (percent).")] = None,
    unit: UnitOption = "turn",
    codebook: CodebookOption = None,
    codes_: Annotated[list[str] | None, typer.Option("--codes", help="Only these codes.")] = None,
    where: WhereOption = None,
    coder: CoderOption = None,
    cooccurrence: Annotated[
        bool, typer.Option("--cooccurrence", help="Code x code matrix instead of code x BY.")
    ] = False,
    measure: Annotated[str, typer.Option(help="With --cooccurrence: the measure.")] = "count",
    out_file: Annotated[Path | None, typer.Option("--out", help="Save as .csv/.xlsx.")] = None,
) -> None:
    """Code x attribute matrix (counts or percentages), or a code co-occurrence matrix."""
    from . import analysis

    with open_project() as proj:
        codings, documents, _ = selected_codings(proj, codebooks=codebook, coders=coder,
                                                 codes=codes_)
    if cooccurrence:
        frame = analysis.cooccurrence(codings, documents=documents, unit=unit, measure=measure,
                                      codes=codes_, where=parse_where(where))
    else:
        frame = analysis.code_attribute_matrix(
            codings, documents, attribute=by, codes=codes_, count=count, unit=unit,
            normalize=normalize, where=parse_where(where))
    frame = frame.rename_axis(str(frame.index.name or "code")).reset_index()
    print_frame(frame)
    if out_file is not None:
        save_frame(frame, out_file)


@app.command()
@handle_errors
def query(
    all_of: Annotated[list[str] | None, typer.Option("--all", help="Code that must be present.")]
    = None,
    any_of: Annotated[list[str] | None, typer.Option("--any", help="At least one of these.")]
    = None,
    none_of: Annotated[list[str] | None, typer.Option("--none", help="Code that must be absent.")]
    = None,
    unit: UnitOption = "turn",
    where: WhereOption = None,
    role: Annotated[
        list[str] | None, typer.Option(help="Only turns of this speaker role.")
    ] = None,
    coder: CoderOption = None,
    context: Annotated[int, typer.Option(help="Turns of context.")] = 1,
    out_file: Annotated[Path | None, typer.Option("--out", help="Save as .csv/.xlsx.")] = None,
) -> None:
    """Passages coded A AND B (--all), A OR B (--any), NOT C (--none) in the same unit."""
    from . import analysis

    if not (all_of or any_of):
        raise typer.BadParameter("give at least one --all or --any code")
    with open_project() as proj:
        codings, documents, _ = selected_codings(proj, codebooks=None, coders=coder, codes=None)
    found = analysis.query(codings, documents, all_of=all_of, any_of=any_of, none_of=none_of,
                           unit=unit, where=parse_where(where), roles=role, context=context)
    frame = analysis.excerpts_frame(found)
    if out_file is not None:
        save_frame(frame, out_file)
    for e in found:
        out.print(f"\n[bold]{escape(e.document_name)}[/bold] {e.start}-{e.end}  "
                  f"[italic]{escape(str(e.speaker or '—'))} ({e.role})[/italic]  "
                  f"[dim]{escape(', '.join(e.codes))}[/dim]")
        if e.context_before:
            out.print(e.context_before, style="dim", markup=False)
        out.print(e.text, markup=False)
        if e.context_after:
            out.print(e.context_after, style="dim", markup=False)
    out.print(f"\n{len(found)} passages")


@app.command()
@handle_errors
def agree(
    coder: Annotated[list[str], typer.Option(help="A coder to compare (give 2 or more).")],
    unit: Annotated[str, typer.Option(help="turn, sentence or character.")] = "turn",
    codes_: Annotated[
        list[str] | None, typer.Option("--codes", help="Only these codes (repeatable).")
    ] = None,
    units: Annotated[
        str, typer.Option(help="all units, or only units someone coded ('coded').")
    ] = "all",
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Disagreement report: .html, .csv or .xlsx."),
    ] = None,
    table_file: Annotated[
        Path | None, typer.Option("--table", help="Save the agreement table as .csv/.xlsx.")
    ] = None,
    boot: Annotated[int, typer.Option(help="Bootstrap samples for alpha's CI.")] = 1000,
) -> None:
    """Inter-coder agreement per code: percent, kappa, Krippendorff's alpha (CI), u-alpha."""
    from . import agreement

    if len(coder) < 2:
        raise typer.BadParameter("give at least two --coder options", param_hint="--coder")
    if unit not in ("turn", "sentence", "character"):
        raise typer.BadParameter("must be turn, sentence or character", param_hint="--unit")
    if units not in ("all", "coded"):
        raise typer.BadParameter("must be all or coded", param_hint="--units")
    with open_project() as proj:
        documents = proj.documents
        codings = proj.codings(coder=coder, code=codes_ or None)
    missing = sorted(set(coder) - {c.coder for c in codings})
    if missing:
        from .errors import InputError

        raise InputError(f"no codings by {', '.join(map(repr, missing))} in {project_path()}")
    with progress_bar("Agreement") as bar:
        table = agreement.agreement_table(
            codings, documents, coders=coder, codes=codes_ or None, unit=unit,  # type: ignore[arg-type]
            units=units, n_boot=boot, progress=bar,  # type: ignore[arg-type]
        )
    print_frame(table, title=f"Agreement between {', '.join(coder)} (unit: {unit})")
    for note in table.attrs.get("notes", []):
        out.print(f"[dim]{escape(str(note))}[/dim]")
    if table_file is not None:
        save_frame(table, table_file)
    if out_file is not None:
        review = agreement.disagreements(codings, documents, coders=coder, codes=codes_ or None,
                                         unit=unit, units=units)  # type: ignore[arg-type]
        agreement.write_disagreements(review, out_file)
        err.print(f"wrote {out_file} ({len(review)} units where coders differ)")


@app.command("import")
@handle_errors
def import_(
    path: Annotated[
        Path,
        typer.Argument(help="F.qdpx/.qde (REFI-QDA project), F.qdc (codebook), codings "
                            ".csv/.xlsx, or a .docx with comments naming codes."),
    ],
    coder: Annotated[
        str | None, typer.Option(help="Coder name for rows/comments that name none.")
    ] = None,
    codebook: Annotated[
        str | None, typer.Option(help="Check code names against this stored codebook.")
    ] = None,
    codebook_table: Annotated[
        bool, typer.Option("--codebook-table", help="The .csv/.xlsx is a codebook, not codings.")
    ] = False,
) -> None:
    """Import a REFI-QDA project or codebook, manual codings, or a codebook table.

    Every import is one transaction: on any error nothing is stored.
    """
    from .errors import UnsupportedFormatError

    suffix = path.suffix.lower()
    with open_project(create=True) as proj:
        if str(project_path()) != ":memory:" and (proj.documents or proj.codings()):
            proj.snapshot(f"before-import-{path.name}")
        if suffix in (".qdpx", ".qde"):
            from .exchange import refi

            report = refi.import_qdpx(proj, path)
            for line in report.summary():
                out.print(line, markup=False, soft_wrap=True)
            return
        if suffix == ".qdc" or (codebook_table and suffix in (".csv", ".xlsx")):
            if suffix == ".qdc":
                from .exchange import refi

                cb = refi.read_qdc(path)
            else:
                from .exchange.codebook_tables import read_codebook_table

                cb = read_codebook_table(path)
            proj.add_codebook(cb)
            out.print(f"imported codebook {cb.name!r} with {len(cb.codes)} codes from {path}")
            return
        from .exchange.tables import codings_from_comments, read_codings

        check = proj.codebook(codebook) if codebook else None
        if suffix in (".csv", ".xlsx"):
            codings = read_codings(path, proj.documents, coder=coder, codebook=check)
        elif suffix == ".docx":
            from .io import read_transcript

            doc = read_transcript(path)
            with proj.transaction():
                result = proj.add_documents([doc])
                stored = [*result.added, *result.unchanged, *result.versioned][0]
                codings = codings_from_comments(stored, coder=coder, codebook=check)
                proj.add_codings(codings)
            out.print(f"imported {len(codings)} codings from {path}")
            return
        else:
            raise UnsupportedFormatError(
                f"cannot import {suffix or 'a file without extension'}; "
                "use .qdpx, .qde, .qdc, .csv, .xlsx or .docx", path=path)
        n = proj.add_codings(codings)
    out.print(f"imported {n} codings from {path}")


@app.command()
@handle_errors
def export(
    path: Annotated[
        Path,
        typer.Argument(help="F.qdpx (whole project), F.qdc (codebooks), codings .csv/.xlsx, "
                            "or with --codebook-table a codebook .csv/.xlsx."),
    ],
    coder: Annotated[list[str] | None, typer.Option(help="Only codings by this coder.")] = None,
    code: Annotated[list[str] | None, typer.Option(help="Only this code.")] = None,
    codebook: Annotated[
        list[str] | None, typer.Option(help="Codebook(s) for .qdc / --codebook-table.")
    ] = None,
    codebook_table: Annotated[
        bool, typer.Option("--codebook-table", help="Write a codebook table, not codings.")
    ] = False,
) -> None:
    """Export the project (REFI-QDA), codebooks, or codings to a spreadsheet."""
    from .errors import InputError, UnsupportedFormatError

    suffix = path.suffix.lower()
    with open_project() as proj:
        if suffix == ".qdpx":
            from .exchange import refi

            refi.write_qdpx(proj, path)
            out.print(f"wrote {path}: {len(proj.documents)} documents, {len(proj.codes)} codes, "
                      f"{len(proj.codings())} codings")
            return
        books = [b for b in proj.codebooks if not codebook or b.name in codebook]
        if suffix == ".qdc" or codebook_table:
            if not books:
                raise InputError("no codebook to export (run qualcode code, or check --codebook)")
            if suffix == ".qdc":
                from .exchange import refi

                refi.write_qdc(books, path)
            elif suffix in (".csv", ".xlsx") and len(books) == 1:
                from .exchange.codebook_tables import write_codebook_table

                write_codebook_table(books[0], path)
            else:
                raise InputError("a codebook table holds one codebook: pick it with --codebook",
                                 path=path)
            out.print(f"wrote {path}: {', '.join(b.name for b in books)}")
            return
        if suffix not in (".csv", ".xlsx"):
            raise UnsupportedFormatError("export to .qdpx, .qdc, .csv or .xlsx", path=path)
        from .exchange.tables import write_codings

        codings = proj.codings(coder=coder or None, code=code or None)
        write_codings(codings, proj.documents, path)
    out.print(f"wrote {len(codings)} codings to {path}")


@app.command()
@handle_errors
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    coder: Annotated[
        str | None, typer.Option(help="Your coder name (default $QUALCODE_CODER or login).")
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")]
    = False,
) -> None:
    """Review and code transcripts in the browser (local only, token-protected)."""
    import getpass

    from .web import serve as run

    name = coder or os.environ.get("QUALCODE_CODER") or getpass.getuser()
    run(project_path(), coder=name, port=port, open_browser=not no_browser,
        on_ready=lambda url: out.print(f"Reviewing {project_path()} as {name}: {url}  "
                                       "(Ctrl+C to stop)", markup=False, soft_wrap=True))


@app.command()
@handle_errors
def report(
    format_: Annotated[
        str | None, typer.Option("--format", help="docx or html (default: from --out, else docx).")
    ] = None,
    codes_: Annotated[
        list[str] | None, typer.Option("--codes", help="Code or codebook names.")
    ] = None,
    where: WhereOption = None,
    coder: CoderOption = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Report file.")] = None,
) -> None:
    """Coded-excerpt report: definitions, excerpts, frequency tables, network, power cube."""
    from .report import build_report

    fmt = format_ or (out_file.suffix.lstrip(".").lower() if out_file else "docx")
    if fmt not in ("docx", "html"):
        raise typer.BadParameter("must be docx or html", param_hint="--format")
    with open_project() as proj:
        path = build_report(proj, out_file or Path(f"report.{fmt}"),
                            format="html" if fmt == "html" else "docx", codes=codes_ or None,
                            where=parse_where(where), coders=coder or None)
    out.print(f"wrote {path}")


@app.command()
@handle_errors
def snapshots(
    restore: Annotated[
        str | None, typer.Option(help="Restore this snapshot (id or unique prefix).")
    ] = None,
) -> None:
    """List the project's automatic snapshots, or restore one."""
    from .snapshots import list_snapshots
    from .snapshots import restore as restore_snapshot

    path = project_path()
    if restore is not None:
        result = restore_snapshot(path, restore)
        out.print(f"restored {result.restored.id} ({result.restored.reason})")
        if result.saved is not None:
            out.print(f"the state it replaced is snapshot {result.saved.id}")
        return
    table = Table(title=f"Snapshots of {path}")
    for col in ("id", "created", "reason", "documents", "codings", "restored"):
        table.add_column(col)
    found = list_snapshots(path)
    for snap in found:
        table.add_row(snap.id, snap.created, escape(snap.reason), str(snap.documents),
                      str(snap.codings), snap.restored or "")
    out.print(table)
    out.print(f"{len(found)} snapshots; restore one with qualcode snapshots --restore ID")


@app.command()
@handle_errors
def undo() -> None:
    """Undo the last operation that replaced data (restores the newest snapshot)."""
    from .snapshots import undo as undo_last

    result = undo_last(project_path())
    out.print(f"restored snapshot {result.restored.id} ({result.restored.reason}, "
              f"{result.restored.created})")
    if result.saved is not None:
        out.print(f"to revert: qualcode snapshots --restore {result.saved.id}")


@app.command()
@handle_errors
def anonymise(
    destination: Annotated[Path, typer.Argument(help="The anonymised copy (a new file).")],
    key: Annotated[
        Path, typer.Option(help="Key file (original -> pseudonym); reused when it exists. "
                                "Keep it apart from the project; it is never exported.")
    ],
    names: Annotated[Path | None, typer.Option(help="File of person names, one per line.")]
    = None,
    places: Annotated[Path | None, typer.Option(help="File of place names.")] = None,
    orgs: Annotated[Path | None, typer.Option(help="File of organisation names.")] = None,
    detect: Annotated[
        bool, typer.Option("--detect", help="Also list capitalised names for review.")
    ] = False,
    candidates: Annotated[
        Path | None, typer.Option(help="Where to write detected names (with --detect).")
    ] = None,
    no_speakers: Annotated[
        bool, typer.Option("--no-speakers", help="Keep speaker names as they are.")
    ] = False,
) -> None:
    """Make a pseudonymised copy of the project: consistent pseudonyms, valid codings."""
    from .anonymise import anonymise_project, read_key, read_names, write_candidates, write_key

    result = anonymise_project(
        project_path(), destination,
        names=read_names(names) if names else (),
        places=read_names(places) if places else (),
        organisations=read_names(orgs) if orgs else (),
        speakers=not no_speakers, detect=detect,
        key=read_key(key) if key.exists() else None,
    )
    write_key(result.key, key)
    out.print(f"wrote {destination}: {len(result.documents)} documents, {len(result.codings)} "
              f"codings, {result.replacements} replacements; key in {key}")
    if detect:
        target = candidates or key.with_suffix(".candidates.txt")
        write_candidates(result.candidates, target)
        out.print(f"{len(result.candidates)} possible names to review in {target}; add those "
                  "to keep out to --names and run again")


@app.command()
@handle_errors
def demo(
    directory: Annotated[Path, typer.Argument(help="Output folder.")] = Path("out"),
) -> None:
    """Run the full pipeline on the bundled synthetic transcripts and codebooks."""
    from .demo import run_demo

    with progress_bar("Demo") as bar:
        result = run_demo(directory, progress=bar)
    for path in result.outputs:
        out.print(f"wrote {path}")
    out.print(f"[bold]Demo finished:[/bold] open {result.index}")


def main() -> None:
    """Entry point of the ``qualcode`` script."""
    app()


if __name__ == "__main__":
    main()
