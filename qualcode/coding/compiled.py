"""Compiling a codebook into matchers and lookup arrays, once per language.

All phrase rules of a codebook go into one :class:`TokenMatcher` on
lower-case forms, all lemma rules and both sides of near rules into one on
lemmas; regexes are compiled with the literals every match needs. Rules
of one code with the same settings form a *group*; per-group settings are
kept in numpy arrays so the engine can filter all hits of a document at once.
When several codebooks code the same documents their matchers are merged,
so each document is scanned once.
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Codebook
from .matcher import TokenMatcher
from .nlp import Pipeline, get_pipeline
from .regex_safety import regex_flags, required_literals
from .rules import Defaults, Negation, Rule, Scope

__all__ = ["DEFAULT_NEGATORS", "Compiled", "Matchers", "compile_codebook", "matchers_for"]

#: Built-in negators per language (override with ``defaults: negators:``).
DEFAULT_NEGATORS: dict[str, tuple[str, ...]] = {
    "en": ("no", "not", "never", "without", "n't", "n’t", "nt", "nobody", "none", "neither",
           "nor", "cannot", "nothing", "nowhere"),
    "id": ("tidak", "tak", "belum", "bukan", "tanpa", "nggak", "gak", "enggak", "ndak",
           "ora", "mboten", "jangan", "tdk", "ga", "gk", "ngga", "engga", "kagak", "blm"),
}
DEFAULT_ROLES = frozenset({"participant", "unknown"})
DEFAULT_NEAR = 5
DEFAULT_WINDOW = 3
UNIT_IDS = {"sentence": 0, "paragraph": 1, "turn": 2, "match": 3}
MODE_IDS = {"off": 0, "skip": 1, "require": 2, "code": 3}


@dataclass
class CRule:
    """A rule with its code's settings resolved."""

    index: int
    rule: Rule
    code: str
    unit: str
    mode: str
    target: str | None
    window: int
    after: int
    roles: frozenset[str] | None
    speakers: frozenset[str] | None
    within: tuple[str, ...]
    leaves: list[tuple[int, Rule]] = field(default_factory=list)
    pattern: str = ""
    simple: bool = False  #: a phrase/lemma rule: its matcher hits are its hits
    group: int = 0

    @property
    def settings(self) -> tuple[Any, ...]:
        return (self.unit, self.mode, self.target, self.window, self.after)


@dataclass
class Group:
    """Rules of one code with the same settings: their hits are filtered together."""

    index: int
    first: CRule
    rules: list[int]
    scope: int  #: index into Compiled.scopes


@dataclass
class Compiled:
    """One codebook compiled for one language (holds no reference to the codebook,
    so the cache entry goes when the codebook does)."""

    name: str
    language: str
    pipeline: Pipeline
    rules: list[CRule] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    by_code: dict[str, list[Group]] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  #: code names by code id
    scopes: list[tuple[frozenset[str] | None, frozenset[str] | None]] = field(
        default_factory=list)
    #: (rule, part, side), uses lemmas, the token hashes of each pattern
    patterns: list[tuple[tuple[int, int, int], bool, list[Any]]] = field(default_factory=list)
    regexes: list[tuple[int, int, re.Pattern[str], tuple[str, ...], bool]] = field(
        default_factory=list)
    negator_ids: tuple[int, ...] = ()
    negator_key: str = ""
    #: per-group settings as arrays (index = group): code id, target code id (-1),
    #: mode id, unit id, negation window, after window, scope id, has within
    arrays: dict[str, Any] = field(default_factory=dict)
    rule_group: Any = None  #: group index of each rule


_compiled: weakref.WeakKeyDictionary[Codebook, dict[str, Compiled]] = \
    weakref.WeakKeyDictionary()


