"""Pseudonymising transcripts: names, places and organisations -> consistent pseudonyms.

:func:`anonymise` replaces, in every document's text, turns, comments,
case attributes and file name, and in coding memos:

* **speaker names** (``Turn.speaker`` and the labels in the text), by role:
  ``Participant 01``, ``Interviewer 01``, ``Facilitator 01``. Generic labels
  (``I``, ``R``, ``P3``, ``Pewawancara``, ``Speaker 2``, ...) are left alone.
  An honorific variant of a speaker's name is replaced too (``Ibu Sari``
  also covers ``Bu Sari``); a speaker name of one or two characters
  (initials) is replaced only in the speaker labels, not in running text;
* a user-supplied list of **names** (``Person 01``), **places**
  (``Place 01``) and **organisations** (``Org 01``), or pseudonyms the user
  chooses (a mapping from original to pseudonym).

Matching is on whole words, case-insensitive, longest name first, so
``Sari Dewi`` is replaced as one name before ``Sari`` is considered. The
same original always gets the same pseudonym, in every document and in
later runs that reuse the **key** (original -> pseudonym): write it with
:func:`write_key`, to a file kept apart from the project and its exports,
and pass it back with :func:`read_key`.

Offsets stay valid: every offset (turns, comments, codings) is mapped
through the replacements. A span that starts or ends inside a replaced name
is widened to cover the whole pseudonym, so ``doc.text[c.start:c.end]`` is
the original passage with the replacements applied. The new text has a new
SHA-256, so documents get new ids; :attr:`AnonymisedResult.ids` maps old
ids to new ones.

With ``detect=True``, capitalised words and word runs that look like names
(not at a sentence start, not common words, never written in lower case in
the corpus, not yet in the key), and the parts of multi-word speaker names,
are returned as :attr:`AnonymisedResult.candidates` for the user to review;
they are **not** replaced unless the user passes them back as names.

See ``docs/privacy.md`` for what this does and does not guarantee.

>>> from qualcode.model import Coding, Document, Turn
>>> text = "Ibu Sari: Saya kerja di Kediri.\\nI: Sejak kapan, Bu Sari?"
>>> doc = Document(name="sari.txt", text=text, turns=(
...     Turn("Ibu Sari", 10, 31, text[10:31], "participant"),
...     Turn("I", 35, 56, text[35:56], "interviewer")))
>>> r = anonymise([doc], [Coding(doc.id, "place", 24, 30)], places=["Kediri"])
>>> print(r.documents[0].text)
Participant 01: Saya kerja di Place 01.
I: Sejak kapan, Participant 01?
>>> c = r.codings[0]; r.documents[0].text[c.start:c.end], r.documents[0].turns[0].speaker
('Place 01', 'Participant 01')
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, ProjectError
from .io.roles import DEFAULT_ROLES
from .model import Coding, Comment, Document, Turn

if TYPE_CHECKING:
    from .store import Project

__all__ = [
    "AnonymisedResult",
    "Candidate",
    "anonymise",
    "anonymise_project",
    "read_key",
    "read_names",
    "write_candidates",
    "write_key",
]

#: Pseudonym label per kind of original.
LABELS = {
    "participant": "Participant",
    "interviewer": "Interviewer",
    "facilitator": "Facilitator",
    "person": "Person",
    "place": "Place",
    "organisation": "Org",
}
_ROLE_KIND = {"interviewer": "interviewer", "facilitator": "facilitator"}
_PSEUDONYM = re.compile(r"(" + "|".join(LABELS.values()) + r") (\d+)\Z")
#: Honorifics that may precede a name; a group's members are interchangeable.
_HONORIFICS = (("ibu", "bu"), ("bapak", "pak"), ("mbak", "mba"), ("mas",), ("kak", "kakak"),
               ("mr", "mr."), ("mrs", "mrs."), ("ms", "ms."), ("miss",), ("dr", "dr."),
               ("prof", "prof."), ("sdr", "sdr."), ("sdri", "sdri."))
_HONORIFIC_GROUP = {h: group for group in _HONORIFICS for h in group}
_ROLE_PAREN = re.compile(r"\s*\([^()]*\)\s*\Z")
_DIGITS = re.compile(r"[\s_\-#.]*\d+\Z")
_KEY_VERSION = 1
#: Names this short (initials) are replaced only in speaker labels, never in running text.
_SHORT = 2


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A word or run of words that may be a name; reviewed by the user, never applied."""

    text: str
    count: int
    documents: tuple[str, ...]
    reason: str = "capitalised word"


