"""Local multi-process reading and coding give exactly the serial results."""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import qualcode.parallel as _parallel
from qualcode.codebook import load_codebook, parse_codebook
from qualcode.coding import autocode
from qualcode.errors import InputError
from qualcode.ingest import read_transcripts
from qualcode.model import Codebook, Coding, Comment, Document, Turn
from qualcode.parallel import (
    WorkerPool,
    autocode_parallel,
    chunk_bounds,
    effective_jobs,
    pack_codings,
    pack_documents,
    read_transcripts_parallel,
    unpack_codings,
    unpack_documents,
)

real_tokens_cached = _parallel._tokens_cached


@pytest.fixture(autouse=True)
def _workers_even_for_cached_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests code what a serial run has just tokenised, which the library
    would rightly code in-process; make it use the workers under test."""
    monkeypatch.setattr(_parallel, "_tokens_cached", lambda *args: False)

ROOT = Path(__file__).resolve().parent.parent
BOOKS = ["barriers", "power_cube", "empowerment", "advocacy"]


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qc_bench_corpus",
                                                  ROOT / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def small_corpus(folder: Path) -> list[Path]:
    """12 generated interviews (txt, docx, vtt; en and id), 2 bundled transcripts,
    a broken file and a missing one."""
    paths = _corpus_module().generate_preset(folder / "gen", 12 * 600, words_per_file=600)
    for name in ("kdr_interview_disnaker_en.txt", "jkt_fgd_cilincing_pengelem_id.txt"):
        shutil.copy(ROOT / "transcripts" / name, folder / name)
    (folder / "broken.docx").write_bytes(b"not a zip file")
    return [*paths, folder / "kdr_interview_disnaker_en.txt",
            folder / "jkt_fgd_cilincing_pengelem_id.txt", folder / "broken.docx",
            folder / "missing.txt"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return small_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def serial(corpus: list[Path]) -> tuple[list[Document], list[object]]:
    docs, failed = read_transcripts(corpus)
    return docs, list(failed)


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as p:
        yield p


def test_chunks_are_contiguous_and_cover_everything() -> None:
    for sizes in ([1] * 10, [100, 1, 1, 1, 1, 100], [5], list(range(1, 30))):
        for n in (1, 2, 3, 8, 40):
            bounds = chunk_bounds(sizes, n)
            assert bounds[0][0] == 0 and bounds[-1][1] == len(sizes)
            assert all(a < b for a, b in bounds)
            assert all(b == c for (_, b), (c, _) in itertools.pairwise(bounds))
            assert len(bounds) <= min(n, len(sizes))
    assert chunk_bounds([], 4) == []


def test_jobs() -> None:
    assert effective_jobs(None) >= 1
    assert effective_jobs(3) == 3
    with pytest.raises(InputError, match="jobs"):
        effective_jobs(-1)


def test_transport_round_trip() -> None:
    text = "I: Hello?\nR: We had no contract. Never."
    doc = Document(name="x.txt", text=text, language="en", attributes={"site": "a", "n": 3},
                   turns=(Turn("I", 3, 9, text[3:9], "interviewer", 1.5, 2.0),
                          Turn("R", 13, len(text), text[13:], "participant")),
                   comments=(Comment(13, 20, "note", "ana", "2024-01-01"),), version=2,
                   source="/tmp/x.txt", format="txt")
    back = unpack_documents(pack_documents([doc]))[0]
    assert back == doc and back.version == 2 and back.source == doc.source
    codings = [Coding(doc.id, "a", 0, 3, "auto:b@1", "a/en/1", "b"),
               Coding(doc.id, "c", 1, 2, "ana", None, None, "memo")]
    assert unpack_codings(pack_codings(codings)) == codings


def test_read_jobs2_equals_serial(corpus: list[Path], serial: tuple[list[Document], list[object]],
                                  pool: WorkerPool) -> None:
    seen: list[tuple[int, int]] = []
    docs, failed = read_transcripts_parallel(corpus, pool=pool,
                                             progress=lambda d, t, _f: seen.append((d, t)))
    assert docs == serial[0]
    assert [d.name for d in docs] == [d.name for d in serial[0]]
    assert [d.source for d in docs] == [d.source for d in serial[0]]
    assert failed == serial[1] and len(failed) == 2  # broken.docx, missing.txt
    assert seen[-1] == (len(corpus) - 1, len(corpus) - 1)


def test_autocode_jobs2_equals_serial(serial: tuple[list[Document], list[object]],
                                      pool: WorkerPool) -> None:
    docs = serial[0]
    books = [load_codebook(b) for b in BOOKS]
    expected = autocode(docs, books)
    assert len(expected) > 100
    seen: list[int] = []
    got = autocode_parallel(docs, books, pool=pool, progress=lambda d, t: seen.append(d))
    assert got == expected
    assert seen[-1] == len(docs)
    # a codebook change reuses the same workers and gives the new serial result
    again = autocode_parallel(docs, BOOKS[:2], pool=pool)
    assert again == autocode(docs, BOOKS[:2])


def within_barriers(docs: list[Document]) -> tuple[Codebook, list[Coding], list[Coding]]:
    """A codebook scoped within barrier codes, the barrier codings it needs as
    context, and its serial codings of ``docs`` (shared with test_dask)."""
    inner = parse_codebook("""
