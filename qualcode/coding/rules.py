"""Frozen rule objects of a codebook: rules, scopes and negation settings.

A :class:`Rule` is what one entry of a code's ``rules:`` list becomes. Rules
are plain frozen values: they know how to turn themselves into the mapping
the YAML format uses (:meth:`Rule.to_dict`) and back (:meth:`Rule.from_dict`),
so a store can keep them as JSON. Compiling them into matchers is the
engine's job (:mod:`qualcode.coding.engine`).

>>> r = Rule.from_dict({"lemma": "sign contract"}, language="en", id="contract/en/1")
>>> r.kind, r.patterns, r.to_dict()
('lemma', ('sign contract',), {'lemma': 'sign contract', 'id': 'contract/en/1'})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import CodebookError, Problem

__all__ = [
    "ALL_SCOPE",
    "KIND_KEYS",
    "KNOWN_LANGUAGES",
    "NEGATION_MODES",
    "OPTION_KEYS",
    "RULE_KEYS",
    "RULE_KINDS",
    "UNITS",
    "Defaults",
    "Negation",
    "Rule",
    "Scope",
]

#: Languages rules may be written for. Extend with ``KNOWN_LANGUAGES.add("ms")``
#: (spaCy must have a blank pipeline for the language).
KNOWN_LANGUAGES: set[str] = {"en", "id"}
RULE_KINDS = ("phrase", "lemma", "regex", "near", "all", "any")
#: YAML key -> (kind, whether the value is a list)
KIND_KEYS: dict[str, tuple[str, bool]] = {
    "phrase": ("phrase", False),
    "phrases": ("phrase", True),
    "lemma": ("lemma", False),
    "lemmas": ("lemma", True),
    "regex": ("regex", False),
    "near": ("near", False),
    "all": ("all", False),
    "any": ("any", False),
}
OPTION_KEYS = ("id", "within", "ordered", "negation", "negation_window", "case_sensitive")
RULE_KEYS = tuple(KIND_KEYS) + OPTION_KEYS
NEGATION_MODES = ("off", "skip", "require", "code")
UNITS = ("sentence", "turn", "paragraph", "match")
#: Largest ``within`` a near rule may ask for.
MAX_NEAR = 100


@dataclass(frozen=True, slots=True)
class Negation:
    """What to do with a match preceded by a negator.

    A match is negated when a negator is among the ``window`` words before it
    (or the ``after`` words after it), in the same sentence. ``mode`` is
    ``off`` (ignore negators), ``skip`` (drop negated matches),
    ``require`` (keep only negated matches) or ``code`` (give negated matches
    the code ``code`` instead). ``None`` fields inherit from the enclosing
    level (rule -> code -> codebook defaults -> off, window 3).
    """

    mode: str | None = None
    code: str | None = None
    window: int | None = None
    after: int | None = None

    def to_dict(self) -> str | dict[str, Any]:
        """The YAML form: a mode string, or a mapping when there is more to say."""
        if self.mode == "code":
            out: dict[str, Any] = {"code": self.code}
        elif self.mode is not None and self.window is None and self.after is None:
            return self.mode
        else:
            out = {} if self.mode is None else {"mode": self.mode}
        if self.window is not None:
            out["window"] = self.window
        if self.after is not None:
            out["after"] = self.after
        return out

    def over(self, base: Negation | None) -> Negation:
        """This negation with unset fields taken from ``base``."""
        if base is None:
            return self
        mode, code = (self.mode, self.code) if self.mode is not None else (base.mode, base.code)
        return Negation(mode, code, self.window if self.window is not None else base.window,
                        self.after if self.after is not None else base.after)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which passages a code's rules may code.

    ``roles``: speaker roles whose turns count (``("all",)`` for any);
    ``speakers``: speaker names (case-insensitive; empty = any);
    ``within``: code names (``other_codebook:code`` for another codebook's)
    whose passages must contain the match. ``None`` inherits.
    """

    roles: tuple[str, ...] | None = None
    speakers: tuple[str, ...] | None = None
    within: tuple[str, ...] | None = None

    def to_dict(self) -> str | dict[str, Any]:
        if self == ALL_SCOPE:
            return "all"
        out: dict[str, Any] = {}
        if self.roles is not None:
            out["roles"] = "all" if self.roles == ("all",) else list(self.roles)
        if self.speakers is not None:
            out["speakers"] = list(self.speakers)
        if self.within is not None:
            out["within"] = list(self.within)
        return out

    def over(self, base: Scope | None) -> Scope:
        """This scope with unset fields taken from ``base``."""
        if base is None:
            return self
        return Scope(
            self.roles if self.roles is not None else base.roles,
            self.speakers if self.speakers is not None else base.speakers,
            self.within if self.within is not None else base.within,
        )