@dataclass(frozen=True)
class AnonymisedResult:
    """Pseudonymised documents and codings, the key used, and names to review.

    ``key`` maps every original (as first spelled) to its pseudonym: the
    key passed in plus what this run added. ``ids`` maps each old document
    id to the new one; ``replacements`` counts replacements in document texts.
    """

    documents: list[Document]
    codings: list[Coding]
    key: dict[str, str]
    candidates: list[Candidate] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    replacements: int = 0


# -- the key ---------------------------------------------------------------------------


class _Key:
    """Original -> pseudonym, case-insensitive, numbering pseudonyms per kind."""

    def __init__(self, key: Mapping[str, str] | None) -> None:
        self.entries: dict[str, tuple[str, str]] = {}  # casefold -> (original, pseudonym)
        self.counters: Counter[str] = Counter()
        self.label_only: dict[str, str] = {}  # short speaker labels: exact -> pseudonym
        for original, pseudonym in (key or {}).items():
            self.set(str(original), str(pseudonym))

    def get(self, original: str) -> str | None:
        found = self.entries.get(original.casefold())
        return found[1] if found else None

    def set(self, original: str, pseudonym: str) -> None:
        original = " ".join(original.split())
        if not original or not pseudonym.strip():
            raise InputError(f"empty name or pseudonym in {original!r} -> {pseudonym!r}")
        self.entries[original.casefold()] = (original, pseudonym)
        m = _PSEUDONYM.match(pseudonym)
        if m:
            self.counters[m[1]] = max(self.counters[m[1]], int(m[2]))

    def new(self, kind: str) -> str:
        label = LABELS[kind]
        self.counters[label] += 1
        return f"{label} {self.counters[label]:02d}"

    def add(self, original: str, kind: str, pseudonym: str | None = None) -> str:
        """The pseudonym of ``original``, assigning ``pseudonym`` or a new one if needed."""
        if pseudonym:
            self.set(original, pseudonym)
            return pseudonym
        existing = self.get(original)
        if existing is None:
            existing = self.new(kind)
            self.set(original, existing)
        return existing

    def as_dict(self) -> dict[str, str]:
        return {o: p for o, p in self.entries.values()}


def read_key(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a key written by :func:`write_key` -> {original: pseudonym}."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError("no such key file", path=p) from e
    except (OSError, ValueError) as e:
        raise InputError(f"not a pseudonym key file: {e}", path=p) from e
    entries = raw.get("key") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in entries.items()):
        raise InputError("not a pseudonym key file (expected {\"key\": {original: pseudonym}})",
                         path=p)
    return dict(entries)


def write_key(key: Mapping[str, str], path: str | os.PathLike[str]) -> Path:
    """Write the key (original -> pseudonym) as JSON to ``path``, readable only by its owner.

    Keep this file apart from the project and from anything you share: it
    undoes the pseudonymisation. An existing file is replaced only if it is
    a key file (so a mistyped path cannot overwrite a transcript).
    """
    p = Path(path)
    if p.exists():
        read_key(p)  # raises unless it is a key file
    tmp = p.with_name(p.name + ".part")
    payload = {"version": _KEY_VERSION,
               "note": "qualcode pseudonym key: original -> pseudonym. CONFIDENTIAL: it "
                       "re-identifies participants; never share it with the data.",
               "key": dict(sorted(key.items(), key=lambda kv: (kv[1], kv[0])))}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, indent=1)
    os.replace(tmp, p)
    return p


