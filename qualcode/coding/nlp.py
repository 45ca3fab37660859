"""spaCy pipelines per language and the token cache.

Each language gets a blank spaCy pipeline (tokenizer rules only, no
statistical model, no download) that splits sentences as spaCy's
``sentencizer`` does; lemmas come from the
lookup tables of ``spacy-lookups-data``, looked up by the lower-cased token so
that lemmas are always lower case (``Signed`` -> ``sign``). Indonesian words
missing from the table get a light affix stripper that only accepts a stem
the table knows (``dijanjikan`` -> ``janji``) and drops clitics (``-nya``,
``-lah``, ``-kah``, ``-pun``). Pipelines are built once per process.

Tokenised documents are cached keyed by (SHA-256 of the text, language,
:data:`PIPELINE_VERSION`) as :class:`Tokens`, compact arrays of offsets,
lemma and lower-case hashes and flags: in memory (least recently used first
out, bounded by :data:`MEMORY_LIMIT_TOKENS`), and on disk under ``cache_dir``
when one is given (25 bytes per token), so that editing a codebook re-codes
without re-tokenising.

>>> nlp = get_pipeline("id")
>>> [t.lemma_ for t in nlp("Kami berjanji, perjanjian dijanjikan")]
['kami', 'janji', ',', 'janji', 'janji']
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "MEMORY_LIMIT_TOKENS",
    "PIPELINE_VERSION",
    "CacheStats",
    "Pipeline",
    "Tokens",
    "cache_stats",
    "clear_memory_cache",
    "default_cache_dir",
    "get_pipeline",
    "is_cached",
    "tokenise",
]

#: Bump when tokenisation or lemmatisation changes; part of every cache key.
PIPELINE_VERSION = "qualcode-tokens-2"
#: Tokens kept in the in-memory cache before the least recently used texts are
#: dropped: about 8M words, 45 bytes per token with the coder's arrays.
MEMORY_LIMIT_TOKENS = 10_000_000
_MAGIC = b"QCTOKv2\n"
_SENT, _SPACE, _PUNCT = 1, 2, 4

_ID_PREFIXES = ("memper", "menge", "meng", "meny", "mem", "men", "me", "ber", "be", "di",
                "ter", "ke", "se", "per", "peng", "peny", "pem", "pen", "pe")
_ID_SOUND = {"meny": "s", "mem": "p", "men": "t", "meng": "k", "peny": "s", "pem": "p",
             "pen": "t", "peng": "k"}
_ID_SUFFIXES = ("kan", "an", "i", "")
_ID_CLITICS = ("nya", "lah", "kah", "pun")
_ID_ABBREVIATIONS = ("bpk.", "bp.", "ibu.", "sdr.", "sdri.", "dr.", "drs.", "ir.", "prof.",
                     "thn.", "th.", "tgl.", "bln.", "jl.", "jln.", "no.", "kab.", "kec.",
                     "kel.", "prov.", "rp.", "dll.", "dsb.", "dst.", "yth.", "hlm.", "pt.",
                     "cv.", "ud.")


@dataclass
class CacheStats:
    """Counts since the process started (or :meth:`reset`): what the token cache did."""

    memory_hits: int = 0
    disk_hits: int = 0
    tokenised: int = 0  #: documents run through a spaCy pipeline (cache misses)
    disk_writes: int = 0

    def reset(self) -> None:
        self.memory_hits = self.disk_hits = self.tokenised = self.disk_writes = 0


#: The process-wide cache statistics.
cache_stats = CacheStats()
_lock = threading.Lock()
_pipelines: dict[str, Pipeline] = {}
_memory: OrderedDict[str, Tokens] = OrderedDict()
_memory_tokens = 0


def default_cache_dir() -> Path:
    """``$QUALCODE_CACHE`` or ``$XDG_CACHE_HOME/qualcode/tokens`` (``~/.cache/...``)."""
    if os.environ.get("QUALCODE_CACHE"):
        return Path(os.environ["QUALCODE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode" / "tokens"


class Tokens:
    """A tokenised text as arrays, one entry per token: what coding needs of a spaCy doc.

    ``start``/``end`` are character offsets (int32); ``lower`` and ``lemma``
    are spaCy string hashes (uint64) of the lower-cased form and the lemma;
    ``flags`` holds bits for sentence start, whitespace and punctuation. About
    25 bytes per token, against several hundred for a ``spacy.tokens.Doc``,
    which is why the caches keep these instead of docs.
    """

    __slots__ = ("distinct", "end", "flags", "info", "lemma", "lower", "start")

    def __init__(self, start: Any, end: Any, lower: Any, lemma: Any, flags: Any) -> None:
        self.start, self.end, self.lower, self.lemma, self.flags = start, end, lower, lemma, flags
        self.info: Any = None  #: the coder's derived arrays (units.TokenInfo), kept with the tokens
        #: lemmas? -> (distinct hashes, each token's index among them), when known
        self.distinct: dict[bool, tuple[Any, Any]] = {}

    def __len__(self) -> int:
        return len(self.start)

    @property
    def sent_start(self) -> Any:
        return (self.flags & _SENT) > 0

    @property
    def space(self) -> Any:
        return (self.flags & _SPACE) > 0

    @property
    def punct(self) -> Any:
        return (self.flags & _PUNCT) > 0

    def to_bytes(self) -> bytes:
        """The cache file format: a header, then the five arrays' raw bytes."""
        import numpy as np

        head = _MAGIC + np.array([len(self)], dtype="<u8").tobytes()
        return head + b"".join(np.ascontiguousarray(a, dtype=d).tobytes() for a, d in (
            (self.start, "<i4"), (self.end, "<i4"), (self.lower, "<u8"), (self.lemma, "<u8"),
            (self.flags, "u1")))

    @classmethod
    def from_bytes(cls, data: bytes) -> Tokens:
        """Read :meth:`to_bytes` output; ``ValueError`` if it is not exactly that."""
        import numpy as np

        if data[:len(_MAGIC)] != _MAGIC or len(data) < len(_MAGIC) + 8:
            raise ValueError("not a qualcode token file")
        n = int(np.frombuffer(data, dtype="<u8", count=1, offset=len(_MAGIC))[0])
        if len(data) != len(_MAGIC) + 8 + n * 25:
            raise ValueError("truncated or padded token file")
        at = len(_MAGIC) + 8
        arrays = []
        for dtype, size in (("<i4", 4), ("<i4", 4), ("<u8", 8), ("<u8", 8), ("u1", 1)):
            arrays.append(np.frombuffer(data, dtype=dtype, count=n, offset=at))
            at += n * size
        tokens = cls(*arrays)
        start, end = arrays[0], arrays[1]
        if n and (start[0] < 0 or (end < start).any() or (start[1:] < end[:-1]).any()):
            raise ValueError("token offsets out of order")
        return tokens

    def fits(self, text: str) -> bool:
        """Could these be the tokens of ``text`` (same cache key, so only corruption fails)?"""
        return not len(self) or int(self.end[-1]) <= len(text)


