"""Run every atheris target in turn and summarise: ``make fuzz``.

    .venv/bin/python fuzz/run.py                   # 20,000 inputs per parser
    .venv/bin/python fuzz/run.py --runs 200000     # longer
    .venv/bin/python fuzz/run.py --seconds 300 txt vtt

Crashing inputs are kept in ``fuzz/artifacts/<target>/`` (libFuzzer's
``crash-*``, ``timeout-*``, ``oom-*`` files); the exit status is 1 if any
target found one. Needs ``pip install atheris`` (the Makefile does it).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ["txt", "docx", "odt", "rtf", "pdf", "vtt", "srt", "cases_csv", "cases_xlsx",
           "codings_csv", "codings_xlsx", "codebook", "qdpx", "qdc"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*", default=TARGETS, help="parsers to fuzz (default all)")
    ap.add_argument("--runs", type=int, default=20_000, help="inputs per target")
    ap.add_argument("--seconds", type=int, default=0, help="time per target instead of --runs")
    args = ap.parse_args()
    failed = 0
    rows = []
    for target in args.targets:
        artifacts = HERE / "artifacts" / target
        artifacts.mkdir(parents=True, exist_ok=True)
        limit = (f"-max_total_time={args.seconds}" if args.seconds
                 else f"-atheris_runs={args.runs}")
        cmd = [sys.executable, str(HERE / f"fuzz_{target}.py"), limit, "-timeout=10",
               "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/"]
        start = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
        elapsed = time.monotonic() - start
        log = done.stdout + done.stderr
        m = re.findall(r"Done (\d+) (?:in|runs in) ", log) or re.findall(r"#(\d+)\s", log)
        runs = int(m[-1]) if m else 0
        skipped = "ModuleNotFoundError" in log or "ImportError" in log
        found = sorted(p.name for p in artifacts.iterdir())
        status = "skipped (reader not importable)" if skipped and done.returncode else (
            "ok" if done.returncode == 0 and not found else "FOUND: " + ", ".join(found[:3]))
        if status.startswith("FOUND") or (done.returncode and not skipped):
            failed += 1
            status = status if status.startswith("FOUND") else f"exit {done.returncode}"
            (artifacts / "last.log").write_text(log[-20000:], encoding="utf-8")
        rows.append((target, runs, elapsed, status))
        print(f"{target:14s} {runs:>9,} inputs {elapsed:7.1f} s  {status}", flush=True)
    total = sum(r[1] for r in rows)
    print(f"{'total':14s} {total:>9,} inputs; {failed} target(s) with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
