"""Codebooks: load, validate and save the YAML codebook format.

The format is described in ``docs/codebook-format.md``. Loading checks the
whole file and reports every problem at once, each with its line, in a
:class:`~qualcode.errors.CodebookError`:

>>> load_codebook("codebook: demo\\ncodes:\\n  - name: a\\n  - name: a\\n")
Traceback (most recent call last):
...
qualcode.errors.CodebookError: invalid codebook: 1 problem(s)
  line 4: duplicate code name 'a' (first defined on line 3)

>>> cb = load_codebook('''
... codebook: demo
... version: "1.0"
... codes:
...   - name: contract
...     color: "#36c"
...     rules:
...       en: [{lemma: sign contract}]
...     children:
...       - name: no_contract
... ''')
>>> [(c.name, c.parent) for c in cb.codes], cb.coder
([('contract', None), ('no_contract', 'contract')], 'auto:demo@1.0')
>>> load_codebook(dump_codebook(cb)) == cb
True
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .coding.dump import dump_codebook
from .coding.parse import parse_defaults, parse_negation, parse_rule, parse_scope, parse_unit
from .coding.rules import KNOWN_LANGUAGES, Defaults, Negation, Rule, Scope
from .coding.yaml_lines import MAX_TEXT_CHARS, LineDict, load_yaml
from .errors import CodebookError, EncodingError, MissingFileError, Problem
from .model import Code, Codebook

__all__ = [
    "CSS_COLORS",
    "NAME_PATTERN",
    "bundled_codebook_path",
    "bundled_codebooks",
    "dump_codebook",
    "load_codebook",
    "parse_codebook",
    "save_codebook",
]

#: Code and codebook names: a letter or underscore, then letters, digits, _ or -.
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
CSS_COLORS = frozenset("""aliceblue antiquewhite aqua aquamarine azure beige bisque black
blanchedalmond blue blueviolet brown burlywood cadetblue chartreuse chocolate coral
cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen
darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon
darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink
deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro
ghostwhite gold goldenrod gray grey green greenyellow honeydew hotpink indianred indigo ivory
khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
yellowgreen""".split())
_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")
_TOP_KEYS = ("codebook", "name", "version", "title", "description", "references", "authors",
             "license", "languages", "defaults", "codes")
_CODE_KEYS = ("name", "label", "parent", "description", "inclusion", "exclusion", "examples",
              "color", "rules", "scope", "unit", "negation", "negation_window", "children")
_PACKAGE_DIR = Path(__file__).resolve().parent / "data" / "codebooks"
_REPO_DIR = Path(__file__).resolve().parents[1] / "codebooks"


# ------------------------------------------------------------------ finding and reading

def bundled_codebook_path(name: str) -> Path:
    """Path of the bundled codebook ``name`` (``qualcode/data/codebooks`` first,
    then the repository's ``codebooks/``); raises :class:`MissingFileError`."""
    for folder in (_PACKAGE_DIR, _REPO_DIR):
        for ext in (".yaml", ".yml"):
            candidate = folder / f"{name}{ext}"
            if candidate.is_file():
                return candidate
    known = ", ".join(bundled_codebooks()) or "none found"
    raise MissingFileError(f"no bundled codebook {name!r} (bundled: {known})", path=name)


def bundled_codebooks() -> list[str]:
    """Names of the bundled codebooks."""
    names: set[str] = set()
    for folder in (_PACKAGE_DIR, _REPO_DIR):
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    return sorted(names)


def load_codebook(source: str | os.PathLike[str]) -> Codebook:
    """Load a codebook from a file path, YAML text, or a bundled codebook's name.

    A string containing a newline (or ``": "`` and naming no file) is YAML
    text; a bare name such as ``"power_cube"`` that is not a file is looked up
    with :func:`bundled_codebook_path`. Raises :class:`CodebookError` listing
    every problem (with lines), or :class:`MissingFileError`.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"load_codebook needs a path, YAML text or a name, got {source!r}")
    if isinstance(source, str):
        if "\n" in source or source.lstrip().startswith("{"):
            return parse_codebook(source)
        p = Path(source)
        if not p.is_file():
            if ": " in source:
                return parse_codebook(source)
            if NAME_PATTERN.match(source):
                p = bundled_codebook_path(source)
            else:
                raise MissingFileError("no such codebook file", path=source)
    else:
        p = Path(source)
    codebook = parse_codebook(_read(p), path=str(p))
    return dataclasses.replace(codebook, source=str(p.resolve()))


def _read(path: Path) -> str:
    if not path.is_file():
        raise MissingFileError("no such codebook file", path=path)
    if path.stat().st_size > MAX_TEXT_CHARS * 4:
        raise CodebookError(problems=[Problem("the file is too large for a codebook", str(path))],
                            path=path)
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise EncodingError(f"codebook is not UTF-8 text ({e.reason} at byte {e.start})",
                            path=path) from e
    except OSError as e:
        raise MissingFileError(f"cannot read codebook: {e.strerror}", path=path) from e


def parse_codebook(text: str, *, path: str | None = None) -> Codebook:
    """Parse and validate codebook YAML ``text``; ``path`` names it in problems."""
    data, yaml_problems = load_yaml(text)
    builder = _Builder(path)
    for message, line in yaml_problems:
        builder.report(message, line)
    codebook = builder.build(data) if data is not None else None
    if builder.problems or codebook is None:
        problems = sorted(builder.problems, key=lambda p: p.line or 0)
        raise CodebookError(path=path, problems=problems or [Problem("invalid codebook", path)])
    return codebook


# ------------------------------------------------------------------ validation

def _text(data: Any, key: str, report: Any, *, default: str = "") -> str:
    if key not in data or data[key] is None:
        return default
    value = data[key]
    if isinstance(value, (int, float)):  # as written: 1.10 stays "1.10"
        return str(getattr(data, "raw", {}).get(key, value))
    if not isinstance(value, str):
        report(f"{key} must be text", data.key_lines.get(key) if isinstance(data, LineDict)
               else None)
        return default
    return value


def _line(data: Any, key: str | None = None) -> int | None:
    if isinstance(data, LineDict):
        return data.key_lines.get(key) if key is not None else data.line
    return getattr(data, "line", None)


class _Entry:
    """A code as read from the file, before the hierarchy is settled."""

    def __init__(self, name: str, line: int | None, nested_parent: str | None) -> None:
        self.name = name
        self.line = line
        self.nested_parent = nested_parent
        self.parent: str | None = None
        self.explicit_parent: str | None = None
        self.fields: dict[str, Any] = {}


class _Builder:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def report(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(message, self.path, line))

    def build(self, data: Any) -> Codebook | None:
        if not isinstance(data, dict):
            self.report("a codebook must be a mapping with codebook, version and codes",
                        _line(data))
            return None
        for key in data:
            if key not in _TOP_KEYS:
                self.report(f"unknown key {key!r}; expected one of {', '.join(_TOP_KEYS)}",
                            _line(data, key))
        name_key = "codebook" if "codebook" in data or "name" not in data else "name"
        name = _text(data, name_key, self.report)
        if not name:
            self.report("the codebook needs a name: codebook: my_codebook", _line(data))
        elif not NAME_PATTERN.match(name):
            self.report(f"codebook name {name!r} must start with a letter and use only "
                        "letters, digits, _ and -", _line(data, name_key))
        meta: dict[str, Any] = {"title": _text(data, "title", self.report)}
        for key in ("references", "authors"):
            meta[key] = list(self._strings(data, key))
        if data.get("license") is not None:
            meta["license"] = _text(data, "license", self.report)
        declared = self._strings(data, "languages")
        for lang in declared:
            if lang not in KNOWN_LANGUAGES:
                self.report(f"unknown language {lang!r}; expected one of "
                            f"{', '.join(sorted(KNOWN_LANGUAGES))}", _line(data, "languages"))
        defaults = Defaults()
        if "defaults" in data:
            defaults = parse_defaults(data["defaults"], _line(data, "defaults"), self.report)
        entries: list[_Entry] = []
        if "codes" not in data:
            self.report("the codebook has no codes: list", _line(data))
        else:
            self._walk(data["codes"], _line(data, "codes"), None, entries)
        codes = self._settle(name, entries, defaults)
        languages = list(declared)
        used = list(dict.fromkeys(r.language for c in codes for r in c.rules))
        for lang in used:
            if declared and lang not in declared:
                self.report(f"rules for language {lang!r}, which languages does not list",
                            _line(data, "languages"))
        meta["languages"] = languages or used
        meta["defaults"] = defaults.to_dict()
        version = _text(data, "version", self.report, default="1") or "1"
        if self.problems:
            return None
        return Codebook(name=name, codes=tuple(codes), version=version,
                        description=_text(data, "description", self.report), meta=meta)

    def _strings(self, data: Any, key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.report(f"{key} must be a list of text", _line(data, key))
            else:
                out.append(item)
        return tuple(out)

    def _walk(self, items: Any, line: int | None, parent: str | None,
              entries: list[_Entry], depth: int = 0) -> None:
        if not isinstance(items, list):
            self.report("codes (and children) must be a list of codes", line)
            return
        item_lines = getattr(items, "item_lines", [line] * len(items))
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.report("each code must be a mapping with at least a name", item_lines[i])
                continue
            entry = self._entry(item, parent)
            entries.append(entry)
            if "children" in item:
                self._walk(item["children"], _line(item, "children"),
                           entry.name or None, entries, depth + 1)

    def _entry(self, item: Any, parent: str | None) -> _Entry:
        for key in item:
            if key not in _CODE_KEYS:
                self.report(f"unknown code key {key!r}; expected one of {', '.join(_CODE_KEYS)}",
                            _line(item, key))
        name = _text(item, "name", self.report)
        entry = _Entry(name, _line(item), parent)
        if not name:
            self.report("a code needs a name", _line(item))
        elif not NAME_PATTERN.match(name):
            self.report(f"code name {name!r} must start with a letter and use only letters, "
                        "digits, _ and -", _line(item, "name"))
        if item.get("parent") is not None:
            entry.explicit_parent = _text(item, "parent", self.report) or None
        f = entry.fields
        for key in ("description", "inclusion", "exclusion"):
            f[key] = _text(item, key, self.report)
        f["label"] = _text(item, "label", self.report) or None
        f["examples"] = self._strings(item, "examples")
        color = item.get("color")
        if color is not None:
            if not isinstance(color, str) or not (_HEX.match(color)
                                                  or color.lower() in CSS_COLORS):
                self.report(f"bad colour {color!r}; use #RRGGBB, #RGB or a CSS colour name",
                            _line(item, "color"))
            else:
                f["color"] = color
        if item.get("scope") is not None:
            f["scope"] = parse_scope(item["scope"], _line(item, "scope"), self.report)
        if item.get("unit") is not None:
            f["unit"] = parse_unit(item["unit"], _line(item, "unit"), self.report)
        if "negation" in item or "negation_window" in item:
            f["negation"] = parse_negation(item.get("negation"), item.get("negation_window"),
                                           _line(item, "negation"), self.report,
                                           window_line=_line(item, "negation_window"))
        f["rules"] = self._rules(item, name or "?")
        return entry

    def _rules(self, item: Any, code: str) -> tuple[Rule, ...]:
        if item.get("rules") is None:
            return ()
        value, line = item["rules"], _line(item, "rules")
        if not isinstance(value, dict):
            self.report("rules must map a language (en, id) to a list of rules", line)
            return ()
        if not value:
            self.report("rules is empty; give rules for at least one language or leave "
                        "rules out", line)
        out: list[Rule] = []
        for lang, rules in value.items():
            lang_line = _line(value, lang)
            if lang not in KNOWN_LANGUAGES:
                self.report(f"unknown language {lang!r}; expected one of "
                            f"{', '.join(sorted(KNOWN_LANGUAGES))}", lang_line)
                continue
            if not isinstance(rules, list) or not rules:
                self.report(f"rules for {lang!r} must be a non-empty list", lang_line)
                continue
            for n, data in enumerate(rules, 1):
                rule = parse_rule(data, language=lang, default_id=f"{code}/{lang}/{n}",
                                  report=self.report)
                if rule is not None:
                    out.append(rule)
        return tuple(out)

    def _settle(self, book: str, entries: list[_Entry], defaults: Defaults) -> list[Code]:
        first: dict[str, _Entry] = {}
        for e in entries:
            if not e.name:
                continue
            if e.name in first:
                self.report(f"duplicate code name {e.name!r} (first defined on line "
                            f"{first[e.name].line})", e.line)
            else:
                first[e.name] = e
        for e in entries:
            e.parent = e.explicit_parent or e.nested_parent
            if e.explicit_parent and e.nested_parent and e.explicit_parent != e.nested_parent:
                self.report(f"code {e.name!r} is nested under {e.nested_parent!r} but says "
                            f"parent: {e.explicit_parent!r}", e.line)
            elif e.explicit_parent and e.explicit_parent not in first:
                self.report(f"code {e.name!r} has unknown parent {e.explicit_parent!r}", e.line)
                e.parent = None
        self._cycles(first)
        self._references(book, first, defaults)
        seen_ids: dict[str, str] = {}
        for e in first.values():
            for r in e.fields["rules"]:
                if r.id in seen_ids:
                    self.report(f"rule id {r.id!r} is used twice (codes {seen_ids[r.id]!r} "
                                f"and {e.name!r})", e.line)
                seen_ids[r.id] = e.name
        if self.problems:
            return []
        kids: dict[str | None, list[_Entry]] = {}
        for e in first.values():
            kids.setdefault(e.parent, []).append(e)

        def preorder(parent: str | None) -> Iterator[Code]:
            for e in kids.get(parent, []):
                yield Code(name=e.name, parent=e.parent, codebook=book, **e.fields)
                yield from preorder(e.name)

        return list(preorder(None))

    def _cycles(self, first: dict[str, _Entry]) -> None:
        reported: set[str] = set()
        for start in first:
            path = [start]
            node = first[start].parent
            while node is not None and node in first and node not in path:
                path.append(node)
                node = first[node].parent
            if node == start and start not in reported:
                cycle = path[path.index(node):]
                reported.update(cycle)
                self.report("parent cycle: " + " -> ".join([*cycle, node]), first[start].line)

    def _references(self, book: str, first: dict[str, _Entry], defaults: Defaults) -> None:
        """``scope.within`` and ``negation.code`` must name codes; ``within`` must not loop."""

        def local(ref: str) -> str | None:
            if ":" in ref:
                other, _, code = ref.partition(":")
                return code if other == book else None
            return ref

        producers: dict[str, set[str]] = {n: {n} for n in first}
        for e in first.values():
            negations = [e.fields.get("negation"), defaults.negation,
                         *(r.negation for r in e.fields["rules"])]
            for neg in negations:
                if isinstance(neg, Negation) and neg.mode == "code" and neg.code:
                    if neg.code not in first:
                        self.report(f"code {e.name!r}: negation code {neg.code!r} is not a "
                                    "code in this codebook", e.line)
                    elif neg.code == e.name:
                        self.report(f"code {e.name!r}: negation code is the code itself",
                                    e.line)
                    else:
                        producers[neg.code].add(e.name)
        descendants: dict[str, set[str]] = {n: {n} for n in first}
        for n in first:
            p = first[n].parent
            guard = 0
            while p is not None and p in descendants and guard < len(first):
                descendants[p].add(n)
                p = first[p].parent
                guard += 1
        deps: dict[str, set[str]] = {}
        for e in first.values():
            scope = e.fields.get("scope")
            within = (scope or Scope()).over(defaults.scope).within or ()
            deps[e.name] = set()
            for ref in within:
                target = local(ref)
                if target is None:
                    continue  # another codebook's code: checked when coding
                if target not in first:
                    self.report(f"code {e.name!r}: scope within refers to unknown code "
                                f"{ref!r}", e.line)
                    continue
                for d in descendants[target]:
                    deps[e.name] |= producers[d]
        for start in sorted(deps):
            stack, seen = [(start, [start])], set()
            while stack:
                node, path = stack.pop()
                for nxt in sorted(deps.get(node, ())):
                    if nxt == start:
                        self.report("scope within creates a cycle: " +
                                    " -> ".join([*path, start]), first[start].line)
                        stack = []
                        break
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append((nxt, [*path, nxt]))


def save_codebook(codebook: Codebook, path: str | os.PathLike[str]) -> Path:
    """Write ``codebook`` as YAML to ``path`` (atomically) and return the path."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(dump_codebook(codebook), encoding="utf-8")
    os.replace(tmp, p)
    return p
