"""The rule engine: code documents with compiled codebooks.

The codebooks of a call are compiled once per language and merged
(:mod:`qualcode.coding.compiled`): each document is scanned by two phrase
matcher calls and one pass per regex, whatever the number of rules. All hits
of a document are then filtered at once with numpy: the turn must contain the
match and be in scope, negation is looked up in per-token arrays, and kept
hits are widened to their unit by searching sorted unit boundaries. One
coding per (code, unit span) remains, recording the earliest match's rule.
Codes scoped ``within`` other codes are done last, in dependency order.

>>> import qualcode as qc
>>> from qualcode.codebook import load_codebook
>>> cb = load_codebook('''
... codebook: demo
... codes:
...   - name: contract
...     rules: {en: [{lemma: sign contract}]}
... ''')
>>> doc = qc.parse_transcript(b"I: Contract?\\nR: We signed contracts. Then we left.", name="x.txt")
>>> [(c.code, doc.text[c.start:c.end], c.rule) for c in autocode([doc], cb)]
[('contract', 'We signed contracts.', 'contract/en/1')]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gc import collector_paused
from ..errors import CodebookError, InputError, Problem
from ..language import detect_language
from ..model import Codebook, Coding, Document, trusted_coding
from .compiled import UNIT_IDS, Matchers, compile_codebook, matchers_for
from .hits import DocHits, collect
from .nlp import tokenise
from .rules import Defaults, Negation, Scope
from .units import Prepared

if TYPE_CHECKING:
    import os

__all__ = ["BATCH_CHARACTERS", "Explanation", "Match", "autocode", "explain"]

#: Documents of one language are coded together up to about this many
#: characters: each array operation then runs once per batch, not per document.
BATCH_CHARACTERS = 2_000_000

#: (codebook index, code) -> unit span -> its matches (start, end, rule index, negated)
Results = dict[tuple[int, str], dict[tuple[int, int], list[tuple[int, int, int, bool]]]]


@dataclass(frozen=True, slots=True)
class Match:
    """One rule match behind a coding."""

    rule: str
    code: str
    start: int
    end: int
    text: str
    negated: bool
    pattern: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a passage was coded: the coding, the passage and every match in it."""

    coding: Coding
    passage: str
    matches: tuple[Match, ...]

    @property
    def rule(self) -> str | None:
        return self.coding.rule

    @property
    def matched_text(self) -> str:
        return self.matches[0].text if self.matches else ""


@dataclass
class _Plan:
    order: list[tuple[int, str]]  # (codebook index, code) in dependency order
    refs: dict[tuple[int, str], list[tuple[str, str]]]  # within refs -> (book, code)


def _plan(books: Sequence[Codebook], context_given: bool) -> _Plan:
    by_name = {cb.name: i for i, cb in enumerate(books)}
    nodes = [(i, c.name) for i, cb in enumerate(books) for c in cb.codes]
    producers: dict[tuple[str, str], set[tuple[int, str]]] = {}
    descendants: dict[tuple[str, str], set[str]] = {}
    for i, cb in enumerate(books):
        defaults = Defaults.from_meta(cb.meta)
        for c in cb.codes:
            producers.setdefault((cb.name, c.name), set()).add((i, c.name))
            for neg in (c.negation, defaults.negation, *(r.negation for r in c.rules)):
                if isinstance(neg, Negation) and neg.mode == "code" and neg.code:
                    producers.setdefault((cb.name, neg.code), set()).add((i, c.name))
            parent = c.parent
            descendants.setdefault((cb.name, c.name), set()).add(c.name)
            seen = 0
            while parent is not None and seen < len(cb.codes):
                descendants.setdefault((cb.name, parent), set()).add(c.name)
                parent = cb[parent].parent if parent in cb else None
                seen += 1
    refs: dict[tuple[int, str], list[tuple[str, str]]] = {}
    deps: dict[tuple[int, str], set[tuple[int, str]]] = {}
    problems: list[Problem] = []
    for i, cb in enumerate(books):
        defaults = Defaults.from_meta(cb.meta)
        for c in cb.codes:
            within = (c.scope or Scope()).over(defaults.scope).within or ()
            targets: list[tuple[str, str]] = []
            for ref in within:
                book, _, code = ref.rpartition(":")
                book = book or cb.name
                if book not in by_name and not context_given:
                    problems.append(Problem(
                        f"code {c.name!r} of codebook {cb.name!r} is scoped within {ref!r}: "
                        f"code with codebook {book!r} too, or pass its codings as context="))
                names = descendants.get((book, code), {code})
                targets += [(book, n) for n in sorted(names)]
            refs[(i, c.name)] = targets
            deps[(i, c.name)] = {n for t in targets for n in producers.get(t, ())}
    if problems:
        raise CodebookError(problems=problems)
    order: list[tuple[int, str]] = []
    done: set[tuple[int, str]] = set()
    pending = list(nodes)
    while pending:
        ready = [n for n in pending if deps[n] - {n} <= done]
        if not ready:
            cycle = ", ".join(f"{books[i].name}:{c}" for i, c in pending)
            raise CodebookError(problems=[Problem(f"scope within forms a cycle among {cycle}")])
        order += ready
        done.update(ready)
        pending = [n for n in pending if n not in done]
    return _Plan(order, refs)


