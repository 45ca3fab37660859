"""Checking codebook regular expressions before they run on transcripts.

Python's ``re`` backtracks, so a pattern such as ``(a+)+b`` can take
exponential time on a line of a's. A codebook is data a user may have been
sent by someone else, so every regex is checked at load time:

1. it is at most :data:`MAX_REGEX_LENGTH` characters and compiles;
2. it cannot match the empty string (that codes nothing useful);
3. **static check** on the parsed pattern: inside any quantifier that may
   repeat (``*``, ``+``, ``{m,n}`` with n > 1), a part whose length varies
   (``a+``, ``\\s?``, ``(ab)*``) must be followed and preceded - going round
   the loop, skipping optional parts - only by parts that cannot match the
   same characters. ``(a+)+``, ``(a*)*``, ``(.*)*``, ``(\\w+\\s?)+`` and
   ``(\\s*\\w+)*`` are rejected; ``(\\w+\\s)+`` and ``(?:\\s\\w+){0,5}`` are
   accepted. Alternatives under such a quantifier must not start with the
   same character, except plain words none of which is a prefix of another
   (``(a|a)*`` and ``(a|ab)+`` are rejected; ``(?:the|this)+`` is accepted).
   Possessive quantifiers and atomic groups never backtrack and are exempt.
4. **dynamic check**: the compiled pattern is searched in adversarial
   strings built from its own characters, of growing length (up to 513
   characters); if any single search takes longer than
   :data:`TIME_BUDGET` seconds the pattern is rejected. Lengths grow
   by at most a third, so a pattern that slipped past the static check is caught before
   it can run for long.

>>> check_regex(r"\\bcontract(s|ed)?\\b")
[]
>>> check_regex(r"(a+)+b")[0]
'nested quantifier: a repeated part can match the same text in more than one way \
(catastrophic backtracking)'
"""

from __future__ import annotations

import importlib
import re
import string
import time
from functools import lru_cache
from typing import Any

__all__ = ["MAX_REGEX_LENGTH", "TIME_BUDGET", "check_regex", "regex_flags", "required_literals"]

MAX_REGEX_LENGTH = 500
#: Seconds one search of an adversarial string may take.
TIME_BUDGET = 0.05

_parser: Any = importlib.import_module("re._parser")
_ALPHABET = frozenset(string.printable + "éÉüßñçøåİı\u00a0\u2019\u201c")
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n", "CATEGORY_NOT_LINEBREAK": r"[^\n]",
}
_NESTED = ("nested quantifier: a repeated part can match the same text in more than one "
           "way (catastrophic backtracking)")
_OVERLAP = ("overlapping alternatives under a quantifier (catastrophic backtracking); "
            "make the alternatives start differently")


def regex_flags(*, case_sensitive: bool = False) -> int:
    """The flags rules' regular expressions are compiled with."""
    return re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)