class Pipeline:
    """A language's blank spaCy tokenizer, the lookup lemmatizer and sentence splitting.

    Sentences are split as spaCy's ``sentencizer`` splits them (the same
    ``SENT_START`` on every text tried), but with array operations: the
    component builds a Python ``Token`` per token and took a tenth of cold
    coding. Lemmas are looked up once per distinct word of a text.
    """

    def __init__(self, language: str) -> None:
        import numpy as np
        from spacy.pipeline import Sentencizer

        self.language = language
        self.nlp: Language = _indonesian() if language == "id" else _blank(language)
        self.nlp.max_length = 10**9
        self.table = _lemma_table(language)
        self.known = frozenset(v for v in self.table.values() if isinstance(v, str))
        self._lemma_ids: dict[int, int] = {}
        self._patterns: dict[tuple[str, bool], Any] = {}  # edited codebooks reuse most
        strings = self.nlp.vocab.strings
        finals = sorted(strings.add(c) for c in Sentencizer.default_punct_chars)
        self._punct_chars = np.array(finals, dtype=np.uint64)
        self.version = _version(language)
        self.calls = 0  #: texts this pipeline has tokenised

    @property
    def vocab(self) -> Any:
        return self.nlp.vocab

    def lemma(self, lower: str) -> str:
        """The lemma of a lower-cased word."""
        found = self.table.get(lower)
        if isinstance(found, str):
            return found.lower()
        if self.language == "id" and lower.isalpha() and len(lower) > 4:
            return _id_stem(lower, self.table, self.known)
        return lower

    def __call__(self, text: str) -> Doc:
        """A spaCy doc of ``text`` with lemmas and sentence starts set."""
        from spacy.attrs import LEMMA, SENT_START

        doc = self.nlp.make_doc(text)
        tokens = self._tokens(doc)
        if len(doc):
            import numpy as np

            sent = np.where(tokens.sent_start, 1, -1).astype("uint64")
            values: Any = np.stack([tokens.lemma, sent], axis=1)
            doc.from_array([LEMMA, SENT_START], values)
        return doc

    def pipe(self, texts: Iterable[str]) -> Iterator[Tokens]:
        """Tokenise, split sentences and lemmatise ``texts``."""
        tokenizer: Any = self.nlp.tokenizer
        for doc in tokenizer.pipe(texts):
            self.calls += 1
            yield self._tokens(doc)

    def pattern(self, text: str, *, lemmas: bool) -> Any:
        """The token hashes (lemmas or lower case) a phrase rule's ``text`` matches."""
        found = self._patterns.get((text, lemmas))
        if found is None:
            import numpy as np
            from spacy.attrs import LOWER

            doc = self.nlp.make_doc(text)
            lowers = doc.to_array(LOWER).astype(np.uint64)
            found = self._lemmas(lowers) if lemmas else lowers
            found.setflags(write=False)
            if len(self._patterns) >= 100_000:  # bounded: many codebooks in one process
                self._patterns.clear()
            self._patterns[(text, lemmas)] = found
        return found

    def _lemmas(self, lowers: Any, distinct: dict[bool, tuple[Any, Any]] | None = None) -> Any:
        """Lemma hashes of lower-case hashes; fills ``distinct`` for both on the way."""
        import numpy as np

        if not len(lowers):
            return lowers.copy()
        strings = self.nlp.vocab.strings
        ids = self._lemma_ids
        values, inverse = np.unique(lowers, return_inverse=True)
        inverse = inverse.reshape(-1).astype(np.int32)
        out = []
        for low in values.tolist():
            lemma = ids.get(low)
            if lemma is None:
                lemma = ids[low] = strings.add(self.lemma(strings[low]))
            out.append(lemma)
        lemma_of = np.array(out, dtype=np.uint64)
        if distinct is not None:
            lemma_values, lemma_index = np.unique(lemma_of, return_inverse=True)
            distinct[False] = (values, inverse)
            distinct[True] = (lemma_values, lemma_index.reshape(-1).astype(np.int32)[inverse])
        return lemma_of[inverse]

    def _tokens(self, doc: Doc) -> Tokens:
        import numpy as np
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH

        a = doc.to_array([IDX, LENGTH, LOWER, ORTH, IS_SPACE, IS_PUNCT])
        if not len(doc):
            a = np.zeros((0, 6), dtype=np.uint64)
        start = a[:, 0].astype(np.int32)
        end = start + a[:, 1].astype(np.int32)
        lower = np.ascontiguousarray(a[:, 2])
        space, punct = a[:, 4] > 0, a[:, 5] > 0
        sent = _sentence_starts(a[:, 3], punct, self._punct_chars)
        flags = (sent * _SENT) | (space * _SPACE) | (punct * _PUNCT)
        distinct: dict[bool, tuple[Any, Any]] = {}
        tokens = Tokens(start, end, lower, self._lemmas(lower, distinct), flags.astype(np.uint8))
        tokens.distinct = distinct
        return tokens