def _passages(results: Results, names: dict[str, int], context: list[Coding],
              targets: list[tuple[str, str]]
              ) -> tuple[list[int], list[int]]:
    spans: list[tuple[int, int]] = []
    for book, code in targets:
        if book in names:  # a codebook of this run: only this run's codings count
            spans += list(results.get((names[book], code), {}))
        else:
            spans += [(c.start, c.end) for c in context
                      if c.code == code and c.codebook in (book, None)]
    spans.sort()
    starts = [s for s, _ in spans]
    reach: list[int] = []
    best = -1
    for _, e in spans:
        best = max(best, e)
        reach.append(best)
    return starts, reach


def _filter(p: Prepared, m: Matchers, hits: DocHits) -> dict[str, Any]:
    """Apply turn, scope and negation to every hit at once; widen kept hits to units.

    Returns arrays over the kept hits sorted by (code, unit span, match, rule):
    global code id, unit start/end, match start/end, global rule, negated, unit
    id; and ``late``: hits of groups scoped within other codes, which wait for
    those codes' codings.
    """
    import numpy as np

    s, e, first, rule = hits.start, hits.end, hits.first, hits.rule
    groups = m.groups
    g = m.rule_group[rule]
    turn_start, turn_end = p.turn_arrays()
    t = np.searchsorted(turn_start, s, "right") - 1
    tt = t.clip(min=0)
    ok = (t >= 0) & (s < turn_end[tt]) & (e <= turn_end[tt])
    masks = np.array([p.scope_mask(*scope) for scope in m.scopes], dtype=bool)
    ok &= masks[groups["scope"][g], tt]
    mode = groups["mode"][g]
    negated = np.zeros(len(s), dtype=bool)
    negset = groups["negators"][g]
    for n, w in m.windows:
        sel = (mode > 0) & (groups["window"][g] == w) & (negset == n)
        if sel.any():
            key, ids = m.negators[n]
            negated[sel] = p.negated_before(key, ids, w, first[sel])
    if m.afters:
        last = np.searchsorted(p.info.tok_start_array, e, "left") - 1
        for n, a in m.afters:
            sel = (mode > 0) & (groups["after"][g] == a) & (negset == n) & ~negated
            if sel.any():
                key, ids = m.negators[n]
                negated[sel] = p.negated_after(key, ids, a, last[sel])
    ok &= ~(((mode == 1) & negated) | ((mode == 2) & ~negated))
    target = groups["target"][g]
    code = np.where((mode == 3) & negated & (target >= 0), target, groups["code"][g])
    late_ok = ok & groups["within"][g]
    ok &= ~groups["within"][g]
    unit = groups["unit"][g]
    us, ue = s.copy(), e.copy()
    for kind in ("sentence", "paragraph"):
        sel = ok & (unit == UNIT_IDS[kind])
        if sel.any():
            bounds, trim_start, trim_end = p.unit_arrays(kind)
            k1 = np.searchsorted(bounds, s[sel], "right") - 1
            k2 = np.searchsorted(bounds, e[sel] - 1, "right") - 1
            us[sel] = np.minimum(trim_start[k1], s[sel])
            ue[sel] = np.maximum(trim_end[k2], e[sel])
    sel = ok & (unit == UNIT_IDS["turn"])
    if sel.any():
        trim_start, trim_end = p.turn_trimmed()
        us[sel] = np.minimum(trim_start[tt[sel]], s[sel])
        ue[sel] = np.maximum(trim_end[tt[sel]], e[sel])
    keep = np.flatnonzero(ok)
    order = keep[np.lexsort((rule[keep], e[keep], s[keep], ue[keep], us[keep], code[keep]))]
    late = np.flatnonzero(late_ok)
    return {"code": code[order], "us": us[order], "ue": ue[order], "s": s[order],
            "e": e[order], "rule": rule[order], "neg": negated[order], "unit": unit[order],
            "late": (s[late], e[late], rule[late], t[late], negated[late], code[late])}


