"""Co-occurrence benchmark: sparse incidence matrix vs a pure-Python pairwise loop.

Target (issue 5): co-occurrence + network for 1M words / 100k codings /
300 codes in <= 1 s (unit="turn"). The synthetic data are built in memory
(no files): documents with speaker turns, and codings with a realistic skew
(Zipf-distributed code frequencies, codes clustered by topic within turns,
spans of a few words, some spanning two turns).

The baseline is what a straightforward implementation does: for every
document, loop over every pair of its codings, and count a co-occurrence
when the two share a turn (distinct turns per code pair), then compute the
measure pair by pair. It is quadratic per document, so it runs on a
subsample of the documents and is extrapolated linearly in the number of
documents (each document has the same size and coding density); its counts
are checked against ours on that subsample.

Run: ``.venv/bin/python benchmarks/bench_network.py [--docs N] [--words N] ...``
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qualcode as qc
from qualcode.analysis import cooccurrence, cooccurrence_network, cooccurrence_stats

TARGET_SECONDS = 1.0
VOCAB = ("the and to of a in that it was we they you but so for with not on have just like "
         "work home piece rate money order bag sandal glue family time day week deadline "
         "middleman employer agreement group meeting union rights pay wage low sick tired "
         "upah borongan kontrak kelompok serikat hak jaminan sosial").split()
SPEAKERS = ("Interviewer", "Bu Rina", "Bu Sumi", "P3", "Moderator", "Bu Wati")


def make_documents(n_docs: int, words: int, rng: random.Random) -> list[qc.Document]:
    docs = []
    for d in range(n_docs):
        parts: list[str] = []
        turns: list[qc.Turn] = []
        pos, left = 0, words
        while left > 0:
            n = min(left, max(4, int(rng.lognormvariate(3.2, 0.7))))
            left -= n
            speaker = rng.choice(SPEAKERS)
            label = f"{speaker}: "
            said = " ".join(rng.choices(VOCAB, k=n)).capitalize() + "."
            start = pos + len(label)
            turns.append(qc.Turn(speaker, start, start + len(said), said,
                                 "interviewer" if speaker == "Interviewer" else "participant"))
            parts.append(label + said)
            pos = start + len(said) + 1
        docs.append(qc.Document(name=f"synthetic_{d:04d}.txt", text="\n".join(parts),
                                turns=tuple(turns), attributes={"site": f"site{d % 4}"}))
    return docs


def make_codings(docs: list[qc.Document], n_codings: int, n_codes: int,
                 rng: random.Random) -> list[qc.Coding]:
    codes = [f"code_{i:03d}" for i in range(n_codes)]
    zipf = np.array([1.0 / (r + 1) ** 0.9 for r in range(n_codes)])
    topics = 30
    by_topic = [[i for i in range(n_codes) if i % topics == t] for t in range(topics)]
    cum_topic = [np.cumsum(zipf[ids] / zipf[ids].sum()).tolist() for ids in by_topic]
    cum_global = np.cumsum(zipf / zipf.sum()).tolist()

    def pick(cum: list[float]) -> int:
        return min(bisect.bisect_right(cum, rng.random()), len(cum) - 1)

    all_turns = [(doc, t) for doc in docs for t in doc.turns]
    out: list[qc.Coding] = []
    while len(out) < n_codings:
        doc, turn = all_turns[rng.randrange(len(all_turns))]
        topic = rng.randrange(topics)
        for _ in range(min(n_codings - len(out), rng.choice((1, 2, 2, 3, 4)))):
            if rng.random() < 0.65:
                code = by_topic[topic][pick(cum_topic[topic])]
            else:
                code = pick(cum_global)
            length = len(turn.text)
            s = turn.start + rng.randrange(max(1, length - 20))
            e = min(turn.end + (40 if rng.random() < 0.03 else 0), s + rng.randint(10, 120))
            out.append(qc.Coding(doc.id, codes[code], s, min(e, len(doc.text))))
    return out


def baseline(docs: list[qc.Document], codings: list[qc.Coding]) -> dict[tuple[str, str], float]:
    """Pure Python: every pair of codings in a document, same turn -> co-occurrence."""
    starts = {d.id: [t.start for t in d.turns] for d in docs}
    ends = {d.id: [t.end for t in d.turns] for d in docs}
    n_units = sum(len(d.turns) for d in docs)
    by_doc: dict[str, list[tuple[str, set[int]]]] = defaultdict(list)
    units_of: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for c in codings:
        lo = bisect.bisect_right(ends[c.document], c.start)
        hi = bisect.bisect_left(starts[c.document], max(c.end, c.start + 1))
        turns = set(range(lo, hi))
        by_doc[c.document].append((c.code, turns))
        units_of[c.code].update((c.document, t) for t in turns)
    together: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for doc_id, items in by_doc.items():
        for i in range(len(items)):
            code_i, turns_i = items[i]
            for j in range(i + 1, len(items)):
                code_j, turns_j = items[j]
                if code_i == code_j:
                    continue
                shared = turns_i & turns_j
                if shared:
                    key = (code_i, code_j) if code_i < code_j else (code_j, code_i)
                    together[key].update((doc_id, t) for t in shared)
    out = {}
    for (a, b), units in together.items():
        n12, n1, n2 = len(units), len(units_of[a]), len(units_of[b])
        out[(a, b)] = n12 * n_units / (n1 * n2)  # association strength
    return out


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--words", type=int, default=5000, help="words per document")
    ap.add_argument("--codings", type=int, default=100_000)
    ap.add_argument("--codes", type=int, default=300)
    ap.add_argument("--baseline-docs", type=int, default=20,
                    help="documents the pairwise baseline runs on (then extrapolated)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    docs = make_documents(args.docs, args.words, rng)
    codings = make_codings(docs, args.codings, args.codes, rng)
    words = sum(d.word_count for d in docs)
    turns = sum(len(d.turns) for d in docs)
    used = len({c.code for c in codings})
    print(f"data: {len(docs)} documents, {words:,} words, {turns:,} turns, "
          f"{len(codings):,} codings, {used} codes ({time.perf_counter() - t0:.1f} s to build)")

    def best(fn, **kw):  # type: ignore[no-untyped-def]
        times = []
        value = None
        for _ in range(args.repeat):
            value, t = timed(fn, codings, documents=docs, **kw)
            times.append(t)
        return value, min(times)

    matrix, t_matrix = best(cooccurrence, unit="turn", measure="association")
    graph, t_network = best(cooccurrence_network, unit="turn", measure="association")
    total = t_matrix + t_network
    print(f"cooccurrence(unit='turn', measure='association'): {t_matrix:.3f} s "
          f"({matrix.shape[0]} x {matrix.shape[1]})")
    print(f"cooccurrence_network(...) incl. its own co-occurrence, p and q: {t_network:.3f} s "
          f"({graph.number_of_nodes()} nodes, {graph.number_of_edges():,} edges)")
    print(f"co-occurrence + network: {total:.3f} s; target <= {TARGET_SECONDS:.1f} s: "
          f"{'met' if total <= TARGET_SECONDS else 'MISSED'}")

    # baseline on a subsample of documents, extrapolated linearly in documents
    k = min(args.baseline_docs, len(docs))
    sub_docs = docs[:k]
    sub_ids = {d.id for d in sub_docs}
    sub_codings = [c for c in codings if c.document in sub_ids]
    base, t_base = timed(baseline, sub_docs, sub_codings)
    stats, t_sub = timed(cooccurrence_stats, sub_codings, documents=sub_docs, unit="turn")
    assoc = stats.measure("association")
    index = {c: i for i, c in enumerate(stats.codes)}
    mismatches = sum(1 for (a, b), v in base.items()
                     if not np.isclose(assoc[index[a], index[b]], v))
    nonzero = int(np.count_nonzero(np.triu(stats.counts, 1)))
    agree = mismatches == 0 and nonzero == len(base)
    scale = len(docs) / k
    t_base_full = t_base * scale
    print(f"pairwise-loop baseline on {k} of {len(docs)} documents ({len(sub_codings):,} "
          f"codings): {t_base:.2f} s -> extrapolated linearly x{scale:.1f} to the full data: "
          f"{t_base_full:.1f} s (results {'agree' if agree else 'DISAGREE'} with ours on the "
          f"subsample: {len(base):,} pairs)")
    print(f"speed-up of the sparse co-occurrence matrix over the pairwise loop: "
          f"{t_base_full / t_matrix:.0f}x; of co-occurrence + network: {t_base_full / total:.0f}x")
    results = {
        "documents": len(docs), "words": words, "turns": turns, "codings": len(codings),
        "codes": used, "cooccurrence_s": t_matrix, "network_s": t_network, "total_s": total,
        "target_s": TARGET_SECONDS, "baseline_docs": k, "baseline_subsample_s": t_base,
        "baseline_extrapolated_s": t_base_full, "ratio_matrix": t_base_full / t_matrix,
        "ratio_total": t_base_full / total, "baseline_agrees": agree,
        "sparse_subsample_s": t_sub,
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