def _sentence_starts(orth: Any, punct: Any, punct_chars: Any) -> Any:
    """spaCy's ``Sentencizer`` without a Python loop over tokens.

    The sentencizer starts a sentence at token 0 and at every token that is
    neither punctuation nor a sentence-final character when such a character
    occurred since the previous such token. So token ``i`` starts one iff it
    qualifies and the last final character before it comes after the last
    qualifying token before it.
    """
    import numpy as np

    n = len(orth)
    if not n:
        return np.zeros(0, dtype=bool)
    final = np.isin(orth, punct_chars)
    qualifies = ~punct & ~final
    index = np.arange(n)
    last_final = np.maximum.accumulate(np.where(final, index, -1))
    last_qualifying = np.maximum.accumulate(np.where(qualifies, index, -1))
    starts = np.zeros(n, dtype=bool)
    starts[1:] = qualifies[1:] & (last_final[:-1] > last_qualifying[:-1])
    starts[0] = True
    return starts


def _blank(language: str) -> Language:
    import spacy

    return spacy.blank(language)


def _indonesian() -> Language:
    """A blank Indonesian pipeline without spaCy's ~15,600 hyphenated special cases.

    Building those takes several seconds; without them a reduplication such
    as ``janji-janji`` is split into ``janji - janji``, which is what lemma
    rules want anyway. Common abbreviations are kept whole.
    """
    from spacy.attrs import ORTH
    from spacy.lang.id import Indonesian, IndonesianDefaults

    base: Any = IndonesianDefaults
    exceptions = {k: v for k, v in base.tokenizer_exceptions.items() if "-" not in k}
    defaults = type("QualcodeIndonesianDefaults", (base,), {"tokenizer_exceptions": exceptions})
    language: Any = type("QualcodeIndonesian", (Indonesian,), {"Defaults": defaults})
    nlp: Language = language()
    tokenizer: Any = nlp.tokenizer
    for abbr in _ID_ABBREVIATIONS:
        for form in (abbr, abbr.capitalize()):
            tokenizer.add_special_case(form, [{ORTH: form}])
    return nlp


