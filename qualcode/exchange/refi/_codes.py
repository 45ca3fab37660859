"""Code trees: reading REFI ``<Code>`` hierarchies and writing qualcode codebooks.

REFI nests child codes inside their parent and identifies codes by GUID;
qualcode identifies a code by its name (unique in a codebook) and records
the parent's name. Reading therefore renames codes whose names clash: a
code under a parent becomes ``Parent/Child``, and any clash left gets
``" (2)"``, ``" (3)"``... (each rename is warned about).

Several qualcode codebooks travel in one REFI codebook as *sets* (code
groups, which every tool shows): one set per codebook, named after it,
whose description starts with ``qualcode codebook (version V)``. Codes used
by codings but defined in no codebook go into a set marked
``qualcode codes outside any codebook``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ...model import Code, Codebook
from ._xml import Warnings, describe, guid_key, is_guid, make_guid, normalise_color, xml_safe

__all__ = [
    "LOOSE_MARKER",
    "LOOSE_SET_NAME",
    "RefiCode",
    "assign_names",
    "marker_description",
    "parse_codes",
    "parse_marker",
    "to_codes",
    "write_codes",
]

_MARKER = re.compile(r"\Aqualcode codebook \(version (?P<v>.*?)\)(?:\n\n(?P<d>.*))?\Z", re.S)
LOOSE_MARKER = "qualcode codes outside any codebook"
LOOSE_SET_NAME = "codes outside any codebook"


def marker_description(codebook: Codebook) -> str:
    """The description of the set that carries a qualcode codebook."""
    head = f"qualcode codebook (version {codebook.version})"
    return f"{head}\n\n{codebook.description}" if codebook.description else head


def parse_marker(description: str | None) -> tuple[str, str] | None:
    """``(version, description)`` if a set description marks a qualcode codebook.

    >>> parse_marker("qualcode codebook (version 1.0)\\n\\nSpaces and levels")
    ('1.0', 'Spaces and levels')
    >>> parse_marker("feelings") is None
    True
    """
    m = _MARKER.match(description or "")
    return (m.group("v"), m.group("d") or "") if m else None


@dataclass
class RefiCode:
    """A code as the file has it, with the name qualcode will give it."""

    guid: str
    key: str
    raw_name: str
    parent: str | None  # the parent's key
    description: str = ""
    color: str | None = None
    codable: bool = True
    notes: list[str] = field(default_factory=list)
    where: str = ""
    name: str = ""


def parse_codes(codes_el: Any, warnings: Warnings) -> list[RefiCode]:
    """Every ``<Code>`` under ``codes_el`` (namespace-stripped), parents first."""
    out: list[RefiCode] = []
    seen: set[str] = set()
    stack: list[tuple[Any, str | None]] = [(el, None) for el in reversed(
        [c for c in codes_el if c.tag == "Code"])]
    while stack:
        el, parent = stack.pop()
        where = describe(el)
        guid = (el.get("guid") or "").strip()
        if not guid:
            guid = make_guid("code-without-guid", str(el.sourceline), str(len(out)))
            warnings.add(where, "code has no guid; one was made up", kind="code without guid")
        elif not is_guid(guid):
            warnings.add(where, f"guid {guid!r} is not a GUID; used as it is",
                         kind="malformed guid")
        key = guid_key(guid)
        if key in seen:
            warnings.add(where, "duplicate guid; references go to the first code with it")
            key = f"{key}#dup{len(out)}"
        seen.add(key)
        name = el.get("name")
        if name is None or not name.strip():
            name = f"code {guid}"
            warnings.add(where, f"code has no name; called it {name!r}")
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        if el.get("isCodable") is None:
            warnings.add(where, "isCodable is missing (required); taken as true",
                         kind="isCodable missing")
        raw_color = el.get("color")
        color = normalise_color(raw_color)
        if raw_color is not None and color is None:
            warnings.add(where, f"colour {raw_color!r} is not #RRGGBB; ignored")
        desc_el = el.find("Description")
        code = RefiCode(
            guid=guid, key=key, raw_name=name, parent=parent,
            description=(desc_el.text or "") if desc_el is not None else "",
            color=color, codable=codable, where=where,
            notes=[guid_key(n.get("targetGUID")) for n in el.findall("NoteRef")])
        out.append(code)
        stack.extend((c, key) for c in reversed([c for c in el if c.tag == "Code"]))
    return out


def assign_names(codes: list[RefiCode], warnings: Warnings) -> None:
    """Give every code a unique qualcode name (see the module docs)."""
    counts = Counter(c.raw_name for c in codes)
    used = {n for n, k in counts.items() if k == 1}
    by_key = {c.key: c for c in codes}
    for c in codes:
        if counts[c.raw_name] == 1:
            c.name = c.raw_name
            continue
        parent = by_key.get(c.parent) if c.parent else None
        base = f"{parent.name or parent.raw_name}/{c.raw_name}" if parent else c.raw_name
        name, n = base, 2
        while name in used:
            name = f"{base} ({n})"
            n += 1
        used.add(name)
        c.name = name
        if name != c.raw_name:
            warnings.add(c.where, f"another code is also called {c.raw_name!r}; "
                         f"this one is named {name!r}", kind="code name clash")


def to_codes(codes: Iterable[RefiCode], by_key: dict[str, RefiCode],
             codebook: str) -> tuple[Code, ...]:
    """qualcode codes (parents named by their qualcode names)."""
    return tuple(
        Code(name=c.name,
             parent=by_key[c.parent].name if c.parent and c.parent in by_key else None,
             description=c.description, color=c.color, codebook=codebook)
        for c in codes)


def write_codes(parent_el: Any, codes: Iterable[Code], ns: str,
                guid_for: Callable[[Code], str], warnings: Warnings,
                *, not_codable: frozenset[str] = frozenset()) -> None:
    """Nest ``codes`` (one codebook's) as ``<Code>`` elements under ``parent_el``.

    A code whose parent is not among ``codes`` (or that sits in a parent
    cycle) is written at the top level, with a warning.
    """
    codes = list(codes)
    names = {c.name for c in codes}
    kids: dict[str | None, list[Code]] = {}
    for c in codes:
        parent = c.parent if c.parent in names and c.parent != c.name else None
        if c.parent is not None and parent is None:
            warnings.add(f"code {c.name!r}", f"its parent {c.parent!r} is not in the same "
                         "codebook; written at the top level")
        kids.setdefault(parent, []).append(c)
    done: set[str] = set()

    def emit(into: Any, code: Code) -> None:
        stack = [(into, code)]
        while stack:
            target, c = stack.pop()
            done.add(c.name)
            el = etree.SubElement(target, f"{{{ns}}}Code")
            el.set("guid", guid_for(c))
            el.set("name", xml_safe(c.name))
            el.set("isCodable", "false" if c.name in not_codable else "true")
            color = normalise_color(c.color)
            if color:
                el.set("color", color)
            elif c.color:
                warnings.add(f"code {c.name!r}", f"colour {c.color!r} cannot be written "
                             "as #RRGGBB; left out")
            if c.description:
                etree.SubElement(el, f"{{{ns}}}Description").text = xml_safe(c.description)
            stack.extend((el, k) for k in reversed(kids.get(c.name, [])) if k.name not in done)

    for c in kids.get(None, []):
        emit(parent_el, c)
    for c in codes:  # codes caught in a parent cycle
        if c.name not in done:
            warnings.add(f"code {c.name!r}", "its parents form a cycle; written at the top level")
            emit(parent_el, c)
