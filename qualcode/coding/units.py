"""A tokenised document prepared for coding: token offsets, turns, sentences, paragraphs.

All positions are character offsets into :attr:`Document.text`. Units nest:
a sentence (from the sentencizer) is clipped to its paragraph (blank lines
separate paragraphs) and a paragraph to its turn. Documents without turns
are one turn of role ``unknown``. Windows (negation, ``near``) count words:
whitespace and punctuation tokens are not counted.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..model import Document

if TYPE_CHECKING:
    from .matcher import TokenMatcher
    from .nlp import Tokens

__all__ = ["Prepared", "TokenInfo"]

_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")


class TokenInfo:
    """Arrays derived from a text's tokens that every coding run needs.

    Depends only on the text, so it is kept with the cached :class:`Tokens`
    and reused by every run that codes the same text.
    """

    @classmethod
    def of(cls, tokens: Tokens, text: str) -> TokenInfo:
        info = tokens.info
        if not isinstance(info, TokenInfo) or (info.text is not text and info.text != text):
            info = tokens.info = cls(tokens, text)
        return info

    def __init__(self, tokens: Tokens, text: str) -> None:
        import numpy as np

        self.text = text
        self.low: str | None = None
        self.negators: dict[Any, Any] = {}
        self._distinct: dict[bool, tuple[Any, Any]] = dict(tokens.distinct)
        self.lowers, self.lemmas = tokens.lower, tokens.lemma
        n = len(tokens)
        self.tok_start_array = tokens.start.astype(np.int64)
        self.tok_end_array = tokens.end.astype(np.int64)
        sent = tokens.sent_start
        if n:
            sent = sent.copy()
            sent[0] = True
        #: character offset of each sentence's first token
        self.sent_start_array = self.tok_start_array[sent] if n else np.zeros(1, dtype=np.int64)
        #: sentence number of each token
        self.sent_of = (np.cumsum(sent) - 1).astype(np.int32)
        space = tokens.space
        # spaCy's tokens are all whitespace or have none, so the non-space
        # tokens cover exactly the text's non-space characters
        self.solid_start = self.tok_start_array[~space]
        self.solid_end = self.tok_end_array[~space]
        words = ~(space | tokens.punct)
        #: words_before[i] = words (not whitespace or punctuation) among tokens [0, i)
        self.words_before_array = np.concatenate(([0], np.cumsum(words))).astype(np.int32)
        self.para_start = [0]
        self.para_end = []
        for m in _PARAGRAPH_BREAK.finditer(text):
            self.para_end.append(m.start())
            self.para_start.append(m.end())
        self.para_end.append(len(text))

    def distinct(self, lemmas: bool) -> tuple[Any, Any]:
        """The distinct lemma (or lower-case) hashes of the text, and each token's
        index among them: a matcher maps the few distinct hashes, not every token."""
        found = self._distinct.get(lemmas)
        if found is None:
            import numpy as np

            values, index = np.unique(self.lemmas if lemmas else self.lowers,
                                      return_inverse=True)
            found = self._distinct[lemmas] = (values, index.reshape(-1).astype(np.int32))
        return found

    def terms(self, matcher: TokenMatcher, lemmas: bool) -> Any:
        """Each token's term id in ``matcher`` (see :meth:`TokenMatcher.terms`)."""
        values, index = self.distinct(lemmas)
        return matcher.terms(values)[index]

    def negator_prefix(self, key: Any, negator_ids: Iterable[int]) -> Any:
        """prefix[i] = number of negator tokens among tokens [0, i) (a numpy array)."""
        prefix = self.negators.get(key)
        if prefix is None:
            import numpy as np

            ids = np.fromiter(negator_ids, dtype=np.uint64)
            flags = np.isin(self.lowers, ids)
            prefix = np.concatenate(([0], np.cumsum(flags))).astype(np.int32)
            self.negators[key] = prefix
        return prefix

    def lower_text(self) -> str | None:
        """``text.lower()`` when that keeps every offset, else ``None``."""
        if self.low is None:
            low = self.text.lower()
            self.low = low if len(low) == len(self.text) else ""
        return self.low or None