def _id_stem(word: str, table: Any, known: frozenset[str]) -> str:
    for clitic in _ID_CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 4:
            base = word[: -len(clitic)]
            return table.get(base, base).lower()
    for prefix in (*_ID_PREFIXES, ""):
        if not word.startswith(prefix):
            continue
        rest = word[len(prefix):]
        starts = [rest] + ([_ID_SOUND[prefix] + rest] if prefix in _ID_SOUND else [])
        for start in starts:
            for suffix in _ID_SUFFIXES:
                if suffix and not start.endswith(suffix):
                    continue
                stem = start[: len(start) - len(suffix)]
                if len(stem) >= 3 and stem != word and (stem in known or stem in table):
                    return table.get(stem, stem).lower()
    return word


def _lemma_table(language: str) -> Any:
    """The language's ``lemma_lookup`` table (a mapping str -> str), or ``{}``."""
    try:
        from spacy.lookups import load_lookups

        lookups = load_lookups(language, ["lemma_lookup"], strict=False)
        if lookups.has_table("lemma_lookup"):
            return lookups.get_table("lemma_lookup")
    except (ImportError, ValueError, OSError):  # pragma: no cover - lookups not installed
        pass
    return {}


def _version(language: str) -> str:
    import spacy

    try:
        import spacy_lookups_data

        lookups = str(getattr(spacy_lookups_data, "__version__", "?"))
    except ImportError:  # pragma: no cover
        lookups = "none"
    return f"{PIPELINE_VERSION}|spacy-{spacy.__version__}|lookups-{lookups}|{language}"