codebook: inner
codes:
  - name: pay_in_barrier
    scope: {within: ["barriers:low_piece_wage", "barriers:long_hours"], roles: all}
    rules:
      en: [{lemma: pay}, {lemma: hour}, {lemma: rate}]
      id: [{lemma: bayar}, {lemma: jam}, {lemma: upah}]
""")
    context = autocode(docs, "barriers")
    expected = autocode(docs, inner, context=context)
    assert expected, "the test needs some codings inside barrier passages"
    return inner, context, expected


def test_context_goes_with_its_documents(serial: tuple[list[Document], list[object]],
                                         pool: WorkerPool) -> None:
    docs = serial[0]
    inner, context, expected = within_barriers(docs)
    assert autocode_parallel(docs, inner, context=context, pool=pool) == expected


def test_own_pool_and_jobs1(serial: tuple[list[Document], list[object]], corpus: list[Path],
                            tmp_path: Path) -> None:
    docs = serial[0][:4]
    expected = autocode(docs, "barriers")
    assert autocode_parallel(docs, "barriers", jobs=1) == expected
    # a fresh pool of its own, sharing a token cache folder
    assert autocode_parallel(docs, "barriers", jobs=2, cache_dir=tmp_path / "tokens") == expected
    assert list((tmp_path / "tokens").rglob("*.tok"))
    assert read_transcripts_parallel(corpus[:3], jobs=1)[0] == serial[0][:3]


def test_a_recode_of_cached_tokens_stays_in_process(monkeypatch: pytest.MonkeyPatch,
                                                     serial: tuple[list[Document], list[object]],
                                                     tmp_path: Path) -> None:
    import qualcode.parallel as parallel
    from qualcode.coding.nlp import clear_memory_cache

    docs = serial[0][:4]
    clear_memory_cache()
    expected = autocode(docs, "barriers", cache_dir=tmp_path)  # tokens now cached
    monkeypatch.setattr(parallel, "_tokens_cached", real_tokens_cached)

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a re-code of cached tokens should not start workers")

    monkeypatch.setattr(parallel, "WorkerPool", no_pool)
    assert autocode_parallel(docs, "barriers", jobs=2) == expected  # in memory
    clear_memory_cache()
    assert autocode_parallel(docs, "barriers", jobs=2, cache_dir=tmp_path) == expected  # on disk
    clear_memory_cache()
    assert not parallel._tokens_cached(docs, [load_codebook("barriers")], tmp_path / "elsewhere")


def test_codebook_errors_are_raised_before_the_workers(serial: tuple[list[Document],
                                                                     list[object]]) -> None:
    with pytest.raises(InputError, match="twice"):
        autocode_parallel(serial[0], ["barriers", "barriers"], jobs=2)


def test_auto_jobs_keeps_small_work_in_process(monkeypatch: pytest.MonkeyPatch, corpus: list[Path],
                                               serial: tuple[list[Document], list[object]]
                                               ) -> None:
    import qualcode.parallel as parallel

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small job should not start workers")

    monkeypatch.setattr(parallel, "WorkerPool", no_pool)
    docs = serial[0]
    assert autocode_parallel(docs, "barriers") == autocode(docs, "barriers")
    assert read_transcripts_parallel(corpus)[0] == docs
