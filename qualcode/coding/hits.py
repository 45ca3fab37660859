"""Finding the hits of compiled rules in one prepared document.

A *hit* is a rule match before scope, negation and units are applied:
``(start, end, first token, rule)``. Phrase and lemma rules' hits come
straight from the merged token matchers as arrays, and near rules are
paired with array operations; regex, all and any rules are assembled here
in Python (they are few).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .compiled import DEFAULT_NEAR, Compiled, CRule, Matchers
from .rules import Rule
from .units import Prepared

__all__ = ["DocHits", "Hit", "collect"]

Hit = tuple[int, int, int]  # char start, char end, first token
#: (rule, part, side) -> token starts and ends (arrays) of that pattern side's matches
Tokens = dict[tuple[int, int, int], tuple[Any, Any]]


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

    info = p.info
    found = []
    for matcher, lemmas in ((matchers.lower, False), (matchers.lemma, True)):
        if len(matcher):
            found.append(matcher.match_terms(info.terms(matcher, lemmas)))
    parts: list[tuple[Any, Any, Any, Any]] = []
    tokens: list[Tokens] = [{} for _ in matchers.comps]
    if found:
        key, s_tok, e_tok = (np.concatenate([f[k] for f in found]) for k in range(3))
        simple = matchers.simple[key]
        st, et = s_tok[simple], e_tok[simple]
        parts.append((info.tok_start_array[st], info.tok_end_array[et - 1], st,
                      matchers.rule[key[simple]]))
        rest = np.flatnonzero(~simple)
        if len(rest):  # near/all/any leaves: spans grouped by matcher key
            order = rest[np.argsort(key[rest], kind="stable")]
            ids = key[order]
            cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(order)]
            for a, b in itertools.pairwise(cuts):
                i, where = matchers.keys[int(ids[a])]
                tokens[i][where] = (s_tok[order[a:b]], e_tok[order[a:b]])
    for i, comp in enumerate(matchers.comps):
        extra = _complex_hits(comp, tokens[i], _regex_hits(comp, p), p)
        parts += [(s, e, f, r + matchers.rule_base[i]) for s, e, f, r in extra]
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
    for r, part, rx, literals, case_sensitive in comp.regexes:
        cr = comp.rules[r]
        mask = p.scope_mask(cr.roles, cr.speakers)
        found: list[Hit] = []
        for t in p.candidate_turns(literals, case_sensitive, mask):
            k = p.turn_doc[t]
            text, base = p.texts[k], p.bases[k]  # the document's own text: lookarounds
            for m in rx.finditer(text, p.turn_start[t] - base, p.turn_end[t] - base):
                s, e = m.span()
                while s < e and text[s].isspace():
                    s += 1
                while e > s and text[e - 1].isspace():
                    e -= 1
                if e > s:
                    found.append((s + base, e + base, p.token_at(s + base)))
        if found:
            chars[(r, part)] = found
    return chars


def _complex_hits(comp: Compiled, tokens: Tokens, chars: dict[tuple[int, int], list[Hit]],
                  p: Prepared) -> list[tuple[Any, Any, Any, Any]]:
    """(start, end, first token, rule) arrays of the regex, near, all and any rules
    that matched (rules local to the codebook)."""
    import numpy as np

    active = {k[0] for k in tokens} | {k[0] for k in chars}
    out: list[tuple[Any, Any, Any, Any]] = []
    rows: list[tuple[int, int, int, int]] = []
    nears: list[tuple[int, Rule, tuple[Any, Any], tuple[Any, Any]]] = []
    for r in sorted(active):
        cr = comp.rules[r]
        if cr.rule.kind == "near":
            if (r, -1, 0) in tokens and (r, -1, 1) in tokens:  # a near rule needs both sides
                nears.append((r, cr.rule, tokens[(r, -1, 0)], tokens[(r, -1, 1)]))
            continue
        parts = rule_hits(cr, p, tokens, chars)
        found = all_hits(p, parts, cr) if cr.rule.kind == "all" else \
            [h for part in parts for h in part]
        rows += [(s, e, f, r) for s, e, f in found]
    if nears:
        info = p.info
        s, e, j = near(p, [(leaf, left, right) for _, leaf, left, right in nears])
        if len(s):
            rule = np.array([r for r, *_ in nears], dtype=np.int64)[j]
            out.append((info.tok_start_array[s], info.tok_end_array[e - 1], s, rule))
    if rows:
        arr = np.array(rows, dtype=np.int64)
        out.append((arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]))
    return out


def near(p: Prepared, leaves: list[tuple[Rule, tuple[Any, Any], tuple[Any, Any]]]
         ) -> tuple[Any, Any, Any]:
    """Token spans from a left to a right match at most ``within`` words apart, in
    the same sentence (either order unless ``ordered``), for several near leaves
    at once: ``(leaf, (left starts, ends), (right starts, ends))``. Returns
    arrays: span starts, span ends, and the position of the leaf in ``leaves``.

    Sorted by (leaf, start), the right matches that may follow a left match
    form one contiguous run, found with two binary searches (and those that
    may precede it, sorted by (leaf, end)); the runs are then expanded and
    filtered by sentence. Leaves are kept apart by adding ``leaf * width`` to
    every sort key, with ``width`` above any word count plus window.
    """
    import numpy as np

    wb, sent = p.info.words_before_array.astype(np.int64), p.info.sent_of
    n = len(wb)
    within = np.array([DEFAULT_NEAR if leaf.within is None else leaf.within
                       for leaf, _, _ in leaves], dtype=np.int64)
    ordered = np.array([leaf.ordered for leaf, _, _ in leaves], dtype=bool)
    ls, le, lj = _stack([left for _, left, _ in leaves])
    rs, re_, rj = _stack([right for _, _, right in leaves])
    width = int(wb[-1]) + int(within.max(initial=0)) + 2
    out_s, out_e, out_j = [], [], []
    # right after left: b_s >= a_e and wb[b_s] - wb[a_e] <= within
    order = np.lexsort((rs, rj))
    bs, be, bj = rs[order], re_[order], rj[order]
    lo = np.searchsorted(bj * n + bs, lj * n + le, "left")
    hi = np.searchsorted(bj * width + wb[bs], lj * width + wb[le] + within[lj], "right")
    a, b = _expand(lo, np.maximum(hi, lo))
    keep = sent[bs[b]] == sent[ls[a]]
    out_s.append(ls[a[keep]])
    out_e.append(be[b[keep]])
    out_j.append(lj[a[keep]])
    # right before left (unordered leaves): b_e <= a_s and wb[a_s] - wb[b_e] <= within
    sel = ~ordered[lj]
    if sel.any():
        ls, le, lj = ls[sel], le[sel], lj[sel]
        order = np.lexsort((re_, rj))
        bs, be, bj = rs[order], re_[order], rj[order]
        hi = np.searchsorted(bj * n + be, lj * n + ls, "right")
        lo = np.searchsorted(bj * width + wb[be], lj * width + wb[ls] - within[lj], "left")
        a, b = _expand(np.minimum(lo, hi), hi)
        keep = sent[bs[b]] == sent[ls[a]]
        out_s.append(bs[b[keep]])
        out_e.append(le[a[keep]])
        out_j.append(lj[a[keep]])
    return np.concatenate(out_s), np.concatenate(out_e), np.concatenate(out_j)


def _stack(spans: list[tuple[Any, Any]]) -> tuple[Any, Any, Any]:
    """Concatenated starts and ends of several span lists, and each span's list."""
    import numpy as np

    starts = np.concatenate([s for s, _ in spans]).astype(np.int64)
    ends = np.concatenate([e for _, e in spans]).astype(np.int64)
    which = np.repeat(np.arange(len(spans)), [len(s) for s, _ in spans])
    return starts, ends, which


def _expand(lo: Any, hi: Any) -> tuple[Any, Any]:
    """Pairs (i, j) for every i and every j in ``range(lo[i], hi[i])``."""
    import numpy as np

    counts = hi - lo
    i = np.repeat(np.arange(len(lo)), counts)
    j = np.arange(len(i)) - np.repeat(np.cumsum(counts) - counts, counts) + lo[i]
    return i, j


def rule_hits(cr: CRule, p: Prepared, tokens: Tokens,
              chars: dict[tuple[int, int], list[Hit]]) -> list[list[Hit]]:
    """Hits of each leaf of a rule (one list unless the rule is all/any)."""
    import numpy as np

    out: list[list[Hit]] = []
    info = p.info
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    for part, leaf in cr.leaves:
        if leaf.kind == "regex":
            out.append(chars.get((cr.index, part), []))
            continue
        s, e = tokens.get((cr.index, part, 0), empty)
        if leaf.kind == "near":
            s, e, _ = near(p, [(leaf, (s, e), tokens.get((cr.index, part, 1), empty))])
        out.append(list(zip(info.tok_start_array[s].tolist(),
                            info.tok_end_array[e - 1].tolist(), s.tolist(), strict=True)))
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
