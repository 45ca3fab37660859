"""Parsing the rule, scope, negation and defaults parts of a codebook.

Each function takes the loaded YAML value (plain data, or the line-aware
mappings of :mod:`qualcode.coding.yaml_lines`), reports every problem through
``report(message, line)`` and returns what it could build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import ROLES
from .regex_safety import check_regex
from .rules import (
    ALL_SCOPE,
    KIND_KEYS,
    KNOWN_LANGUAGES,
    MAX_NEAR,
    OPTION_KEYS,
    UNITS,
    Defaults,
    Negation,
    Rule,
    Scope,
)

__all__ = ["parse_defaults", "parse_negation", "parse_rule", "parse_scope", "parse_unit"]

#: A report callback: (message, line or None).
Report = Callable[[str, "int | None"], None]


def _line(data: Any, key: Any = None) -> int | None:
    """Line of ``data[key]`` (or of ``data``) when ``data`` came from the YAML loader."""
    if key is not None:
        lines = getattr(data, "key_lines", None)
        if lines is not None and key in lines:
            return int(lines[key])
    line = getattr(data, "line", None)
    return None if line is None else int(line)


def _raw(data: Any, key: Any) -> Any:
    """The scalar at ``data[key]`` as written (``1.10`` stays ``"1.10"``)."""
    raw = getattr(data, "raw", None)
    value = data[key]
    if raw is not None and key in raw and not isinstance(value, str):
        return raw[key]
    return value


def _strings(value: Any, what: str, line: int | None, report: Report,
             *, allow_empty: bool = False) -> tuple[str, ...]:
    """A string or a list of strings -> tuple.

    Numbers and YAML 1.1 booleans are taken as written (``no`` is a word here).
    """
    items = value if isinstance(value, list) else [value]
    raw = getattr(items, "raw", {})
    out: list[str] = []
    for i, item in enumerate(items):
        item_line = getattr(items, "item_lines", [line] * len(items))[i]
        if isinstance(item, (int, float)):
            item = raw.get(i, str(item))
        if not isinstance(item, str):
            report(f"{what} must be text, got {_typename(item)}", item_line)
        elif not item.strip():
            report(f"{what} is empty", item_line)
        else:
            out.append(item)
    if not items and not allow_empty:
        report(f"{what} is an empty list", line)
    return tuple(out)


def _typename(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return type(value).__name__


def parse_negation(value: Any, window: Any, line: int | None, report: Report,
                   *, window_line: int | None = None) -> Negation | None:
    """``negation`` (+ sibling ``negation_window``) value -> :class:`Negation`."""
    mode: str | None = None
    code: str | None = None
    win: int | None = None
    after: int | None = None
    if isinstance(value, bool):  # YAML 1.1 reads `off`/`no` as false
        value = "skip" if value else "off"
    if isinstance(value, str):
        if value not in ("off", "skip", "require"):
            report(f"unknown negation {value!r}; expected off, skip, require "
                   "or {code: other_code}", line)
        else:
            mode = value
    elif isinstance(value, dict):
        for key in value:
            if key not in ("mode", "code", "window", "after"):
                report(f"unknown negation key {key!r}; expected mode, code, window or after",
                       _line(value, key))
        if "after" in value:
            a = value["after"]
            if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= 50:
                report(f"negation after must be a whole number from 0 to 50, got {a!r}",
                       _line(value, "after"))
            else:
                after = a
        if "code" in value:
            code_value = value["code"]
            if not isinstance(code_value, str) or not code_value:
                report("negation code must be a code name", _line(value, "code"))
            else:
                mode, code = "code", code_value
            if value.get("mode", "code") != "code":
                report("negation has both a code and a mode", _line(value, "mode"))
        elif "mode" in value:
            m = value["mode"]
            if isinstance(m, bool):
                m = "skip" if m else "off"
            if m in ("off", "skip", "require"):
                mode = m
            else:
                report(f"unknown negation mode {m!r}; expected off, skip or require",
                       _line(value, "mode"))
        if "window" in value:
            window, window_line = value["window"], _line(value, "window")
    elif value is not None:
        report(f"negation must be off, skip, require or a mapping, got {_typename(value)}",
               line)
    if window is not None:
        if isinstance(window, bool) or not isinstance(window, int) or not 0 < window <= 50:
            report(f"negation window must be a whole number from 1 to 50, got {window!r}",
                   window_line if window_line is not None else line)
        else:
            win = window
    if mode is None and code is None and win is None and after is None:
        return None
    return Negation(mode, code, win, after)


def parse_scope(value: Any, line: int | None, report: Report) -> Scope | None:
    """``scope`` value -> :class:`Scope` (``within`` names are checked by the caller)."""
    if value == "all":
        return ALL_SCOPE
    if not isinstance(value, dict):
        report(f"scope must be 'all' or a mapping with roles, speakers and/or within, "
               f"got {value!r}", line)
        return None
    roles: tuple[str, ...] | None = None
    speakers: tuple[str, ...] | None = None
    within: tuple[str, ...] | None = None
    for key in value:
        if key not in ("roles", "speakers", "within"):
            report(f"unknown scope key {key!r}; expected roles, speakers or within",
                   _line(value, key))
    if "roles" in value:
        rl = _line(value, "roles")
        raw = value["roles"]
        if raw == "all" or raw == ["all"]:
            roles = ("all",)
        else:
            roles = _strings(raw, "scope role", rl, report)
            for r in roles:
                if r not in ROLES:
                    report(f"unknown role {r!r} in scope; expected all or one of "
                           f"{', '.join(ROLES)}", rl)
    if "speakers" in value:
        speakers = _strings(value["speakers"], "scope speaker", _line(value, "speakers"), report,
                            allow_empty=True)
    if "within" in value:
        within = _strings(value["within"], "scope within", _line(value, "within"), report,
                          allow_empty=True)
    return Scope(roles, speakers, within)


def parse_rule(data: Any, *, language: str, default_id: str, report: Report,
               part: bool = False) -> Rule | None:
    """One rule mapping -> :class:`Rule`, reporting every problem found."""
    line = _line(data)
    if part and isinstance(data, str):  # shorthand inside all/any: a lemma phrase
        return Rule("lemma", language, default_id, (data,))
    if not isinstance(data, dict):
        report(f"a rule must be a mapping such as {{phrase: ...}}, got {_typename(data)}", line)
        return None
    options = ("within", "ordered", "case_sensitive") if part else OPTION_KEYS
    allowed = tuple(KIND_KEYS) + options
    for key in data:
        if key not in allowed:
            report(f"unknown rule key {key!r}; expected one of {', '.join(allowed)}",
                   _line(data, key))
    kinds = [k for k in data if k in KIND_KEYS]
    if not kinds:
        report("rule has no pattern: give one of phrase(s), lemma(s), regex, near, all, any",
               line)
        return None
    if len(kinds) > 1:
        report(f"rule has more than one pattern key ({', '.join(kinds)}); "
               "split it into separate rules", line)
        return None
    key = kinds[0]
    kind, plural = KIND_KEYS[key]
    kline = _line(data, key)
    value = _raw(data, key) if data[key] is not None else None
    rule_id = default_id
    if "id" in data:
        raw_id = _raw(data, "id")
        if not isinstance(raw_id, str) or not raw_id.strip() or raw_id != raw_id.strip():
            report("rule id must be non-empty text without surrounding spaces", _line(data, "id"))
        else:
            rule_id = raw_id
    patterns: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    parts: list[Rule] = []
    if kind in ("phrase", "lemma"):
        if plural and not isinstance(value, list):
            report(f"{key} must be a list; use {kind} for a single pattern", kline)
        elif not plural and isinstance(value, list):
            report(f"{key} must be one pattern; use {kind}s for a list", kline)
        patterns = _strings(value, f"{kind} pattern", kline, report)
    elif kind == "regex":
        patterns = _strings(value, "regex", kline, report) if not isinstance(value, list) else ()
        if isinstance(value, list):
            report("regex must be one pattern; write one rule per regular expression", kline)
        for p in patterns:
            for message in check_regex(p, case_sensitive=data.get("case_sensitive") is True):
                report(f"regex {p!r}: {message}", kline)
    elif kind == "near":
        if not isinstance(value, list) or len(value) != 2:
            report("near needs exactly two items: near: [A, B]", kline)
        else:
            patterns = _strings(value[0], "near pattern", kline, report)
            others = _strings(value[1], "near pattern", kline, report)
    else:
        if not isinstance(value, list) or not value:
            report(f"{kind} needs a non-empty list of rules", kline)
        else:
            for j, item in enumerate(value):
                if isinstance(item, dict) and any(k in item for k in ("all", "any")):
                    report(f"{kind} cannot contain another all/any", _line(item))
                    continue
                sub = parse_rule(item, language=language, default_id=f"{rule_id}#{j + 1}",
                                 report=report, part=True)
                if sub is not None:
                    parts.append(sub)
    within: int | None = None
    if "within" in data:
        w = data["within"]
        if kind != "near":
            report("within belongs to near rules (for passages use scope: {within: code})",
                   _line(data, "within"))
        elif isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= MAX_NEAR:
            report(f"near within must be a whole number from 0 to {MAX_NEAR}, got {w!r}",
                   _line(data, "within"))
        else:
            within = w
    ordered = _flag(data, "ordered", report, kind == "near", "near")
    case_sensitive = _flag(data, "case_sensitive", report, kind == "regex", "regex")
    negation = None
    if "negation" in data or "negation_window" in data:
        negation = parse_negation(data.get("negation"), data.get("negation_window"),
                                  _line(data, "negation"), report,
                                  window_line=_line(data, "negation_window"))
    if kind in ("phrase", "lemma", "regex") and not patterns:
        return None
    if kind == "near" and not (patterns and others):
        return None
    if kind in ("all", "any") and not parts:
        return None
    return Rule(kind, language, rule_id, patterns, others, within, ordered, tuple(parts),
                negation, case_sensitive)


def _flag(data: Any, key: str, report: Report, allowed: bool, kind: str) -> bool:
    if key not in data:
        return False
    value = data[key]
    if not isinstance(value, bool):
        report(f"{key} must be true or false", _line(data, key))
        return False
    if not allowed:
        report(f"{key} only applies to {kind} rules", _line(data, key))
        return False
    return value


def parse_defaults(value: Any, line: int | None, report: Report) -> Defaults:
    """``defaults:`` mapping -> :class:`Defaults`."""
    if not isinstance(value, dict):
        report(f"defaults must be a mapping, got {_typename(value)}", line)
        return Defaults()
    for key in value:
        if key not in ("scope", "unit", "negation", "negation_window", "negators"):
            report(f"unknown defaults key {key!r}; expected scope, unit, negation, "
                   "negation_window or negators", _line(value, key))
    scope = parse_scope(value["scope"], _line(value, "scope"), report) \
        if "scope" in value else None
    unit = parse_unit(value["unit"], _line(value, "unit"), report) if "unit" in value else None
    negation = None
    if "negation" in value or "negation_window" in value:
        negation = parse_negation(value.get("negation"), value.get("negation_window"),
                                  _line(value, "negation"), report,
                                  window_line=_line(value, "negation_window"))
    negators: dict[str, tuple[str, ...]] | None = None
    if "negators" in value:
        raw = value["negators"]
        nline = _line(value, "negators")
        if not isinstance(raw, dict):
            report("negators must map a language to a list of words", nline)
        else:
            negators = {}
            for lang, words in raw.items():
                if lang not in KNOWN_LANGUAGES:
                    report(f"unknown language {lang!r} in negators; expected one of "
                           f"{', '.join(sorted(KNOWN_LANGUAGES))}", _line(raw, lang))
                    continue
                negators[lang] = tuple(w.lower() for w in _strings(
                    words, "negator", _line(raw, lang), report))
    return Defaults(scope, unit, negation, negators)


def parse_unit(value: Any, line: int | None, report: Report) -> str | None:
    if value not in UNITS:
        report(f"unknown unit {value!r}; expected one of {', '.join(UNITS)}", line)
        return None
    return str(value)