def compile_codebook(codebook: Codebook, language: str) -> Compiled:
    """Compile ``codebook``'s rules for ``language`` (cached per codebook and language)."""
    per_book = _compiled.setdefault(codebook, {})
    if language in per_book:
        return per_book[language]
    import numpy as np

    defaults = Defaults.from_meta(codebook.meta)
    pipeline = get_pipeline(language)
    strings = pipeline.vocab.strings
    comp = Compiled(codebook.name, language, pipeline)
    comp.codes = [c.name for c in codebook.codes]
    base_neg = Negation("off", None, DEFAULT_WINDOW)
    for code in codebook.codes:
        scope = (code.scope or Scope()).over(defaults.scope)
        speakers = frozenset(s.strip().lower() for s in scope.speakers or ())
        if scope.roles is None:
            roles: frozenset[str] | None = None if speakers else DEFAULT_ROLES
        else:
            roles = None if "all" in scope.roles else frozenset(scope.roles)
        scope_key = (roles, speakers or None)
        if scope_key not in comp.scopes:
            comp.scopes.append(scope_key)
        unit = code.unit or defaults.unit or "sentence"
        for rule in code.rules:
            if rule.language != language:
                continue
            neg = (rule.negation or Negation()).over(code.negation).over(
                defaults.negation).over(base_neg)
            r = len(comp.rules)
            leaves = [(-1, rule)] if rule.kind not in ("all", "any") else list(
                enumerate(rule.parts))
            cr = CRule(r, rule, code.name, unit, neg.mode or "off", neg.code,
                       neg.window or DEFAULT_WINDOW, neg.after or 0, roles, speakers or None,
                       scope.within or (), leaves, rule.describe(),
                       rule.kind in ("phrase", "lemma"))
            comp.rules.append(cr)
            groups = comp.by_code.setdefault(code.name, [])
            for g in groups:
                if g.first.settings == cr.settings:
                    g.rules.append(r)
                    cr.group = g.index
                    break
            else:
                group = Group(len(comp.groups), cr, [r], comp.scopes.index(scope_key))
                cr.group = group.index
                comp.groups.append(group)
                groups.append(group)
            for part, leaf in leaves:
                _add_leaf(comp, r, part, leaf)
    negators = (defaults.negators or {}).get(language) or DEFAULT_NEGATORS.get(language, ())
    comp.negator_ids = tuple(strings.add(w.lower()) for w in negators)
    comp.negator_key = "\0".join(sorted(w.lower() for w in negators))
    code_id = {name: i for i, name in enumerate(comp.codes)}
    firsts = [g.first for g in comp.groups]
    comp.arrays = {
        "code": np.array([code_id[c.code] for c in firsts], dtype=np.int64),
        "target": np.array([code_id.get(c.target or "", -1) if c.mode == "code" else -1
                            for c in firsts], dtype=np.int64),
        "mode": np.array([MODE_IDS[c.mode] for c in firsts], dtype=np.int64),
        "unit": np.array([UNIT_IDS[c.unit] for c in firsts], dtype=np.int64),
        "window": np.array([c.window for c in firsts], dtype=np.int64),
        "after": np.array([c.after for c in firsts], dtype=np.int64),
        "scope": np.array([g.scope for g in comp.groups], dtype=np.int64),
        "within": np.array([bool(c.within) for c in firsts], dtype=bool),
    }
    comp.rule_group = np.array([c.group for c in comp.rules], dtype=np.int64)
    per_book[language] = comp
    return comp


def _add_leaf(comp: Compiled, r: int, part: int, leaf: Rule) -> None:
    pipeline = comp.pipeline
    if leaf.kind == "regex":
        cs = leaf.case_sensitive
        pattern = leaf.patterns[0]
        comp.regexes.append((r, part, re.compile(pattern, regex_flags(case_sensitive=cs)),
                             required_literals(pattern, case_sensitive=cs), cs))
        return
    sides = [(0, leaf.patterns)] + ([(1, leaf.others)] if leaf.kind == "near" else [])
    for side, patterns in sides:
        use_lemma = leaf.kind != "phrase"
        hashes = [h for h in (pipeline.pattern(p, lemmas=use_lemma) for p in patterns) if len(h)]
        if hashes:
            comp.patterns.append(((r, part, side), use_lemma, hashes))


