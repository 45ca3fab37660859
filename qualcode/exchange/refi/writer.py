"""Writing REFI-QDA: projects (.qdpx) and codebooks (.qdc), valid against the XSDs.

Choices (the standard leaves room; these make every reader agree):

* each document is a ``TextSource`` whose text is stored in the archive as
  ``sources/<guid>.txt``: UTF-8, no BOM, LF line ends, exactly
  :attr:`Document.text`, so ``startPosition``/``endPosition`` count Unicode
  code points as the standard says, 0-based with an exclusive end (what
  producers do in practice), and CR LF and BOM conventions cannot differ;
* codings on the same span with the same memo share one
  ``PlainTextSelection`` (like an ATLAS.ti quotation); its ``name`` holds the
  coded text (whitespace squeezed, cut at 100 characters with "…") so readers
  can check positions, and its ``Description`` holds the memo; each
  ``Coding`` records the coder as ``creatingUser`` (a ``User``);
* a document's comments (e.g. Word comments) are selections without a code,
  the comment as ``Description`` and its author as ``creatingUser``;
* codes used by codings but defined in no codebook go in a set marked
  ``qualcode codes outside any codebook``;
* every codebook is written into the one REFI codebook and also as a set
  (code group) named after it, so several codebooks come back apart;
* document attributes become ``Variables`` and one ``Case`` per document
  (named after it) holding the values; the variable type is the narrowest
  REFI type all values fit: Boolean, Integer, Float, Date (``YYYY-MM-DD``
  text), DateTime (ISO text) or Text (anything else, lists as JSON);
* GUIDs kept from an import (codebook meta ``refi``) are reused; all
  others are derived from names and ids, so the same project always gives
  the same file;
* speaker turns are not written: REFI has no place for them, and a reader
  (qualcode included) finds them again in the text;
* a document's language travels as its ``language`` attribute (variable);
  older versions of a document are written too, named ``name (v2)``...
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from ...errors import ExchangeError
from ...model import Code, Codebook, Coding, Document
from ...store import Project
from . import _codes
from ._sources import source_marker
from ._xml import (
    NS_CODEBOOK,
    NS_PROJECT,
    RefiWarning,
    Warnings,
    guid_key,
    is_guid,
    make_guid,
    schema_problems,
    xml_safe,
)

__all__ = ["build_qdpx", "write_qdc", "write_qdpx"]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATION = {
    NS_PROJECT: "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd",
    NS_CODEBOOK: "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?\Z")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXCERPT_CHARS = 100


def _version() -> str:
    from ... import __version__  # late: the package imports its modules first

    return __version__


class _Guids:
    """Hands out GUIDs: a kept one if usable and unused, else a derived one."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def get(self, kept: Any, *parts: str) -> str:
        if isinstance(kept, str) and is_guid(kept) and guid_key(kept) not in self.used:
            self.used.add(guid_key(kept))
            return kept.strip()
        guid = make_guid(*parts)
        n = 1
        while guid in self.used:
            guid = make_guid(*parts, str(n))
            n += 1
        self.used.add(guid)
        return guid


def _root(tag: str, ns: str) -> Any:
    root = etree.Element(f"{{{ns}}}{tag}", nsmap={None: ns, "xsi": _XSI})
    root.set(f"{{{_XSI}}}schemaLocation", f"{ns} {_LOCATION[ns]}")
    return root


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    el = etree.SubElement(parent, f"{{{etree.QName(parent).namespace}}}{tag}")
    for k, v in attrs.items():
        el.set(k, xml_safe(v))
    return el


def _check(root: Any, kind: str) -> None:
    """Refuse to write a file the schema rejects (a bug; never ship an invalid file)."""
    stripped = etree.fromstring(etree.tostring(root))
    for el in stripped.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    problems = schema_problems(stripped, kind)
    if problems:
        line, message = problems[0]
        raise ExchangeError(f"internal error: the {kind} XML is not schema-valid "
                            f"(line {line}: {message})")


def _atomic_write(path: Path, data: bytes) -> Path:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def _refi_meta(codebooks: Iterable[Codebook]) -> dict[str, Any]:
    """The GUIDs and sets an import kept in codebook meta, merged over codebooks."""
    merged: dict[str, Any] = {"sources": {}, "users": {}, "variables": {}, "sets": []}
    for cb in codebooks:
        refi = cb.meta.get("refi")
        if not isinstance(refi, dict):
            continue
        for key in ("sources", "users", "variables"):
            if isinstance(refi.get(key), dict):
                merged[key] = {**refi[key], **merged[key]}
        if isinstance(refi.get("sets"), list) and not merged["sets"]:
            merged["sets"] = refi["sets"]
    return merged


