"""The Dask backend on a two-worker LocalCluster gives exactly the local results."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("distributed") is None or importlib.util.find_spec("pyarrow") is None:
    pytest.skip("the Dask backend needs dask[distributed] and pyarrow "
                "(pip install 'qualcode[scale]')", allow_module_level=True)

from test_parallel import BOOKS, small_corpus, within_barriers

from qualcode.coding import autocode
from qualcode.errors import InputError
from qualcode.ingest import read_transcripts
from qualcode.model import Document
from qualcode.scale.dask import (
    autocode_dask,
    ingest_dask,
    merge_into_project,
    read_codings_parquet,
    read_transcripts_dask,
    write_codings_parquet,
)
from qualcode.store import Project


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return small_corpus(tmp_path_factory.mktemp("dask-corpus"))


@pytest.fixture(scope="module")
def local(corpus: list[Path]) -> tuple[list[Document], list[Any]]:
    docs, failed = read_transcripts(corpus)
    return docs, list(failed)


def test_ingest_equals_local(client: Any, corpus: list[Path],
                             local: tuple[list[Document], list[Any]]) -> None:
    docs, failed = read_transcripts_dask(corpus, client=client, partition_size=3)
    assert docs == local[0]
    assert [(d.name, d.source) for d in docs] == [(d.name, d.source) for d in local[0]]
    assert failed == local[1]
    with pytest.raises(InputError, match="2 file"):
        ingest_dask(corpus, client=client)
    ok = [p for p in corpus if p.name not in ("broken.docx", "missing.txt")]
    assert ingest_dask(ok, client=client) == local[0]


def test_autocode_equals_local_and_merges(client: Any, corpus: list[Path], tmp_path: Path,
                                          local: tuple[list[Document], list[Any]]) -> None:
    docs = local[0]
    expected = autocode(docs, BOOKS)
    assert len(expected) > 100
    # documents shipped to the workers
    assert autocode_dask(docs, BOOKS, client=client) == expected
    # paths read on the workers, codings also written to Parquet by them
    out = tmp_path / "codings.parquet"
    got = autocode_dask(corpus, BOOKS, client=client, out_parquet=out, partition_size=4)
    assert got == expected
    assert len(list(out.glob("part-*.parquet"))) == 4
    assert read_codings_parquet(out) == expected
    # only written, not collected
    assert autocode_dask(corpus, BOOKS[:1], client=client, out_parquet=out,
                         collect=False) == []
    assert read_codings_parquet(out) == autocode(docs, BOOKS[:1])

    with Project.open(":memory:") as proj:
        proj.add_documents(docs)
        write_codings_parquet(expected, tmp_path / "all.parquet")
        assert merge_into_project(proj, tmp_path / "all.parquet") == len(expected)
        # stored codebook by codebook (each replaces that codebook's auto-codings)
        assert sorted(proj.codings(), key=repr) == sorted(expected, key=repr)
        # merging again replaces those codebooks' auto-codings: nothing doubles
        merge_into_project(proj, tmp_path / "all.parquet")
        assert sorted(proj.codings(), key=repr) == sorted(expected, key=repr)


def test_codebook_errors_before_anything_runs(client: Any,
                                              local: tuple[list[Document], list[Any]]) -> None:
    with pytest.raises(InputError, match="twice"):
        autocode_dask(local[0], ["barriers", "barriers"], client=client)
    with pytest.raises(InputError, match="collect=False"):
        autocode_dask(local[0], "barriers", client=client, collect=False)


def test_context_reaches_the_workers(client: Any, corpus: list[Path],
                                     local: tuple[list[Document], list[Any]]) -> None:
    docs = local[0]
    inner, context, expected = within_barriers(docs)
    assert autocode_dask(docs, inner, client=client, context=context) == expected
    assert autocode_dask(corpus, inner, client=client, context=context) == expected
