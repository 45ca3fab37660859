"""From stored codings to units x coders matrices, one binary matrix per code.

Choices (and their consequences):

* **Binary per code.** In each unit, a coder either applied a code (1) or did
  not (0). A code a coder never applied in a unit counts as *absent*, not
  missing: so units that nobody coded count as agreement on absence, which
  raises percent agreement and (less so) kappa and alpha when most of the
  material is uncoded. ``units="coded"`` keeps only the units in which at
  least one of the coders applied at least one of the selected codes.
* **A coding belongs to every unit it overlaps** by at least one character
  (a zero-length coding to the unit containing its position). Codings that
  fall outside every unit (e.g. on a speaker label) are not counted.
* **Documents.** With ``require_coded=True`` (default) only documents in which
  every coder made at least one coding are analysed, so a document a second
  coder has not reached yet does not count as total disagreement; the others
  are listed in ``skipped_documents``. Codings on documents not passed in are
  ignored.
* **Units.** ``turn``: the document's turns (the whole text if it has none).
  ``sentence``: :func:`split_sentences` inside each turn. ``character``: every
  code point of the document text, stored as runs of characters on which no
  coder's coding changes (``weight`` = run length), so nothing is computed
  per character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Coding, Document

__all__ = ["AgreementUnits", "agreement_units", "split_sentences"]

Unit = Literal["turn", "sentence", "character"]
Scope = Literal["all", "coded"]
UNITS: tuple[str, ...] = ("turn", "sentence", "character")

_BOUNDARY = re.compile(r"[.!?\u2026\u3002\uff01\uff1f]+[\"'\u201d\u2019\u00bb)\]]*(?=\s|$)|\n+")


def split_sentences(text: str, *, offset: int = 0) -> list[tuple[int, int]]:
    """Sentences of ``text`` as ``(start, end)`` offsets (plus ``offset``).

    A deliberately simple rule: a sentence ends after ``.``, ``!``, ``?`` or
    ``…`` (and any closing quotes or brackets) followed by white space or the
    end, or at a line break. Surrounding white space is excluded; abbreviations
    such as "Dr." end a sentence too.

    >>> text = "Tidak ada, Bu. Tidak ada kontrak!  Oke"
    >>> [text[s:e] for s, e in split_sentences(text)]
    ['Tidak ada, Bu.', 'Tidak ada kontrak!', 'Oke']
    """
    out: list[tuple[int, int]] = []
    pos = 0

    def emit(start: int, end: int) -> None:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            s = start + (len(piece) - len(piece.lstrip()))
            out.append((offset + s, offset + s + len(stripped)))

    for m in _BOUNDARY.finditer(text):
        end = m.start() if m.group().startswith("\n") else m.end()
        emit(pos, end)
        pos = m.end()
    emit(pos, len(text))
    return out


@dataclass(frozen=True)
class Selection:
    """The documents, coders, codes and (merged per document) spans analysed."""

    documents: tuple[Document, ...]
    skipped: tuple[str, ...]
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = field(repr=False)

    def get(self, doc_id: str, coder: str, code: str) -> list[tuple[int, int]]:
        return self.spans.get((doc_id, coder, code), [])


def select(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    require_coded: bool | str = True,
    min_coders: int = 2,
) -> Selection:
    """Filter codings to ``coders`` and ``codes`` on the documents analysed.

    ``require_coded``: True = documents every coder coded; a coder's name =
    documents that coder coded (the gold standard); False = every document.
    """
    if isinstance(coders, str):
        raise InputError(f"coders must be a list of coder names, got the string {coders!r}")
    coders = tuple(coders)
    if len(coders) < min_coders:
        raise InputError(f"agreement needs at least {min_coders} coders, got {list(coders)}")
    if len(set(coders)) != len(coders):
        raise InputError(f"coders listed twice: {list(coders)}")
    docs = list(documents)
    index = {d.id: d for d in docs}
    if len(index) != len(docs):
        raise InputError("the same document is listed twice")
    wanted = set(coders)
    code_set = None if codes is None else set(codes)
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    coded_by: dict[str, set[str]] = {c: set() for c in coders}
    seen_codes: dict[str, None] = {}
    all_coders: set[str] = set()
    for c in codings:
        doc = index.get(c.document)
        if doc is None:
            continue
        all_coders.add(c.coder)
        if c.coder not in wanted:
            continue
        if c.end > len(doc.text):
            raise InputError(
                f"{doc.name}: a {c.code!r} coding by {c.coder} ends at {c.end}, past the end of "
                f"the text ({len(doc.text)} characters)"
            )
        coded_by[c.coder].add(doc.id)
        if code_set is not None and c.code not in code_set:
            continue
        seen_codes.setdefault(c.code, None)
        spans.setdefault((doc.id, c.coder, c.code), []).append((c.start, c.end))
    missing = [c for c in coders if not coded_by[c]]
    if missing:
        known = ", ".join(sorted(all_coders)) or "none"
        raise InputError(
            f"no codings by {', '.join(missing)} in these documents (coders found: {known})"
        )
    if require_coded is True:
        keep_ids = set.intersection(*(coded_by[c] for c in coders))
        who = "all of " + ", ".join(coders)
    elif require_coded:
        keep_ids = coded_by[str(require_coded)]
        who = str(require_coded)
    else:
        keep_ids = set(index)
        who = ""
    kept = tuple(d for d in docs if d.id in keep_ids)
    if not kept:
        raise InputError(f"no document was coded by {who}")
    skipped = tuple(d.id for d in docs if d.id not in keep_ids)
    if codes is None:
        used = {code for (doc_id, _, code) in spans if doc_id in keep_ids}
        final_codes = tuple(sorted(c for c in seen_codes if c in used))
        if not final_codes:
            raise InputError(f"no codings by {', '.join(coders)} in the documents analysed")
    else:
        final_codes = tuple(dict.fromkeys(codes))
        if not final_codes:
            raise InputError("codes= is empty")
    return Selection(kept, skipped, coders, final_codes, spans)


@dataclass(frozen=True)
class AgreementUnits:
    """Units and, per code, a units x coders matrix of 0/1 (1 = the coder applied it).

    ``units`` has one row per unit: ``document`` (id), ``document_name``,
    ``start``, ``end`` (offsets into the document text), ``speaker`` and
    ``weight`` (1, or the number of characters of a character run).
    ``values[u, k, c]`` is 1 if coder ``coders[c]`` applied ``codes[k]`` in unit
    ``u``.
    """

    unit: str
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    units: pd.DataFrame
    values: np.ndarray
    documents: tuple[str, ...]
    skipped_documents: tuple[str, ...]

    def matrix(self, code: str) -> pd.DataFrame:
        """Units x coders 0/1 matrix of one code (index = row of :attr:`units`)."""
        k = self._code_index(code)
        return pd.DataFrame(self.values[:, k, :], index=self.units.index,
                            columns=pd.Index(self.coders))

    @property
    def matrices(self) -> dict[str, pd.DataFrame]:
        """Every code's units x coders matrix."""
        return {code: self.matrix(code) for code in self.codes}

    def data(self, code: str) -> np.ndarray:
        """Coders x units 0/1 array of one code (the layout of ``krippendorff_alpha``)."""
        out: np.ndarray = self.values[:, self._code_index(code), :].T
        return out

    @property
    def weights(self) -> np.ndarray:
        return self.units["weight"].to_numpy(dtype=float)

    def _code_index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise InputError(f"code {code!r} is not among {list(self.codes)}") from None


