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
            err.print(f"[red]error:[/red] {e.args[0] if e.args else e}", markup=True,
                      soft_wrap=True)
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

    return Project.open(project_path(), create=create)


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
        )
    table = Table(title=f"Ingest into {project_path()}")
    for col in ("file", "status", "turns", "words", "speakers", "language"):
        table.add_column(col, justify="right" if col in ("turns", "words", "speakers") else "left")
    for status, docs in (("added", report.added), ("new version", report.versioned),
                         ("unchanged", report.unchanged)):
        for d in docs:
            table.add_row(d.name, status, str(len(d.turns)), f"{d.word_count:,}",
                          str(len(d.speakers)), d.language or "")
    for s in report.failed:
        table.add_row(Path(s.path).name, "[red]failed[/red]", "", "", "", "")
    out.print(table)
    for s in report.failed:
        err.print(f"[red]error:[/red] {s.path}: {s.reason}", soft_wrap=True)
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
    path: Annotated[Path, typer.Argument(help="Codings .csv/.xlsx, or a .docx with comments.")],
    coder: Annotated[
        str | None, typer.Option(help="Coder name for rows/comments that name none.")
    ] = None,
    codebook: Annotated[
        str | None, typer.Option(help="Check code names against this stored codebook.")
    ] = None,
) -> None:
    """Import manual codings: a codings table, or Word comments naming codes."""
    from .errors import UnsupportedFormatError
    from .exchange.tables import codings_from_comments, read_codings

    suffix = path.suffix.lower()
    with open_project(create=True) as proj:
        cb = proj.codebook(codebook) if codebook else None
        if suffix in (".csv", ".xlsx"):
            codings = read_codings(path, proj.documents, coder=coder, codebook=cb)
        elif suffix == ".docx":
            from .io import read_transcript

            doc = read_transcript(path)
            result = proj.add_documents([doc])
            stored = [*result.added, *result.unchanged, *result.versioned][0]
            codings = codings_from_comments(stored, coder=coder, codebook=cb)
        else:
            raise UnsupportedFormatError(
                f"cannot import {suffix or 'a file without extension'}; "
                "use .csv, .xlsx or .docx", path=path)
        n = proj.add_codings(codings)
    out.print(f"imported {n} codings from {path}")


@app.command()
@handle_errors
def export(
    path: Annotated[Path, typer.Argument(help="Codings as .csv or .xlsx.")],
    coder: Annotated[list[str] | None, typer.Option(help="Only codings by this coder.")] = None,
    code: Annotated[list[str] | None, typer.Option(help="Only this code.")] = None,
) -> None:
    """Export codings (with the coded text) to a spreadsheet."""
    from .errors import UnsupportedFormatError
    from .exchange.tables import write_codings

    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise UnsupportedFormatError("codings export must be .csv or .xlsx", path=path)
    with open_project() as proj:
        codings = proj.codings(coder=coder or None, code=code or None)
        write_codings(codings, proj.documents, path)
    out.print(f"wrote {len(codings)} codings to {path}")


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
