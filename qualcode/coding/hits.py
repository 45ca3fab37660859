"""Finding the hits of compiled rules in one prepared document.

A *hit* is a rule match before scope, negation and units are applied:
``(start, end, first token, rule)``. Phrase and lemma rules' hits come
straight from the merged phrase matchers as arrays; regex, near, all and
any rules are assembled here in Python (they are few).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from .compiled import DEFAULT_NEAR, Compiled, CRule, Matchers
from .units import Prepared

__all__ = ["DocHits", "Hit", "collect"]

Hit = tuple[int, int, int]  # char start, char end, first token
Tokens = dict[tuple[int, int, int], list[tuple[int, int]]]


@dataclass
class DocHits:
    """Every hit of the merged codebooks in one document, as arrays (global rules)."""

    start: Any
    end: Any
    first: Any  #: first token
    rule: Any  #: global rule index


def collect(matchers: Matchers, p: Prepared) -> DocHits:
    """Hits of every rule in ``matchers`` in the document ``p``."""
    import numpy as np

    rows: list[tuple[int, int, int]] = []
    for matcher in (matchers.lower, matchers.lemma):
        if len(matcher):
            rows += matcher(p.sdoc)
    info = p.info
    parts: list[tuple[Any, Any, Any, Any]] = []
    tokens: list[Tokens] = [{} for _ in matchers.comps]
    if rows:
        arr = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.uint64,
                          count=3 * len(rows)).reshape(-1, 3)
        at = np.searchsorted(matchers.ids, arr[:, 0])
        simple = matchers.simple[at]
        s_tok = arr[:, 1].astype(np.int64)
        e_tok = arr[:, 2].astype(np.int64)
        st, et = s_tok[simple], e_tok[simple]
        parts.append((info.tok_start_array[st], info.tok_end_array[et - 1], st,
                      matchers.rule[at][simple]))
        rest = np.flatnonzero(~simple)
        if len(rest):  # near/all/any leaves: spans grouped by matcher key
            ids = arr[rest, 0]
            order = rest[np.argsort(ids, kind="stable")]
            ids = arr[order, 0]
            cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(order)]
            starts, ends, keys = s_tok[order].tolist(), e_tok[order].tolist(), ids.tolist()
            for a, b in itertools.pairwise(cuts):
                i, key = matchers.keys[keys[a]]
                tokens[i][key] = list(zip(starts[a:b], ends[a:b], strict=True))
    for i, comp in enumerate(matchers.comps):
        extra = _complex_hits(comp, tokens[i], _regex_hits(comp, p), p)
        if extra:
            found = np.array(extra, dtype=np.int64)
            parts.append((found[:, 0], found[:, 1], found[:, 2],
                          found[:, 3] + matchers.rule_base[i]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return DocHits(empty, empty, empty, empty)
    start, end, first, rule = (np.concatenate([x[k] for x in parts]) for k in range(4))
    return DocHits(start, end, first, rule)


def _regex_hits(comp: Compiled, p: Prepared) -> dict[tuple[int, int], list[Hit]]:
    """Regex leaves, searched turn by turn (a match never crosses turns), only in
    turns in scope that contain a literal every match needs. Matches are
    trimmed of surrounding whitespace."""
    chars: dict[tuple[int, int], list[Hit]] = {}
    text = p.text
    for r, part, rx, literals, case_sensitive in comp.regexes:
        cr = comp.rules[r]
        mask = p.scope_mask(cr.roles, cr.speakers)
        found: list[Hit] = []
        for t in p.candidate_turns(literals, case_sensitive, mask):
            for m in rx.finditer(text, p.turn_start[t], p.turn_end[t]):
                s, e = m.span()
                while s < e and text[s].isspace():
                    s += 1
                while e > s and text[e - 1].isspace():
                    e -= 1
                if e > s:
                    found.append((s, e, p.token_at(s)))
        if found:
            chars[(r, part)] = found
    return chars


def _complex_hits(comp: Compiled, tokens: Tokens, chars: dict[tuple[int, int], list[Hit]],
                  p: Prepared) -> list[tuple[int, int, int, int]]:
    """(start, end, first token, rule) of the regex, near, all and any rules that matched."""
    active = {k[0] for k in tokens} | {k[0] for k in chars}
    out: list[tuple[int, int, int, int]] = []
    for r in sorted(active):
        cr = comp.rules[r]
        if cr.rule.kind == "near" and ((r, -1, 0) not in tokens or (r, -1, 1) not in tokens):
            continue  # a near rule needs both sides
        parts = rule_hits(cr, p, tokens, chars)
        found = all_hits(p, parts, cr) if cr.rule.kind == "all" else \
            [h for part in parts for h in part]
        out += [(s, e, f, r) for s, e, f in found]
    return out


def near(p: Prepared, left: list[tuple[int, int]], right: list[tuple[int, int]],
         within: int, ordered: bool) -> list[tuple[int, int]]:
    """Token spans from a left to a right match at most ``within`` words apart,
    in the same sentence (either order unless ``ordered``)."""
    if not left or not right:
        return []
    right = sorted(right)
    starts = [s for s, _ in right]
    longest = max(e - s for s, e in right)
    out: list[tuple[int, int]] = []
    wb, sent = p.words_before, p.info.sent_of
    for a_s, a_e in left:
        lo = bisect_left(starts, a_e) if ordered else \
            bisect_left(starts, a_s - longest - within * 4 - 4)
        for b_s, b_e in right[lo:]:
            if b_s >= a_e:
                if wb[b_s] - wb[a_e] > within or sent[b_s] != sent[a_s]:
                    break
                out.append((a_s, b_e))
            elif not ordered and b_e <= a_s and wb[a_s] - wb[b_e] <= within and \
                    sent[b_s] == sent[a_s]:
                out.append((b_s, a_e))
    return out


def rule_hits(cr: CRule, p: Prepared, tokens: Tokens,
              chars: dict[tuple[int, int], list[Hit]]) -> list[list[Hit]]:
    """Hits of each leaf of a rule (one list unless the rule is all/any)."""
    out: list[list[Hit]] = []
    ts, te = p.tok_start, p.tok_end
    for part, leaf in cr.leaves:
        if leaf.kind == "regex":
            out.append(chars.get((cr.index, part), []))
            continue
        spans = tokens.get((cr.index, part, 0), [])
        if leaf.kind == "near":
            within = DEFAULT_NEAR if leaf.within is None else leaf.within
            spans = near(p, spans, tokens.get((cr.index, part, 1), []), within, leaf.ordered)
        out.append([(ts[s], te[e - 1], s) for s, e in spans])
    return out


def all_hits(p: Prepared, parts: list[list[Hit]], cr: CRule) -> list[Hit]:
    """Units where every part matched: one hit from the first to the last part's match."""
    unit = "sentence" if cr.unit == "match" else cr.unit
    groups: dict[tuple[int, int], list[Hit | None]] = {}
    for j, found in enumerate(parts):
        for hit in found:
            t = p.turn_of(hit[0], hit[1])
            if t < 0:
                continue
            slot = groups.setdefault(p.unit(unit, hit[0], hit[1], t), [None] * len(parts))
            current = slot[j]
            if current is None or hit < current:
                slot[j] = hit
    out: list[Hit] = []
    for slot in groups.values():
        present = [h for h in slot if h is not None]
        if len(present) == len(slot):
            first = min(present)
            out.append((first[0], max(h[1] for h in present), first[2]))
    return out