def _doc_units(doc: Document, unit: str, cuts: np.ndarray) -> list[tuple[int, int, str | None]]:
    turns = [(t.start, t.end, t.speaker) for t in doc.turns if t.end > t.start]
    if not turns and doc.text:
        turns = [(0, len(doc.text), None)]
    if unit == "turn":
        return turns
    if unit == "sentence":
        return [(s, e, spk) for ts, te, spk in turns
                for s, e in split_sentences(doc.text[ts:te], offset=ts)]
    bounds = [x for t in doc.turns for x in (t.start, t.end)]
    edges = np.unique(np.concatenate([[0, len(doc.text)], bounds, cuts]).astype(np.int64))
    edges = edges[(edges >= 0) & (edges <= len(doc.text))]
    starts, ends = edges[:-1], edges[1:]
    t_starts = np.array([t.start for t in doc.turns], dtype=np.int64)
    t_ends = np.array([t.end for t in doc.turns], dtype=np.int64)
    ti = np.searchsorted(t_starts, starts, side="right") - 1
    speakers: list[str | None] = [
        doc.turns[i].speaker if i >= 0 and s < t_ends[i] else None
        for i, s in zip(ti.tolist(), starts.tolist(), strict=True)
    ]
    return list(zip(starts.tolist(), ends.tolist(), speakers, strict=True))