def _store(out: dict[str, Any], m: Matchers, results: Results,
           match_unit: set[tuple[int, str]], explain: bool) -> None:
    """Kept hits -> results: the earliest match per (code, unit), or all when explaining."""
    import numpy as np

    code, us, ue = out["code"], out["us"], out["ue"]
    if not len(code):
        return
    new = np.ones(len(code), dtype=bool)
    new[1:] = (code[1:] != code[:-1]) | (us[1:] != us[:-1]) | (ue[1:] != ue[:-1])
    pick = slice(None) if explain else new
    rows = zip(code[pick].tolist(), us[pick].tolist(), ue[pick].tolist(),
               out["s"][pick].tolist(), out["e"][pick].tolist(), out["rule"][pick].tolist(),
               out["neg"][pick].tolist(), new[pick].tolist(), strict=True)
    codes = m.codes
    for c, a, b, s, e, r, neg, first in rows:
        spans = results.setdefault(codes[c], {})
        if first:
            spans[(a, b)] = [(s, e, r, neg)]
        else:
            spans[(a, b)].append((s, e, r, neg))
    for c in set(code[out["unit"] == UNIT_IDS["match"]].tolist()):
        match_unit.add(codes[c])


def _within(p: Prepared, m: Matchers, late: tuple[Any, ...], plan: _Plan,
            names: dict[str, int], context: list[Coding], results: Results,
            match_unit: set[tuple[int, str]]) -> None:
    """Hits of groups scoped ``within`` other codes, code by code in dependency order."""
    by_code: dict[tuple[int, str], list[tuple[int, ...]]] = {}
    for row in zip(*(x.tolist() for x in late), strict=True):
        i, cr = m.rules[row[2]]
        by_code.setdefault((i, cr.code), []).append(row)
    for node in plan.order:
        if node not in by_code:
            continue
        starts, reach = _passages(results, names, context, plan.refs[node])
        for s, e, r, t, neg, c in sorted(by_code[node]):
            k = bisect_left(starts, s + 1) - 1
            if k < 0 or reach[k] < e:
                continue
            cr = m.rules[r][1]
            span = p.unit(cr.unit, s, e, t)
            key = m.codes[c]
            results.setdefault(key, {}).setdefault(span, []).append((s, e, r, bool(neg)))
            if cr.unit == "match":
                match_unit.add(key)


def _code_one(p: Prepared, m: Matchers, out: dict[str, Any], plan: _Plan,
              names: dict[str, int], context: list[Coding], explain: bool) -> Results:
    results: Results = {}
    match_unit: set[tuple[int, str]] = set()
    _store(out, m, results, match_unit, explain)
    if len(out["late"][0]):
        _within(p, m, out["late"], plan, names, context, results, match_unit)
    for key in match_unit:
        _merge(key, results)
    return results


