"""Reading REFI-QDA codebooks (.qdc): :func:`read_qdc`.

A .qdc has a ``<CodeBook>`` root with ``<Codes>`` and optional ``<Sets>``.
Producers write the namespace as ``urn:QDA-XML:codebook:1.0``, ``1:0`` or
``0:4`` (ATLAS.ti 23), and set members as ``MemberCode guid=`` (the codebook
schema) or ``targetGUID=`` (the project schema); all of these are read.
Given a project file (.qdpx/.qde) instead, its codebook is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from ...model import Codebook
from . import _codes
from ._xml import RefiWarning, Warnings, guid_key, load_container, local_tree, schema_problems

__all__ = ["read_qdc"]


def read_qdc(path: str | Path, *, warnings: list[RefiWarning] | None = None) -> Codebook:
    """Read a REFI-QDA codebook (.qdc) into one :class:`~qualcode.model.Codebook`.

    The codebook is named after the set qualcode wrote for it, else after
    the file. Code names clashing under different parents become
    ``Parent/Child``. GUIDs, codes marked not codable and the file's sets are
    kept in ``meta["refi"]`` so that :func:`write_qdc` reuses them. Warnings
    (schema problems, renamed codes, bad colours) are appended to ``warnings``.
    Raises :class:`~qualcode.errors.ExchangeError` for unreadable or hostile files.
    """
    p = Path(path)
    w = Warnings()
    zipped = p.suffix.lower() == ".qdpx"
    container, root = load_container(p, ext=".qde" if zipped else ".qdc")
    container.close()
    kind = etree.QName(root).localname
    if kind == "Project":
        local_tree(root, "Project", str(p), w)
        w.add("Project", "a project file, not a codebook; reading its codebook")
        codes_el = root.find("CodeBook/Codes")
        set_els = root.findall("Sets/Set")
    else:
        local_tree(root, "CodeBook", str(p), w)
        for line, message in (schema_problems(root, "Codebook") or [])[:10]:
            w.add(f"{p.name} line {line}", f"not schema-valid: {message}", kind="schema")
        codes_el = root.find("Codes")
        set_els = root.findall("Sets/Set")
    codes = _codes.parse_codes(codes_el, w) if codes_el is not None else []
    if not codes:
        w.add(kind, "the codebook has no codes")
    by_key = {c.key: c for c in codes}
    markers = [(s, _codes.parse_marker(s.findtext("Description"))) for s in set_els]
    books = [(s, m) for s, m in markers if m is not None]
    name, version, description = p.stem, "1", ""
    if len(books) == 1:
        name = (books[0][0].get("name") or p.stem).strip()
        version, description = books[0][1]
    elif len(books) > 1:
        w.add("Sets", f"{len(books)} qualcode codebooks in one file; read as one codebook "
              f"{name!r}")
    _codes.assign_names(codes, w)
    sets: list[dict[str, Any]] = []
    for s, marker in markers:
        if marker is not None:
            continue
        members = [guid_key(m.get("guid") or m.get("targetGUID"))
                   for m in s.findall("MemberCode")]
        sets.append({"name": s.get("name") or "", "guid": s.get("guid", ""),
                     "description": s.findtext("Description") or "",
                     "codes": [by_key[k].name for k in members if k in by_key]})
    meta = {"refi": {"codes": {c.name: c.guid for c in codes},
                     "not_codable": [c.name for c in codes if not c.codable],
                     "origin": root.get("origin"), "sets": sets}}
    if warnings is not None:
        warnings.extend(w.finish())
    return Codebook(name=name, codes=_codes.to_codes(codes, by_key, name), version=version,
                    description=description, source=str(p), meta=meta)