# -- variables -------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return value


def _is_date(value: Any) -> bool:
    if not (isinstance(value, str) and _DATE.match(value)):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    if not (isinstance(value, str) and _DATETIME.match(value)):
        return False
    try:
        _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def variable_type(values: Sequence[Any]) -> str:
    """The narrowest REFI variable type every value fits.

    >>> variable_type([1, 2]), variable_type([1, 2.5]), variable_type(["2024-02-17"])
    ('Integer', 'Float', 'Date')
    >>> variable_type([True, 1]), variable_type(["2024-02-17T00:00:00Z"]), variable_type([])
    ('Text', 'DateTime', 'Text')
    """
    if not values:
        return "Text"
    if all(isinstance(v, bool) for v in values):
        return "Boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if all(_number(v) for v in values):
        return "Float"
    if all(_is_date(v) for v in values):
        return "Date"
    if all(_is_datetime(v) for v in values):
        return "DateTime"
    return "Text"


def _format(value: Any, kind: str) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Integer":
        return str(value)
    if kind == "Float":
        return str(value) if isinstance(value, int) else format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# -- projects --------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    squashed = " ".join(text.split())
    if len(squashed) > EXCERPT_CHARS:
        return squashed[:EXCERPT_CHARS].rstrip() + "…"
    return squashed


def _comments(src: Any, doc: Document, guid: str, users: dict[str, str], guids: _Guids,
              w: Warnings) -> None:
    """A document's comments as selections without a code (like ATLAS.ti's quotation
    comments): the comment is the ``Description``, its author the ``creatingUser``."""
    for n, m in enumerate(doc.comments):
        if not m.text.strip() or m.end > len(doc.text):
            w.add(f"document {doc.name!r}", f"comment {n + 1} is empty or runs past the "
                  "text; left out", kind="comment left out")
            continue
        sel = _sub(src, "PlainTextSelection", guid=guids.get(None, "comment", guid, str(n)),
                   name=_excerpt(doc.text[m.start:m.end]), startPosition=str(m.start),
                   endPosition=str(m.end))
        if m.author:
            sel.set("creatingUser", users[m.author])
        if m.date and _is_datetime(m.date):
            sel.set("creationDateTime", m.date)
        elif m.date:
            w.add(f"document {doc.name!r}", f"comment {n + 1}: date {m.date!r} is not an ISO "
                  "date and time; left out", kind="comment date")
        _sub(sel, "Description").text = xml_safe(m.text)


