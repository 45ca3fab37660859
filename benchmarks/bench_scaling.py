"""Scaling from 1 to 2 processes (``jobs``) and from 1 to 2 Dask workers, repeated.

On a shared or virtual machine one run says little about scaling: other
programs and the hypervisor take cores away for seconds at a time. This script
alternates the configurations ``--repeat`` times on the same corpus and
reports the best and the median wall time of each, the CPU time the workers
used, and the speed-up; it also times pure-Python work on 1 and 2 processes,
which shows how much parallelism the machine offered meanwhile.

Measured (after the workers have started): cold auto-coding (tokenise + code,
no token cache) with the four bundled codebooks through ``autocode_parallel``,
and reading + cold coding from paths through ``autocode_dask``.

Run: ``.venv/bin/python benchmarks/bench_scaling.py [--size 1M] [--repeat 3] [--no-dask]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_all import load_books, parallel_capacity  # noqa: E402
from corpus import generate_preset  # noqa: E402


def _clear_caches() -> None:
    """Empty the token cache and start new pipelines (a run in this process must
    be as cold as one on new workers: no cached words or lemmas)."""
    from qualcode.coding import nlp

    nlp.clear_memory_cache()
    with nlp._lock:  # as bench_all.fresh_pipelines; inline: this also runs on Dask workers
        nlp._pipelines.clear()
    for lang in ("en", "id"):
        nlp.get_pipeline(lang)


def local_runs(docs: list[Any], books: list[Any], jobs: int, repeat: int) -> list[float]:
    from qualcode.parallel import WorkerPool, autocode_parallel

    times = []
    for _ in range(repeat):
        _clear_caches()  # jobs=1 codes in this process
        with WorkerPool(jobs, codebooks=books) as pool:  # new workers: empty token caches
            pool.warm()
            t = time.perf_counter()
            autocode_parallel(docs, books, pool=pool)
            times.append(time.perf_counter() - t)
    return times


def dask_runs(paths: list[Path], books: list[Any], workers: int, repeat: int) -> list[float]:
    from distributed import Client, LocalCluster

    from qualcode.parallel import warm_worker
    from qualcode.scale.dask import autocode_dask

    times = []
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(warm_worker, ("en", "id"))
        for _ in range(repeat):
            client.run(_clear_caches)
            t = time.perf_counter()
            autocode_dask(paths, books, client=client)
            times.append(time.perf_counter() - t)
    return times


def summary(times: list[float], words: int) -> dict[str, float]:
    return {"best_s": min(times), "median_s": statistics.median(times),
            "best_wps": words / min(times), "median_wps": words / statistics.median(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--corpus", type=Path, default=HERE / "results" / "corpus")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from qualcode.ingest import read_transcripts

    paths = generate_preset(args.corpus, args.size)
    docs, _ = read_transcripts(paths)
    words = sum(d.word_count for d in docs)
    books = load_books()
    out: dict[str, Any] = {"size": args.size, "words": words, "repeat": args.repeat,
                           "load_average_start": list(os.getloadavg())}
    out["capacity_before"] = parallel_capacity(2)
    runs: dict[str, list[float]] = {"jobs=1": [], "jobs=2": []}
    for _ in range(args.repeat):  # alternate, so that a busy spell hits both
        runs["jobs=1"] += local_runs(docs, books, 1, 1)
        runs["jobs=2"] += local_runs(docs, books, 2, 1)
    if not args.no_dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("dask[distributed] is not installed: no Dask rows", file=sys.stderr)
        else:
            runs["dask 1 worker"] = dask_runs(paths, books, 1, args.repeat)
            runs["dask 2 workers"] = dask_runs(paths, books, 2, args.repeat)
    out["capacity_after"] = parallel_capacity(2)
    out["load_average_end"] = list(os.getloadavg())
    out["runs"] = {k: {"times_s": v, **summary(v, words)} for k, v in runs.items()}
    print(f"{words:,} words, {args.repeat} runs each; pure-Python parallelism available: "
          f"{out['capacity_before']:.2f}x before, {out['capacity_after']:.2f}x after; load "
          f"{out['load_average_start'][0]:.2f} -> {out['load_average_end'][0]:.2f}")
    print(f"{'configuration':16} {'best s':>8} {'median s':>9} {'best words/s':>13} "
          f"{'speed-up (best)':>16}")
    pairs = {"jobs=2": "jobs=1", "dask 2 workers": "dask 1 worker"}
    for name, r in out["runs"].items():
        base = out["runs"].get(pairs.get(name, ""), None)
        speed = f"{base['best_s'] / r['best_s']:.2f}x" if base else ""
        print(f"{name:16} {r['best_s']:8.2f} {r['median_s']:9.2f} {r['best_wps']:13,.0f} "
              f"{speed:>16}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