def _simple_codings(p: Prepared, m: Matchers, out: dict[str, Any],
                    meta: tuple[list[tuple[str, str, str]], list[str]]
                    ) -> list[tuple[int, Coding]]:
    """The codings of kept hits when no hit waits for other codes, none has unit
    ``match`` and nothing is explained: all with array operations, in the order
    :func:`_codings` gives (document, unit span, codebook, code's place in it)."""
    import numpy as np

    code, us, ue, rule = out["code"], out["us"], out["ue"], out["rule"]
    if not len(code):
        return []
    first = np.ones(len(code), dtype=bool)  # the earliest match of each (code, unit)
    first[1:] = (code[1:] != code[:-1]) | (us[1:] != us[:-1]) | (ue[1:] != ue[:-1])
    code, us, ue, rule = code[first], us[first], ue[first], rule[first]
    order = np.lexsort((m.code_rank[code], m.code_book[code], ue, us))
    code, us, ue, rule = code[order], us[order], ue[order], rule[order]
    k = np.searchsorted(np.asarray(p.bases), us, "right") - 1
    base = np.asarray(p.bases)[k]
    ids = [d.id for d in p.documents]
    codes, rule_ids = meta
    make = trusted_coding
    return [(d, make(ids[d], codes[c][0], a, b, codes[c][1], rule_ids[r], codes[c][2]))
            for c, d, a, b, r in zip(code.tolist(), k.tolist(), (us - base).tolist(),
                                     (ue - base).tolist(), rule.tolist(), strict=True)]


def _merge(key: tuple[int, str], results: Results) -> None:
    """Unit ``match``: overlapping match spans of one code become one coding."""
    spans = results.get(key)
    if not spans or len(spans) < 2:
        return
    merged: dict[tuple[int, int], list[tuple[int, int, int, bool]]] = {}
    cur: tuple[int, int] | None = None
    for span in sorted(spans):
        if cur is not None and span[0] < cur[1]:
            matches = merged.pop(cur) + spans[span]
            cur = (cur[0], max(cur[1], span[1]))
            merged[cur] = matches
        else:
            cur = span
            merged[cur] = list(spans[span])
    results[key] = merged


def _run(documents: Document | Iterable[Document], codebooks: Any, *,
         context: Iterable[Coding] | None, cache_dir: str | os.PathLike[str] | None,
         progress: Callable[[int, int], None] | None, explain: bool
         ) -> list[tuple[Coding, Explanation | None]]:
    books = _books(codebooks)
    docs = [documents] if isinstance(documents, Document) else list(documents)
    ctx: dict[str, list[Coding]] = {}
    for c in context or ():
        ctx.setdefault(c.document, []).append(c)
    plan = _plan(books, context is not None)
    names = {cb.name: i for i, cb in enumerate(books)}
    rank = {(i, c.name): n for i, cb in enumerate(books) for n, c in enumerate(cb.codes)}
    langs = {lang for cb in books for c in cb.codes for lang in (r.language for r in c.rules)}
    merged: dict[str, Matchers] = {}
    meta: dict[str, tuple[list[tuple[str, str, str]], list[str]]] = {}
    found: list[tuple[int, Coding, Explanation | None]] = []
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        for _ in range(count):
            done += 1
            if progress is not None:
                progress(done, len(docs))

    def code_batch(language: str, batch: list[tuple[int, Document]]) -> None:
        if language not in merged:
            m = merged[language] = matchers_for([compile_codebook(cb, language) for cb in books])
            meta[language] = ([(name, books[i].coder, books[i].name) for i, name in m.codes],
                              [cr.rule.id for cr in m.rule_list])
        m = merged[language]
        batch_docs = [d for _, d in batch]
        tokens = tokenise([(d.text, language) for d in batch_docs], cache_dir=cache_dir)
        p = Prepared(list(zip(batch_docs, tokens, strict=True)))
        kept = _filter(p, m, collect(m, p))
        if explain or len(kept["late"][0]) or (kept["unit"] == UNIT_IDS["match"]).any():
            context = [trusted_coding(c.document, c.code, c.start + base, c.end + base,
                                      c.coder, c.rule, c.codebook)
                       for d, base in zip(batch_docs, p.bases, strict=True)
                       for c in ctx.get(d.id, ())]
            results = _code_one(p, m, kept, plan, names, context, explain)
            found.extend((batch[k][0], c, info)
                         for k, c, info in _codings(p, books, m, results, rank, explain))
        else:
            found.extend((batch[k][0], c, None)
                         for k, c in _simple_codings(p, m, kept, meta[language]))
        advance(len(batch))

    # Documents are coded in batches per language, as if their texts were one
    # (see Prepared): each array operation then runs once per batch rather
    # than once per document. One at a time when explaining.
    batches: dict[str, list[tuple[int, Document]]] = {}
    sizes: dict[str, int] = {}
    for n, doc in enumerate(docs):
        language = doc.language or detect_language(doc.text)
        if language not in langs or not doc.text.strip():
            advance(1)
            continue
        batches.setdefault(language, []).append((n, doc))
        sizes[language] = sizes.get(language, 0) + len(doc.text)
        if explain or sizes[language] >= BATCH_CHARACTERS:
            code_batch(language, batches.pop(language))
            sizes[language] = 0
    for language, batch in batches.items():
        code_batch(language, batch)
    found.sort(key=lambda x: x[0])  # stable: each document's codings stay in order
    return [(coding, info) for _, coding, info in found]