def build_qdpx(
    documents: Sequence[Document],
    codebooks: Sequence[Codebook],
    codings: Sequence[Coding],
    *,
    name: str,
    warnings: Warnings | None = None,
) -> bytes:
    """The bytes of a .qdpx archive holding ``documents``, ``codebooks`` and ``codings``.

    ``codings`` must refer to ``documents`` by id; those that do not are
    left out with a warning.
    """
    w = warnings if warnings is not None else Warnings()
    meta = _refi_meta(codebooks)
    guids = _Guids()
    root = _root("Project", NS_PROJECT)
    root.set("name", xml_safe(name or "qualcode project"))
    root.set("origin", f"qualcode {_version()}")

    docs = {d.id: d for d in documents}
    kept = [c for c in codings if c.document in docs]
    if len(kept) < len(codings):
        w.add("codings", f"{len(codings) - len(kept)} coding(s) refer to documents not "
              "exported; left out")

    # users
    users: dict[str, str] = {}
    coders = list(dict.fromkeys([*(c.coder for c in kept), *(
        m.author for d in documents for m in d.comments if m.author)]))
    if coders:
        users_el = _sub(root, "Users")
        for coder in coders:
            users[coder] = guids.get(meta["users"].get(coder), "user", coder)
            _sub(users_el, "User", guid=users[coder], name=coder)

    # codes: every codebook, plus codes used by codings but defined nowhere
    code_guid: dict[tuple[str | None, str], str] = {}
    first_book: dict[str, str] = {}
    for cb in codebooks:
        kept_guids = (cb.meta.get("refi") or {}).get("codes") or {}
        for code in cb.codes:
            code_guid[(cb.name, code.name)] = guids.get(kept_guids.get(code.name), "code",
                                                       cb.name, code.name)
            first_book.setdefault(code.name, cb.name)
    loose: list[str] = []
    for c in kept:
        if ((c.codebook, c.code) not in code_guid and c.code not in first_book
                and (None, c.code) not in code_guid):
            code_guid[(None, c.code)] = guids.get(None, "loose-code", c.code)
            loose.append(c.code)

    def guid_of(c: Coding) -> str:
        if (c.codebook, c.code) in code_guid:
            return code_guid[(c.codebook, c.code)]
        if c.code in first_book:
            return code_guid[(first_book[c.code], c.code)]
        return code_guid[(None, c.code)]

    if code_guid:
        codes_el = _sub(_sub(root, "CodeBook"), "Codes")
        for cb in codebooks:
            not_codable = frozenset((cb.meta.get("refi") or {}).get("not_codable") or ())
            _codes.write_codes(codes_el, cb.codes, NS_PROJECT,
                               lambda code, cb=cb: code_guid[(cb.name, code.name)], w,  # type: ignore[misc]
                               not_codable=not_codable)
        _codes.write_codes(codes_el, [Code(n) for n in loose], NS_PROJECT,
                           lambda code: code_guid[(None, code.name)], w)

    # variables and cases
    keys: dict[str, list[Any]] = {}
    for d in documents:
        for k, v in d.attributes.items():
            if v is None:
                w.add(f"document {d.name!r}", f"attribute {k!r} has no value; left out",
                      kind="attribute without value")
                continue
            keys.setdefault(k, []).append(_plain(v))
    types = {k: variable_type(vs) for k, vs in keys.items()}
    var_guid = {k: guids.get(meta["variables"].get(k), "variable", k) for k in keys}
    if keys:
        vars_el = _sub(root, "Variables")
        for k, kind in types.items():
            _sub(vars_el, "Variable", guid=var_guid[k], name=k, typeOfVariable=kind)

    # source names: versions of one document get " (v2)"...
    names = [d.name for d in documents]
    source_name = {d.id: d.name if names.count(d.name) == 1 or d.version == 1
                   else f"{d.name} (v{d.version})" for d in documents}
    source_guid = {d.id: guids.get(meta["sources"].get(d.id), "source", d.id) for d in documents}

    with_values = [d for d in documents if any(v is not None for v in d.attributes.values())]
    if with_values:
        cases_el = _sub(root, "Cases")
        for d in with_values:
            case = _sub(cases_el, "Case", guid=guids.get(None, "case", d.id),
                        name=source_name[d.id])
            for k, v in d.attributes.items():
                if v is None:
                    continue
                vv = _sub(case, "VariableValue")
                _sub(vv, "VariableRef", targetGUID=var_guid[k])
                _sub(vv, f"{types[k]}Value").text = xml_safe(_format(_plain(v), types[k]))
            _sub(case, "SourceRef", targetGUID=source_guid[d.id])

    members: dict[str, bytes] = {}
    if documents:
        sources_el = _sub(root, "Sources")
        by_doc: dict[str, list[Coding]] = {}
        for c in kept:
            by_doc.setdefault(c.document, []).append(c)
        for d in documents:
            guid = source_guid[d.id]
            member = f"sources/{guid}.txt"
            src = _sub(sources_el, "TextSource", guid=guid, name=source_name[d.id],
                       plainTextPath=f"internal://{guid}.txt")
            _sub(src, "Description").text = source_marker(d)
            data = d.text.encode("utf-8", errors="replace")
            if data.decode("utf-8") != d.text:
                w.add(f"document {d.name!r}", "text has characters UTF-8 cannot hold; replaced")
            members[member] = data
            groups: dict[tuple[int, int, str | None], list[Coding]] = {}
            for c in by_doc.get(d.id, []):
                if c.end > len(d.text):
                    w.add(f"document {d.name!r}", f"coding [{c.start}, {c.end}) runs past the "
                          "text; left out")
                    continue
                groups.setdefault((c.start, c.end, c.memo), []).append(c)
            for n, ((start, end, memo), group) in enumerate(
                    sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))):
                sel_guid = guids.get(None, "selection", guid, str(n))
                sel = _sub(src, "PlainTextSelection", guid=sel_guid,
                           name=_excerpt(d.text[start:end]), startPosition=str(start),
                           endPosition=str(end), creatingUser=users[group[0].coder])
                if memo:
                    _sub(sel, "Description").text = xml_safe(memo)
                for i, c in enumerate(group):
                    coding = _sub(sel, "Coding", guid=guids.get(None, "coding", sel_guid, str(i)),
                                  creatingUser=users[c.coder])
                    _sub(coding, "CodeRef", targetGUID=guid_of(c))
            _comments(src, d, guid, users, guids, w)

    # sets: one per codebook, the loose codes, and sets kept from an import
    set_specs: list[tuple[str, str, str | None, list[str], list[str]]] = []
    for cb in codebooks:
        set_specs.append((guids.get(None, "codebook-set", cb.name), cb.name,
                          _codes.marker_description(cb),
                          [code_guid[(cb.name, c.name)] for c in cb.codes], []))
    if loose:
        set_specs.append((guids.get(None, "loose-set"), _codes.LOOSE_SET_NAME,
                          _codes.LOOSE_MARKER, [code_guid[(None, n)] for n in loose], []))
    for s in meta["sets"]:
        if not isinstance(s, dict) or not s.get("name"):
            continue
        codes = [code_guid[(first_book[n], n)] for n in s.get("codes", []) if n in first_book]
        srcs = [source_guid[i] for i in s.get("sources", []) if i in source_guid]
        set_specs.append((guids.get(s.get("guid"), "set", str(s["name"])), str(s["name"]),
                          s.get("description") or None, codes, srcs))
    if set_specs:
        sets_el = _sub(root, "Sets")
        for guid, set_name, desc, codes, srcs in set_specs:
            set_el = _sub(sets_el, "Set", guid=guid, name=set_name)
            if desc:
                _sub(set_el, "Description").text = xml_safe(desc)
            for g in codes:
                _sub(set_el, "MemberCode", targetGUID=g)
            for g in srcs:
                _sub(set_el, "MemberSource", targetGUID=g)

    _sub(root, "Description").text = (
        f"Exported by qualcode {_version()}. Text sources are UTF-8 without BOM with LF line "
        "ends; selection positions count Unicode code points, 0-based, end exclusive.")
    _check(root, "Project")
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("project.qde", _ZIP_TIME), xml, zipfile.ZIP_DEFLATED)
        for member, data in members.items():
            zf.writestr(zipfile.ZipInfo(member, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def write_qdpx(project: Project, path: str | Path, *, name: str | None = None,
               warnings: list[RefiWarning] | None = None) -> Path:
    """Export ``project`` (every document, codebook and coding) as a .qdpx file.

    ``name`` is the REFI project name (default: the project file's name, or
    the output's). The file is written atomically and validates against the
    REFI-QDA 1.0 schema. Anything that could not be written exactly (an
    attribute without value, a colour that is not hex or CSS) is appended
    to ``warnings`` when a list is given. Returns the path.
    """
    p = Path(path)
    if name is None:
        name = p.stem if project.path == ":memory:" else Path(project.path).stem
    w = Warnings()
    data = build_qdpx(project.documents, project.codebooks, project.codings(), name=name,
                      warnings=w)
    if warnings is not None:
        warnings.extend(w.finish())
    return _atomic_write(p, data)


def write_qdc(codebooks: Codebook | Iterable[Codebook], path: str | Path, *,
              warnings: list[RefiWarning] | None = None) -> Path:
    """Write one codebook (or several) as a REFI-QDA codebook exchange file (.qdc).

    Codes keep their hierarchy, description and colour; each codebook is
    also a set (code group) named after it, which gives its version and
    description back to :func:`~qualcode.exchange.refi.read_qdc`. Raises
    :class:`~qualcode.errors.ExchangeError` if there is no code at all (the
    format needs one).
    """
    books = [codebooks] if isinstance(codebooks, Codebook) else list(codebooks)
    if not any(cb.codes for cb in books):
        raise ExchangeError("cannot write a .qdc without codes: the format needs at least "
                            "one code", path=str(path))
    w = Warnings()
    guids = _Guids()
    root = _root("CodeBook", NS_CODEBOOK)
    root.set("origin", f"qualcode {_version()}")
    codes_el = _sub(root, "Codes")
    code_guid: dict[tuple[str, str], str] = {}
    for cb in books:
        kept = (cb.meta.get("refi") or {}).get("codes") or {}
        for c in cb.codes:
            code_guid[(cb.name, c.name)] = guids.get(kept.get(c.name), "code", cb.name, c.name)
        _codes.write_codes(codes_el, cb.codes, NS_CODEBOOK,
                           lambda code, cb=cb: code_guid[(cb.name, code.name)], w,  # type: ignore[misc]
                           not_codable=frozenset((cb.meta.get("refi") or {}).get("not_codable")
                                                 or ()))
    sets_el = _sub(root, "Sets")
    for cb in books:
        set_el = _sub(sets_el, "Set", guid=guids.get(None, "codebook-set", cb.name), name=cb.name)
        _sub(set_el, "Description").text = xml_safe(_codes.marker_description(cb))
        for c in cb.codes:
            _sub(set_el, "MemberCode", guid=code_guid[(cb.name, c.name)])
    _check(root, "Codebook")
    if warnings is not None:
        warnings.extend(w.finish())
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return _atomic_write(Path(path), xml)
