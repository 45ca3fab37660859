"""Safe YAML loading that remembers the line of every mapping, key and item.

Semantics are those of ``yaml.safe_load`` (no Python tags, no object
construction), with limits that make hostile files harmless: a maximum size,
nesting depth and number of nodes (so alias "billion laughs" files are
refused), and duplicate keys reported instead of silently overwritten.

>>> data, problems = load_yaml("a: 1\\nb:\\n  - x\\n  - 1.10\\n")
>>> data["b"].item_lines, data.key_lines["b"], data["b"].raw[1], problems
([3, 4], 2, '1.10', [])
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_TEXT_CHARS", "LineDict", "LineList", "load_yaml"]

MAX_TEXT_CHARS = 5_000_000
MAX_DEPTH = 50
MAX_NODES = 100_000

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


class LineDict(dict[Any, Any]):
    """A mapping from YAML: ``line`` of the mapping, ``key_lines`` and raw scalar text."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}
        self.raw: dict[Any, str] = {}


class LineList(list[Any]):
    """A sequence from YAML: ``line``, the ``item_lines`` and raw scalar text per item."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []
        self.raw: dict[int, str] = {}


class _Limit(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Converter:
    def __init__(self) -> None:
        self.constructor = yaml.SafeLoader("")
        self.nodes = 0
        self.problems: list[tuple[str, int | None]] = []

    def convert(self, node: Node, depth: int) -> Any:
        line = node.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Limit(f"the file has more than {MAX_NODES} values (aliases expand); "
                         "it is too large for a codebook", line)
        if depth > MAX_DEPTH:
            raise _Limit(f"values are nested more than {MAX_DEPTH} levels deep", line)
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                self.problems.append((f"unsupported YAML tag {node.tag!r}", line))
                return node.value
            if node.tag.endswith(":timestamp"):
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                return node.value
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.problems.append((f"unsupported YAML tag {node.tag!r}", line))
            seq = LineList()
            seq.line = line
            for i, item in enumerate(node.value):
                seq.append(self.convert(item, depth + 1))
                seq.item_lines.append(item.start_mark.line + 1)
                if isinstance(item, ScalarNode):
                    seq.raw[i] = item.value
            return seq
        if isinstance(node, MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self.problems.append((f"unsupported YAML tag {node.tag!r}", line))
            mapping = LineDict()
            mapping.line = line
            self.constructor.flatten_mapping(node)  # merge keys (<<)
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                key = self.convert(key_node, depth + 1)
                if isinstance(key, (LineDict, LineList)):
                    self.problems.append(("a mapping key must be plain text", key_line))
                    continue
                if not isinstance(key, str):
                    key = key_node.value if isinstance(key_node, ScalarNode) else str(key)
                if key in mapping:
                    self.problems.append(
                        (f"duplicate key {key!r} (first on line {mapping.key_lines[key]})",
                         key_line))
                    continue
                mapping[key] = self.convert(value_node, depth + 1)
                mapping.key_lines[key] = key_line
                if isinstance(value_node, ScalarNode):
                    mapping.raw[key] = value_node.value
            return mapping
        return None  # pragma: no cover - composer only yields the three kinds


_INDENT = re.compile(r"^[ \t]*", re.MULTILINE)
_BRACKET = re.compile(r"[\[\]{}]")


def _loader(text: str) -> Any:
    """libyaml's fast loader for ordinary files; the pure-Python one (whose
    recursion is checked) for anything nested deeply enough to be suspicious."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return yaml.SafeLoader
    if max((len(m.group()) for m in _INDENT.finditer(text)), default=0) > 4 * MAX_DEPTH:
        return yaml.SafeLoader
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = worst = 0
        for m in _BRACKET.finditer(text):
            depth += 1 if m.group() in "[{" else -1
            worst = max(worst, depth)
        if worst > MAX_DEPTH:
            return yaml.SafeLoader
    return fast


def load_yaml(text: str) -> tuple[Any, list[tuple[str, int | None]]]:
    """Parse ``text``; returns ``(data, problems)`` where problems are ``(message, line)``.

    ``data`` is ``None`` when the text could not be parsed at all.
    """
    if len(text) > MAX_TEXT_CHARS:
        return None, [(f"the file has {len(text):,} characters; codebooks are limited to "
                       f"{MAX_TEXT_CHARS:,}", None)]
    try:
        node = yaml.compose(text, Loader=_loader(text))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = " ".join(str(x) for x in (e.context, e.problem) if x) or "invalid YAML"
        return None, [(f"invalid YAML: {message}", None if mark is None else mark.line + 1)]
    except yaml.YAMLError as e:
        return None, [(f"invalid YAML: {e}", None)]
    except RecursionError:
        return None, [(f"values are nested more than {MAX_DEPTH} levels deep", None)]
    if node is None:
        return None, [("the file is empty", None)]
    converter = _Converter()
    try:
        data = converter.convert(node, 0)
    except _Limit as e:
        return None, [(e.message, e.line)]
    except RecursionError:
        return None, [(f"values are nested more than {MAX_DEPTH} levels deep", None)]
    return data, converter.problems
