"""Precision and recall of the bundled codebooks on the hand-coded gold set.

``tests/gold/`` holds four short synthetic transcripts (two English, two
Indonesian) written for this test, and ``expected.yaml``: for every
participant turn the codes a careful human coder applies. The transcripts
and the hand coding were written before the codebooks' rules.

Scoring is per turn: a code is predicted for a turn when any auto-coding
of that code overlaps the turn. For each codebook we pool the
(turn, code) decisions of all gold files (micro average) and require the
precision and recall floors below. The floors sit a little under the values
measured when the rules were last changed (see codebooks/README.md), so a
rule edit that makes the codebooks clearly worse fails the test.

Run ``python tests/test_gold.py`` for a per-code report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

import qualcode as qc
from qualcode.codebook import load_codebook
from qualcode.coding import autocode

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
BOOKS = ("power_cube", "empowerment", "barriers", "advocacy")

#: codebook -> (precision floor, recall floor). Measured when the rules were
#: last changed (codebooks/README.md): power_cube P 0.93 R 0.93, empowerment
#: P 0.85 R 0.98, barriers P 0.98 R 0.98, advocacy P 0.85 R 0.97.
FLOORS = {
    "power_cube": (0.85, 0.85),
    "empowerment": (0.77, 0.88),
    "barriers": (0.90, 0.90),
    "advocacy": (0.77, 0.88),
}
#: No code may fire on more than this share of the bundled corpus's participant turns.
MAX_SHARE = 0.30


@dataclass
class Score:
    """One codebook's turn-level counts on the gold set."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_code: dict[str, list[int]] = field(default_factory=dict)  # code -> [tp, fp, fn]
    errors: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def _expected() -> dict[str, dict[int, set[str]]]:
    data = yaml.safe_load((GOLD / "expected.yaml").read_text(encoding="utf-8"))
    return {f: {int(t): set(codes or ()) for t, codes in turns.items()}
            for f, turns in data.items()}


def _predicted(doc: qc.Document, codings: list[qc.Coding]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {i: set() for i in range(len(doc.turns))}
    for c in codings:
        for i, t in enumerate(doc.turns):
            if c.start < t.end and t.start < c.end:
                out[i].add(c.code)
    return out


def evaluate() -> dict[str, Score]:
    """Per codebook: pooled tp, fp, fn, per-code counts and the list of errors."""
    expected = _expected()
    docs = {f: qc.read_transcript(GOLD / f) for f in expected}
    results: dict[str, Score] = {}
    for name, book in _books().items():
        names = {c.name for c in book.codes}
        score = Score(per_code={n: [0, 0, 0] for n in sorted(names)})
        for f, doc in docs.items():
            pred = _predicted(doc, autocode([doc], book))
            for turn, want in expected[f].items():
                want = want & names
                got = pred[turn] & names
                for code in got & want:
                    score.per_code[code][0] += 1
                for code in sorted(got - want):
                    score.per_code[code][1] += 1
                    score.errors.append((f, turn, "FP", code))
                for code in sorted(want - got):
                    score.per_code[code][2] += 1
                    score.errors.append((f, turn, "FN", code))
        score.tp = sum(v[0] for v in score.per_code.values())
        score.fp = sum(v[1] for v in score.per_code.values())
        score.fn = sum(v[2] for v in score.per_code.values())
        results[name] = score
    return results


def _books() -> dict[str, qc.Codebook]:
    return {name: load_codebook(ROOT / "codebooks" / f"{name}.yaml") for name in BOOKS}


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return evaluate()


def test_gold_files_are_synthetic_and_well_formed() -> None:
    expected = _expected()
    assert len(expected) == 4
    languages: list[str] = []
    for f, turns in expected.items():
        doc = qc.read_transcript(GOLD / f)
        assert doc.attributes.get("synthetic") is True
        languages.append(doc.language or "")
        assert 15 <= len(doc.turns) <= 30
        participant = [i for i, t in enumerate(doc.turns) if t.role == "participant"]
        assert sorted(turns) == participant, f
    assert sorted(languages) == ["en", "en", "id", "id"]


def test_gold_codes_exist_in_exactly_one_codebook() -> None:
    owners: dict[str, list[str]] = {}
    for name in BOOKS:
        for code in load_codebook(ROOT / "codebooks" / f"{name}.yaml").codes:
            owners.setdefault(code.name, []).append(name)
    used = {c for turns in _expected().values() for codes in turns.values() for c in codes}
    assert {c for c in used if len(owners.get(c, [])) != 1} == set()


@pytest.mark.parametrize("book", BOOKS)
def test_precision_and_recall_floors(scores: dict[str, Score], book: str) -> None:
    p_floor, r_floor = FLOORS[book]
    s = scores[book]
    assert s.precision >= p_floor, (book, s.precision, s.errors)
    assert s.recall >= r_floor, (book, s.recall, s.errors)


@pytest.mark.parametrize("book", BOOKS)
def test_every_example_is_coded_by_its_own_code(book: str) -> None:
    cb = _books()[book]
    missed = []
    for code in cb.codes:
        if not code.rules:
            continue
        for example in code.examples:
            found: set[str] = set()
            for lang in ("en", "id"):  # examples are in either language
                doc = qc.parse_transcript(
                    f"---\nlanguage: {lang}\n---\nR: {example}\n".encode(), name="ex.txt")
                found |= {c.code for c in autocode([doc], cb)}
            if code.name not in found:
                missed.append((code.name, example))
    assert missed == []


def test_bundled_corpus_every_code_fires_and_none_everywhere() -> None:
    folder = ROOT / "transcripts"
    if not folder.is_dir():  # pragma: no cover - installed without the examples
        pytest.skip("no bundled transcripts")
    docs = [qc.read_transcript(p) for p in sorted(folder.iterdir())
            if p.suffix in (".txt", ".docx", ".vtt")]
    participant = {(d.id, i) for d in docs for i, t in enumerate(d.turns)
                   if t.role == "participant"}
    by_id = {d.id: d for d in docs}
    for name, cb in _books().items():
        turns: dict[str, set[tuple[str, int]]] = {c.name: set() for c in cb.codes if c.rules}
        for c in autocode(docs, cb):
            for i, t in enumerate(by_id[c.document].turns):
                if c.start < t.end and t.start < c.end and (c.document, i) in participant:
                    turns[c.code].add((c.document, i))
        silent = [code for code, hit in turns.items() if not hit]
        everywhere = {code: round(len(hit) / len(participant), 2)
                      for code, hit in turns.items() if len(hit) > MAX_SHARE * len(participant)}
        assert (name, silent, everywhere) == (name, [], {})


if __name__ == "__main__":  # pragma: no cover - a report for people editing rules
    import sys

    for name, s in evaluate().items():
        print(f"{name:12} P={s.precision:.3f} R={s.recall:.3f} tp={s.tp} fp={s.fp} fn={s.fn}")
        if "-v" in sys.argv:
            for code, (tp, fp, fn) in s.per_code.items():
                if tp or fp or fn:
                    print(f"    {code:28} tp={tp} fp={fp} fn={fn}")
            for f, turn, kind, code in s.errors:
                print(f"    {kind} {code:28} {f}:{turn}")