def read_names(path: str | os.PathLike[str]) -> dict[str, str | None]:
    """A names file: one name per line, ``original = pseudonym`` to choose the pseudonym.

    Blank lines and comments (from a ``#`` at the start of a line or after a
    space) are ignored. Returns
    {original: pseudonym or ``None``}, ready for :func:`anonymise`.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise InputError(f"cannot read names file: {e.strerror or e}", path=p) from e
    except UnicodeDecodeError as e:
        raise InputError(f"names file is not UTF-8 text (byte {e.start})", path=p) from e
    names: dict[str, str | None] = {}
    for raw in text.splitlines():
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()  # "# comment", "name  # note"
        if not line:
            continue
        original, sep, pseudonym = line.partition("=")
        if original.strip():
            names[original.strip()] = pseudonym.strip() or None if sep else None
    return names


def write_candidates(candidates: Iterable[Candidate], path: str | os.PathLike[str]) -> Path:
    """Write candidates as a names file for review: delete what is not a name, keep the rest,
    then pass the file back as names (see :func:`read_names`)."""
    p = Path(path)
    lines = ["# Possible names found by qualcode anonymise --detect. NOT yet replaced.",
             "# Delete every line that is not a name; add '= pseudonym' to choose one;",
             "# then run anonymise again with this file as --names.", ""]
    lines += [f"{c.text}    # {c.count}x, {c.reason}; in {', '.join(c.documents[:3])}"
              f"{' ...' if len(c.documents) > 3 else ''}" for c in candidates]
    tmp = p.with_name(p.name + ".part")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return p


# -- speakers --------------------------------------------------------------------------


def _is_generic(name: str) -> bool:
    key = name.strip().lower()
    return key in DEFAULT_ROLES or _DIGITS.sub("", key).strip() in DEFAULT_ROLES or (
        _PSEUDONYM.match(name.strip()) is not None)


def _speaker_name(speaker: str) -> str:
    """The name in a speaker label, without a role in parentheses."""
    return " ".join(_ROLE_PAREN.sub("", speaker).split())


def _variants(name: str) -> tuple[list[str], str | None]:
    """Variants of speaker ``name`` to replace everywhere, and its core name (if any).

    ``Ibu Sari`` -> (``Ibu Sari``, ``Bu Sari``), core ``Sari``; ``Fasilitator
    Rina`` -> (``Fasilitator Rina``,), core ``Rina``; ``Maria Santos`` ->
    (``Maria Santos``,), no core.
    """
    words = name.split()
    if len(words) < 2:
        return [name], None
    first = words[0].lower()
    core = " ".join(words[1:])
    group = _HONORIFIC_GROUP.get(first)
    if group is not None:
        return [f"{h.capitalize()} {core}" for h in group], core
    if len(first) > 2 and first in DEFAULT_ROLES:
        return [name], core
    return [name], None


def _function_words() -> frozenset[str]:
    """Words never taken for a name part (cheap: no spaCy import)."""
    from .language import _WORDS

    return frozenset({*(w for words in _WORDS.values() for w in words), *DEFAULT_ROLES,
                      *_HONORIFIC_GROUP, *(label.lower() for label in LABELS.values())})


# -- matching and offsets ----------------------------------------------------------------


def _name_pattern(name: str) -> str:
    return r"[^\S\n]+".join(re.escape(w) for w in name.split())


def _compile(originals: Iterable[str], *, filename: bool = False) -> re.Pattern[str] | None:
    names = sorted({o for o in originals if o.strip()}, key=lambda o: (-len(o), o))
    if not names:
        return None
    body = "|".join(_name_pattern(n) for n in names)
    if filename:  # in file names, _ - . and digits separate words
        return re.compile(rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])", re.IGNORECASE)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class _Edits:
    """Replacements in one text and the mapping of old offsets to new ones."""

    def __init__(self, text: str, edits: Sequence[tuple[int, int, str]]) -> None:
        parts, pos = [], 0
        self.old_starts: list[int] = []
        self.old_ends: list[int] = []
        self.new_starts: list[int] = []
        self.new_ends: list[int] = []
        self.deltas: list[int] = []  # cumulative length change after each edit
        delta = 0
        for start, end, replacement in edits:
            parts.append(text[pos:start])
            self.old_starts.append(start)
            self.old_ends.append(end)
            self.new_starts.append(start + delta)
            delta += len(replacement) - (end - start)
            self.new_ends.append(end + delta)
            self.deltas.append(delta)
            parts.append(replacement)
            pos = end
        parts.append(text[pos:])
        self.text = "".join(parts)

    def _map(self, pos: int, end: bool) -> int:
        i = bisect.bisect_right(self.old_ends, pos)  # edits wholly before pos
        if i < len(self.old_starts) and self.old_starts[i] < pos:  # pos inside edit i
            return self.new_ends[i] if end else self.new_starts[i]
        return pos + (self.deltas[i - 1] if i else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """New span of old ``[start, end)``, widened to whole pseudonyms it cuts into."""
        new_start = self._map(start, end=False)
        new_end = self._map(end, end=True) if end > start else new_start
        return new_start, max(new_start, new_end)


class _Anonymiser:
    def __init__(self, key: _Key) -> None:
        self.key = key
        originals = [o for o, _ in key.entries.values() if len(o) > _SHORT]
        self.lookup = {cf: p for cf, (_, p) in key.entries.items()}
        self.pattern = _compile(originals)
        self.file_pattern = _compile(originals, filename=True)

    def pseudonym(self, matched: str) -> str:
        return self.lookup[" ".join(matched.split()).casefold()]

    def sub(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda m: self.pseudonym(m.group()), text)

    def sub_filename(self, name: str) -> str:
        if self.file_pattern is None:
            return name
        return self.file_pattern.sub(
            lambda m: self.pseudonym(m.group()).replace(" ", "_"), name)

    def edits(self, doc: Document) -> list[tuple[int, int, str]]:
        text = doc.text
        found: list[tuple[int, int, str]] = []
        if self.pattern is not None:
            found = [(m.start(), m.end(), self.pseudonym(m.group()))
                     for m in self.pattern.finditer(text)]
        # short speaker labels (initials): only where they label a turn
        label_edits = []
        previous_end = 0
        for turn in doc.turns:
            speaker = turn.speaker
            pseudonym = self.key.label_only.get(speaker) if speaker else None
            if speaker and pseudonym:
                line_start = text.rfind("\n", previous_end, turn.start) + 1
                gap_start = max(previous_end, line_start)
                m = re.search(rf"(?<!\w){re.escape(speaker)}(?!\w)", text[gap_start:turn.start])
                if m:
                    label_edits.append((gap_start + m.start(), gap_start + m.end(), pseudonym))
            previous_end = turn.end
        if label_edits:
            starts = [s for s, _, _ in found]
            for s, e, p in label_edits:
                i = bisect.bisect_left(starts, s)
                clash = (i < len(found) and found[i][0] < e) or (i and found[i - 1][1] > s)
                if not clash:
                    found.insert(i, (s, e, p))
                    starts.insert(i, s)
        return found

    def speaker(self, speaker: str | None) -> str | None:
        if speaker is None:
            return None
        short = self.key.label_only.get(speaker)
        return short if short is not None else self.sub(speaker)

    def document(self, doc: Document) -> tuple[Document, _Edits, int]:
        edits = self.edits(doc)
        mapped = _Edits(doc.text, edits)
        text = mapped.text
        turns, previous_end = [], 0
        for t in doc.turns:
            start, end = mapped.span(t.start, t.end)
            start = max(start, previous_end)
            end = max(start, end)
            turns.append(Turn(self.speaker(t.speaker), start, end, text[start:end], t.role,
                              t.timestamp, t.end_time))
            previous_end = end
        comments = []
        for c in doc.comments:
            start, end = mapped.span(c.start, c.end)
            comments.append(Comment(start, end, self.sub(c.text), c.author, c.date))
        attributes = {k: self.sub(v) if isinstance(v, str) else v
                      for k, v in doc.attributes.items()}
        new = Document(name=self.sub_filename(doc.name), text=text, turns=tuple(turns),
                       language=doc.language, attributes=attributes, source=None,
                       format=doc.format, comments=tuple(comments), version=doc.version)
        return new, mapped, len(edits)


# -- detection ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\"“”(\[]|\s-)\s*\Z")
_AFTER_HONORIFIC = re.compile(r"(?<!\w)(?:" + "|".join(
    re.escape(h) for g in _HONORIFICS for h in g) + r")\.?[^\S\n]+\Z", re.IGNORECASE)


def _common_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.id.stop_words import STOP_WORDS as ID

    months = """january february march april may june july august september october november
    december januari februari maret mei juni juli agustus oktober nopember desember monday
    tuesday wednesday thursday friday saturday sunday senin selasa rabu kamis jumat sabtu
    minggu ok okay yes yeah iya ya""".split()
    return frozenset({*EN, *ID, *months, *DEFAULT_ROLES, *(h for g in _HONORIFICS for h in g),
                      *(label.lower() for label in LABELS.values())})


def _detect(documents: Sequence[Document], key: _Key, held: Mapping[str, Sequence[str]]
            ) -> list[Candidate]:
    common = _common_words()
    lower_seen: set[str] = set()
    for doc in documents:
        lower_seen.update(w.casefold() for w in _WORD.findall(doc.text) if w.islower())
    counts: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    where: dict[str, dict[str, None]] = {}
    reasons: dict[str, str] = {}

    def note(text: str, doc: Document, reason: str) -> None:
        cf = text.casefold()
        if key.get(text) is not None or (cf in common and cf not in held):
            return
        counts[cf] += 1
        spelling.setdefault(cf, Counter())[text] += 1
        where.setdefault(cf, {})[doc.name] = None
        reasons.setdefault(cf, reason)

    def part_reason(cf: str) -> str:
        owners = held[cf]
        if len(owners) > 1:
            return "part of speaker names " + " and ".join(repr(o) for o in owners[:3])
        return f"part of speaker name {owners[0]!r}, but also an ordinary word"

    def flush(run: list[re.Match[str]], doc: Document) -> None:
        while len(run) > 1 and run[0].group().lower() in _HONORIFIC_GROUP:
            run = run[1:]  # "Ibu Sari": the name is "Sari"
        if not run:
            return
        text, first = doc.text, run[0]
        before = text[max(0, first.start() - 40):first.start()]
        words = [m.group() for m in run]
        if len(words) == 1 and words[0].casefold() in lower_seen:
            return  # also written in lower case: a common word
        if len(words) == 1 and _SENTENCE_END.search(before) and not _AFTER_HONORIFIC.search(
                before):
            return  # capitalised because it starts a sentence
        note(text[first.start():run[-1].end()], doc,
             "capitalised words" if len(words) > 1 else "capitalised word")

    for doc in documents:
        text = doc.text
        run: list[re.Match[str]] = []
        for m in _WORD.finditer(text):
            w = m.group()
            if w.casefold() in held:
                note(w, doc, part_reason(w.casefold()))
                flush(run, doc)
                run = []
                continue
            stem = re.split(r"['’]|-(?:nya|ku|mu|lah|kah|pun)\Z", w.casefold())[0]
            capital = w[0].isupper() and not w.isupper() and stem not in common
            honorific = w.lower() in _HONORIFIC_GROUP and w[0].isupper()
            joined = bool(run) and text[run[-1].end():m.start()] == " "
            if (capital or honorific) and (joined or not run):
                run.append(m)
                continue
            flush(run, doc)
            run = [m] if capital or honorific else []
        flush(run, doc)
    out = [Candidate(spelling[cf].most_common(1)[0][0], n, tuple(where[cf]), reasons[cf])
           for cf, n in counts.items()]
    return sorted(out, key=lambda c: (-c.count, c.text.casefold()))


def _speakers_into_key(k: _Key, speakers: Mapping[str, str], docs: Sequence[Document]
                       ) -> dict[str, tuple[str, ...]]:
    """Give every speaker a pseudonym; add variants, cores and name parts to the key.

    A part of a speaker's name (``Sari`` of ``Ibu Sari``, ``Santos`` of
    ``Maria Santos``) is replaced everywhere too, unless it is ambiguous
    (part of two speakers' names with different pseudonyms) or may be an
    ordinary word (written in lower case somewhere in the corpus, or a
    function word): those parts are returned, {casefold part: speaker
    names}, to be offered as candidates.
    """
    parts: dict[str, dict[str, None]] = {}  # casefold part -> speaker names
    spelled: dict[str, str] = {}
    for name, kind in speakers.items():
        if len(name) <= _SHORT:  # initials: replaced in labels only, not in running text
            k.label_only[name] = k.add(name, kind)
            continue
        variants, core = _variants(name)
        pseudonym = next((p for p in (k.get(v) for v in variants) if p), None)
        if pseudonym is None and core is not None and len(core.split()) > 1:
            pseudonym = k.get(core)
        pseudonym = k.add(name, kind, pseudonym)
        for v in variants:
            if k.get(v) is None:
                k.set(v, pseudonym)
        if core is not None and len(core.split()) > 1 and k.get(core) is None:
            k.set(core, pseudonym)
        words = (core or name).split()
        if len(words) > 1 or core is not None:
            for word in words:
                if len(word) > _SHORT:
                    parts.setdefault(word.casefold(), {})[name] = None
                    spelled.setdefault(word.casefold(), word)
    if not parts:
        return {}
    lower_seen: set[str] = set()
    for doc in docs:
        lower_seen.update(w.casefold() for w in _WORD.findall(doc.text) if w.islower())
    function_words = _function_words()
    held: dict[str, tuple[str, ...]] = {}
    for cf, owners in parts.items():
        if k.get(cf) is not None:
            continue
        pseudonyms = {k.get(o) for o in owners}
        if len(pseudonyms) == 1 and cf not in lower_seen and cf not in function_words:
            k.set(spelled[cf], pseudonyms.pop() or "")
        else:
            held[cf] = tuple(owners)
    return held


# -- the entry points ----------------------------------------------------------------------


def _pairs(values: Mapping[str, str | None] | Iterable[str], what: str
           ) -> list[tuple[str, str | None]]:
    if isinstance(values, str):
        raise InputError(f"{what} must be a list or mapping of names, not one string")
    if isinstance(values, Mapping):
        return [(str(k), None if v is None else str(v)) for k, v in values.items()]
    return [(str(v), None) for v in values]


def anonymise(
    documents: Iterable[Document],
    codings: Iterable[Coding] = (),
    *,
    names: Mapping[str, str | None] | Iterable[str] = (),
    places: Mapping[str, str | None] | Iterable[str] = (),
    organisations: Mapping[str, str | None] | Iterable[str] = (),
    speakers: bool = True,
    detect: bool = False,
    key: Mapping[str, str] | None = None,
) -> AnonymisedResult:
    """Replace speaker names, ``names``, ``places`` and ``organisations`` with pseudonyms.

    ``names``/``places``/``organisations`` are lists of originals (given the
    next ``Person NN``/``Place NN``/``Org NN``) or mappings original ->
    chosen pseudonym (``None`` for the next number). ``key`` is the key of
    an earlier run (:func:`read_key`): its originals keep their pseudonyms
    and are replaced again, and numbering continues after them. With
    ``speakers=False`` speaker names are left alone unless listed.
    ``detect=True`` adds :attr:`AnonymisedResult.candidates` (not applied).
    Codings of documents not in ``documents`` raise :class:`InputError`.
    """
    docs = list(documents)
    k = _Key(key)
    speaker_names: dict[str, str] = {}  # speaker name -> kind, in order of appearance
    if speakers:
        for doc in docs:
            for t in doc.turns:
                if t.speaker is None or not t.speaker.strip():
                    continue
                name = _speaker_name(t.speaker)
                if name and not _is_generic(name):
                    speaker_names.setdefault(name, _ROLE_KIND.get(t.role, "participant"))
    held = _speakers_into_key(k, speaker_names, docs)
    for values, kind, what in ((names, "person", "names"), (places, "place", "places"),
                               (organisations, "organisation", "organisations")):
        for original, chosen in _pairs(values, what):
            if not original.strip():
                continue
            owners = held.get(" ".join(original.split()).casefold(), ())
            if chosen is None and len(owners) == 1:  # "Sari" of speaker "Ibu Sari"
                chosen = k.get(owners[0])
            k.add(original, kind, chosen)
    candidates = _detect(docs, k, held) if detect else []
    worker = _Anonymiser(k)
    new_docs, ids, maps, total = [], {}, {}, 0
    for doc in docs:
        new, mapped, n = worker.document(doc)
        new_docs.append(new)
        ids[doc.id] = new.id
        maps[doc.id] = mapped
        total += n
    new_codings = []
    for c in codings:
        if c.document not in maps:
            raise InputError(f"coding of {c.code!r} refers to document {c.document!r}, "
                             "which is not among the documents to anonymise")
        start, end = maps[c.document].span(c.start, c.end)
        new_codings.append(dataclasses.replace(
            c, document=ids[c.document], start=start, end=end,
            memo=worker.sub(c.memo) if c.memo else c.memo))
    return AnonymisedResult(new_docs, new_codings, k.as_dict(), candidates, ids, total)


def anonymise_project(
    src: Project | str | os.PathLike[str],
    dst_path: str | os.PathLike[str],
    **options: Any,
) -> AnonymisedResult:
    """Build an anonymised copy of a project at ``dst_path`` (which must not exist yet).

    ``options`` are those of :func:`anonymise`. Documents (every version),
    their codings and the codebooks are copied, pseudonymised; the source
    project is only read. The key is *not* stored in the copy: write
    ``result.key`` with :func:`write_key` to a separate place. The copy is
    built under a temporary name and renamed when complete, so a failure
    leaves no half-made project behind.
    """
    from .store import Project

    dst = Path(dst_path)
    if str(dst) == ":memory:":
        raise ProjectError("the anonymised copy needs a file path", path=dst)
    own = not isinstance(src, Project)
    source = src if isinstance(src, Project) else Project.open(Path(src), create=False)
    try:
        if source.path != ":memory:" and Path(source.path).resolve() == dst.resolve():
            raise ProjectError("the anonymised copy must not replace the project itself",
                               path=dst)
        if dst.exists():
            raise ProjectError("already exists; choose a new file for the anonymised copy",
                               path=dst)
        documents = source.documents
        result = anonymise(documents, source.codings(), **options)
        books = [(cb, source.codebook_yaml(cb.name)) for cb in source.codebooks]
    finally:
        if own:
            source.close()
    tmp = dst.with_name(dst.name + ".part")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        with Project.open(tmp) as out, out.transaction():
            for cb, yaml_text in books:
                out.add_codebook(cb, yaml_text=yaml_text)
            stored = out.add_documents(result.documents)
            if stored.unchanged:  # two documents that differed only in the names replaced
                dupes = [d.name for d in stored.unchanged]
                raise ProjectError("after pseudonymisation, documents are identical to others "
                                   f"and would be merged: {', '.join(dupes[:3])}", path=dst)
            out.add_codings(result.codings)
        os.replace(tmp, dst)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    return result