def _codings(p: Prepared, books: list[Codebook], m: Matchers,
             results: Results, rank: dict[tuple[int, str], int], explain: bool
             ) -> list[tuple[int, Coding, Explanation | None]]:
    """Results -> (document's place in the batch, coding, explanation), in order."""
    found: list[tuple[tuple[int, int, int, int, str], int, Coding, Explanation | None]] = []
    text = p.text
    rules = m.rule_list
    for (i, code), spans in results.items():
        cb = books[i]
        order = rank.get((i, code), 1 << 30)
        for (s, e), matches in spans.items():
            if len(matches) > 1:
                matches.sort()
            k = p.document_of(s)
            base, doc = p.bases[k], p.documents[k]
            coding = Coding(doc.id, code, s - base, e - base, cb.coder,
                            rules[matches[0][2]].rule.id, cb.name)
            info = None
            if explain:
                info = Explanation(coding, text[s:e], tuple(
                    Match(rules[r].rule.id, code, ms - base, me - base, text[ms:me], neg,
                          rules[r].pattern)
                    for ms, me, r, neg in matches))
            found.append(((s, e, i, order, code), k, coding, info))
    found.sort(key=lambda x: x[0])
    return [(k, coding, info) for _, k, coding, info in found]


def _books(codebooks: Any) -> list[Codebook]:
    from ..codebook import load_codebook

    items = [codebooks] if isinstance(codebooks, (Codebook, str)) or hasattr(
        codebooks, "__fspath__") else list(codebooks)
    books = [b if isinstance(b, Codebook) else load_codebook(b) for b in items]
    names = [b.name for b in books]
    if len(set(names)) < len(names):
        raise InputError(f"the same codebook name is given twice: {names}")
    return books


def autocode(
    documents: Document | Iterable[Document],
    codebooks: Codebook | str | Iterable[Codebook | str],
    *,
    context: Iterable[Coding] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Coding]:
    """Code ``documents`` with one or more codebooks' rules.

    Each coding spans the unit (sentence, paragraph, turn or the match) of a
    rule match, with ``coder = codebook.coder`` (``auto:<name>@<version>``)
    and ``rule`` = the id of the first rule that matched in it. Codings come
    per document in text order. ``context`` gives earlier codings (e.g. from
    the project) that ``scope: {within: ...}`` may refer to; ``cache_dir``
    keeps tokenised documents on disk; ``progress(done, total)`` is called
    after each document. Codebooks may be given by path or bundled name.
    """
    with collector_paused():
        return [coding for coding, _ in _run(documents, codebooks, context=context,
                                             cache_dir=cache_dir, progress=progress,
                                             explain=False)]


def explain(
    documents: Document | Iterable[Document],
    codebooks: Codebook | str | Iterable[Codebook | str],
    *,
    context: Iterable[Coding] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Explanation]:
    """Like :func:`autocode`, but each result also carries the passage and its matches."""
    return [info for _, info in _run(documents, codebooks, context=context, cache_dir=cache_dir,
                                     progress=progress, explain=True) if info is not None]
