"""A tokenised document prepared for coding: token offsets, turns, sentences, paragraphs.

All positions are character offsets into :attr:`Document.text`. Units nest:
a sentence (from the sentencizer) is clipped to its paragraph (blank lines
separate paragraphs) and a paragraph to its turn. Documents without turns
are one turn of role ``unknown``. Windows (negation, ``near``) count words:
whitespace and punctuation tokens are not counted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..model import Document

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["Prepared", "TokenInfo"]

_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")
_KEY = "qualcode.token_info"
_SPACE_CODES = [i for i in range(0x3001) if chr(i).isspace()]


class TokenInfo:
    """Token offsets, sentence and paragraph starts of one text.

    Depends only on the text, so it is kept with the cached spaCy doc
    (in ``Doc.user_data``) and reused by every run that codes the same text.
    """

    @classmethod
    def of(cls, sdoc: Doc, text: str) -> TokenInfo:
        info = sdoc.user_data.get(_KEY)
        if not isinstance(info, TokenInfo) or (info.text is not text and info.text != text):
            info = cls(sdoc, text)
            sdoc.user_data[_KEY] = info
        return info

    def __init__(self, sdoc: Doc, text: str) -> None:
        import numpy as np
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, SENT_START

        self.text = text
        self.low: str | None = None
        self.negators: dict[Any, Any] = {}
        arr = sdoc.to_array([IDX, LENGTH, SENT_START, IS_SPACE, IS_PUNCT]).astype(np.int64)
        self.lowers = sdoc.to_array(LOWER)
        starts = arr[:, 0] if len(arr) else np.zeros(0, dtype=np.int64)
        self.tok_start_array = starts
        self.tok_end_array = starts + arr[:, 1] if len(arr) else starts
        self.tok_start: list[int] = starts.tolist()
        self.tok_end: list[int] = (starts + arr[:, 1]).tolist() if len(arr) else []
        sent_toks = np.flatnonzero(arr[:, 2] == 1).tolist() if len(arr) else []
        if not sent_toks or sent_toks[0] != 0:
            sent_toks = [0, *sent_toks]
        self.sent_start: list[int] = [self.tok_start[i] for i in sent_toks if i < len(arr)] or [0]
        words = ((arr[:, 3] == 0) & (arr[:, 4] == 0)).astype(np.int64) if len(arr) else \
            np.zeros(0, dtype=np.int64)
        #: sentence number of each token
        self.sent_of: list[int] = (np.cumsum(arr[:, 2] == 1) - 1).clip(0).tolist() \
            if len(arr) else []
        #: words_before[i] = words (not whitespace or punctuation) among tokens [0, i)
        self.words_before_array = np.concatenate(([0], np.cumsum(words)))
        self.words_before: list[int] = self.words_before_array.tolist()
        self._trim: tuple[Any, Any] | None = None
        self.para_start = [0]
        self.para_end = []
        for m in _PARAGRAPH_BREAK.finditer(text):
            self.para_end.append(m.start())
            self.para_start.append(m.end())
        self.para_end.append(len(text))

    def trim_arrays(self) -> tuple[Any, Any]:
        """``next[i]``: first non-space offset >= i; ``last[i]``: last non-space
        offset <= i (-1 if none). Both have one entry per character."""
        if self._trim is None:
            import numpy as np

            codes = np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32)
            space = np.isin(codes, _SPACE_CODES)
            index = np.arange(len(codes), dtype=np.int64)
            n = len(codes)
            nxt = np.minimum.accumulate(np.where(space, n, index)[::-1])[::-1]
            self._trim = (np.append(nxt, n), np.maximum.accumulate(np.where(space, -1, index)))
        return self._trim

    def lower_text(self) -> str | None:
        """``text.lower()`` when that keeps every offset, else ``None``."""
        if self.low is None:
            low = self.text.lower()
            self.low = low if len(low) == len(self.text) else ""
        return self.low or None


class Prepared:
    """Everything the engine needs to map matches to units, for one document."""

    def __init__(self, document: Document, sdoc: Doc) -> None:
        self.document = document
        self.text = text = document.text
        self.sdoc = sdoc
        info = self.info = TokenInfo.of(sdoc, text)
        self.lowers = info.lowers
        self.tok_start, self.tok_end = info.tok_start, info.tok_end
        self.sent_start, self.words_before = info.sent_start, info.words_before
        self.para_start, self.para_end = info.para_start, info.para_end
        if document.turns:
            turns = document.turns
            self.turn_start = [t.start for t in turns]
            self.turn_end = [t.end for t in turns]
            self.turn_role = [t.role for t in turns]
            self.turn_speaker = [(t.speaker or "").strip().lower() for t in turns]
        else:
            self.turn_start, self.turn_end = [0], [len(text)]
            self.turn_role, self.turn_speaker = ["unknown"], [""]
        self._scopes: dict[Any, list[bool]] = {}
        self._bounds: dict[str, list[int]] = {}
        self._units: dict[tuple[str, int, int], tuple[int, int]] = {}
        self._negated: dict[tuple[str, int], Any] = {}
        self._turn_arrays: tuple[Any, Any] | None = None
        self._segment_arrays: tuple[Any, Any] | None = None
        self._unit_arrays: dict[str, tuple[Any, Any, Any]] = {}

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
        hay = self.text if case_sensitive else self.info.lower_text()
        if not literals or hay is None:
            return [t for t, ok in enumerate(mask) if ok]
        found: set[int] = set()
        starts, ends = self.turn_start, self.turn_end
        for lit in literals:
            i = hay.find(lit)
            while i >= 0:
                t = bisect_right(starts, i) - 1
                if t >= 0 and i < ends[t]:
                    if mask[t]:
                        found.add(t)
                    i = hay.find(lit, ends[t])
                else:
                    i = hay.find(lit, i + 1)
        return sorted(found)

    def token_at(self, offset: int) -> int:
        """Index of the token containing (or last starting before) ``offset``."""
        return max(0, bisect_right(self.tok_start, offset) - 1)

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

    def negator_prefix(self, key: Any, negator_ids: Iterable[int]) -> Any:
        """prefix[i] = number of negator tokens among tokens [0, i) (a numpy array)."""
        prefix = self.info.negators.get(key)
        if prefix is None:
            import numpy as np

            ids = np.fromiter(negator_ids, dtype=np.uint64)
            flags = np.isin(self.lowers, ids).astype(np.int64)
            prefix = np.concatenate(([0], np.cumsum(flags)))
            self.info.negators[key] = prefix
        return prefix

    def bounds(self, kind: str) -> list[int]:
        """Sorted unit boundaries: every start and end of a turn, paragraph and (for
        ``sentence``) sentence. A unit is the text between two neighbours."""
        found = self._bounds.get(kind)
        if found is None:
            points = {0, len(self.text), *self.para_start, *self.para_end, *self.turn_start,
                      *self.turn_end}
            if kind == "sentence":
                points.update(self.sent_start)
            found = self._bounds[kind] = sorted(points)
        return found

    def turn_arrays(self) -> tuple[Any, Any]:
        """Turn starts and ends as numpy arrays."""
        if self._turn_arrays is None:
            import numpy as np

            self._turn_arrays = (np.asarray(self.turn_start, dtype=np.int64),
                                 np.asarray(self.turn_end, dtype=np.int64))
        return self._turn_arrays

    def _segments(self) -> tuple[Any, Any]:
        """First token of each sentence segment (sorted), and words_before as arrays."""
        if self._segment_arrays is None:
            import numpy as np

            first = np.searchsorted(self.info.tok_start_array, self.bounds("sentence"))
            self._segment_arrays = (first, self.info.words_before_array)
        return self._segment_arrays

    def negated_before(self, key: str, negator_ids: Iterable[int], window: int) -> Any:
        """Per token: is a negator among the ``window`` words before it, in its sentence?"""
        found = self._negated.get((key, -window))
        if found is None:
            import numpy as np

            n = len(self.tok_start)
            prefix = self.negator_prefix(key, negator_ids)
            first, wb = self._segments()
            index = np.arange(n)
            seg_start = first[np.searchsorted(first, index, "right") - 1] if n else index
            lo = np.maximum(seg_start, np.searchsorted(wb, wb[:n] - window, "left"))
            found = (prefix[:n] - prefix[lo]) > 0
            self._negated[(key, -window)] = found
        return found

    def negated_after(self, key: str, negator_ids: Iterable[int], after: int) -> Any:
        """Per token: is a negator among the ``after`` words after it, in its sentence?"""
        found = self._negated.get((key, after))
        if found is None:
            import numpy as np

            n = len(self.tok_start)
            prefix = self.negator_prefix(key, negator_ids)
            first, wb = self._segments()
            nxt = np.arange(1, n + 1)
            ends = np.append(first, n)
            seg_end = ends[np.searchsorted(ends, nxt - 1, "right")].clip(max=n) if n else nxt
            hi = np.minimum(seg_end, np.searchsorted(wb, wb[nxt] + after, "right") - 1)
            found = (hi > nxt) & ((prefix[hi.clip(max=n)] - prefix[nxt]) > 0)
            self._negated[(key, after)] = found
        return found

    def unit_arrays(self, kind: str) -> tuple[Any, Any, Any]:
        """Boundaries of ``kind`` units (sentence, paragraph) and, per unit, its
        start and end without surrounding whitespace."""
        found = self._unit_arrays.get(kind)
        if found is None:
            import numpy as np

            bounds = np.asarray(self.bounds(kind), dtype=np.int64)
            nxt, last = self.info.trim_arrays()
            starts = nxt[bounds[:-1]]
            ends = last[(bounds[1:] - 1).clip(min=0)] + 1
            empty = ends <= starts
            starts[empty] = ends[empty] = bounds[:-1][empty]
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