class JoinedInfo:
    """Several texts' :class:`TokenInfo` as if the texts were one, concatenated:
    character offsets shifted by each text's ``base``, token, word and sentence
    numbers by the counts before it. Coding a batch of documents at once saves
    the fixed cost of each array operation per document."""

    def __init__(self, infos: Sequence[TokenInfo], bases: Sequence[int]) -> None:
        import numpy as np

        self.parts = list(infos)
        self.bases = list(bases)

        def joined(name: str, shifts: Any) -> Any:
            pairs = zip(infos, shifts, strict=True)
            return np.concatenate([getattr(i, name) + s for i, s in pairs])

        self.tok_start_array = joined("tok_start_array", bases)
        self.tok_end_array = joined("tok_end_array", bases)
        self.sent_start_array = joined("sent_start_array", bases)
        self.solid_start = joined("solid_start", bases)
        self.solid_end = joined("solid_end", bases)
        sentences = np.cumsum([0] + [len(i.sent_start_array) for i in infos[:-1]])
        self.sent_of = joined("sent_of", sentences.astype(np.int32))
        words = np.cumsum([0] + [int(i.words_before_array[-1]) for i in infos[:-1]])
        self.words_before_array = self._prefix([i.words_before_array for i in infos], words)
        self.para_start = [p + b for i, b in zip(infos, bases, strict=True) for p in i.para_start]
        self.para_end = [p + b for i, b in zip(infos, bases, strict=True) for p in i.para_end]

    @staticmethod
    def _prefix(prefixes: Sequence[Any], offsets: Any) -> Any:
        """Per-text prefix sums (each starting with 0) as one prefix sum."""
        import numpy as np

        return np.concatenate([np.zeros(1, dtype=np.int64),
                               *(p[1:] + o for p, o in zip(prefixes, offsets, strict=True))])

    def terms(self, matcher: TokenMatcher, lemmas: bool) -> Any:
        import numpy as np

        return np.concatenate([i.terms(matcher, lemmas) for i in self.parts])

    def negator_prefix(self, key: Any, negator_ids: Iterable[int]) -> Any:
        import numpy as np

        prefixes = [i.negator_prefix(key, negator_ids) for i in self.parts]
        offsets = np.cumsum([0] + [int(p[-1]) for p in prefixes[:-1]])
        return self._prefix(prefixes, offsets)


def _trimmed(info: TokenInfo | JoinedInfo, starts: Any, ends: Any) -> tuple[Any, Any]:
    """Each span ``[start, end)`` without surrounding whitespace, as offsets; an
    all-whitespace span becomes the empty span at its start."""
    import numpy as np

    solid_start, solid_end = info.solid_start, info.solid_end
    if not len(solid_start):
        return starts.copy(), starts.copy()
    k = np.searchsorted(solid_end, starts, "right")  # first solid token ending after start
    first = np.maximum(solid_start[k.clip(max=len(solid_start) - 1)], starts)
    first[k >= len(solid_start)] = np.iinfo(np.int64).max
    k = np.searchsorted(solid_start, ends, "left") - 1  # last solid token starting before end
    last = np.minimum(solid_end[k.clip(min=0)], ends)
    last[k < 0] = -1
    empty = last <= first
    return np.where(empty, starts, first), np.where(empty, starts, last)


