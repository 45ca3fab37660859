"""Ingest benchmark: words per second for txt, docx and vtt transcripts.

Target (issue 3): >= 100,000 words/s per format on a 2-core machine, over
a generated corpus (default 1,000 files x 5,000 words). Each format is
also read by a simple baseline in the same process, so the printed ratio
is comparable across machines:

- txt: decode + split lines (the least any reader must do);
- docx: python-docx, joining ``paragraph.text`` (what most tools do);
- vtt: webvtt-py's parser.

Run: ``.venv/bin/python benchmarks/bench_ingest.py [--files N] [--words N]``
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate

import qualcode as qc
from qualcode.ingest import ingest

TARGET_WORDS_PER_SECOND = 100_000


def baseline(path: Path) -> int:
    data = path.read_bytes()
    if path.suffix == ".docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    elif path.suffix == ".vtt":
        import webvtt

        text = "\n".join(c.text for c in webvtt.from_buffer(io.StringIO(data.decode())))
    else:
        text = "\n".join(data.decode("utf-8").splitlines())
    return len(text.split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--words", type=int, default=5000)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).parent / "results" / "corpus")
    ap.add_argument("--json", type=Path, default=None, help="also write results here")
    args = ap.parse_args()

    corpus_dir = args.corpus / f"{args.files}x{args.words}"
    t0 = time.perf_counter()
    paths = generate(corpus_dir, files=args.files, words=args.words)
    print(f"corpus: {len(paths)} files in {corpus_dir} ({time.perf_counter() - t0:.1f} s)")

    results = {}
    print(f"{'format':8} {'files':>6} {'words':>11} {'qualcode w/s':>14} {'baseline w/s':>14} "
          f"{'ratio':>6} {'target':>8}")
    for fmt in ("txt", "docx", "vtt"):
        files = [p for p in paths if p.suffix == f".{fmt}"]
        t = time.perf_counter()
        words = sum(qc.read_transcript(p, cases={}).word_count for p in files)
        ours = words / (time.perf_counter() - t)
        t = time.perf_counter()
        base_words = sum(baseline(p) for p in files)
        base = base_words / (time.perf_counter() - t)
        ok = "met" if ours >= TARGET_WORDS_PER_SECOND else "MISSED"
        print(f"{fmt:8} {len(files):6d} {words:11,d} {ours:14,.0f} {base:14,.0f} "
              f"{ours / base:6.2f} {ok:>8}")
        results[fmt] = {"files": len(files), "words": words, "words_per_s": ours,
                        "baseline_words_per_s": base}

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        with qc.Project.open(Path(tmp) / "bench.qualcode") as proj:
            report = ingest(proj, [corpus_dir])
        elapsed = time.perf_counter() - t
        words = sum(d.word_count for d in report.added)
    print(f"full ingest into a project file: {len(report.added)} documents, {words:,} words, "
          f"{elapsed:.1f} s = {words / elapsed:,.0f} words/s")
    results["project_ingest"] = {"documents": len(report.added), "words": words,
                                 "seconds": elapsed, "words_per_s": words / elapsed}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