#: ``scope: all``: every turn, any speaker, no ``within``.
ALL_SCOPE = Scope(roles=("all",), speakers=(), within=())


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a code, for one language.

    ``patterns`` holds the phrases (phrase, lemma), the regular expression
    (regex) or the left-hand alternatives (near); ``others`` the right-hand
    alternatives of a near rule; ``parts`` the sub-rules of all/any.
    """

    kind: str
    language: str
    id: str
    patterns: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    within: int | None = None
    ordered: bool = False
    parts: tuple[Rule, ...] = ()
    negation: Negation | None = None
    case_sensitive: bool = False

    def to_dict(self, *, with_id: bool = True) -> dict[str, Any]:
        """The rule as the YAML format writes it (``language`` is the enclosing key)."""
        out: dict[str, Any] = {}
        if self.kind in ("phrase", "lemma"):
            if len(self.patterns) == 1:
                out[self.kind] = self.patterns[0]
            else:
                out[self.kind + "s"] = list(self.patterns)
        elif self.kind == "regex":
            out["regex"] = self.patterns[0]
        elif self.kind == "near":
            out["near"] = [_side(self.patterns), _side(self.others)]
        else:
            out[self.kind] = [p.to_dict(with_id=False) for p in self.parts]
        if with_id:
            out["id"] = self.id
        if self.within is not None:
            out["within"] = self.within
        if self.ordered:
            out["ordered"] = True
        if self.case_sensitive:
            out["case_sensitive"] = True
        if self.negation is not None:
            out["negation"] = self.negation.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, language: str, id: str) -> Rule:
        """Rebuild a rule from :meth:`to_dict` output; raises :class:`CodebookError`."""
        from .parse import parse_rule

        problems: list[Problem] = []
        rule = parse_rule(data, language=language, default_id=id,
                          report=lambda m, ln: problems.append(Problem(m, None, ln)))
        if problems or rule is None:
            raise CodebookError(problems=problems or [Problem("invalid rule")])
        return rule

    def describe(self) -> str:
        """A short human description, e.g. ``lemma "sign contract"``."""
        if self.kind in ("phrase", "lemma", "regex"):
            return f"{self.kind} " + " | ".join(f'"{p}"' for p in self.patterns)
        if self.kind == "near":
            w = 5 if self.within is None else self.within
            return f'near "{"|".join(self.patterns)}" ~{w}~ "{"|".join(self.others)}"'
        return f"{self.kind}(" + ", ".join(p.describe() for p in self.parts) + ")"


def _side(patterns: tuple[str, ...]) -> str | list[str]:
    return patterns[0] if len(patterns) == 1 else list(patterns)


@dataclass(frozen=True)
class Defaults:
    """A codebook's ``defaults:``: settings every code inherits unless it says otherwise."""

    scope: Scope | None = None
    unit: str | None = None
    negation: Negation | None = None
    negators: Mapping[str, tuple[str, ...]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.scope is not None:
            out["scope"] = self.scope.to_dict()
        if self.unit is not None:
            out["unit"] = self.unit
        if self.negation is not None:
            out["negation"] = self.negation.to_dict()
        if self.negators is not None:
            out["negators"] = {lang: list(words) for lang, words in self.negators.items()}
        return out

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Defaults:
        """The defaults stored in a codebook's ``meta`` (as :meth:`to_dict` wrote them)."""
        from .parse import parse_defaults

        data = meta.get("defaults") or {}
        problems: list[str] = []
        out = parse_defaults(data, None, lambda m, ln: problems.append(m))
        if problems:
            raise CodebookError(problems=[Problem(f"defaults: {m}") for m in problems])
        return out
