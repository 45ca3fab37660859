"""The token layer under the coder: arrays, sentence starts, the cache file, the matcher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.codebook import parse_codebook
from qualcode.coding import autocode
from qualcode.coding.matcher import TokenMatcher
from qualcode.coding.nlp import (
    Tokens,
    cache_stats,
    clear_memory_cache,
    get_pipeline,
    tokenise,
)
from qualcode.io.txt import parse_txt

TEXTS = [
    "Hello.\n\nNext one!!  \"Quoted.\" Then... more? yes",
    ". . Start here. And (here). 'Fine'?! ok",
    "I: Ada kontrak?\nR: Tidak ada. Belum pernah! Kami bekerja... lalu?\n",
    "No punctuation at all",
    "   leading and trailing   \n",
    "\u3000Tabs\tand\u00a0odd spaces\u2003here. Next",
    "",
]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("text", TEXTS)
def test_sentence_starts_equal_spacys_sentencizer(language: str, text: str) -> None:
    import spacy

    reference = spacy.blank(language)
    reference.add_pipe("sentencizer")
    expected = [t.is_sent_start for t in reference(text)]
    tokens = next(iter(get_pipeline(language).pipe([text])))
    assert tokens.sent_start.tolist() == [bool(x) for x in expected]
    assert len(tokens) == len(expected)


def test_tokens_arrays_match_spacy_doc() -> None:
    text = "Kami berjanji, perjanjian dijanjikan.  Lalu?"
    doc = get_pipeline("id")(text)
    tokens = next(iter(get_pipeline("id").pipe([text])))
    assert tokens.start.tolist() == [t.idx for t in doc]
    assert tokens.end.tolist() == [t.idx + len(t) for t in doc]
    assert [doc.vocab.strings[h] for h in tokens.lemma.tolist()] == \
        ["kami", "janji", ",", "janji", "janji", ".", " ", "lalu", "?"]
    assert tokens.space.tolist() == [t.is_space for t in doc]
    assert tokens.punct.tolist() == [t.is_punct for t in doc]


def test_tokens_bytes_round_trip_and_corruption() -> None:
    tokens = next(iter(get_pipeline("en").pipe(["We signed no contract. Never!"])))
    back = Tokens.from_bytes(tokens.to_bytes())
    for name in ("start", "end", "lower", "lemma", "flags"):
        assert np.array_equal(getattr(back, name), getattr(tokens, name))
    data = tokens.to_bytes()
    for bad in (data[:-1], data + b"\0", b"junk" + data[4:], b""):
        with pytest.raises(ValueError):
            Tokens.from_bytes(bad)
    swapped = bytearray(data)
    offset = len(b"QCTOKv2\n") + 8  # the first start offset, made larger than its end
    swapped[offset:offset + 4] = (1000).to_bytes(4, "little")
    with pytest.raises(ValueError, match="order"):
        Tokens.from_bytes(bytes(swapped))


def test_corrupt_cache_file_is_tokenised_again(tmp_path: Path) -> None:
    doc = parse_txt(b"R: A written agreement we never saw, case 4471.", name="c.txt")
    book = parse_codebook("codebook: t\ncodes:\n  - name: c\n    rules: {en: [{phrase: written "
                          "agreement}]}\n")
    clear_memory_cache()
    first = autocode([doc], book, cache_dir=tmp_path)
    [path] = list(tmp_path.rglob("*.tok"))
    path.write_bytes(path.read_bytes()[:40])  # truncated by a crash or a full disk
    clear_memory_cache()
    cache_stats.reset()
    assert autocode([doc], book, cache_dir=tmp_path) == first
    assert cache_stats.tokenised == 1 and cache_stats.disk_hits == 0
    clear_memory_cache()
    cache_stats.reset()
    assert autocode([doc], book, cache_dir=tmp_path) == first  # rewritten whole
    assert cache_stats.disk_hits == 1


def test_tokenise_reuses_memory() -> None:
    clear_memory_cache()
    cache_stats.reset()
    a = tokenise([("One text here.", "en"), ("One text here.", "en")])
    b = tokenise([("One text here.", "en")])
    assert a[0] is a[1] is b[0]
    assert cache_stats.tokenised == 1 and cache_stats.memory_hits == 1


def _brute(patterns: list[tuple[list[int], int]], text: list[int]) -> list[tuple[int, int, int]]:
    found = set()
    for hashes, payload in patterns:
        size = len(hashes)
        for i in range(len(text) - size + 1):
            if size and text[i:i + size] == hashes:
                found.add((payload, i, i + size))
    return sorted(found)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(1, 5), max_size=4), st.integers(0, 4)),
                max_size=8),
       st.lists(st.integers(1, 7), max_size=40),
       st.booleans())
def test_token_matcher_finds_every_occurrence(patterns: list[tuple[list[int], int]],
                                              text: list[int], dense: bool) -> None:
    import qualcode.coding.matcher as module

    saved = module._DENSE_CELLS
    module._DENSE_CELLS = saved if dense else 0  # both transition layouts
    try:
        matcher = TokenMatcher([(np.array(h, dtype=np.uint64), p) for h, p in patterns])
    finally:
        module._DENSE_CELLS = saved
    payload, start, end = matcher(np.array(text, dtype=np.uint64))
    got = sorted(zip(payload.tolist(), start.tolist(), end.tolist(), strict=True))
    assert got == _brute(patterns, text)
