"""Reading and auto-coding on several processes of one machine.

:func:`read_transcripts_parallel` and :func:`autocode_parallel` give exactly
what :func:`qualcode.ingest.read_transcripts` and
:func:`qualcode.coding.autocode` give (same documents, same codings, same
order) but spread the documents over ``jobs`` worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`). ``jobs=None`` uses every
core (:func:`os.cpu_count`); ``jobs=1`` is the plain in-process call.

How the work is split: the files or documents are cut into contiguous chunks
of about equal size (bytes on disk, characters of text), a few per worker so
that a slow chunk does not leave the other cores idle, and the chunks'
results are put back together in order. Each worker builds the spaCy
pipelines and compiles the codebooks once (in its initializer, and then per
distinct set of codebooks), so a chunk costs only its own work.

Workers are started with the ``spawn`` method by default, which behaves the
same on Linux, macOS and Windows and is safe in programs that run threads
(a progress bar, a web server); scripts that use it need the usual
``if __name__ == "__main__":`` guard. A worker's first task waits while it
imports spaCy and loads the lemma tables (a few seconds, once per worker,
while the workers start side by side).

To reuse the workers across calls (and keep their in-memory token caches
warm), open a :class:`WorkerPool` and pass it as ``pool=``::

    with WorkerPool(jobs=2) as pool:
        docs, failed = read_transcripts_parallel(["transcripts/"], pool=pool)
        codings = autocode_parallel(docs, ["barriers"], pool=pool)

Documents and codings travel between processes as plain tuples and columns
rather than pickled objects (several times faster), and are rebuilt as
:class:`~qualcode.model.Document` and :class:`~qualcode.model.Coding` values
on arrival.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import itertools
import multiprocessing
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from ._gc import collector_paused
from .errors import InputError
from .ingest import Skipped, expand_paths, read_transcripts
from .model import Codebook, Coding, Comment, Document, Turn, trusted_coding

__all__ = [
    "WorkerPool",
    "autocode_parallel",
    "effective_jobs",
    "read_transcripts_parallel",
]

#: Chunks per worker: more balances uneven documents better, fewer costs less overhead.
CHUNKS_PER_JOB = 4
#: With ``jobs=None``, less work than this (characters of text, or bytes of files) is
#: done in-process: starting workers (about a second, plus loading spaCy in each)
#: would cost more than it saves. An explicit ``jobs`` is always obeyed.
AUTO_MIN_SIZE = 2_000_000

CodebooksArg = Codebook | str | os.PathLike[str] | Iterable[Codebook | str | os.PathLike[str]]
#: Codings as columns: document, code, codebook, start, end, coder, rule, memo.
CodingColumns = tuple[list[str], list[str], list[str | None], list[int], list[int], list[str],
                      list[str | None], list[str | None]]
#: A document as plain values (see :func:`pack_documents`).
DocumentRow = tuple[Any, ...]


# -- jobs and chunks -------------------------------------------------------------------

def effective_jobs(jobs: int | None) -> int:
    """The number of worker processes ``jobs`` asks for: ``None`` or 0 -> every core."""
    if jobs is None or jobs == 0:
        return max(1, os.cpu_count() or 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0:
        raise InputError(f"jobs must be a positive whole number (or None for every core), "
                         f"not {jobs!r}")
    return jobs


def chunk_bounds(sizes: Sequence[int], chunks: int) -> list[tuple[int, int]]:
    """Cut ``len(sizes)`` items into at most ``chunks`` contiguous, non-empty
    ``(start, end)`` ranges of about equal total size.

    >>> chunk_bounds([5, 1, 1, 1, 5, 1], 3)
    [(0, 1), (1, 4), (4, 6)]
    >>> chunk_bounds([1, 1], 5)
    [(0, 1), (1, 2)]
    """
    n = len(sizes)
    if n == 0:
        return []
    chunks = max(1, min(chunks, n))
    prefix = [0]
    for s in sizes:
        prefix.append(prefix[-1] + max(1, int(s)))
    cuts = [0]
    for k in range(1, chunks):
        target = prefix[-1] * k / chunks
        j = bisect.bisect_left(prefix, target)
        if j > 0 and target - prefix[j - 1] <= prefix[min(j, n)] - target:
            j -= 1  # the boundary before is nearer the target
        j = min(max(j, cuts[-1] + 1), n - (chunks - k))
        cuts.append(j)
    cuts.append(n)
    return list(itertools.pairwise(cuts))


# -- transport: documents and codings as plain values ------------------------------------

DOCUMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_TURN_FIELDS = tuple(f.name for f in dataclasses.fields(Turn) if f.name != "text")
_COMMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Comment))


def pack_documents(documents: Iterable[Document]) -> list[DocumentRow]:
    """Documents as tuples of plain values (turn texts are left out: they are slices)."""
    out: list[DocumentRow] = []
    for d in documents:
        row: list[Any] = []
        for name in DOCUMENT_FIELDS:
            value = getattr(d, name)
            if name == "turns":
                value = tuple(tuple(getattr(t, f) for f in _TURN_FIELDS) for t in value)
            elif name == "comments":
                value = tuple(tuple(getattr(c, f) for f in _COMMENT_FIELDS) for c in value)
            row.append(value)
        out.append(tuple(row))
    return out


def unpack_documents(rows: Iterable[DocumentRow]) -> list[Document]:
    """The documents that :func:`pack_documents` packed (equal to the originals)."""
    docs: list[Document] = []
    for row in rows:
        values = dict(zip(DOCUMENT_FIELDS, row, strict=True))
        text: str = values["text"]
        turns = []
        for t in values["turns"]:
            kw = dict(zip(_TURN_FIELDS, t, strict=True))
            turns.append(Turn(text=text[kw["start"]:kw["end"]], **kw))
        values["turns"] = tuple(turns)
        values["comments"] = tuple(Comment(*c) for c in values["comments"])
        docs.append(Document(**values))
    return docs


def pack_codings(codings: Iterable[Coding]) -> CodingColumns:
    """Codings as eight columns of plain values (one list per field)."""
    cols: CodingColumns = ([], [], [], [], [], [], [], [])
    doc, code, book, start, end, coder, rule, memo = cols
    for c in codings:
        doc.append(c.document)
        code.append(c.code)
        book.append(c.codebook)
        start.append(c.start)
        end.append(c.end)
        coder.append(c.coder)
        rule.append(c.rule)
        memo.append(c.memo)
    return cols


def select_codings(columns: CodingColumns, documents: Iterable[str]) -> CodingColumns:
    """The packed codings whose document id is in ``documents`` (order kept)."""
    wanted = set(documents)
    keep = [i for i, d in enumerate(columns[0]) if d in wanted]
    out: Any = tuple([col[i] for i in keep] for col in columns)
    return out


def unpack_codings(columns: CodingColumns) -> list[Coding]:
    """The codings that :func:`pack_codings` packed, in order."""
    doc, code, book, start, end, coder, rule, memo = columns
    make = trusted_coding  # packed from valid codings by our own workers
    with collector_paused():
        return [make(d, c, s, e, who, r, b, m)
                for d, c, b, s, e, who, r, m in zip(doc, code, book, start, end, coder, rule,
                                                    memo, strict=True)]


# -- codebooks ---------------------------------------------------------------------------

def resolve_codebooks(codebooks: CodebooksArg) -> list[Codebook]:
    """Codebook values for ``codebooks`` (paths and bundled names are loaded)."""
    from .codebook import load_codebook

    single = isinstance(codebooks, Codebook | str) or hasattr(codebooks, "__fspath__")
    items: list[Any] = [codebooks] if single else list(codebooks)  # type: ignore[arg-type]
    return [b if isinstance(b, Codebook) else load_codebook(b) for b in items]


def codebooks_blob(books: Sequence[Codebook]) -> tuple[str, bytes]:
    """``(key, pickled codebooks)``: what workers receive; the key names the set."""
    blob = pickle.dumps(list(books), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(blob).hexdigest(), blob


def rule_languages(books: Iterable[Codebook]) -> set[str]:
    """Languages any rule of ``books`` is written for."""
    return {r.language for cb in books for c in cb.codes for r in c.rules}


# -- what runs in a worker ---------------------------------------------------------------

_worker_lock = threading.Lock()
#: key -> codebooks, kept alive so that their compiled matchers stay cached
_worker_books: OrderedDict[str, list[Codebook]] = OrderedDict()
_WORKER_BOOKS_KEPT = 4


def _books_for(key: str, blob: bytes) -> list[Codebook]:
    books = _worker_books.get(key)
    if books is None:
        books = pickle.loads(blob)
        _worker_books[key] = books
        while len(_worker_books) > _WORKER_BOOKS_KEPT:
            _worker_books.popitem(last=False)
    else:
        _worker_books.move_to_end(key)
    return books


def warm_worker(languages: Sequence[str] = (), books_key: str | None = None,
                books: bytes | None = None) -> None:
    """Build the pipelines of ``languages`` and compile the codebooks for them.

    Used as the process pool's initializer (and on Dask workers): afterwards
    a task's only cost is its own documents.
    """
    from .coding import compile_codebook, get_pipeline

    with _worker_lock:
        for lang in languages:
            get_pipeline(lang)
        if books_key is not None and books is not None:
            compiled = _books_for(books_key, books)
            for lang in languages:
                for cb in compiled:
                    compile_codebook(cb, lang)


def _ping() -> int:
    import time

    time.sleep(0.05)  # long enough for the other workers to take the other pings
    return os.getpid()


def read_task(files: Sequence[str], language: str | None,
              roles: Mapping[str, str] | None, attributes: Mapping[str, Any] | None
              ) -> tuple[list[DocumentRow], list[tuple[str, str]]]:
    """Read ``files`` as :func:`~qualcode.ingest.read_transcripts` does; packed."""
    docs, failed = read_transcripts(files, language=language, roles=roles,
                                    attributes=attributes)
    return pack_documents(docs), [(s.path, s.reason) for s in failed]


def code_task(books_key: str, books: bytes, rows: Sequence[DocumentRow],
              context: CodingColumns | None, cache_dir: str | None) -> CodingColumns:
    """Code packed documents with the codebooks (cached per worker by key); packed."""
    from .coding import autocode

    docs = unpack_documents(rows)
    ctx = unpack_codings(context) if context is not None else None
    with _worker_lock:  # spaCy's vocab and the caches are not shared between threads
        found = autocode(docs, _books_for(books_key, books), context=ctx, cache_dir=cache_dir)
    return pack_codings(found)


# -- the pool ------------------------------------------------------------------------------

class WorkerPool:
    """Worker processes for reading and coding, reusable across calls.

    ``jobs`` workers (``None``: every core) are started with ``start_method``
    (default ``"spawn"``; ``"fork"`` and ``"forkserver"`` where the platform
    has them). ``languages`` are the pipelines each worker builds at start;
    ``codebooks``, if given, are compiled at start too. Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(self, jobs: int | None = None, *, languages: Iterable[str] = ("en", "id"),
                 codebooks: CodebooksArg | None = None, start_method: str | None = None
                 ) -> None:
        self.jobs = effective_jobs(jobs)
        langs = tuple(sorted(set(languages)))
        key: str | None = None
        blob: bytes | None = None
        if codebooks is not None:
            key, blob = codebooks_blob(resolve_codebooks(codebooks))
        context = multiprocessing.get_context(start_method or "spawn")
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=context, initializer=warm_worker,
            initargs=(langs, key, blob))

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (waiting for running tasks)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def warm(self, timeout: float = 120.0) -> None:
        """Wait until every worker has started and run its initializer."""
        import time

        seen: set[int] = set()
        deadline = time.monotonic() + timeout
        while len(seen) < self.jobs and time.monotonic() < deadline:
            futures = [self.submit(_ping) for _ in range(self.jobs)]
            seen.update(f.result() for f in futures)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a worker (``fn`` must be importable: spawn pickles it by name)."""
        if self._executor is None:
            raise InputError("the worker pool is closed")
        return self._executor.submit(fn, *args)

    def map_ordered(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]],
                    done: Callable[[int], None] | None = None) -> list[Any]:
        """``[fn(*t) for t in tasks]`` over the workers, in order; ``done(i)``
        after each task finishes (in completion order)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        futures = [self.submit(fn, *t) for t in tasks]
        index = {f: i for i, f in enumerate(futures)}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    f.result()  # raise a worker's error at once
                    if done is not None:
                        done(index[f])
        except BaseException:
            for f in pending:
                f.cancel()
            raise
        return [f.result() for f in futures]