def _mark(starts: np.ndarray, ends: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """0/1 per unit: does any span overlap it (a point span: contain it)?"""
    out = np.zeros(len(starts), dtype=np.int64)
    if not spans or not len(starts):
        return out.astype(np.uint8)
    s = np.array(spans, dtype=np.int64)
    i0 = np.searchsorted(ends, s[:, 0], side="right")
    point = s[:, 1] == s[:, 0]
    i1 = np.where(point, np.searchsorted(starts, s[:, 0], side="right"),
                  np.searchsorted(starts, s[:, 1], side="left"))
    ok = i1 > i0
    diff = np.zeros(len(starts) + 1, dtype=np.int64)
    np.add.at(diff, i0[ok], 1)
    np.add.at(diff, i1[ok], -1)
    out = np.cumsum(diff[:-1])
    return (out > 0).astype(np.uint8)


def build_units(sel: Selection, unit: str, scope: str) -> AgreementUnits:
    """The units x codes x coders array for a :class:`Selection`."""
    if unit not in UNITS:
        raise InputError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
    if scope not in ("all", "coded"):
        raise InputError(f"unknown units={scope!r}; expected 'all' or 'coded'")
    frames: list[pd.DataFrame] = []
    blocks: list[np.ndarray] = []
    for doc in sel.documents:
        cuts = np.array([x for coder in sel.coders for code in sel.codes
                         for span in sel.get(doc.id, coder, code) for x in span], dtype=np.int64)
        rows = _doc_units(doc, unit, cuts)
        starts = np.array([r[0] for r in rows], dtype=np.int64)
        ends = np.array([r[1] for r in rows], dtype=np.int64)
        block = np.zeros((len(rows), len(sel.codes), len(sel.coders)), dtype=np.uint8)
        for k, code in enumerate(sel.codes):
            for c, coder in enumerate(sel.coders):
                spans = sel.get(doc.id, coder, code)
                if unit == "character":
                    spans = [sp for sp in spans if sp[1] > sp[0]]
                block[:, k, c] = _mark(starts, ends, spans)
        frames.append(pd.DataFrame({
            "document": doc.id,
            "document_name": doc.name,
            "start": starts,
            "end": ends,
            "speaker": [r[2] for r in rows],
            "weight": (ends - starts) if unit == "character" else np.ones(len(rows), np.int64),
        }))
        blocks.append(block)
    units = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    values = (np.concatenate(blocks) if blocks
              else np.zeros((0, len(sel.codes), len(sel.coders)), dtype=np.uint8))
    if scope == "coded":
        keep = np.flatnonzero(values.reshape(len(values), -1).any(axis=1))
        units = units.iloc[keep].reset_index(drop=True)
        values = values[keep]
    if len(units) == 0:
        raise InputError(f"no {unit} units to compare in the documents analysed")
    return AgreementUnits(unit, sel.coders, sel.codes, units, values,
                          tuple(d.id for d in sel.documents), sel.skipped)


def agreement_units(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    unit: Unit = "turn",
    units: Scope = "all",
    require_coded: bool = True,
) -> AgreementUnits:
    """Binary per-code units x coders matrices from stored codings.

    ``unit`` is ``"turn"``, ``"sentence"`` or ``"character"``; ``units="coded"``
    keeps only units someone coded; ``codes`` defaults to every code the coders
    applied. See the module docstring for the choices made.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada.\\nI: Upah?\\nR: Per kodi.",
    ...                           name="x.txt")
    >>> t = doc.turns
    >>> cs = [qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="Ana"),
    ...       qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="Budi"),
    ...       qc.Coding(doc.id, "piece_rate", t[3].start, t[3].end, coder="Ana")]
    >>> au = agreement_units(cs, [doc], coders=["Ana", "Budi"])
    >>> au.matrix("piece_rate").to_numpy().tolist()
    [[0, 0], [0, 0], [0, 0], [1, 0]]
    """
    sel = select(codings, documents, coders=coders, codes=codes, require_coded=require_coded)
    return build_units(sel, unit, units)