def check_regex(pattern: str, *, case_sensitive: bool = False) -> list[str]:
    """Problems with ``pattern`` as a codebook regex; an empty list if it is safe."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return [f"is {len(pattern)} characters long; at most {MAX_REGEX_LENGTH} are allowed"]
    flags = regex_flags(case_sensitive=case_sensitive)
    try:
        re.compile(pattern, flags)
    except re.error as e:
        return [f"does not compile: {e.msg} at position {e.pos}"]
    except (OverflowError, RecursionError):
        return ["does not compile: too complex"]
    return list(_check_compiled(pattern, flags))


@lru_cache(maxsize=4096)
def _check_compiled(pattern: str, flags: int) -> tuple[str, ...]:
    compiled = re.compile(pattern, flags)
    parsed = list(_parser.parse(pattern, flags))
    problems = _static(parsed, bool(flags & re.IGNORECASE), bool(flags & re.DOTALL))
    if compiled.fullmatch(""):
        problems.append("matches empty text; it must match at least one character")
    if problems:
        return tuple(problems)
    return tuple(_dynamic(compiled, parsed, bool(flags & re.IGNORECASE)))


# ------------------------------------------------------------------ character sets

@lru_cache(maxsize=32)
def _category(name: str) -> frozenset[str]:
    rx = re.compile(_CATEGORIES.get(name, r"[\s\S]"))
    return frozenset(c for c in _ALPHABET if rx.match(c))


def _cased(chars: set[str], ignorecase: bool) -> frozenset[str]:
    if ignorecase:
        upper = {c.upper() for c in chars if len(c.upper()) == 1}
        chars = chars | {c.lower() for c in chars} | upper
    return frozenset(chars)


def _char_item(op: str, av: Any, ic: bool, dotall: bool) -> frozenset[str] | None:
    """Characters a single-character item can match, or None if not a single char."""
    if op == "LITERAL":
        return _cased({chr(av)}, ic)
    if op == "NOT_LITERAL":
        return frozenset(_ALPHABET - _cased({chr(av)}, ic))
    if op == "ANY":
        return _ALPHABET if dotall else frozenset(_ALPHABET - {"\n"})
    if op == "CATEGORY":
        return _category(str(av))
    if op == "IN":
        negate = False
        chars: set[str] = set()
        for sub_op, sub_av in av:
            name = str(sub_op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                chars.add(chr(sub_av))
            elif name == "RANGE":
                lo, hi = sub_av
                chars |= {c for c in _ALPHABET if lo <= ord(c) <= hi} | {chr(lo), chr(hi)}
            elif name == "CATEGORY":
                chars |= _category(str(sub_av))
        cased = _cased(chars, ic)
        return frozenset(_ALPHABET - cased) if negate else cased
    return None


def _all_chars(seq: list[Any], ic: bool, dotall: bool) -> frozenset[str]:
    out: set[str] = set()
    for op_, av in seq:
        op = str(op_)
        single = _char_item(op, av, ic, dotall)
        if single is not None:
            out |= single
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            out |= _all_chars(list(av[2]), ic, dotall)
        elif op == "SUBPATTERN":
            out |= _all_chars(list(av[3]), ic, dotall)
        elif op == "ATOMIC_GROUP":
            out |= _all_chars(list(av), ic, dotall)
        elif op == "BRANCH":
            for alt in av[1]:
                out |= _all_chars(list(alt), ic, dotall)
        elif op in ("GROUPREF", "GROUPREF_EXISTS"):
            out |= _ALPHABET
    return frozenset(out)


def _first(seq: list[Any], ic: bool, dotall: bool) -> tuple[frozenset[str], bool]:
    """Characters the sequence can start with, and whether it can match empty."""
    out: set[str] = set()
    for op_, av in seq:
        op = str(op_)
        single = _char_item(op, av, ic, dotall)
        if single is not None:
            return frozenset(out | single), False
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            chars, nullable = _first(list(av[2]), ic, dotall)
            out |= chars
            if av[0] > 0 and not nullable:
                return frozenset(out), False
        elif op == "SUBPATTERN":
            chars, nullable = _first(list(av[3]), ic, dotall)
            out |= chars
            if not nullable:
                return frozenset(out), False
        elif op == "BRANCH":
            any_nullable = False
            for alt in av[1]:
                chars, nullable = _first(list(alt), ic, dotall)
                out |= chars
                any_nullable |= nullable
            if not any_nullable:
                return frozenset(out), False
        elif op in ("GROUPREF", "GROUPREF_EXISTS", "ATOMIC_GROUP"):
            return frozenset(out | _ALPHABET), False
    return frozenset(out), True


# ------------------------------------------------------------------ static check

def _atoms(seq: list[Any], ic: bool, dotall: bool) -> list[tuple[frozenset[str], bool, bool]]:
    """Flatten a repeat body into (chars, mandatory, variable-length) atoms."""
    atoms: list[tuple[frozenset[str], bool, bool]] = []
    for op_, av in seq:
        op = str(op_)
        single = _char_item(op, av, ic, dotall)
        if single is not None:
            atoms.append((single, True, False))
        elif op == "SUBPATTERN":
            atoms.extend(_atoms(list(av[3]), ic, dotall))
        elif op in ("MAX_REPEAT", "MIN_REPEAT"):
            lo, hi, body = av
            chars = _all_chars(list(body), ic, dotall)
            nullable = lo == 0 or _first(list(body), ic, dotall)[1]
            atoms.append((chars, not nullable, lo != hi or _variable(list(body))))
        elif op in ("POSSESSIVE_REPEAT", "ATOMIC_GROUP"):
            body = av[2] if op == "POSSESSIVE_REPEAT" else av
            atoms.append((_all_chars(list(body), ic, dotall), True, False))
        elif op == "BRANCH":
            chars = _all_chars([(op_, av)], ic, dotall)
            nullable = _first([(op_, av)], ic, dotall)[1]
            atoms.append((chars, not nullable, _variable([(op_, av)])))
        elif op in ("GROUPREF", "GROUPREF_EXISTS"):
            atoms.append((_ALPHABET, False, True))
    return atoms


def _variable(seq: list[Any]) -> bool:
    """Whether the sequence can match texts of different lengths."""
    lo, hi = _parser.SubPattern(_parser.State(), seq).getwidth()
    return bool(lo != hi)


def _ambiguous_loop(atoms: list[tuple[frozenset[str], bool, bool]]) -> bool:
    n = len(atoms)
    for i, (chars, _, variable) in enumerate(atoms):
        if not variable:
            continue
        for step in range(1, n + 1):  # walk forward round the loop past optional atoms
            other, mandatory, _ = atoms[(i + step) % n]
            if chars & other:
                return True
            if mandatory:
                break
    return False


def _literal_words(alts: list[Any]) -> list[str] | None:
    words = []
    for alt in alts:
        if not all(str(op) == "LITERAL" for op, _ in alt):
            return None
        words.append("".join(chr(av) for _, av in alt).lower())
    return words


def _overlapping_alternatives(alts: list[Any], ic: bool, dotall: bool) -> bool:
    words = _literal_words(alts)
    if words is not None:
        return any(a != b and b.startswith(a) for a in words for b in words) or \
            len(set(words)) < len(words)
    firsts = [_first(list(alt), ic, dotall)[0] for alt in alts]
    return any(firsts[i] & firsts[j] for i in range(len(firsts)) for j in range(i))


def _static(seq: list[Any], ic: bool, dotall: bool, in_loop: bool = False) -> list[str]:
    problems: list[str] = []
    for op_, av in seq:
        op = str(op_)
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            _, hi, body = av
            loops = hi > 1
            if loops and _ambiguous_loop(_atoms(list(body), ic, dotall)):
                problems.append(_NESTED)
            problems += _static(list(body), ic, dotall, in_loop or loops)
        elif op == "SUBPATTERN":
            problems += _static(list(av[3]), ic, dotall, in_loop)
        elif op == "BRANCH":
            if in_loop and _overlapping_alternatives(list(av[1]), ic, dotall):
                problems.append(_OVERLAP)
            for alt in av[1]:
                problems += _static(list(alt), ic, dotall, in_loop)
        elif op in ("ASSERT", "ASSERT_NOT"):
            problems += _static(list(av[1]), ic, dotall, in_loop)
    return list(dict.fromkeys(problems))


# ------------------------------------------------------------------ dynamic check

def _representatives(seq: list[Any], ic: bool, out: list[str]) -> None:
    for op_, av in seq:
        op = str(op_)
        single = _char_item(op, av, ic, False)
        if single:
            pick = sorted(single, key=lambda c: (not c.isalpha(), not c.isspace(), c))[0]
            if pick not in out:
                out.append(pick)
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            _representatives(list(av[2]), ic, out)
        elif op == "SUBPATTERN":
            _representatives(list(av[3]), ic, out)
        elif op == "BRANCH":
            for alt in av[1]:
                _representatives(list(alt), ic, out)
        elif op in ("ASSERT", "ASSERT_NOT"):
            _representatives(list(av[1]), ic, out)


def _dynamic(compiled: re.Pattern[str], parsed: list[Any], ic: bool) -> list[str]:
    reps: list[str] = []
    _representatives(parsed, ic, reps)
    reps = reps[:8] or ["a"]
    units = ["".join(reps), *reps, "a", " a", "a "]
    lengths = [*range(4, 33, 4), 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512]
    for n in lengths:
        for unit in dict.fromkeys(units):
            body = (unit * (n // len(unit) + 1))[:n]
            for end in ("\x00", "!"):
                t0 = time.perf_counter()
                compiled.search(body + end)
                took = time.perf_counter() - t0
                if took > TIME_BUDGET:
                    return [f"too slow: one search of a {n + 1}-character string took "
                            f"{took:.2f} s (limit {TIME_BUDGET} s); simplify the pattern"]
    return []


# ------------------------------------------------------------------ prefilter

def required_literals(pattern: str, *, case_sensitive: bool = False) -> tuple[str, ...]:
    """Literal strings one of which every match must contain (lower-cased unless
    ``case_sensitive``); empty when there is no useful literal. Lets the engine
    skip text that cannot match.

    >>> required_literals(r"\\b(?:upah|gaji)\\s+borongan\\b")
    ('borongan',)
    >>> required_literals(r"\\b(?:ILO|konvensi)\\b")
    ('ilo', 'konvensi')
    """
    flags = regex_flags(case_sensitive=case_sensitive)
    try:
        parsed = list(_parser.parse(pattern, flags))
    except (re.error, OverflowError, RecursionError):
        return ()
    best = _required(parsed)
    if not best or min(len(x) for x in best) < 2:
        return ()
    if not case_sensitive:
        if any(len(x.lower()) != len(x) for x in best):
            return ()
        best = tuple(dict.fromkeys(x.lower() for x in best))
    return best


def _required(seq: list[Any]) -> tuple[str, ...]:
    candidates: list[tuple[str, ...]] = []
    run: list[str] = []
    for op_, av in seq:
        op = str(op_)
        if op == "LITERAL":
            run.append(chr(av))
            continue
        if run:
            candidates.append(("".join(run),))
            run = []
        sub: tuple[str, ...] = ()
        if op == "SUBPATTERN":
            sub = _required(list(av[3]))
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            sub = _required(list(av[2]))
        elif op == "ATOMIC_GROUP":
            sub = _required(list(av))
        elif op == "BRANCH":
            alts = [_required(list(alt)) for alt in av[1]]
            if all(alts):
                sub = tuple(x for alt in alts for x in alt)
        if sub:
            candidates.append(sub)
    if run:
        candidates.append(("".join(run),))
    if not candidates:
        return ()
    return max(candidates, key=lambda c: (min(len(x) for x in c), -len(c)))