def _with_pool(pool: WorkerPool | None, jobs: int, languages: Iterable[str],
               books: Sequence[Codebook] | None, run: Callable[[WorkerPool], Any]) -> Any:
    if pool is not None:
        return run(pool)
    with WorkerPool(jobs, languages=languages, codebooks=books) as own:
        return run(own)


# -- reading -------------------------------------------------------------------------------

def read_transcripts_parallel(
    paths: Iterable[str | Path],
    *,
    jobs: int | None = None,
    language: str | None = None,
    roles: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    pool: WorkerPool | None = None,
) -> tuple[list[Document], list[Skipped]]:
    """:func:`~qualcode.ingest.read_transcripts` on ``jobs`` processes; same result.

    Files are read in chunks of about equal size on disk; ``progress(done,
    total, file)`` is called as chunks finish, then ``(total, total, "")``.
    ``jobs=None`` uses every core, but reads in this process when the files
    add up to less than :data:`AUTO_MIN_SIZE` bytes; ``jobs=1`` (or a
    single file) always reads in this process.
    """
    items = list(paths)
    n_jobs = pool.jobs if pool is not None else effective_jobs(jobs)
    files, skipped = expand_paths(items)
    sizes = []
    for f in files:
        try:
            sizes.append(f.stat().st_size)
        except OSError:
            sizes.append(0)
    small = jobs is None and pool is None and sum(sizes) < AUTO_MIN_SIZE
    if n_jobs == 1 or len(files) < 2 or small:
        return read_transcripts(items, language=language, roles=roles, attributes=attributes,
                                progress=progress)
    bounds = chunk_bounds(sizes, n_jobs * CHUNKS_PER_JOB)
    tasks = [([str(f) for f in files[a:b]], language, roles, attributes) for a, b in bounds]
    finished = 0

    def done(i: int) -> None:
        nonlocal finished
        a, b = bounds[i]
        finished += b - a
        if progress is not None:
            progress(finished, len(files), str(files[b - 1]))

    if progress is not None:
        progress(0, len(files), str(files[0]))
    results = _with_pool(pool, n_jobs, (), None,
                         lambda p: p.map_ordered(read_task, tasks, done))
    docs: list[Document] = []
    failed = list(skipped)
    for rows, bad in results:
        docs += unpack_documents(rows)
        failed += [Skipped(path, reason) for path, reason in bad]
    if progress is not None:
        progress(len(files), len(files), "")
    return docs, failed


