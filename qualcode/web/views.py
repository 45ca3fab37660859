"""What the review pages show: code trees, coding progress, highlighted transcripts.

Nothing here knows about HTTP; :mod:`qualcode.web.app` calls these functions
and serialises their results. Transcripts are cut into segments on the
server, where offsets are code points as everywhere in qualcode; every
segment carries its start offset (``data-s``) so the browser can turn a
selection back into document offsets.
"""

from __future__ import annotations

import hashlib
import html
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..io._common import format_timestamp
from ..model import Code, Coding, Document, Turn
from ..store import Project
from .reviews import AutoKey, StoredCoding, auto_key, review_status, stored_codings

__all__ = [
    "CodeInfo",
    "Layer",
    "code_index",
    "coding_progress",
    "document_payload",
    "filter_codings",
    "render_transcript",
]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
#: Which codings a view shows: every coding, human, auto, or human codings
#: that accepted an auto coding.
KINDS = ("all", "human", "auto", "accepted")
BAND_PX = 3
MAX_BANDS = 8


@dataclass(frozen=True)
class CodeInfo:
    """A code as the pages show it."""

    name: str
    label: str
    codebook: str
    parent: str | None
    depth: int
    color: str
    description: str
    inclusion: str
    exclusion: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "codebook": self.codebook,
                "parent": self.parent, "depth": self.depth, "color": self.color,
                "description": self.description}


def _hex(color: str | None) -> tuple[int, int, int] | None:
    if not color or not color.startswith("#") or len(color) not in (4, 7):
        return None
    digits = color[1:] if len(color) == 7 else "".join(ch * 2 for ch in color[1:])
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def band_color(color: str | None, name: str) -> str:
    """A colour dark enough to see as a thin underline (palette colour if none)."""
    rgb = _hex(color)
    if rgb is None:
        digest = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
        return PALETTE[digest % len(PALETTE)]
    r, g, b = rgb
    luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    if luminance > 0.6:
        factor = 0.6 / luminance
        r, g, b = (int(v * factor) for v in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def _labels(proj: Project, book: str) -> dict[str, str]:
    """Display labels from the codebook's stored YAML (empty if it cannot be read)."""
    try:
        from ..codebook import parse_codebook

        text = proj.codebook_yaml(book)
        if not text:
            return {}
        return {c.name: c.label for c in parse_codebook(text).codes if c.label}
    except Exception:  # a label is a nicety: never fail a page for it
        return {}


def _book_infos(book: str, codes: list[Code], labels: dict[str, str]) -> list[CodeInfo]:
    """One codebook's codes in tree order, depth first (a code whose parent is missing
    counts as top level)."""
    parents = {c.name: c.parent for c in codes}

    def depth(name: str) -> int:
        d, seen = 0, {name}
        parent = parents.get(name)
        while parent is not None and parent in parents and parent not in seen:
            d, seen = d + 1, seen | {parent}
            parent = parents.get(parent)
        return d

    def info(c: Code) -> CodeInfo:
        return CodeInfo(c.name, labels.get(c.name) or c.name.replace("_", " "), book, c.parent,
                        depth(c.name), band_color(c.color, c.name), c.description, c.inclusion,
                        c.exclusion)

    ordered: list[CodeInfo] = []
    children: dict[str | None, list[Code]] = {}
    for c in codes:
        children.setdefault(c.parent if c.parent in parents else None, []).append(c)

    seen: set[str] = set()

    def visit(parent: str | None) -> None:
        for c in children.get(parent, []):
            if c.name not in seen:
                seen.add(c.name)
                ordered.append(info(c))
                visit(c.name)

    visit(None)  # codes whose parent is not in the codebook count as top level
    return ordered


def code_index(proj: Project) -> dict[str, list[CodeInfo]]:
    """Stored codes per codebook, parents first, with display label, depth and colour."""
    by_book: dict[str, list[Code]] = {}
    for code in proj.codes:
        by_book.setdefault(code.codebook or "", []).append(code)
    return {book: _book_infos(book, codes, _labels(proj, book)) for book, codes in by_book.items()}


def flat_codes(index: dict[str, list[CodeInfo]]) -> dict[str, CodeInfo]:
    """Code name -> info (the first codebook wins for a name used twice)."""
    out: dict[str, CodeInfo] = {}
    for infos in index.values():
        for info in infos:
            out.setdefault(info.name, info)
    return out


def _turn_spans(doc: Document) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in doc.turns] or [(0, len(doc.text))]