@dataclass
class Matchers:
    """One or more compiled codebooks merged for coding the same documents.

    The token matchers hold every codebook's patterns, so a document is
    scanned once. Rules, codes, scopes and groups are numbered globally
    (codebook after codebook). A matcher reports a *key* per pattern side:
    ``keys[k]`` is (codebook position, (rule, part, side)), ``rule[k]`` its
    global rule and ``simple[k]`` whether it is a phrase/lemma rule's own
    key, whose matches are hits as they are; ``groups`` holds the per-group
    settings as arrays.
    """

    comps: tuple[Compiled, ...]
    lower: TokenMatcher
    lemma: TokenMatcher
    rule: Any
    simple: Any
    keys: list[tuple[int, tuple[int, int, int]]]
    rules: list[tuple[int, CRule]]  #: global rule -> (codebook position, rule)
    rule_base: list[int]  #: global index of each codebook's first rule
    codes: list[tuple[int, str]]  #: global code id -> (codebook position, code)
    code_rank: Any  #: global code id -> its position in its codebook
    code_book: Any  #: global code id -> codebook position
    scopes: list[tuple[frozenset[str] | None, frozenset[str] | None]]
    negators: list[tuple[str, tuple[int, ...]]]  #: distinct negator sets
    groups: dict[str, Any]
    rule_group: Any
    windows: list[tuple[int, int]]  #: distinct (negator set, window) of negating groups
    afters: list[tuple[int, int]]  #: distinct (negator set, after > 0)
    rule_list: list[CRule] = field(default_factory=list)  #: rules by global index

    def __post_init__(self) -> None:
        self.rule_list = [cr for _, cr in self.rules]


_merged: OrderedDict[tuple[int, ...], Matchers] = OrderedDict()


def matchers_for(comps: Sequence[Compiled]) -> Matchers:
    """Merged matchers for ``comps`` (kept in a small least-recently-used cache)."""
    key = tuple(id(c) for c in comps)
    found = _merged.get(key)
    if found is not None and all(a is b for a, b in zip(found.comps, comps, strict=True)):
        _merged.move_to_end(key)
        return found
    found = _merge(comps)
    _merged[key] = found
    while len(_merged) > 16:
        _merged.popitem(last=False)
    return found


def _merge(comps: Sequence[Compiled]) -> Matchers:
    import numpy as np

    keys: list[tuple[int, tuple[int, int, int]]] = []
    by_attr: dict[bool, list[tuple[Any, int]]] = {False: [], True: []}
    rules: list[tuple[int, CRule]] = []
    rule_base: list[int] = []
    codes: list[tuple[int, str]] = []
    scopes: list[tuple[frozenset[str] | None, frozenset[str] | None]] = []
    negators: list[tuple[str, tuple[int, ...]]] = []
    columns: dict[str, list[Any]] = {}
    rule_group: list[Any] = []
    group_base = 0
    for i, comp in enumerate(comps):
        for key, use_lemma, hashes in comp.patterns:
            by_attr[use_lemma] += [(h, len(keys)) for h in hashes]
            keys.append((i, key))
        rule_base.append(len(rules))
        rules += [(i, cr) for cr in comp.rules]
        code_base, scope_base = len(codes), len(scopes)
        codes += [(i, name) for name in comp.codes]
        scopes += comp.scopes
        if (comp.negator_key, comp.negator_ids) not in negators:
            negators.append((comp.negator_key, comp.negator_ids))
        negset = negators.index((comp.negator_key, comp.negator_ids))
        a = comp.arrays
        for name, values in (
            ("code", a["code"] + code_base),
            ("target", np.where(a["target"] >= 0, a["target"] + code_base, -1)),
            ("mode", a["mode"]), ("unit", a["unit"]), ("window", a["window"]),
            ("after", a["after"]), ("scope", a["scope"] + scope_base), ("within", a["within"]),
            ("negators", np.full(len(a["mode"]), negset, dtype=np.int64)),
        ):
            columns.setdefault(name, []).append(values)
        rule_group.append(comp.rule_group + group_base)
        group_base += len(comp.groups)
    groups = {name: np.concatenate(values) for name, values in columns.items()}
    negating = groups["mode"] > 0
    windows = sorted(set(zip(groups["negators"][negating].tolist(),
                             groups["window"][negating].tolist(), strict=True)))
    with_after = negating & (groups["after"] > 0)
    afters = sorted(set(zip(groups["negators"][with_after].tolist(),
                            groups["after"][with_after].tolist(), strict=True)))
    rank = {(i, name): n for i, comp in enumerate(comps) for n, name in enumerate(comp.codes)}
    return Matchers(
        tuple(comps), TokenMatcher(by_attr[False]), TokenMatcher(by_attr[True]),
        np.array([rule_base[i] + v[0] for i, v in keys], dtype=np.int64),
        np.array([v[1] == -1 and comps[i].rules[v[0]].simple for i, v in keys], dtype=bool),
        keys, rules, rule_base, codes,
        np.array([rank[c] for c in codes], dtype=np.int64),
        np.array([i for i, _ in codes], dtype=np.int64),
        scopes, negators, groups,
        np.concatenate(rule_group) if rule_group else np.zeros(0, dtype=np.int64),
        windows, afters)