# -- coding --------------------------------------------------------------------------------

def _tokens_cached(docs: list[Document], books: list[Codebook],
                   cache_dir: str | os.PathLike[str] | None) -> bool:
    """Is every document already tokenised (a re-code)? Then one process codes
    about 2M words/s, faster than sending documents and codings to workers."""
    from .coding.nlp import is_cached

    wanted = rule_languages(books)
    if any(d.language is None for d in docs):
        return False
    return is_cached(((d.text, d.language) for d in docs
                      if d.language in wanted and d.text.strip()), cache_dir)


def autocode_parallel(
    documents: Document | Iterable[Document],
    codebooks: CodebooksArg,
    *,
    jobs: int | None = None,
    context: Iterable[Coding] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    pool: WorkerPool | None = None,
) -> list[Coding]:
    """:func:`~qualcode.coding.autocode` on ``jobs`` processes; same codings, same order.

    Documents are coded in contiguous chunks of about equal length;
    ``context`` codings go to the chunk of their document. ``cache_dir`` is
    the token cache every worker reads and writes (safe to share: files are
    written atomically). ``progress(done, total)`` is called as chunks
    finish. Codebook problems are raised before any worker starts.
    ``jobs=None`` uses every core, but codes in this process when the texts
    add up to less than :data:`AUTO_MIN_SIZE` characters; ``jobs=1`` always
    codes in this process, and so does a re-code whose tokens are all cached
    (in memory or in ``cache_dir``).
    """
    from .coding import autocode

    docs = [documents] if isinstance(documents, Document) else list(documents)
    books = resolve_codebooks(codebooks)
    ctx = None if context is None else list(context)
    autocode([], books, context=ctx)  # the same checks, and errors, as the serial call
    n_jobs = pool.jobs if pool is not None else effective_jobs(jobs)
    sizes = [len(d.text) for d in docs]
    small = jobs is None and pool is None and sum(sizes) < AUTO_MIN_SIZE
    if n_jobs == 1 or len(docs) < 2 or small or _tokens_cached(docs, books, cache_dir):
        return autocode(docs, books, context=ctx, cache_dir=cache_dir, progress=progress)

    key, blob = codebooks_blob(books)
    bounds = chunk_bounds(sizes, n_jobs * CHUNKS_PER_JOB)
    by_doc: dict[str, list[Coding]] = {}
    for c in ctx or ():
        by_doc.setdefault(c.document, []).append(c)
    folder = None if cache_dir is None else os.fspath(cache_dir)
    tasks = []
    for a, b in bounds:
        chunk = docs[a:b]
        chunk_ctx = None
        if ctx is not None:
            ids = dict.fromkeys(d.id for d in chunk)
            chunk_ctx = pack_codings(c for i in ids for c in by_doc.get(i, ()))
        tasks.append((key, blob, pack_documents(chunk), chunk_ctx, folder))
    finished = 0

    def done(i: int) -> None:
        nonlocal finished
        a, b = bounds[i]
        finished += b - a
        if progress is not None:
            progress(finished, len(docs))

    wanted = rule_languages(books)
    langs = wanted if any(d.language is None for d in docs) else \
        {d.language for d in docs if d.language} & wanted
    results = _with_pool(pool, n_jobs, langs, books,
                         lambda p: p.map_ordered(code_task, tasks, done))
    out: list[Coding] = []
    for cols in results:
        out += unpack_codings(cols)
    return out
