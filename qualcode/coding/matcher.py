"""Phrase matching on arrays of token hashes.

:class:`TokenMatcher` finds every occurrence of any of its patterns (token
sequences, as spaCy string hashes of lower-case forms or lemmas) in a text's
token array, overlapping and nested occurrences included, as spaCy's
``PhraseMatcher`` does. It walks a trie of the patterns with array
operations, all start positions at once: step ``k`` advances every
candidate still alive by one token, so a text costs a few passes over its
tokens whatever the number of patterns (the ``PhraseMatcher`` makes a Python
tuple per match, which dominated coding at a few hundred rules).

>>> import numpy as np
>>> m = TokenMatcher([(np.array([1, 2], dtype=np.uint64), 7), (np.array([2], dtype=np.uint64), 8)])
>>> payload, start, end = m(np.array([5, 1, 2, 2], dtype=np.uint64))
>>> sorted(zip(payload.tolist(), start.tolist(), end.tolist()))
[(7, 1, 3), (8, 2, 3), (8, 3, 4)]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["TokenMatcher"]

#: Largest dense transition table (inner trie nodes x vocabulary), in cells.
_DENSE_CELLS = 4_000_000


class TokenMatcher:
    """All occurrences of token-hash patterns, each reported with its payload.

    ``patterns`` are ``(hashes, payload)`` pairs; a payload is a non-negative
    int (the caller's key). Empty patterns never match; a pattern given twice
    with the same payload is reported once per occurrence.
    """

    def __init__(self, patterns: Iterable[tuple[Any, int]]) -> None:
        import numpy as np

        items = [(np.asarray(h, dtype=np.uint64), int(p)) for h, p in patterns]
        items = [(h, p) for h, p in items if len(h)]
        self.size = len(items)
        vocab = np.unique(np.concatenate([h for h, _ in items])) if items else \
            np.zeros(0, dtype=np.uint64)
        self._vocab = vocab
        width = len(vocab) + 1  # term ids 1..V; 0 = a token no pattern has
        children: dict[tuple[int, int], int] = {}
        payloads: dict[int, set[int]] = {}
        for hashes, payload in items:
            node = 0
            for term in (np.searchsorted(vocab, hashes) + 1).tolist():
                child = children.get((node, term))
                if child is None:
                    child = children[(node, term)] = len(children) + 1
                node = child
            payloads.setdefault(node, set()).add(payload)
        nodes = len(children) + 1
        self._width = width
        root = np.full(width, -1, dtype=np.int64)
        inner = sorted({node for node, _ in children} - {0})
        self._inner = np.full(nodes, -1, dtype=np.int64)
        self._inner[inner] = np.arange(len(inner))
        # transitions out of inner nodes: a dense table when it is small (a
        # gather per step), else sorted keys (a binary search per step)
        self._dense = len(inner) * width <= _DENSE_CELLS
        if self._dense:
            self._table = np.full((len(inner), width), -1, dtype=np.int64)
        keys, kids = [], []
        for (node, term), child in children.items():
            if node == 0:
                root[term] = child
            elif self._dense:
                self._table[self._inner[node], term] = child
            else:
                keys.append(int(self._inner[node]) * width + term)
                kids.append(child)
        order = np.argsort(np.array(keys, dtype=np.int64))
        self._edge_key = np.array(keys, dtype=np.int64)[order]
        self._edge_child = np.array(kids, dtype=np.int64)[order]
        self._root = root
        counts = np.zeros(nodes, dtype=np.int64)
        flat: list[int] = []
        offsets = np.zeros(nodes + 1, dtype=np.int64)
        for node in range(nodes):
            found = sorted(payloads.get(node, ()))
            counts[node] = len(found)
            flat += found
        offsets[1:] = np.cumsum(counts)
        self._count, self._offset = counts, offsets
        self._payload = np.array(flat, dtype=np.int64)

    def __len__(self) -> int:
        return self.size

    def terms(self, hashes: Any) -> Any:
        """Each token's term id (0 for a token that is in no pattern)."""
        import numpy as np

        vocab = self._vocab
        if not len(vocab) or not len(hashes):
            return np.zeros(len(hashes), dtype=np.int64)
        at = np.searchsorted(vocab, hashes).clip(max=len(vocab) - 1)
        return np.where(vocab[at] == hashes, at + 1, 0)

    def __call__(self, hashes: Any) -> tuple[Any, Any, Any]:
        """``(payload, start token, end token)`` arrays of every occurrence."""
        return self.match_terms(self.terms(hashes))

    def match_terms(self, terms: Any) -> tuple[Any, Any, Any]:
        """Like calling the matcher, on term ids from :meth:`terms` (which a
        caller may compute once per distinct hash of a text)."""
        import numpy as np

        empty = np.zeros(0, dtype=np.int64)
        if not self.size or not len(terms):
            return empty, empty, empty
        n = len(terms)
        state = self._root[terms]
        cand = np.flatnonzero(state >= 0)
        state = state[cand]
        found_node: list[Any] = []
        found_start: list[Any] = []
        found_end: list[Any] = []
        length = 1
        while len(cand):
            ends_here = self._count[state] > 0
            if ends_here.any():
                found_node.append(state[ends_here])
                start = cand[ends_here]
                found_start.append(start)
                found_end.append(start + length)
            inner = self._inner[state]
            alive = (inner >= 0) & (cand + length < n)
            cand, inner = cand[alive], inner[alive]
            term = terms[cand + length]
            if self._dense:
                state = self._table[inner, term]
                hit = state >= 0
                cand, state = cand[hit], state[hit]
            else:
                key = inner * self._width + term
                at = np.searchsorted(self._edge_key, key).clip(max=len(self._edge_key) - 1)
                hit = self._edge_key[at] == key
                cand, state = cand[hit], self._edge_child[at[hit]]
            length += 1
        if not found_node:
            return empty, empty, empty
        node = np.concatenate(found_node)
        start = np.concatenate(found_start)
        end = np.concatenate(found_end)
        counts = self._count[node]
        if (counts == 1).all():
            return self._payload[self._offset[node]], start, end
        row = np.repeat(np.arange(len(node)), counts)
        within = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
        return self._payload[self._offset[node[row]] + within], start[row], end[row]