def get_pipeline(language: str) -> Pipeline:
    """The process-wide :class:`Pipeline` for ``language`` (built on first use)."""
    with _lock:
        if language not in _pipelines:
            _pipelines[language] = Pipeline(language)
        return _pipelines[language]


def cache_key(text: str, language: str) -> str:
    """The token cache key of ``text`` in ``language``."""
    version = get_pipeline(language).version
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    tag = hashlib.sha256(version.encode()).hexdigest()[:12]
    return f"{digest}-{language}-{tag}"


def clear_memory_cache() -> None:
    """Forget the tokenised documents held in memory (the disk cache stays)."""
    global _memory_tokens
    with _lock:
        _memory.clear()
        _memory_tokens = 0


def _remember(key: str, tokens: Tokens) -> None:
    global _memory_tokens
    with _lock:
        if key in _memory:
            return
        _memory[key] = tokens
        _memory_tokens += len(tokens)
        while _memory_tokens > MEMORY_LIMIT_TOKENS and len(_memory) > 1:
            _, old = _memory.popitem(last=False)
            _memory_tokens -= len(old)


def _recall(key: str) -> Tokens | None:
    with _lock:
        tokens = _memory.get(key)
        if tokens is not None:
            _memory.move_to_end(key)
        return tokens


def _disk_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.tok"


def _read_disk(path: Path, text: str) -> Tokens | None:
    try:
        tokens = Tokens.from_bytes(path.read_bytes())
    except (OSError, ValueError):
        return None  # missing or corrupt: tokenise again
    return tokens if tokens.fits(text) else None


def _write_disk(path: Path, tokens: Tokens) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(tokens.to_bytes())
        os.replace(tmp, path)
        cache_stats.disk_writes += 1
    except OSError:  # a read-only or full disk only costs speed
        pass


def is_cached(items: Iterable[tuple[str, str]],
              cache_dir: str | os.PathLike[str] | None = None) -> bool:
    """Are the tokens of every ``(text, language)`` in memory or in ``cache_dir``?"""
    folder = Path(cache_dir) if cache_dir is not None else None
    for text, language in items:
        key = cache_key(text, language)
        with _lock:
            if key in _memory:
                continue
        if folder is None or not _disk_path(folder, key).is_file():
            return False
    return True


def tokenise(
    items: list[tuple[str, str]],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Tokens]:
    """Tokens of ``(text, language)`` pairs, through the caches."""
    folder = Path(cache_dir) if cache_dir is not None else None
    out: list[Tokens | None] = [None] * len(items)
    missing: dict[str, list[int]] = {}
    keys = [cache_key(text, lang) for text, lang in items]
    for i, ((text, lang), key) in enumerate(zip(items, keys, strict=True)):
        tokens = _recall(key)
        if tokens is not None:
            cache_stats.memory_hits += 1
        elif folder is not None:
            tokens = _read_disk(_disk_path(folder, key), text)
            if tokens is not None:
                cache_stats.disk_hits += 1
                _remember(key, tokens)
        if tokens is None:
            missing.setdefault(lang, []).append(i)
        out[i] = tokens
    done = len(items) - sum(len(v) for v in missing.values())
    for lang, indexes in missing.items():
        pipeline = get_pipeline(lang)
        unique = list(dict.fromkeys(keys[i] for i in indexes))
        first = {keys[i]: i for i in reversed(indexes)}
        texts = (items[first[k]][0] for k in unique)
        for key, tokens in zip(unique, pipeline.pipe(texts), strict=True):
            cache_stats.tokenised += 1
            _remember(key, tokens)
            if folder is not None:
                _write_disk(_disk_path(folder, key), tokens)
            for i in indexes:
                if keys[i] == key:
                    out[i] = tokens
                    done += 1
            if progress is not None:
                progress(done, len(items))
    return [t for t in out if t is not None]
