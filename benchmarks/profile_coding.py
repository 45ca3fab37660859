"""Where the time goes: pyinstrument profiles of cold coding and of re-coding.

Profiles, on a generated corpus (default 1M words, see ``corpus.generate_preset``)
with the four bundled codebooks, in one process with the spaCy pipelines
already built:

1. cold auto-coding (tokenise + code, no token cache), and
2. re-coding after a codebook change on cached tokens (in memory);

and writes each profile as text to ``benchmarks/results/profile-<name>.txt``
(and prints the top of each). Needs ``pip install pyinstrument``.

Run: ``.venv/bin/python benchmarks/profile_coding.py [--size 1M] [--interval 0.001]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_all import BOOKS, changed, load_books  # noqa: E402
from corpus import generate_preset  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--interval", type=float, default=0.001)
    ap.add_argument("--corpus", type=Path, default=HERE / "results" / "corpus")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("profiling needs pyinstrument: .venv/bin/pip install pyinstrument")

    from qualcode.coding import autocode, compile_codebook, get_pipeline
    from qualcode.coding.nlp import clear_memory_cache
    from qualcode.ingest import read_transcripts

    docs, _ = read_transcripts(generate_preset(args.corpus, args.size))
    words = sum(d.word_count for d in docs)
    books = load_books()
    for lang in ("en", "id"):
        get_pipeline(lang)
        for cb in books:
            compile_codebook(cb, lang)
    print(f"{len(docs)} documents, {words:,} words, codebooks {', '.join(BOOKS)}")
    clear_memory_cache()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, run in (("cold", lambda: autocode(docs, books)),
                      ("recode", lambda: autocode(docs, changed(books)))):
        profiler = Profiler(interval=args.interval)
        t = time.perf_counter()
        profiler.start()
        run()
        profiler.stop()
        elapsed = time.perf_counter() - t
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        path = args.out / f"profile-{name}.txt"
        path.write_text(f"{name}: {elapsed:.2f} s for {words:,} words\n{text}")
        print(f"\n== {name}: {elapsed:.2f} s ({words / elapsed:,.0f} words/s) -> {path}")
        print("\n".join(text.splitlines()[:60]))


if __name__ == "__main__":
    main()
