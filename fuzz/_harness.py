"""Shared atheris harness: one coverage-guided fuzz target per parser.

Each ``fuzz_<parser>.py`` calls :func:`main` with its parser's name. The
contract is the one tests/test_hostile.py checks: for any bytes, a parser
returns a result or raises a :class:`qualcode.errors.QualcodeError` (for
most, an ``InputError``) - any other exception is a crash that atheris
reports, with the input saved as ``crash-*``. libFuzzer's ``-timeout`` and
``-rss_limit_mb`` catch hangs and memory blow-ups.

Run one target (see also ``fuzz/run.py``, which runs them all)::

    .venv/bin/python fuzz/fuzz_txt.py -atheris_runs=20000 -timeout=10 -rss_limit_mb=2048

Seeds are taken from tests/data (valid fixtures) and tests/data/hostile.
These targets are not part of ``make test``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

ROOT = Path(__file__).resolve().parents[1]

with atheris.instrument_imports(include=["qualcode"]):
    from qualcode.errors import QualcodeError
    from qualcode.exchange.tables import parse_codings_csv, read_codings
    from qualcode.io import parse_transcript
    from qualcode.io.cases import parse_cases_csv, read_cases
    from qualcode.model import Document

_FIXTURE = Document(name="fixture.txt", text="hello world, hello again")
_TMP = Path(tempfile.mkdtemp(prefix="qualcode-fuzz-"))


def _via_file(suffix: str, func: Callable[[Path], Any]) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Any:
        path = _TMP / f"input{suffix}"
        path.write_bytes(data)
        return func(path)

    return parse


def _codebook(data: bytes) -> Any:
    from qualcode.codebook import parse_codebook

    return parse_codebook(data.decode("utf-8", "replace"), path="fuzz.yaml")


def _qdpx(path: Path) -> Any:
    from qualcode.exchange.refi import read_qdpx

    project = read_qdpx(path)
    project.close()


def _qdc(path: Path) -> Any:
    from qualcode.exchange.refi import read_qdc

    return read_qdc(path)


#: parser name -> (function of bytes, seed file extensions)
TARGETS: dict[str, tuple[Callable[[bytes], Any], tuple[str, ...]]] = {
    **{ext: ((lambda e: lambda d: parse_transcript(d, name=f"fuzz.{e}"))(ext), (f".{ext}",))
       for ext in ("txt", "docx", "odt", "rtf", "pdf", "vtt", "srt")},
    "cases_csv": (lambda d: parse_cases_csv(d, path="cases.csv"), (".csv",)),
    "cases_xlsx": (_via_file(".xlsx", read_cases), (".xlsx",)),
    "codings_csv": (lambda d: parse_codings_csv(d, [_FIXTURE], path="codings.csv"), (".csv",)),
    "codings_xlsx": (_via_file(".xlsx", lambda p: read_codings(p, [_FIXTURE])), (".xlsx",)),
    "codebook": (_codebook, (".yaml", ".yml")),
    "qdpx": (_via_file(".qdpx", _qdpx), (".qdpx",)),
    "qdc": (_via_file(".qdc", _qdc), (".qdc",)),
}


def seed_dir(target: str) -> Path:
    """A folder of seed inputs for ``target`` (fixtures and hostile files, up to 1 MB)."""
    folder = _TMP / f"seeds-{target}"
    folder.mkdir(exist_ok=True)
    _, exts = TARGETS[target]
    for base in (ROOT / "tests" / "data", ROOT / "codebooks", ROOT / "transcripts"):
        if not base.is_dir():
            continue
        for i, p in enumerate(sorted(base.rglob("*"))):
            if p.is_file() and p.suffix.lower() in exts and p.stat().st_size <= 2**20:
                (folder / f"{i:05d}{p.suffix}").write_bytes(p.read_bytes())
    return folder


def main(target: str) -> None:
    """Fuzz ``target`` with libFuzzer arguments from the command line."""
    parse, _ = TARGETS[target]

    def one_input(data: bytes) -> None:
        try:
            result = parse(data)
        except QualcodeError:
            return
        if hasattr(result, "close"):
            result.close()

    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given
        corpus = _TMP / f"corpus-{target}"
        corpus.mkdir(exist_ok=True)
        args += [str(corpus), str(seed_dir(target))]
    if not any(a.startswith("-timeout=") for a in args):
        args.append("-timeout=10")
    if not any(a.startswith("-rss_limit_mb=") for a in args):
        args.append("-rss_limit_mb=2048")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    atheris.Setup(args, one_input)
    atheris.Fuzz()
