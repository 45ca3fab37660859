"""Writing codebooks back to the YAML format (:func:`dump_codebook`).

Uses libyaml's safe dumper when available. Multi-line texts are written as
literal blocks, short lists of words in flow style (``[en, id]``), and any
text with control or line-separator characters double-quoted with escapes,
so that loading the output gives back an equal codebook.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..model import Code, Codebook

__all__ = ["dump_codebook"]

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    """Safe dumper (libyaml's when available) with readable strings and short lists."""


_ODD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def _str(dumper: Any, value: str) -> yaml.ScalarNode:
    if _ODD.search(value):  # control and line-separator characters: escape them
        style: str | None = '"'
    else:
        style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: Any, value: list[Any]) -> yaml.SequenceNode:
    short = all(isinstance(v, str) and "\n" not in v for v in value) and \
        sum(len(v) + 2 for v in value) < 70
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _code_dict(code: Code, kids: dict[str | None, list[Code]], names: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": code.name}
    if code.parent is not None and code.parent not in names:
        out["parent"] = code.parent
    if code.label:
        out["label"] = code.label
    for key in ("description", "inclusion", "exclusion"):
        if getattr(code, key):
            out[key] = getattr(code, key)
    if code.examples:
        out["examples"] = list(code.examples)
    if code.color:
        out["color"] = code.color
    if code.scope is not None:
        out["scope"] = code.scope.to_dict()
    if code.unit is not None:
        out["unit"] = code.unit
    if code.negation is not None:
        out["negation"] = code.negation.to_dict()
    if code.rules:
        rules: dict[str, list[dict[str, Any]]] = {}
        for r in code.rules:
            group = rules.setdefault(r.language, [])
            default_id = f"{code.name}/{r.language}/{len(group) + 1}"
            group.append(r.to_dict(with_id=r.id != default_id))
        out["rules"] = rules
    if kids.get(code.name):
        out["children"] = [_code_dict(k, kids, names) for k in kids[code.name]]
    return out


def dump_codebook(codebook: Codebook) -> str:
    """The codebook as YAML text in the documented format (``load_codebook`` reads it back)."""
    meta = codebook.meta
    data: dict[str, Any] = {"codebook": codebook.name, "version": codebook.version}
    if meta.get("title"):
        data["title"] = meta["title"]
    if codebook.description:
        data["description"] = codebook.description
    for key in ("authors", "license", "references", "languages"):
        if meta.get(key):
            data[key] = meta[key] if isinstance(meta[key], str) else list(meta[key])
    if meta.get("defaults"):
        data["defaults"] = meta["defaults"]
    names = {c.name for c in codebook.codes}
    kids: dict[str | None, list[Code]] = {}
    for c in codebook.codes:
        kids.setdefault(c.parent if c.parent in names else None, []).append(c)
    data["codes"] = [_code_dict(c, kids, names) for c in kids.get(None, [])]
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                          width=100, default_flow_style=False)
    return text