def coding_progress(doc: Document, codings: Iterable[Coding]) -> dict[str, float]:
    """Share of turns with any human coding and with any auto coding."""
    spans = _turn_spans(doc)
    human: set[int] = set()
    auto: set[int] = set()
    for c in codings:
        if c.document != doc.id:
            continue
        target = auto if c.is_auto else human
        for i, (s, e) in enumerate(spans):
            if (c.start < e and c.end > s) or (c.start == c.end and s <= c.start < e):
                target.add(i)
    n = len(spans) or 1
    return {"human": len(human) / n, "auto": len(auto) / n}


def is_accepted(c: Coding) -> bool:
    """A human coding made by accepting (or adjusting) an auto coding in the app."""
    return not c.is_auto and bool(c.memo) and str(c.memo).startswith(("accepted auto:",
                                                                        "adjusted auto:"))


def filter_codings(codings: Iterable[Coding], kind: str = "all", coder: str | None = None,
                   *, rejected: set[AutoKey] | None = None) -> list[Coding]:
    """Codings of one kind (see :data:`KINDS`) and coder; drops ``rejected`` auto codings."""
    out = []
    for c in codings:
        if coder and c.coder != coder:
            continue
        if (kind == "human" and c.is_auto) or (kind == "auto" and not c.is_auto):
            continue
        if kind == "accepted" and not is_accepted(c):
            continue
        if rejected and c.is_auto and auto_key(c) in rejected:
            continue
        out.append(c)
    return out


@dataclass(frozen=True)
class Layer:
    """One highlighted coding: ``style`` is human, auto or rejected."""

    index: int
    start: int
    end: int
    color: str
    style: str
    title: str


def _band(layer: Layer) -> str:
    c = layer.color
    if layer.style == "human":
        return f"linear-gradient({c},{c})"
    if layer.style == "auto":
        return f"repeating-linear-gradient(90deg,{c} 0 6px,transparent 6px 9px)"
    return "repeating-linear-gradient(90deg,#9a9a9a 0 2px,transparent 2px 5px)"


def _segment_style(active: Sequence[Layer]) -> str:
    shown = active[:MAX_BANDS]
    images = ",".join(_band(x) for x in shown)
    positions = ",".join(f"0 calc(100% - {i * BAND_PX}px)" for i in range(len(shown)))
    style = (f"background-image:{images};background-size:100% {BAND_PX}px;"
             f"background-position:{positions};background-repeat:no-repeat;"
             f"padding-bottom:{len(shown) * BAND_PX}px")
    human = [x for x in shown if x.style == "human"]
    if human:
        style += f";background-color:{human[0].color}22"
    return style


def render_transcript(doc: Document, layers: Sequence[Layer]) -> str:
    """The transcript as HTML: one block per turn, text cut into highlighted segments."""
    parts: list[str] = []
    turns: list[Turn | None] = [*doc.turns] or [None]
    for i, turn in enumerate(turns):
        start, end = (turn.start, turn.end) if turn is not None else (0, len(doc.text))
        mine = [x for x in layers if x.start < end and x.end > start]
        cuts = {start, end}
        for x in mine:
            cuts.update(p for p in (x.start, x.end) if start < p < end)
        head = ""
        if turn is not None:
            when = (f'<span class="ts">{format_timestamp(turn.timestamp)}</span>'
                    if turn.timestamp is not None else "")
            who = html.escape(turn.speaker or "—")
            head = (f'<div class="who" aria-hidden="true">{when}<b>{who}</b> '
                    f'<span class="role">{html.escape(turn.role)}</span></div>')
        body: list[str] = []
        points = sorted(cuts)
        for a, b in itertools.pairwise(points):
            active = [x for x in mine if x.start < b and x.end > a]
            text = html.escape(doc.text[a:b])
            if not active:
                body.append(f'<span class="seg" data-s="{a}">{text}</span>')
                continue
            ids = " ".join(str(x.index) for x in active)
            title = html.escape("\n".join(x.title for x in active))
            body.append(f'<span class="seg hl" data-s="{a}" data-l="{ids}" title="{title}" '
                        f'style="{_segment_style(active)}">{text}</span>')
        parts.append(f'<div class="turn" id="t{i}" data-start="{start}" data-end="{end}">{head}'
                     f'<div class="said">{"".join(body)}</div></div>')
    return "\n".join(parts)


