"""Reading a REFI-QDA project (a .qdpx archive, or a bare .qde) into qualcode values.

:func:`load_qdpx` returns a :class:`~qualcode.exchange.refi.RefiContent`
(documents, codebooks, codings and a report of everything else) without
touching any project; :mod:`.project` stores it.

What becomes what:

* ``TextSource`` (plain text in the archive or inline) -> a Document whose
  text is normalised; turns are found again in the text; the language is
  the ``language`` variable's when it names one qualcode knows, else
  ``None``. A ``PDFSource`` with a text ``Representation`` becomes a
  document too. Pictures, audio, video, PDFs without text and sources whose
  file is missing are listed in ``opaque_sources`` with the number of
  codings left behind (see :mod:`._sources`).
* ``PlainTextSelection`` + ``Coding`` -> a Coding per code; the coder is the
  ``creatingUser``'s name; the selection's ``Description`` and the notes it
  or its coding reference become the memo. A selection without a code but
  with a description (an ATLAS.ti quotation comment) becomes a document
  Comment. A ``Coding`` directly in a source codes the whole text.
* Positions are converted with the counting convention detected for the
  file (see :mod:`.offsets`), checked against the text the file records.
* Codes -> codebooks (see :mod:`._codes`); cases and variables -> document
  attributes (a case's name too, as ``case``, unless it is the document's
  own name); sets, notes, links and graphs -> the report, and sets and
  GUIDs also into the codebook meta so that an export writes them back.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ...io.turns import detect_turns
from ...language import SUPPORTED_LANGUAGES
from ...model import Codebook, Coding, Comment, Document
from . import _codes
from ._model import RefiContent, RefiNote, SourceConvention
from ._sources import CodingRef, Pending, SourceReader, memo_of, parse_source_marker, refs
from ._xml import (
    Container,
    Warnings,
    describe,
    guid_key,
    load_container,
    local_tree,
    schema_problems,
)
from .offsets import CONVENTIONS, SPEC, Convention, evaluate, recorded_matches

__all__ = ["load_qdpx", "prior_convention"]

_MAX_SCHEMA_WARNINGS = 10


def prior_convention(origin: str | None) -> tuple[Convention, bool]:
    """The convention a producer is known to use, from ``Project/@origin``, and
    whether it is certain.

    qualcode writes code points (certain: it wrote the file). NVivo for
    Windows counts UTF-16 code units with CRLF as 2 (verified on one real
    export, so evidence in the file still decides); everything else is
    assumed to follow the standard. The prior only breaks ties unless certain.
    """
    low = (origin or "").lower()
    if low.startswith("qualcode "):
        return SPEC, True
    if "nvivo" in low:
        return Convention("utf16", 2, False), False
    return SPEC, False


class _Reader:
    def __init__(self, container: Container, root: Any, warnings: Warnings) -> None:
        self.c = container
        self.root = root
        self.w = warnings
        self.path = container.path
        self.sources = SourceReader(container, warnings)
        self.users: dict[str, str] = {}
        self.user_guids: dict[str, str] = {}
        self.unknown_users: set[str] = set()
        self.variables: dict[str, tuple[str, str, str]] = {}
        self.notes: dict[str, RefiNote] = {}
        self.note_targets: dict[str, list[str]] = {}
        self.codes: list[_codes.RefiCode] = []
        self.cases: list[tuple[str, dict[str, Any], list[str], str]] = []

    # -- small pieces ------------------------------------------------------------

    def _user(self, guid: str | None, where: str) -> str | None:
        if not guid:
            return None
        key = guid_key(guid)
        if key in self.users:
            return self.users[key]
        if key not in self.unknown_users:
            self.unknown_users.add(key)
            self.w.add(where, f"user {guid} is not among the Users; the coder is called "
                       "by that GUID")
        return guid.strip()

    def _note_texts(self, keys: list[str]) -> list[str]:
        return [self.notes[k].text for k in keys if k in self.notes]

    def _value(self, vv: Any) -> tuple[str, Any] | None:
        ref = vv.find("VariableRef")
        where = describe(vv)
        if ref is None:
            self.w.add(where, "VariableValue without VariableRef; ignored")
            return None
        var = self.variables.get(guid_key(ref.get("targetGUID")))
        if var is None:
            self.w.add(where, f"refers to unknown variable {ref.get('targetGUID')}; ignored",
                       kind="unknown variable")
            return None
        name, declared, _ = var
        values = [c for c in vv if c.tag != "VariableRef"]
        if not values:
            return None
        text = values[0].text or ""
        kind = values[0].tag.removesuffix("Value")
        if kind != declared:
            self.w.add(where, f"a {kind} value for {declared} variable {name!r}",
                       kind="variable type mismatch")
        try:
            if kind == "Boolean":
                low = text.strip().lower()
                if low not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                return name, low in ("true", "1")
            if kind == "Integer":
                return name, int(text.strip())
            if kind == "Float":
                return name, float(text.strip())
            if kind in ("Date", "DateTime"):
                return name, text.strip()
        except ValueError:
            self.w.add(where, f"{kind} value {text!r} of {name!r} is malformed; kept as text")
        return name, text

    # -- sections ------------------------------------------------------------------

    def _schema(self) -> None:
        problems = schema_problems(self.root, "Project") or []
        for line, message in problems[:_MAX_SCHEMA_WARNINGS]:
            self.w.add(f"{self.c.xml_member} line {line}", f"not schema-valid: {message}",
                       kind="schema")
        if len(problems) > _MAX_SCHEMA_WARNINGS:
            self.w.add(self.c.xml_member, f"{len(problems) - _MAX_SCHEMA_WARNINGS} more "
                       "schema problem(s)")

    def _read_users(self) -> None:
        for u in self.root.findall("Users/User"):
            key = guid_key(u.get("guid"))
            if not key:
                self.w.add(describe(u), "user without guid; ignored")
                continue
            name = (u.get("name") or u.get("id") or u.get("guid") or "").strip()
            self.users[key] = name
            self.user_guids.setdefault(name, u.get("guid", ""))

    def _read_variables(self) -> None:
        for v in self.root.findall("Variables/Variable"):
            key = guid_key(v.get("guid"))
            name = (v.get("name") or "").strip()
            if not key or not name:
                self.w.add(describe(v), "variable without guid or name; ignored")
                continue
            self.variables[key] = (name, v.get("typeOfVariable") or "Text", v.get("guid", ""))

    def _read_notes(self) -> None:
        for n in self.root.findall("Notes/Note"):
            self.notes[guid_key(n.get("guid"))] = RefiNote(
                n.get("guid", ""), n.get("name") or "", self.sources.note_text(n))
        for ref in self.root.iter("NoteRef"):
            self.note_targets.setdefault(guid_key(ref.get("targetGUID")), []).append(
                describe(ref.getparent()))

    def _read_cases(self) -> None:
        for case_el in self.root.findall("Cases/Case"):
            name = case_el.get("name") or case_el.get("guid") or "case"
            values = dict(filter(None, map(self._value, case_el.findall("VariableValue"))))
            if case_el.findall("CodeRef") or case_el.findall("SelectionRef"):
                self.w.add(describe(case_el), "case members given by code or selection are "
                           "not imported (only SourceRef)", kind="case members")
            self.cases.append((name, values, refs(case_el, "SourceRef"), describe(case_el)))

    # -- counting conventions ------------------------------------------------------

    def _detect(self, prior: Convention, trusted: bool) -> None:
        placed = [p for p in self.sources.pending if p.placeable]
        results = [{c: evaluate(p.tm, [s.span for s in p.selections], c) for c in CONVENTIONS}
                   for p in placed]

        def total(c: Convention) -> tuple[int, int, bool, int, bool, bool]:
            rs = [r[c] for r in results]
            return (-sum(r.invalid for r in rs), sum(r.matched for r in rs),
                    trusted and c == prior, sum(r.clean for r in rs), c == prior, c == SPEC)

        best = max(CONVENTIONS, key=total)
        for p, res in zip(placed, results, strict=True):
            d = res[best]
            own = max(res.values(), key=lambda r: r.key(prior, trusted))
            if own.invalid < d.invalid:
                self.w.add(describe(p.owner), f"counted as {own.convention}, unlike the rest "
                           f"of the project ({best})")
                d = own
            p.detection = d
            others = [r for r in res.values() if r.spans != d.spans]
            p.agree = not others
            if not others:
                p.decided_by = "all conventions agree"
                continue
            runner = max(others, key=lambda r: r.key(prior, trusted))
            if d.invalid < runner.invalid:
                p.decided_by = (f"under the next best ({runner.convention}) {runner.invalid} "
                                "selection(s) fall outside the text")
            elif d.matched > runner.matched:
                p.decided_by = (f"{d.matched} of {d.checked} recorded selection texts match "
                                f"(next best: {runner.matched})")
            elif trusted and d.convention == prior:
                p.decided_by = "the producer's own convention (qualcode writes code points)"
            elif d.clean > runner.clean:
                p.decided_by = (f"{d.clean} of {d.boundaries} selection boundaries fall "
                                f"between words (next best: {runner.clean})")
            else:
                p.decided_by = ("no evidence in this source; the producer's usual convention"
                                if d.convention == prior != SPEC else
                                "no evidence in this source; the standard's convention")

    # -- codebooks -----------------------------------------------------------------

    def _codebooks(self, project_name: str) -> tuple[list[Codebook], dict[str, Any]]:
        """The codebooks, and for each code key its ``(name, codebook or None)``."""
        by_key = {c.key: c for c in self.codes}
        owner: dict[str, int] = {}
        groups: list[tuple[str, str, str, bool]] = []  # name, version, description, loose
        for s in self.root.findall("Sets/Set"):
            marker = _codes.parse_marker(s.findtext("Description"))
            loose = (s.findtext("Description") or "").strip() == _codes.LOOSE_MARKER
            if marker is None and not loose:
                continue
            version, desc = marker or ("1", "")
            groups.append(((s.get("name") or f"codebook {len(groups) + 1}").strip(), version,
                           desc, loose))
            for key in refs(s, "MemberCode"):
                if key in by_key:
                    owner.setdefault(key, len(groups) - 1)
        rest = [c for c in self.codes if c.key not in owner]
        if rest:
            name = project_name or "refi"
            if name in {g[0] for g in groups}:
                name = f"{name} (REFI)"
            groups.append((name, "1", "", False))
            for c in rest:
                owner[c.key] = len(groups) - 1
        members: list[list[_codes.RefiCode]] = [[] for _ in groups]
        for c in self.codes:
            members[owner[c.key]].append(c)
        for group in members:
            _codes.assign_names(group, self.w)
        code_map = {c.key: (c.name, None if groups[owner[c.key]][3] else groups[owner[c.key]][0])
                    for c in self.codes}
        books = []
        for (name, version, desc, loose), group in zip(groups, members, strict=True):
            if not loose:
                meta: dict[str, Any] = {"refi": {
                    "codes": {c.name: c.guid for c in group},
                    "not_codable": [c.name for c in group if not c.codable]}}
                books.append(Codebook(name=name, codes=_codes.to_codes(group, by_key, name),
                                      version=version, description=desc, meta=meta))
        return books, code_map

    # -- documents and codings -------------------------------------------------------

    def _documents(self, content: RefiContent) -> list[Document]:
        """One document per pending source (sources with the same text share one)."""
        source_attrs: dict[str, dict[str, Any]] = {}
        source_cases: dict[str, list[str]] = {}
        for name, values, sources, where in self.cases:
            for src in sources:
                attrs = source_attrs.setdefault(src, {})
                for k, v in values.items():
                    if k in attrs and attrs[k] != v:
                        self.w.add(where, f"source {src} is in several cases with different "
                                   f"{k!r}; keeping {attrs[k]!r}")
                    attrs.setdefault(k, v)
                source_cases.setdefault(src, []).append(name)
        pending = self.sources.pending
        names = Counter(p.name for p in pending)
        used: set[str] = set()
        seen_guids: set[str] = set()
        by_id: dict[str, Document] = {}
        docs = []
        for p in pending:
            key = guid_key(p.guid)
            if key in seen_guids:
                self.w.add(describe(p.owner), "another source has the same guid; references "
                           "to it go to the first")
            seen_guids.add(key)
            attrs = dict(source_attrs.get(key, {}))
            attrs.update(dict(filter(None, map(self._value, p.owner.findall("VariableValue")))))
            case_names = [n for n in source_cases.get(key, []) if n != p.name]
            if case_names and "case" not in attrs:
                attrs["case"] = "; ".join(case_names)
            name, n = p.name, 2
            while name in used:
                name = f"{p.name} ({n})"
                n += 1
            if names[p.name] > 1 and name != p.name:
                self.w.add(describe(p.owner), f"another source is also called {p.name!r}; "
                           f"this one is named {name!r}", kind="source name clash")
            used.add(name)
            lang = attrs.get("language")
            language = lang.lower() if isinstance(lang, str) and lang.lower() in \
                SUPPORTED_LANGUAGES else None
            text = p.tm.text
            identity = parse_source_marker(p.owner.findtext("Description"), text)
            doc_id, sha, version = identity if identity else ("", "", 1)
            doc = Document(name=name, text=text, turns=detect_turns(text), language=language,
                           attributes=attrs, source=self.path, format=p.fmt,
                           comments=self._comments(p), id=doc_id, sha256=sha, version=version)
            if doc.id in by_id:
                self.w.add(describe(p.owner), f"same text as {by_id[doc.id].name!r}; merged "
                           "into it")
                doc = by_id[doc.id]
            else:
                by_id[doc.id] = doc
                content.documents.append(doc)
            docs.append(doc)
            d = p.detection
            content.conventions.append(SourceConvention(
                doc.name, str(d.convention) if d else "-", p.agree, len(p.selections),
                d.checked if d else 0, d.matched if d else 0, d.clean if d else 0,
                d.boundaries if d else 0,
                p.decided_by if p.placeable else "text from .docx; selections not placed"))
        for name, _, sources, _ in self.cases:
            guid_doc = {guid_key(p.guid): doc for p, doc in zip(pending, docs, strict=True)}
            content.cases[name] = [guid_doc[s].name for s in sources if s in guid_doc]
        return docs

    def _spans(self, p: Pending) -> list[tuple[int, int] | None]:
        """Each selection's offsets in the normalised text (``None``: not placeable)."""
        det = p.detection
        if det is None:
            return [None] * len(p.selections)
        out: list[tuple[int, int] | None] = []
        length = p.tm.length(det.convention)
        for sel, span in zip(p.selections, det.spans, strict=True):
            if span is None:
                self.w.add(sel.where, f"selection [{sel.span.start}, {sel.span.end}) is "
                           f"outside the text ({length} positions in {det.convention}); "
                           "ignored", kind="selection outside the text")
            elif span[0] == span[1] and sel.span.start != sel.span.end:
                self.w.add(sel.where, "selection holds only what normalising the text "
                           "removes (spaces, line ends); ignored", kind="empty selection")
                span = None
            elif sel.span.recorded and sel.span.recorded.strip() and not recorded_matches(
                    sel.span.recorded, p.tm.text[span[0]:span[1]]):
                self.w.add(sel.where, f"recorded text {sel.span.recorded[:40]!r} differs "
                           f"from the text at [{span[0]}, {span[1]}): "
                           f"{p.tm.text[span[0]:span[1]][:40]!r}", kind="recorded text differs")
            out.append(span)
        return out

    def _comments(self, p: Pending) -> tuple[Comment, ...]:
        """Selections with a description or note but no code: comments on the text."""
        p.extra["spans"] = spans = self._spans(p)
        out = []
        for sel, span in zip(p.selections, spans, strict=True):
            if sel.codings or span is None:
                continue
            text = memo_of(sel.description, *self._note_texts(sel.notes))
            if text is None:
                self.w.add(sel.where, "selection has neither a code nor a comment; ignored",
                           kind="empty selection")
                continue
            out.append(Comment(span[0], span[1], text, self._user(sel.creator, sel.where),
                               sel.created))
        return tuple(out)

    def _codings(self, content: RefiContent, docs: list[Document],
                 code_map: dict[str, Any]) -> None:
        def add(doc: Document, a: int, b: int, ref: CodingRef, user: str | None,
                memo: str | None) -> None:
            code_key, _, where, _ = ref
            code = code_map.get(code_key)
            if code is None:
                self.w.add(where, f"refers to code {code_key or '(none)'} which is not in the "
                           "codebook; coding ignored", kind="dangling code reference")
                return
            content.codings.append(Coding(doc.id, code[0], a, b, coder=self._user(user, where)
                                          or "unknown", codebook=code[1], memo=memo))

        for p, doc in zip(self.sources.pending, docs, strict=True):
            if not p.placeable:
                n = sum(len(s.codings) for s in p.selections)
                if n:
                    self.w.add(describe(p.owner), f"{n} coding(s) not imported: their "
                               "positions refer to a plain text that is not in the file")
            else:
                for sel, span in zip(p.selections, p.extra["spans"], strict=True):
                    if span is None:
                        continue
                    for ref in sel.codings:
                        add(doc, span[0], span[1], ref, ref[1] or sel.creator,
                            memo_of(sel.description, *self._note_texts(sel.notes + ref[3])))
            for ref in p.whole:
                add(doc, 0, len(doc.text), ref, ref[1], memo_of(*self._note_texts(ref[3])))

    def _sets(self, content: RefiContent, docs: list[Document],
              code_map: dict[str, Any]) -> list[dict[str, Any]]:
        by_guid: dict[str, Document] = {}
        for p, doc in zip(self.sources.pending, docs, strict=True):
            by_guid.setdefault(guid_key(p.guid), doc)
        meta_sets = []
        for s in self.root.findall("Sets/Set"):
            desc = s.findtext("Description")
            if _codes.parse_marker(desc) or (desc or "").strip() == _codes.LOOSE_MARKER:
                continue
            name = s.get("name") or s.get("guid") or "set"
            codes = [code_map[k][0] for k in refs(s, "MemberCode") if k in code_map]
            sources = [by_guid[k] for k in refs(s, "MemberSource") if k in by_guid]
            notes = [self.notes[k].name for k in refs(s, "MemberNote") if k in self.notes]
            content.sets[name] = codes + [d.name for d in sources] + notes
            meta_sets.append({"name": name, "guid": s.get("guid", ""), "description": desc or "",
                              "codes": codes, "sources": [d.id for d in sources]})
        return meta_sets

    # -- the whole file ------------------------------------------------------------

    def read(self) -> RefiContent:
        local_tree(self.root, "Project", self.path, self.w)
        self._schema()
        project_name = (self.root.get("name") or "").strip()
        if not project_name:
            self.w.add("Project", "the project has no name (required)")
            project_name = Path(self.path).stem
        origin = self.root.get("origin")
        self._read_users()
        codes_el = self.root.find("CodeBook/Codes")
        self.codes = _codes.parse_codes(codes_el, self.w) if codes_el is not None else []
        self._read_variables()
        self._read_notes()
        self._read_cases()
        self.sources.read(self.root.find("Sources"))
        self._detect(*prior_convention(origin))
        codebooks, code_map = self._codebooks(project_name)
        content = RefiContent(self.path, project_name, origin, codebooks=codebooks,
                              opaque_sources=self.sources.opaque,
                              description=(self.root.findtext("Description") or "").strip())
        docs = self._documents(content)
        self._codings(content, docs, code_map)
        meta_sets = self._sets(content, docs, code_map)
        for key, note in self.notes.items():
            content.notes.append(RefiNote(note.guid, note.name, note.text,
                                          tuple(self.note_targets.get(key, ()))))
        for tag in ("Links/Link", "Graphs/Graph"):
            n = len(self.root.findall(tag))
            if n:
                self.w.add(tag.split("/")[0], f"{n} {tag.split('/')[1].lower()}(s) not imported")
        sources: dict[str, str] = {}
        for p, doc in zip(self.sources.pending, docs, strict=True):
            sources.setdefault(doc.id, p.guid)
        extra = {"project": project_name, "origin": origin, "sources": sources,
                 "users": dict(self.user_guids), "sets": meta_sets,
                 "variables": {n: g for n, _, g in self.variables.values()}}
        for cb in content.codebooks:
            cb.meta["refi"].update(extra)
        content.warnings = self.w.finish()
        return content


def load_qdpx(path: str | Path) -> RefiContent:
    """Read a .qdpx (or bare .qde) into a :class:`RefiContent`; no project is touched.

    Raises :class:`~qualcode.errors.ExchangeError` naming the file for
    anything that makes the file unusable (not a zip or XML, hostile
    archive, DOCTYPE, not a REFI project); everything else that is off is a
    :class:`~qualcode.exchange.refi.RefiWarning` in ``.warnings``.
    """
    warnings = Warnings()
    container, root = load_container(path, ext=".qde")
    try:
        return _Reader(container, root, warnings).read()
    finally:
        container.close()
