"""Ingest and auto-coding on a Dask cluster, with the same results as on a laptop.

``pip install qualcode[scale]`` (``dask[distributed]`` and ``pyarrow``).

The files (or documents) are cut into contiguous chunks of about equal size;
the chunks form a Dask bag with one chunk per partition, and each partition
is read and/or coded on a worker by the same functions the local
:mod:`qualcode.parallel` backend uses. Results come back in input order, so
:func:`ingest_dask` equals :func:`qualcode.ingest.read_transcripts` and
:func:`autocode_dask` equals :func:`qualcode.coding.autocode` on the same
input. Codings can instead (or also) be written by the workers themselves to
a Parquet dataset, one file per partition, and merged into a project later
with :func:`merge_into_project`.

Where the cluster comes from: ``client=`` (a :class:`distributed.Client`),
else ``scheduler=`` (an address such as ``"tcp://host:8786"``; the client is
closed afterwards), else the current default client, else a temporary
:class:`distributed.LocalCluster` on this machine (one single-threaded worker
process per core). Paths and ``cache_dir`` must be visible to every worker
under the same names (a shared file system), and every worker needs the same
qualcode version installed. Workers should run one thread each
(``--nthreads 1``): coding holds the GIL, so a worker's threads take turns.

The Parquet files have one column per :class:`~qualcode.model.Coding` field:
``document, code, codebook, start, end, coder, rule, memo``
(see :func:`coding_schema`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Problem
from ..ingest import Skipped, expand_paths
from ..model import Coding, Document
from ..parallel import (
    DOCUMENT_FIELDS,
    CodebooksArg,
    CodingColumns,
    DocumentRow,
    chunk_bounds,
    code_task,
    codebooks_blob,
    pack_codings,
    pack_documents,
    read_task,
    resolve_codebooks,
    select_codings,
    unpack_codings,
    unpack_documents,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from distributed import Client

    from ..store import Project

__all__ = [
    "autocode_dask",
    "coding_schema",
    "ingest_dask",
    "merge_into_project",
    "read_codings_parquet",
    "read_transcripts_dask",
    "write_codings_parquet",
]

#: Partitions per worker thread when ``partition_size`` is not given.
PARTITIONS_PER_THREAD = 4
_INSTALL = "the Dask backend needs dask[distributed] and pyarrow: pip install 'qualcode[scale]'"


def _require_dask() -> None:
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ImportError(_INSTALL) from e


def _require_arrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as e:  # pragma: no cover
        raise ImportError(_INSTALL) from e


@contextmanager
def connect(client: Client | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """The client to run on: ``client``, a new one for ``scheduler``, the default
    client, or a temporary local cluster (closed on exit unless given)."""
    _require_dask()
    from distributed import Client, LocalCluster, default_client

    if client is not None:
        yield client
        return
    if scheduler is not None:
        with Client(scheduler) as own:
            yield own
        return
    try:
        current = default_client()
    except ValueError:
        current = None
    if current is not None:
        yield current
        return
    with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as own:
        yield own


def _threads(client: Client) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # a client without workers yet (adaptive scaling)
        return 1


def _bounds(sizes: Sequence[int], partition_size: int | None, client: Client
            ) -> list[tuple[int, int]]:
    if partition_size is not None:
        if partition_size < 1:
            raise InputError(f"partition_size must be at least 1, not {partition_size}")
        chunks = math.ceil(len(sizes) / partition_size)
    else:
        chunks = _threads(client) * PARTITIONS_PER_THREAD
    return chunk_bounds(sizes, chunks)


def _run_bag(client: Client, chunks: list[Any], fn: Callable[..., Any], *args: Any) -> list[Any]:
    """``[fn(chunk, *args) for chunk in chunks]`` as a Dask bag, one chunk per partition."""
    import dask
    import dask.bag as db

    if not chunks:
        return []
    bag = db.from_sequence(chunks, npartitions=len(chunks))
    shared = [dask.delayed(a, pure=True) if isinstance(a, bytes) else a for a in args]
    result: list[Any] = bag.map(fn, *shared).compute(scheduler=client)
    return result


def _file_sizes(files: Sequence[Path]) -> list[int]:
    sizes = []
    for f in files:
        try:
            sizes.append(f.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


# -- ingest --------------------------------------------------------------------------------

def _read_chunk(files: Sequence[str], language: str | None, roles: Mapping[str, str] | None,
                attributes: Mapping[str, Any] | None
                ) -> tuple[list[DocumentRow], list[tuple[str, str]]]:
    return read_task(files, language, roles, attributes)


def read_transcripts_dask(
    paths: Iterable[str | Path],
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    partition_size: int | None = None,
    language: str | None = None,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> tuple[list[Document], list[Skipped]]:
    """:func:`qualcode.ingest.read_transcripts` on a Dask cluster: (documents, failures).

    ``partition_size`` is the number of files per partition (default: about
    four partitions per worker thread, of equal size in bytes).
    """
    files, skipped = expand_paths(paths)
    with connect(client, scheduler) as c:
        bounds = _bounds(_file_sizes(files), partition_size, c)
        chunks = [[str(f) for f in files[a:b]] for a, b in bounds]
        results = _run_bag(c, chunks, _read_chunk, language, roles, attributes)
    docs: list[Document] = []
    failed = list(skipped)
    for rows, bad in results:
        docs += unpack_documents(rows)
        failed += [Skipped(p, r) for p, r in bad]
    return docs, failed


def ingest_dask(
    paths: Iterable[str | Path],
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    partition_size: int | None = None,
    language: str | None = None,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    on_error: str = "raise",
) -> list[Document]:
    """Read every transcript under ``paths`` on a Dask cluster; the documents, in order.

    Files that cannot be read raise one :class:`~qualcode.errors.InputError`
    listing them all (``on_error="raise"``, after the whole run) or are left
    out (``on_error="skip"``; use :func:`read_transcripts_dask` to see them).
    Add the documents to a project with ``project.add_documents(docs)``.
    """
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    docs, failed = read_transcripts_dask(paths, client=client, scheduler=scheduler,
                                         partition_size=partition_size, language=language,
                                         roles=roles, attributes=attributes)
    if failed and on_error == "raise":
        problems = [Problem(s.reason, s.path) for s in failed]
        shown = "; ".join(str(p) for p in problems[:3])
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise InputError(f"{len(failed)} file(s) could not be read: {shown}{more}",
                         problems=problems)
    return docs


# -- coding ----------------------------------------------------------------------------------

def _code_chunk(chunk: tuple[int, Any], kind: str, books_key: str, books: bytes,
                context: CodingColumns | None, cache_dir: str | None, out_dir: str | None,
                collect: bool, read_options: tuple[Any, ...]
                ) -> tuple[CodingColumns | None, int]:
    """Read (``kind == "paths"``) or unpack a chunk, code it, maybe write its Parquet part."""
    index, data = chunk
    rows = read_task(data, *read_options)[0] if kind == "paths" else data
    if context is not None:
        ids_at = DOCUMENT_FIELDS.index("id")
        context = select_codings(context, (row[ids_at] for row in rows))
    columns = code_task(books_key, books, rows, context, cache_dir)
    if out_dir is not None:
        _write_part(columns, Path(out_dir), index)
    return (columns if collect else None), len(columns[0])


def autocode_dask(
    documents_or_paths: Iterable[Document] | Iterable[str | Path],
    codebooks: CodebooksArg,
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    out_parquet: str | Path | None = None,
    partition_size: int | None = None,
    context: Iterable[Coding] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    collect: bool = True,
    language: str | None = None,
) -> list[Coding]:
    """Auto-code documents, or the transcripts under paths, on a Dask cluster.

    Equal to :func:`qualcode.coding.autocode` on the same documents (for
    paths: on what :func:`qualcode.ingest.read_transcripts` reads from them;
    files that cannot be read are left out, as they are by ingest). Given
    paths, each worker reads its own files, so the documents never travel;
    given documents, they are shipped to the workers with the task graph.

    ``out_parquet`` is a folder the workers write the codings to, one
    ``part-NNNNN.parquet`` per partition (any previous parts are removed
    first); read it with :func:`read_codings_parquet` or merge it with
    :func:`merge_into_project`. With ``collect=False`` the codings are only
    written there and an empty list is returned (for corpora whose codings
    do not fit in this process's memory). ``context`` gives earlier codings
    for ``scope: {within: ...}``, as in ``autocode`` (sent once to each
    worker). ``cache_dir`` is a token cache shared by the workers. Codebook
    problems are raised before anything runs; ``language`` forces the
    language of documents read from paths.
    """
    from ..coding import autocode

    books = resolve_codebooks(codebooks)
    ctx = None if context is None else list(context)
    autocode([], books, context=ctx)  # the same checks, and errors, as the local call
    if not collect and out_parquet is None:
        raise InputError("collect=False needs out_parquet: the codings would be lost")
    items = list(documents_or_paths)
    is_docs = bool(items) and all(isinstance(x, Document) for x in items)
    if not is_docs and any(isinstance(x, Document) for x in items):
        raise InputError("give either documents or paths, not a mixture")
    out_dir: str | None = None
    if out_parquet is not None:
        _require_arrow()
        out_dir = os.fspath(Path(out_parquet).resolve())
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for old in Path(out_dir).glob("part-*.parquet"):
            old.unlink()
    _require_dask()
    import dask

    key, blob = codebooks_blob(books)
    folder = None if cache_dir is None else os.fspath(cache_dir)
    read_options = (language, None, None)
    with connect(client, scheduler) as c:
        if is_docs:
            docs: list[Document] = items  # type: ignore[assignment]
            bounds = _bounds([len(d.text) for d in docs], partition_size, c)
            chunks: list[tuple[int, Any]] = [(i, pack_documents(docs[a:b]))
                                             for i, (a, b) in enumerate(bounds)]
            kind = "documents"
        else:
            files, _ = expand_paths(items)  # type: ignore[arg-type]
            bounds = _bounds(_file_sizes(files), partition_size, c)
            chunks = [(i, [str(f) for f in files[a:b]]) for i, (a, b) in enumerate(bounds)]
            kind = "paths"
        shared_ctx = None if ctx is None else dask.delayed(pack_codings(ctx), pure=True)
        results = _run_bag(c, chunks, _code_chunk, kind, key, blob, shared_ctx, folder, out_dir,
                           collect, read_options)
    out: list[Coding] = []
    for columns, _ in results:
        if columns is not None:
            out += unpack_codings(columns)
    return out


# -- Parquet ---------------------------------------------------------------------------------

def coding_schema() -> pa.Schema:
    """The Arrow schema of a codings Parquet file (one column per Coding field)."""
    _require_arrow()
    import pyarrow as pa

    return pa.schema([
        ("document", pa.string()), ("code", pa.string()), ("codebook", pa.string()),
        ("start", pa.int64()), ("end", pa.int64()), ("coder", pa.string()),
        ("rule", pa.string()), ("memo", pa.string()),
    ])


def _table(columns: CodingColumns) -> pa.Table:
    import pyarrow as pa

    schema = coding_schema()
    return pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(
        columns, schema, strict=True)], schema=schema)


def _write_part(columns: CodingColumns, folder: Path, index: int) -> Path:
    import pyarrow.parquet as pq

    path = folder / f"part-{index:05d}.parquet"
    tmp = folder / f".part-{index:05d}.{os.getpid()}.tmp"
    pq.write_table(_table(columns), tmp)
    os.replace(tmp, path)
    return path


def write_codings_parquet(codings: Iterable[Coding], path: str | Path) -> Path:
    """Write ``codings`` to one Parquet file at ``path`` (replaced atomically)."""
    _require_arrow()
    import pyarrow.parquet as pq

    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    pq.write_table(_table(pack_codings(codings)), tmp)
    os.replace(tmp, target)
    return target


def _parquet_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("part-*.parquet"))
    if path.is_file():
        return [path]
    raise InputError("no such Parquet file or folder", path=path)


def read_codings_parquet(path: str | Path) -> list[Coding]:
    """The codings in a Parquet file, or in a folder of ``part-*.parquet`` (in order)."""
    _require_arrow()
    import pyarrow.parquet as pq

    out: list[Coding] = []
    names = coding_schema().names
    for f in _parquet_files(Path(path)):
        try:
            table = pq.read_table(f, columns=names)
        except Exception as e:  # pyarrow raises several types for a bad file
            raise InputError(f"cannot read codings from Parquet: {e}", path=f) from e
        cols = tuple(table.column(n).to_pylist() for n in names)
        out += unpack_codings(cols)
    return out


def merge_into_project(project: Project, parquet_path: str | Path, *,
                       replace: bool = True) -> int:
    """Store the codings of a Parquet file or folder in ``project``, in one transaction.

    Auto-codings replace that codebook's earlier auto-codings (as ``qualcode
    code`` does; ``replace=False`` adds them instead); other codings are
    added. The documents must already be in the project (add them from
    :func:`ingest_dask` first). Returns how many codings were added;
    on any problem nothing is changed.
    """
    codings = read_codings_parquet(parquet_path)
    auto: dict[str, list[Coding]] = {}  # codebook name -> its auto-codings (any version)
    other: list[Coding] = []
    for c in codings:
        if replace and c.coder.startswith("auto:"):
            auto.setdefault(c.coder[5:].rpartition("@")[0] or c.coder[5:], []).append(c)
        else:
            other.append(c)
    added = 0
    with project.transaction():
        for items in auto.values():
            added += project.replace_auto_codings(items[0].coder, items)
        if other:
            added += project.add_codings(other)
    return added
