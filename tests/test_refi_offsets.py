"""REFI-QDA positions: counting conventions and the map to normalised text."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.exchange.refi.offsets import (
    CONVENTIONS,
    SPEC,
    Convention,
    Span,
    TextMap,
    detect_convention,
    normalise_with_map,
    recorded_matches,
)
from qualcode.io._common import normalise_text

# characters that normalisation changes, removes or that count differently
_TRICKY = list("ab \t\n\r\u2028\u2029\x0c\x01\ufeff\u200b\u00a0e\u0301é😀👟\u1100\u1161ﬁÅ\u212b.")
tricky_text = st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(tricky_text)
def test_map_agrees_with_normalise_text_and_is_monotone(raw: str) -> None:
    text, pos = normalise_with_map(raw)
    assert text == normalise_text(raw)
    if pos is None:
        assert text == raw
        return
    assert len(pos) == len(raw) + 1
    assert pos[0] == 0 and pos[-1] == len(text)
    assert all(a <= b for a, b in itertools.pairwise(pos))


@settings(max_examples=150, deadline=None)
@given(tricky_text, st.data())
def test_every_convention_finds_the_same_passage(raw: str, data: st.DataObject) -> None:
    """A passage located by any convention maps to the same normalised offsets."""
    tm = TextMap(raw)
    i = data.draw(st.integers(0, len(raw)))
    j = data.draw(st.integers(i, len(raw)))
    # skip boundaries that split a CR LF pair or sit before a zero-width BOM
    if (0 < i < len(raw) and raw[i - 1 : i + 1] == "\r\n") or (
            0 < j < len(raw) and raw[j - 1 : j + 1] == "\r\n") or (0 in (i, j) and tm.has_bom):
        return
    expected = tm.to_text(len(raw[:i]), Convention("codepoint", 2, True)), tm.to_text(
        len(raw[:j]), Convention("codepoint", 2, True))
    for conv in CONVENTIONS:
        def units(s: str, conv: Convention = conv) -> int:
            n = len(s.encode("utf-16-le")) // 2 if conv.unit == "utf16" else len(s)
            if conv.crlf == 1:
                n -= s.count("\r\n")
            if s.startswith("\ufeff") and not conv.bom:
                n -= 1
            return n

        got = tm.to_text(units(raw[:i]), conv), tm.to_text(units(raw[:j]), conv)
        assert got == expected, conv


def test_utf16_positions_inside_a_surrogate_pair_are_invalid() -> None:
    tm = TextMap("a😀b")
    utf16 = Convention("utf16", 2, False)
    assert tm.length(utf16) == 4 and tm.length(SPEC) == 3
    assert tm.to_text(2, utf16) is None  # between the two halves of the emoji
    assert tm.to_text(3, utf16) == 2
    assert tm.to_text(2, SPEC) == 2


def test_nvivo_counting_bom_and_crlf() -> None:
    raw = "\ufeffI: Hi 😀\r\nR: Hard.\r\n"
    tm = TextMap(raw)
    assert tm.text == "I: Hi 😀\nR: Hard."
    nvivo = Convention("utf16", 2, False)
    start = len("I: Hi 😀\r\nR: ".encode("utf-16-le")) // 2
    a, b = tm.to_text(start, nvivo), tm.to_text(start + 5, nvivo)
    assert a is not None and b is not None
    assert tm.text[a:b] == "Hard."


def test_detection_prefers_recorded_text_then_boundaries() -> None:
    raw = "😀😀 one two three four\r\nfive six seven"
    tm = TextMap(raw)
    start = len("😀😀 one ".encode("utf-16-le")) // 2
    spans = [Span(start, start + 9, "two three")]
    best, mattered = detect_convention(tm, spans)
    assert mattered and best.convention.unit == "utf16"
    assert best.matched == 1
    # without a record, word boundaries decide
    best, _ = detect_convention(tm, [Span(start, start + 9)])
    assert best.convention.unit == "utf16" and best.clean == 2


def test_plain_ascii_lf_text_needs_no_evidence() -> None:
    tm = TextMap("just ascii\ntext")
    assert tm.relevant() == [SPEC]
    best, mattered = detect_convention(tm, [Span(0, 4)])
    assert best.convention == SPEC and not mattered


@pytest.mark.parametrize(("recorded", "coded", "ok"), [
    ("two  three", "two three", True),
    ("Saya menjahit…", "Saya menjahit mukena", True),
    ("Saya menjahit...", "Saya menjahit mukena", True),
    ("damage done by fatty foods", "I used to eat bacon", False),
    ("e\u0301", "é", True),
])
def test_recorded_matches(recorded: str, coded: str, ok: bool) -> None:
    assert recorded_matches(recorded, coded) is ok