class Prepared:
    """Everything the engine needs to map matches to units, for one document or a
    batch of documents coded together (as if their texts were concatenated:
    ``bases[k]`` is where document ``k`` starts; no turn, sentence or unit
    crosses from one into the next)."""

    def __init__(self, items: Sequence[tuple[Document, Tokens]]) -> None:
        import numpy as np

        self.documents = [d for d, _ in items]
        self.texts = [d.text for d in self.documents]
        infos = [TokenInfo.of(tokens, d.text) for d, tokens in items]
        self.bases = np.cumsum([0] + [len(t) for t in self.texts[:-1]]).tolist()
        self.info: TokenInfo | JoinedInfo = infos[0] if len(infos) == 1 else \
            JoinedInfo(infos, self.bases)
        self._infos = infos
        self._text: str | None = self.texts[0] if len(self.texts) == 1 else None
        self.length = self.bases[-1] + len(self.texts[-1])
        self.words_before = self.info.words_before_array
        self.para_start, self.para_end = self.info.para_start, self.info.para_end
        self.turn_start: list[int] = []
        self.turn_end: list[int] = []
        self.turn_role: list[str] = []
        self.turn_speaker: list[str] = []
        self.turn_doc: list[int] = []
        for k, (doc, base) in enumerate(zip(self.documents, self.bases, strict=True)):
            if doc.turns:
                turns = doc.turns
                self.turn_start += [t.start + base for t in turns]
                self.turn_end += [t.end + base for t in turns]
                self.turn_role += [t.role for t in turns]
                self.turn_speaker += [(t.speaker or "").strip().lower() for t in turns]
                self.turn_doc += [k] * len(turns)
            else:
                self.turn_start.append(base)
                self.turn_end.append(base + len(doc.text))
                self.turn_role.append("unknown")
                self.turn_speaker.append("")
                self.turn_doc.append(k)
        #: the turns of each document: ``range(*turn_range[k])``
        self.turn_range = [(bisect_left(self.turn_doc, k), bisect_right(self.turn_doc, k))
                           for k in range(len(self.documents))]
        self.turn_start_array = np.asarray(self.turn_start, dtype=np.int64)
        self.turn_end_array = np.asarray(self.turn_end, dtype=np.int64)
        self._scopes: dict[Any, list[bool]] = {}
        self._bounds: dict[str, list[int]] = {}
        self._units: dict[tuple[str, int, int], tuple[int, int]] = {}
        self._segment_first: Any = None
        self._turn_trim: tuple[Any, Any] | None = None
        self._unit_arrays: dict[str, tuple[Any, Any, Any]] = {}

    @property
    def text(self) -> str:
        """The documents' texts, concatenated."""
        if self._text is None:
            self._text = "".join(self.texts)
        return self._text

    def document_of(self, offset: int) -> int:
        """Index (in the batch) of the document holding ``offset``."""
        return bisect_right(self.bases, offset) - 1

    # ------------------------------------------------------------ lookups
    def turn_of(self, start: int, end: int) -> int:
        """Index of the turn containing ``[start, end)``, or -1."""
        t = bisect_right(self.turn_start, start) - 1
        if t >= 0 and end <= self.turn_end[t] and start < self.turn_end[t]:
            return t
        return -1

    def candidate_turns(self, literals: tuple[str, ...], case_sensitive: bool,
                        mask: list[bool]) -> list[int]:
        """Turns allowed by ``mask`` that contain one of ``literals`` (all if none given)."""
        found: set[int] = set()
        starts, ends = self.turn_start, self.turn_end
        for info, base, (lo, hi) in zip(self._infos, self.bases, self.turn_range, strict=True):
            hay = info.text if case_sensitive else info.lower_text()
            if not literals or hay is None:
                found.update(t for t in range(lo, hi) if mask[t])
                continue
            for lit in literals:
                i = hay.find(lit)
                while i >= 0:
                    t = bisect_right(starts, i + base) - 1
                    if t >= 0 and i + base < ends[t]:
                        if mask[t]:
                            found.add(t)
                        i = hay.find(lit, ends[t] - base)
                    else:
                        i = hay.find(lit, i + 1)
        return sorted(found)

    def token_at(self, offset: int) -> int:
        """Index of the token containing (or last starting before) ``offset``."""
        import numpy as np

        return max(0, int(np.searchsorted(self.info.tok_start_array, offset, "right")) - 1)

    def scope_mask(self, roles: frozenset[str] | None,
                   speakers: frozenset[str] | None) -> list[bool]:
        """Per turn: does a rule with this role/speaker scope apply?"""
        key = (roles, speakers)
        mask = self._scopes.get(key)
        if mask is None:
            mask = [
                (roles is None or role in roles) and (not speakers or speaker in speakers)
                for role, speaker in zip(self.turn_role, self.turn_speaker, strict=True)
            ]
            self._scopes[key] = mask
        return mask

    def bounds(self, kind: str) -> list[int]:
        """Sorted unit boundaries: every start and end of a turn, paragraph and (for
        ``sentence``) sentence. A unit is the text between two neighbours."""
        found = self._bounds.get(kind)
        if found is None:
            points = {*self.bases, self.length, *self.para_start, *self.para_end,
                      *self.turn_start, *self.turn_end}
            if kind == "sentence":
                points.update(self.info.sent_start_array.tolist())
            found = self._bounds[kind] = sorted(points)
        return found

    def turn_arrays(self) -> tuple[Any, Any]:
        """Turn starts and ends as numpy arrays."""
        return self.turn_start_array, self.turn_end_array

    def turn_trimmed(self) -> tuple[Any, Any]:
        """Each turn's start and end without surrounding whitespace."""
        if self._turn_trim is None:
            self._turn_trim = _trimmed(self.info, self.turn_start_array, self.turn_end_array)
        return self._turn_trim

    def _segments(self) -> Any:
        """First token of each sentence segment (sorted)."""
        if self._segment_first is None:
            import numpy as np

            self._segment_first = np.searchsorted(self.info.tok_start_array,
                                                  self.bounds("sentence"))
        return self._segment_first

    def negated_before(self, key: str, negator_ids: Iterable[int], window: int,
                       index: Any) -> Any:
        """For tokens ``index``: is a negator among the ``window`` words before,
        in the same sentence?"""
        import numpy as np

        prefix = self.info.negator_prefix(key, negator_ids)
        first, wb = self._segments(), self.words_before
        seg_start = first[np.searchsorted(first, index, "right") - 1]
        lo = np.maximum(seg_start, np.searchsorted(wb, wb[index] - window, "left"))
        return (prefix[index] - prefix[lo]) > 0

    def negated_after(self, key: str, negator_ids: Iterable[int], after: int,
                      index: Any) -> Any:
        """For tokens ``index``: is a negator among the ``after`` words after,
        in the same sentence?"""
        import numpy as np

        n = len(self.info.tok_start_array)
        prefix = self.info.negator_prefix(key, negator_ids)
        first, wb = self._segments(), self.words_before
        nxt = index + 1
        ends = np.append(first, n)
        seg_end = ends[np.searchsorted(ends, nxt - 1, "right")].clip(max=n)
        hi = np.minimum(seg_end, np.searchsorted(wb, wb[nxt] + after, "right") - 1)
        return (hi > nxt) & ((prefix[hi.clip(max=n)] - prefix[nxt]) > 0)

    def unit_arrays(self, kind: str) -> tuple[Any, Any, Any]:
        """Boundaries of ``kind`` units (sentence, paragraph) and, per unit, its
        start and end without surrounding whitespace."""
        found = self._unit_arrays.get(kind)
        if found is None:
            import numpy as np

            bounds = np.asarray(self.bounds(kind), dtype=np.int64)
            starts, ends = _trimmed(self.info, bounds[:-1], bounds[1:])
            found = (bounds, starts, ends)
            self._unit_arrays[kind] = found
        return found

    def unit(self, kind: str, start: int, end: int, turn: int) -> tuple[int, int]:
        """The ``kind`` unit (sentence, paragraph, turn, match) around ``[start, end)``."""
        if kind == "match":
            us, ue = start, end
        elif kind == "turn":
            us, ue = self.turn_start[turn], self.turn_end[turn]
        else:
            bounds = self.bounds(kind)
            k1 = bisect_right(bounds, start) - 1
            k2 = bisect_right(bounds, end - 1, k1) - 1
            key = (kind, k1, k2)
            found = self._units.get(key)
            if found is not None and found[0] <= start and end <= found[1]:
                return found
            us, ue = bounds[k1], bounds[k2 + 1]
        if start < us:
            us = start
        if end > ue:
            ue = end
        text = self.text
        while us < ue and text[us].isspace():
            us += 1
        while ue > us and text[ue - 1].isspace():
            ue -= 1
        if us >= ue:
            return start, end
        if kind in ("sentence", "paragraph"):
            self._units[key] = (us, ue)
        return us, ue