def _status(sc: StoredCoding, mine: dict[AutoKey, list[Any]],
            others: dict[AutoKey, list[Any]], coder: str) -> tuple[str, list[str]]:
    key = auto_key(sc.coding)
    own = mine.get(key, [])
    notes = [f"{a.action}ed by {a.coder}" for a in others.get(key, []) if a.coder != coder]
    return (own[-1].action if own else "pending"), notes


def document_payload(proj: Project, doc: Document, *, coder: str,
                     show: Iterable[str] = ("human", "auto", "rejected"),
                     codes: dict[str, CodeInfo] | None = None) -> dict[str, Any]:
    """Everything the transcript view needs: highlighted HTML, codings with status, legend.

    ``show`` picks the layers: ``human`` codings, pending/other ``auto``
    codings and auto codings the coder ``rejected``. Auto codings the coder
    accepted or adjusted are listed but not drawn (their human coding is).
    """
    wanted = set(show)
    codes = codes if codes is not None else flat_codes(code_index(proj))
    stored = stored_codings(proj, document=doc.id)
    mine = review_status(proj, coder=coder, document=doc.id)
    everyone = review_status(proj, document=doc.id)
    items: list[dict[str, Any]] = []
    layers: list[Layer] = []
    for sc in sorted(stored, key=lambda s: (s.coding.start, -s.coding.end, s.coding.code)):
        c = sc.coding
        info = codes.get(c.code)
        color = info.color if info else band_color(None, c.code)
        status, notes = ("human", []) if not c.is_auto else _status(sc, mine, everyone, coder)
        item = {"id": sc.id, "code": c.code, "label": info.label if info else c.code,
                "codebook": c.codebook, "color": color, "coder": c.coder, "rule": c.rule,
                "memo": c.memo, "start": c.start, "end": c.end, "auto": c.is_auto,
                "mine": c.coder == coder, "status": status, "notes": notes,
                "created": sc.created, "text": doc.text[c.start:c.end][:160]}
        items.append(item)
        style = ("human" if not c.is_auto else "rejected" if status == "reject"
                 else "hidden" if status in ("accept", "adjust") else "auto")
        if style == "hidden" or style not in wanted:
            continue
        title = f"{item['label']} — {c.coder}"
        if c.rule:
            title += f" (rule {c.rule})"
        if c.is_auto and status != "pending":
            title += f" [{status}ed by you]"
        layers.append(Layer(len(items) - 1, c.start, c.end, color, style, title))
    legend: dict[str, dict[str, Any]] = {}
    for x in layers:
        it = items[x.index]
        entry = legend.setdefault(it["code"], {"code": it["code"], "label": it["label"],
                                               "color": it["color"], "count": 0})
        entry["count"] += 1
    return {"html": render_transcript(doc, layers), "codings": items,
            "legend": sorted(legend.values(), key=lambda e: str(e["label"])),
            "progress": coding_progress(doc, (sc.coding for sc in stored))}


def code_excerpts(codings: Iterable[Coding], documents: Sequence[Document], *, code: str,
                  context: int = 1, where: dict[str, str] | None = None,
                  rejected: set[AutoKey] | None = None) -> list[dict[str, Any]]:
    """Every passage coded ``code``, with document, attributes, speaker and ``context``
    turns before and after; ``where`` keeps documents whose attributes match (as text)."""
    docs = {d.id: d for d in documents
            if all(str(d.attributes.get(k, "")) == v for k, v in (where or {}).items())}
    rows = []
    for c in codings:
        doc = docs.get(c.document)
        if c.code != code or doc is None:
            continue
        index = next((i for i, t in enumerate(doc.turns) if t.end > c.start and
                      t.start < max(c.end, c.start + 1)), None)
        turn = doc.turns[index] if index is not None else None
        before = after = []
        if index is not None and context > 0:
            before = [(t.speaker or "—", t.text) for t in doc.turns[max(0, index - context):index]]
            after = [(t.speaker or "—", t.text) for t in doc.turns[index + 1:index + 1 + context]]
        rows.append({
            "document": doc.name, "document_id": doc.id, "attributes": doc.attributes,
            "turn": index, "speaker": turn.speaker if turn else None,
            "role": turn.role if turn else None, "coder": c.coder, "rule": c.rule,
            "memo": c.memo, "start": c.start, "end": c.end, "text": doc.text[c.start:c.end],
            "before": before, "after": after, "auto": c.is_auto,
            "rejected": bool(rejected) and c.is_auto and auto_key(c) in (rejected or set()),
        })
    rows.sort(key=lambda r: (r["document"], r["start"], r["end"], r["coder"]))
    return rows
