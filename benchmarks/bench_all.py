"""All performance targets of issue 9 in one run: one table, one JSON file.

For each corpus size (``--sizes``, default 10k, 100k, 1M and 5M words; ``--quick``
leaves out 5M) a fresh subprocess runs the pipeline on a generated corpus of
interviews (see ``corpus.generate_preset``: txt, docx and vtt; English and
Indonesian) with the four bundled codebooks, so that each size's peak RSS is
its own:

- ingest (``read_transcripts``), tokenise (spaCy, no cache), auto-code cold
  (tokenise + code, writing the token cache as the CLI does), auto-code on
  cached tokens, re-code after a codebook change (cached tokens: in memory,
  and from the disk cache in a "new process"), co-occurrence + network
  (unit turn, association strength);
- baselines in the same process: a naive per-keyword regex coder (for each
  keyword of each rule: ``re.finditer`` over every document of the rule's
  language, widened to the sentence) and a pure-Python pairwise co-occurrence
  loop (``bench_network.baseline``).

A further subprocess at 1M words (skip with ``--no-extras``) measures the
200-rule comparison (the bundled rules plus generated ones, at least 200 per
language, against the regex coder with the same keywords), two local
processes (``--jobs``, default 2) and 1 vs 2 Dask workers (if Dask is
installed), and a SQLite project with 1M codings.

Run: ``.venv/bin/python benchmarks/bench_all.py [--quick] [--sizes 10k,1M] [--json F]``.
Results go to ``benchmarks/results/bench-<date>.json`` unless ``--json`` says otherwise.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as _dt
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import COMMON_WORDS, PRESETS, generate_preset, parse_size  # noqa: E402

BOOKS = ("power_cube", "empowerment", "barriers", "advocacy")
RESULTS = HERE / "results"
T = TypeVar("T")

# targets (issue 9)
TARGET_COLD_WPS = 100_000
TARGET_CACHED_WPS = 1_000_000  # issue 4: 200+ rules on cached tokens
TARGET_RECODE_S_PER_1M = 1.0
TARGET_COOC_S = 0.5
TARGET_REGEX_RATIO = 10.0
TARGET_RSS_MB_5M = 2048
TARGET_QUERY_S = 1.0
RULES_PER_LANGUAGE = 200
#: The regex baseline is timed on about this many words and extrapolated (it is linear).
REGEX_SAMPLE_WORDS = 100_000


# -- helpers ----------------------------------------------------------------------------------

def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - t


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB: VmHWM on Linux (ru_maxrss can
    carry the parent's peak over a fork and exec), else ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / 1024 if sys.platform != "darwin" else rss / 2**20


def fresh_pipelines() -> None:
    """Build new spaCy pipelines (not timed), so that what runs next starts cold:
    spaCy's tokenizer and lexeme caches and qualcode's lemma lookups are per
    pipeline, and a second pass over the same words would find them warm."""
    from qualcode.coding import nlp

    with nlp._lock:
        nlp._pipelines.clear()
    for lang in ("en", "id"):
        nlp.get_pipeline(lang)


def load_books() -> list[Any]:
    from qualcode.codebook import load_codebook

    return [load_codebook(b) for b in BOOKS]


def changed(books: Sequence[Any]) -> list[Any]:
    """The codebooks after an edit: one more rule and a new version of ``barriers``."""
    from qualcode.coding.rules import Rule

    out = []
    for cb in books:
        if cb.name == "barriers":
            code = cb.codes[1]
            extra = Rule.from_dict({"phrase": "no contract at all"}, language="en",
                                   id=f"{code.name}/en/bench")
            codes = tuple(dataclasses.replace(c, rules=(*c.rules, extra)) if c is code else c
                          for c in cb.codes)
            cb = dataclasses.replace(cb, codes=codes, version=f"{cb.version}-edited")
        else:
            cb = dataclasses.replace(cb)  # a new object: compiled again, like a reload
        out.append(cb)
    return out


def synthetic_codebook(per_language: dict[str, int], seed: int = 7) -> Any:
    """A generated codebook with ``per_language[lang]`` rules per language: phrase,
    lemma and near rules over the corpus's common words (half phrase, three in
    ten lemma, two in ten near, as in the bundled codebooks)."""
    from qualcode.codebook import parse_codebook

    rng = random.Random(seed)
    lines = ["codebook: bench_extra", "version: '1'", "codes:"]
    n_codes = max(1, max(per_language.values(), default=0) // 4 + 1)
    rules: dict[int, dict[str, list[str]]] = {i: {} for i in range(n_codes)}
    for lang, n in per_language.items():
        words = [w for w in COMMON_WORDS[lang] if w.isalpha() and len(w) > 2]
        for k in range(n):
            a, b = rng.sample(words, 2)
            kind = k % 10
            if kind < 5:
                rule = f'{{phrase: "{a} {b}"}}'
            elif kind < 8:
                rule = f'{{lemma: "{a}"}}' if kind == 5 else f'{{lemma: "{a} {b}"}}'
            else:
                rule = f'{{near: ["{a}", "{b}"], within: 3}}'
            rules[k % n_codes].setdefault(lang, []).append(rule)
    for i in range(n_codes):
        if not rules[i]:
            continue
        lines += [f"  - name: extra_{i:03d}", "    rules:"]
        for lang, items in rules[i].items():
            lines.append(f"      {lang}: [{', '.join(items)}]")
    return parse_codebook("\n".join(lines) + "\n")


def rule_count(books: Iterable[Any], lang: str) -> int:
    return sum(1 for cb in books for c in cb.codes for r in c.rules if r.language == lang)


# -- baselines ------------------------------------------------------------------------------

def _leaf_keywords(rule: Any) -> list[tuple[str, bool]]:
    """(pattern, is_regex) of every keyword of a rule, as a keyword coder would search."""
    if rule.kind in ("all", "any"):
        return [kw for part in rule.parts for kw in _leaf_keywords(part)]
    if rule.kind == "regex":
        return [(p, True) for p in rule.patterns]
    return [(p, False) for p in (*rule.patterns, *rule.others)]


def regex_coder_compile(books: Iterable[Any]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """Per language: (code, compiled keyword regex), one per keyword of every rule."""
    out: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for cb in books:
        for code in cb.codes:
            for rule in code.rules:
                for pattern, is_regex in _leaf_keywords(rule):
                    rx = pattern if is_regex else r"\b" + r"\s+".join(
                        re.escape(w) for w in pattern.split()) + r"\b"
                    out.setdefault(rule.language, []).append((code.name, re.compile(rx, re.I)))
    return out


_SENTENCE_END = re.compile(r"[.?!]+(?:\s+|$)|\n")


def subsample(docs: Sequence[Any], words: int) -> list[Any]:
    """Every k-th document, about ``words`` words in all (both languages kept)."""
    total = sum(d.word_count for d in docs)
    k = max(1, round(total / max(1, words)))
    return list(docs[::k]) if k > 1 else list(docs)


def regex_baseline(docs: Sequence[Any], books: Sequence[Any], words: int
                   ) -> tuple[float, int, int, int]:
    """Seconds the regex coder would take on ``docs``, timed on a subsample of about
    ``words`` words and extrapolated linearly in words (the coder's work is linear:
    every keyword over every character); -> (seconds, codings, keywords, words timed)."""
    compiled = regex_coder_compile(books)
    sample = subsample(docs, words)
    n, t = timed(regex_coder, sample, compiled)
    sampled = sum(d.word_count for d in sample)
    scale = sum(d.word_count for d in docs) / sampled
    return t * scale, round(n * scale), sum(len(v) for v in compiled.values()), sampled


def regex_coder(docs: Sequence[Any], compiled: dict[str, list[tuple[str, re.Pattern[str]]]]
                ) -> int:
    """The naive coder: every keyword regex over every document of its language;
    each match becomes a coding of its sentence (duplicates per code dropped)."""
    total = 0
    for doc in docs:
        text = doc.text
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        found: set[tuple[str, int]] = set()
        for code, rx in compiled.get(doc.language or "en", ()):
            for m in rx.finditer(text):
                found.add((code, bisect.bisect_right(ends, m.start())))
        total += len(found)
    return total


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def parallel_capacity(jobs: int, n: int = 5_000_000) -> float:
    """How much faster ``jobs`` processes do ``jobs`` units of pure-Python work than one
    process: the parallelism the machine really offered (other programs share the cores)."""
    from concurrent.futures import ProcessPoolExecutor

    _, serial = timed(lambda: [_burn(n) for _ in range(jobs)])
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_burn, [10] * jobs))
        _, parallel = timed(lambda: list(ex.map(_burn, [n] * jobs)))
    return serial / parallel


# -- the pipeline case (one size, one process) --------------------------------------------------

def case_pipeline(size: str, corpus_dir: Path, with_baselines: bool) -> dict[str, Any]:
    from bench_network import baseline as pairwise

    import qualcode as qc
    from qualcode.analysis import cooccurrence, cooccurrence_network
    from qualcode.coding import autocode, compile_codebook, get_pipeline
    from qualcode.coding.nlp import cache_stats, clear_memory_cache, tokenise
    from qualcode.ingest import read_transcripts

    r: dict[str, Any] = {"size": size}
    paths = generate_preset(corpus_dir, size)
    books = load_books()
    _, r["pipeline_load_s"] = timed(lambda: [compile_codebook(cb, lang) for lang in ("en", "id")
                                             for _ in [get_pipeline(lang)] for cb in books])
    (docs, failed), t = timed(read_transcripts, paths)
    assert not failed, failed
    words = sum(d.word_count for d in docs)
    r.update(files=len(paths), words=words, ingest_s=t, ingest_wps=words / t)

    fresh_pipelines()
    sdocs, t = timed(tokenise, [(d.text, d.language or "en") for d in docs])
    r.update(tokenise_s=t, tokenise_wps=words / t, tokens=sum(len(x) for x in sdocs))
    del sdocs
    clear_memory_cache()
    fresh_pipelines()  # the cold run must not find the words seen by the tokenise row
    with tempfile.TemporaryDirectory() as cache:
        codings, t = timed(autocode, docs, books, cache_dir=cache)
        r.update(code_cold_s=t, code_cold_wps=words / t, codings=len(codings),
                 codings_per_1k_words=1000 * len(codings) / words,
                 cold_total_s=r["ingest_s"] + t,
                 cold_total_wps=words / (r["ingest_s"] + t))
        cache_stats.reset()
        again, t = timed(autocode, docs, books, cache_dir=cache)
        assert again == codings
        r.update(code_cached_s=t, code_cached_wps=words / t,
                 cached_memory_hits=cache_stats.memory_hits, cached_disk_hits=cache_stats.disk_hits,
                 cached_tokenised=cache_stats.tokenised)
        edited = changed(books)
        recoded, t = timed(autocode, docs, edited, cache_dir=cache)
        r.update(recode_s=t, recode_s_per_1M=t * 1e6 / words)
        clear_memory_cache()
        edited = changed(books)
        _, t = timed(autocode, docs, edited, cache_dir=cache)
        r.update(recode_disk_s=t, recode_disk_s_per_1M=t * 1e6 / words)
    del again, recoded

    def cooc() -> None:
        cooccurrence(codings, documents=docs, unit="turn", measure="association")
        cooccurrence_network(codings, documents=docs, unit="turn", measure="association")

    cooc()  # first call imports scipy, networkx, pandas
    r["cooc_network_s"] = min(timed(cooc)[1] for _ in range(3))
    if with_baselines:
        t, n, keywords, sampled = regex_baseline(docs, books, REGEX_SAMPLE_WORDS)
        r.update(regex_s=t, regex_wps=words / t, regex_codings=n, regex_keywords=keywords,
                 regex_sample_words=sampled)
        plain = [qc.Coding(c.document, c.code, c.start, c.end) for c in codings]
        _, r["pairwise_s"] = timed(pairwise, docs, plain)
    r["peak_rss_mb"] = peak_rss_mb()
    return r


# -- the extras case (1M words): 200 rules, two processes, Dask, SQLite ----------------------------

def case_extras(size: str, corpus_dir: Path, jobs: int, dask: bool) -> dict[str, Any]:
    from qualcode.coding import autocode
    from qualcode.coding.nlp import clear_memory_cache
    from qualcode.ingest import read_transcripts
    from qualcode.parallel import WorkerPool, autocode_parallel, read_transcripts_parallel

    r: dict[str, Any] = {"size": size}
    paths = generate_preset(corpus_dir, size)
    books = load_books()
    docs, _ = read_transcripts(paths)
    words = sum(d.word_count for d in docs)
    r["words"] = words

    # 200 rules per language: bundled + generated, against the regex coder
    need = {lang: max(0, RULES_PER_LANGUAGE - rule_count(books, lang)) for lang in ("en", "id")}
    big = [*books, synthetic_codebook(need)]
    r["rules_per_language"] = {lang: rule_count(big, lang) for lang in ("en", "id")}
    with tempfile.TemporaryDirectory() as cache:
        clear_memory_cache()
        cold, t = timed(autocode, docs, big, cache_dir=cache)
        r.update(rules200_cold_s=t, rules200_codings=len(cold))
        _, t = timed(autocode, docs, changed(big), cache_dir=cache)
        r.update(rules200_cached_s=t)
    del cold
    t, n, keywords, sampled = regex_baseline(docs, big, REGEX_SAMPLE_WORDS)
    r.update(rules200_regex_s=t, rules200_regex_codings=n, rules200_keywords=keywords,
             rules200_regex_sample_words=sampled)
    clear_memory_cache()

    # jobs=N processes on this machine
    r["capacity_before"] = parallel_capacity(jobs)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        with WorkerPool(jobs, codebooks=books) as pool:
            pool.warm()  # start the workers: import spaCy, build pipelines, compile codebooks
            t_start = time.perf_counter() - t0
            (pdocs, _), t_read = timed(read_transcripts_parallel, paths, pool=pool)
            _, t_code = timed(autocode_parallel, pdocs, books, pool=pool, cache_dir=cache)
            total = time.perf_counter() - t0
            r.update(jobs=jobs, jobsN_start_s=t_start, jobsN_ingest_wps=words / t_read,
                     jobsN_code_cold_wps=words / t_code, jobsN_cold_total_s=total,
                     jobsN_cold_total_wps=words / total,
                     jobsN_cold_warm_wps=words / (t_read + t_code))
            _, t = timed(autocode_parallel, pdocs, changed(books), pool=pool, cache_dir=cache)
            r.update(jobsN_recode_s_per_1M=t * 1e6 / words)
        _, t = timed(autocode_parallel, docs, changed(books), jobs=jobs, cache_dir=cache)
        r.update(jobsN_recode_newpool_s_per_1M=t * 1e6 / words)
    assert pdocs == docs
    r["capacity_after"] = parallel_capacity(jobs)
    if dask:
        r.update(case_dask(paths, books, words))
    r.update(case_sqlite(docs))
    r["peak_rss_mb"] = peak_rss_mb()
    return r


def case_dask(paths: Sequence[Path], books: Sequence[Any], words: int) -> dict[str, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return {"dask": "not installed"}
    from qualcode.parallel import warm_worker
    from qualcode.scale.dask import autocode_dask

    out: dict[str, Any] = {}
    for n in (1, 2):
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(warm_worker, ("en", "id"))
            _, t = timed(autocode_dask, paths, books, client=client)
            out[f"dask{n}_read_code_s"] = t
            out[f"dask{n}_read_code_wps"] = words / t
    return out


def case_sqlite(docs: Sequence[Any], n_codings: int = 1_000_000, seed: int = 3) -> dict[str, Any]:
    """A project file with the corpus and 1M codings: insert and three queries."""
    import qualcode as qc
    from qualcode.analysis import cooccurrence
    from qualcode.summary import excerpts

    rng = random.Random(seed)
    codes = [f"code_{i:03d}" for i in range(150)]
    weights = [1 / (i + 1) ** 0.9 for i in range(len(codes))]
    turns = [(d.id, t.start, t.end) for d in docs for t in d.turns if t.end - t.start > 20]
    picked = rng.choices(codes, weights=weights, k=n_codings)
    codings = []
    for code in picked:
        doc, s, e = turns[rng.randrange(len(turns))]
        a = rng.randrange(s, e - 10)
        codings.append(qc.Coding(doc, code, a, min(e, a + rng.randint(10, 200)), "ana"))
    out: dict[str, Any] = {"sqlite_codings": n_codings}
    with tempfile.TemporaryDirectory() as tmp:
        with qc.Project.open(Path(tmp) / "bench.qualcode") as proj:
            _, out["sqlite_add_documents_s"] = timed(proj.add_documents, docs)
            _, out["sqlite_insert_s"] = timed(proj.add_codings, codings)
        del codings
        with qc.Project.open(Path(tmp) / "bench.qualcode") as proj:
            code = codes[20]
            found, out["sqlite_code_codings_s"] = timed(proj.codings, code=code)
            out["sqlite_code_codings_n"] = len(found)

            def code_excerpts() -> Any:
                wanted = {c.document for c in proj.codings(code=code)}
                these = [proj.document(i) for i in sorted(wanted)]
                return excerpts(proj.codings(code=code), these, code=code)

            frame, out["sqlite_excerpts_s"] = timed(code_excerpts)
            out["sqlite_excerpts_n"] = len(frame)
            pair = (codes[3], codes[20])
            conn = proj._conn  # the benchmark times the raw SQL a pair query needs
            by_doc = ("SELECT count(*) FROM"
                      " (SELECT DISTINCT document_id FROM codings WHERE code = ?)"
                      " JOIN (SELECT DISTINCT document_id FROM codings WHERE code = ?)"
                      " USING (document_id)")
            (count,), out["sqlite_pair_documents_s"] = timed(
                lambda: conn.execute(by_doc, pair).fetchone())
            out["sqlite_pair_documents_n"] = count
            def pair_cooccurrence() -> Any:
                found = proj.codings(code=list(pair))
                these = [proj.document(i) for i in sorted({c.document for c in found})]
                return cooccurrence(found, documents=these, unit="turn", codes=list(pair))

            matrix, out["sqlite_pair_cooc_s"] = timed(pair_cooccurrence)
            out["sqlite_pair_cooc_n"] = int(matrix.iloc[0, 1])
            everything, out["sqlite_load_all_codings_s"] = timed(proj.codings)
            documents, out["sqlite_load_documents_s"] = timed(lambda: proj.documents)
            _, out["sqlite_cooc_stored_s"] = timed(cooccurrence, everything,
                                                   documents=documents, unit="turn")
    return out


# -- the driver: subprocesses, one table ------------------------------------------------------

def run_case(kind: str, size: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--case", kind, "--size", size,
           "--out", str(out), "--corpus", str(args.corpus), "--jobs", str(args.jobs)]
    if args.no_dask:
        cmd.append("--no-dask")
    if args.no_baselines:
        cmd.append("--no-baselines")
    print(f"... {kind} {size}", file=sys.stderr, flush=True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    result["case_wall_s"] = time.perf_counter() - t
    return result


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    info: dict[str, Any] = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(), "machine": platform.machine(), "system": platform.system(),
        "python": platform.python_version(), "load_average_start": list(load),
    }
    try:
        import spacy

        info["spacy"] = spacy.__version__
    except ImportError:  # pragma: no cover
        pass
    return info


Row = tuple[str, str, str, str, str, str]


def _fmt(v: float, unit: str) -> str:
    if unit in ("words/s", "MiB", "x"):
        return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def table(results: dict[str, Any]) -> list[Row]:
    """Rows: measure, size, value, baseline, ratio (ours vs baseline), target/status."""
    rows: list[Row] = []

    def add(name: str, size: str, value: float, unit: str, base: float | None = None,
            ratio: float | None = None, target: str = "", ok: bool | None = None) -> None:
        status = "" if ok is None else ("met" if ok else "MISSED")
        rows.append((name, size, f"{_fmt(value, unit)} {unit}",
                     "" if base is None else f"{_fmt(base, unit)} {unit}",
                     "" if ratio is None else f"{ratio:,.1f}x",
                     f"{target} {status}".strip()))

    for r in results["pipeline"]:
        size = r["size"]
        one_m = size == "1M"
        regex = r.get("regex_wps")
        add("ingest (read_transcripts)", size, r["ingest_wps"], "words/s")
        add("tokenise (spaCy, no cache)", size, r["tokenise_wps"], "words/s")
        add("code cold (tokenise + code)", size, r["code_cold_wps"], "words/s", regex,
            r["code_cold_wps"] / regex if regex else None)
        add("cold ingest + tokenise + code, jobs=1", size, r["cold_total_wps"], "words/s",
            target=">= 100,000" if one_m else "",
            ok=r["cold_total_wps"] >= TARGET_COLD_WPS if one_m else None)
        add("code on cached tokens", size, r["code_cached_wps"], "words/s", regex,
            r["code_cached_wps"] / regex if regex else None)
        big = parse_size(size) >= 1_000_000  # below, compiling the edited codebooks dominates
        add("re-code after codebook change, tokens in memory", size, r["recode_s_per_1M"],
            "s/1M words", 1e6 / regex if regex else None,
            (1e6 / regex) / r["recode_s_per_1M"] if regex else None, "<= 1 s" if big else "",
            r["recode_s_per_1M"] <= TARGET_RECODE_S_PER_1M if big else None)
        add("re-code, tokens from the disk cache", size, r["recode_disk_s_per_1M"], "s/1M words",
            target="<= 1 s" if big else "",
            ok=r["recode_disk_s_per_1M"] <= TARGET_RECODE_S_PER_1M if big else None)
        pair = r.get("pairwise_s")
        add("co-occurrence + network (turn, association)", size, r["cooc_network_s"], "s", pair,
            pair / r["cooc_network_s"] if pair else None, "<= 0.5 s" if one_m else "",
            r["cooc_network_s"] <= TARGET_COOC_S if one_m else None)
        add("peak RSS (whole case)", size, r["peak_rss_mb"], "MiB",
            target="<= 2048 MiB" if size == "5M" else "",
            ok=r["peak_rss_mb"] <= TARGET_RSS_MB_5M if size == "5M" else None)
    by_size = {r["size"]: r for r in results["pipeline"]}
    if "1M" in by_size and "5M" in by_size:
        growth = by_size["5M"]["peak_rss_mb"] / by_size["1M"]["peak_rss_mb"]
        add("peak RSS 5M / 1M (5x the words)", "5M/1M", growth, "x", target="<= 5 (linear)",
            ok=growth <= 5)
    x = results.get("extras")
    if x:
        size = x["size"]
        q200 = x["rules200_cached_s"]
        add(f"code, {min(x['rules_per_language'].values())}+ rules/language, cached tokens",
            size, x["words"] / q200, "words/s", x["words"] / x["rules200_regex_s"],
            x["rules200_regex_s"] / q200, ">= 1,000,000 words/s and >= 10x",
            x["rules200_regex_s"] / q200 >= 10 and x["words"] / q200 >= TARGET_CACHED_WPS)
        add("code, 200+ rules/language, cold", size, x["words"] / x["rules200_cold_s"], "words/s",
            x["words"] / x["rules200_regex_s"], x["rules200_regex_s"] / x["rules200_cold_s"],
            ">= 10x", x["rules200_regex_s"] / x["rules200_cold_s"] >= 10)
        j = x["jobs"]
        if "capacity_before" in x:
            add(f"parallelism available to {j} processes (pure-Python work)", "before/after",
                x["capacity_before"], "x", target=f"{x['capacity_after']:.2f}x after")
        add(f"start {j} workers (spaCy, pipelines, codebooks)", size, x["jobsN_start_s"], "s")
        add(f"ingest, jobs={j}", size, x["jobsN_ingest_wps"], "words/s")
        add(f"code cold, jobs={j}", size, x["jobsN_code_cold_wps"], "words/s")
        add(f"cold ingest + tokenise + code, jobs={j} (incl. worker start)", size,
            x["jobsN_cold_total_wps"], "words/s", target=">= 100,000",
            ok=x["jobsN_cold_total_wps"] >= TARGET_COLD_WPS)
        add(f"cold ingest + tokenise + code, jobs={j}, workers started", size,
            x["jobsN_cold_warm_wps"], "words/s", target=">= 100,000",
            ok=x["jobsN_cold_warm_wps"] >= TARGET_COLD_WPS)
        # tokens cached on disk by the cold run: autocode_parallel codes in-process
        add(f"re-code, jobs={j}, pool given (tokens on disk: in-process)", size,
            x["jobsN_recode_s_per_1M"], "s/1M words", target="<= 1 s",
            ok=x["jobsN_recode_s_per_1M"] <= TARGET_RECODE_S_PER_1M)
        add(f"re-code, jobs={j}, no pool (tokens on disk: in-process)", size,
            x["jobsN_recode_newpool_s_per_1M"], "s/1M words")
        for n in (1, 2):
            if f"dask{n}_read_code_wps" in x:
                add(f"Dask LocalCluster {n} worker(s): read + code cold", size,
                    x[f"dask{n}_read_code_wps"], "words/s")
        n = x["sqlite_codings"]
        add(f"SQLite: insert {n:,} codings", "1M codings", x["sqlite_insert_s"], "s")
        add("SQLite: add the corpus's documents", size, x["sqlite_add_documents_s"], "s")
        add(f"SQLite: one code's codings ({x['sqlite_code_codings_n']:,})", "1M codings",
            x["sqlite_code_codings_s"], "s", target="< 1 s",
            ok=x["sqlite_code_codings_s"] < TARGET_QUERY_S)
        add("SQLite: one code's excerpts (with documents)", "1M codings", x["sqlite_excerpts_s"],
            "s", target="< 1 s", ok=x["sqlite_excerpts_s"] < TARGET_QUERY_S)
        add("SQLite: documents with both codes of a pair (SQL)", "1M codings",
            x["sqlite_pair_documents_s"], "s", target="< 1 s",
            ok=x["sqlite_pair_documents_s"] < TARGET_QUERY_S)
        add("SQLite: co-occurrence (turn) of a code pair, library", "1M codings",
            x["sqlite_pair_cooc_s"], "s", target="< 1 s",
            ok=x["sqlite_pair_cooc_s"] < TARGET_QUERY_S)
        add("SQLite: load all codings + co-occurrence matrix", "1M codings",
            x["sqlite_load_all_codings_s"] + x["sqlite_load_documents_s"]
            + x["sqlite_cooc_stored_s"], "s")
    return rows


def print_table(rows: list[Row], info: dict[str, Any]) -> None:
    head: Row = ("measure", "size", "value", "baseline", "ratio", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(6)]
    line = "  ".join("-" * w for w in widths)
    print(f"qualcode benchmarks {info['date']}: {info['cores']} cores, {info['machine']}, "
          f"Python {info['python']}, load average at start "
          f"{', '.join(f'{x:.2f}' for x in info['load_average_start'])}")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join((c.rjust(w) if i in (2, 3, 4) else c.ljust(w))
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    print("baselines: code rows = naive per-keyword regex coder with the same rules' keywords, "
          f"same run, timed on ~{REGEX_SAMPLE_WORDS:,} words and extrapolated; co-occurrence = "
          "pure-Python pairwise loop; ratio = how many times faster qualcode is")


def markdown(results: dict[str, Any]) -> str:
    """The table of a results file as Markdown (for docs/performance.md and the README)."""
    info = results["machine"]
    lines = [f"Measured {info['date'][:10]} on {info['cores']} cores ({info['machine']}, "
             f"{info['system']}), Python {info['python']}, spaCy {info.get('spacy', '?')}; "
             f"load average {info['load_average_start'][0]:.2f} at the start and "
             f"{info.get('load_average_end', [float('nan')])[0]:.2f} at the end; "
             f"{info.get('wall_s', 0):.0f} s in all.", "",
             "| measure | size | value | baseline | ratio | target |", "|---|---|--:|--:|--:|---|"]
    for row in table(results):
        lines.append("| " + " | ".join(c.replace("|", "/") for c in row) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(PRESETS),
                    help="comma-separated sizes (10k,100k,1M,5M or e.g. 250k)")
    ap.add_argument("--quick", action="store_true", help="leave out the 5M-word case")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the jobs=N rows")
    ap.add_argument("--no-extras", action="store_true", help="skip the extras case")
    ap.add_argument("--extras-size", default="1M", help="corpus size of the extras case")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask scaling rows")
    ap.add_argument("--no-baselines", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, default=RESULTS / "corpus")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=None, metavar="RESULTS_JSON",
                    help="print the table of an earlier run's JSON as Markdown, and stop")
    ap.add_argument("--case", choices=("pipeline", "extras"), help=argparse.SUPPRESS)
    ap.add_argument("--size", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.markdown is not None:
        print(markdown(json.loads(args.markdown.read_text())))
        return
    if args.case:  # a subprocess of the driver
        if args.case == "pipeline":
            result = case_pipeline(args.size, args.corpus, not args.no_baselines)
        else:
            result = case_extras(args.size, args.corpus, args.jobs, not args.no_dask)
        args.out.write_text(json.dumps(result, indent=2))
        return

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        sizes = [s for s in sizes if parse_size(s) < 5_000_000]
    info = machine()
    t0 = time.perf_counter()
    results: dict[str, Any] = {"machine": info, "pipeline": []}
    for size in sizes:
        # the 5M case skips the baselines: they add minutes and no new information
        if parse_size(size) >= 5_000_000:
            args.no_baselines = True
        results["pipeline"].append(run_case("pipeline", size, args))
        args.no_baselines = False
    if not args.no_extras:
        results["extras"] = run_case("extras", args.extras_size, args)
    info["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
    info["wall_s"] = time.perf_counter() - t0
    rows = table(results)
    results["table"] = [dict(zip(("measure", "size", "value", "baseline", "ratio", "target"), r,
                                 strict=True)) for r in rows]
    print_table(rows, info)
    print(f"total wall time {info['wall_s']:.0f} s; load average at end "
          f"{', '.join(f'{x:.2f}' for x in info['load_average_end'])}")
    path = args.json or RESULTS / f"bench-{_dt.date.today().isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
