"""spaCy pipelines per language and the token cache.

Each language gets a blank spaCy pipeline (tokenizer rules only, no
statistical model, no download) with a ``sentencizer``; lemmas come from the
lookup tables of ``spacy-lookups-data``, looked up by the lower-cased token so
that lemmas are always lower case (``Signed`` -> ``sign``). Indonesian words
missing from the table get a light affix stripper that only accepts a stem
the table knows (``dijanjikan`` -> ``janji``) and drops clitics (``-nya``,
``-lah``, ``-kah``, ``-pun``). Pipelines are built once per process.

Tokenised documents are cached keyed by (SHA-256 of the text, language,
:data:`PIPELINE_VERSION`): in memory as :class:`spacy.tokens.Doc` objects
(least recently used first out, bounded by :data:`MEMORY_LIMIT_TOKENS`), and
on disk as ``DocBin`` files under ``cache_dir`` when one is given, so that
editing a codebook re-codes without re-tokenising.

>>> nlp = get_pipeline("id")
>>> [t.lemma_ for t in nlp("Kami berjanji, perjanjian dijanjikan")]
['kami', 'janji', ',', 'janji', 'janji']
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
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
    "cache_stats",
    "clear_memory_cache",
    "default_cache_dir",
    "get_pipeline",
    "tokenise",
]

#: Bump when tokenisation or lemmatisation changes; part of every cache key.
PIPELINE_VERSION = "qualcode-tokens-1"
#: Tokens kept in the in-memory cache before the least recently used docs are dropped.
MEMORY_LIMIT_TOKENS = 1_500_000

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
_memory: OrderedDict[str, Doc] = OrderedDict()
_memory_tokens = 0


def default_cache_dir() -> Path:
    """``$QUALCODE_CACHE`` or ``$XDG_CACHE_HOME/qualcode/tokens`` (``~/.cache/...``)."""
    if os.environ.get("QUALCODE_CACHE"):
        return Path(os.environ["QUALCODE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode" / "tokens"


class Pipeline:
    """A language's blank spaCy pipeline plus the lower-case lookup lemmatizer."""

    def __init__(self, language: str) -> None:
        import spacy

        self.language = language
        self.nlp: Language = _indonesian() if language == "id" else spacy.blank(language)
        self.nlp.add_pipe("sentencizer")
        self.nlp.max_length = 10**9
        self.table = _lemma_table(language)
        self.known = frozenset(v for v in self.table.values() if isinstance(v, str))
        self._lemma_ids: dict[int, int] = {}
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
        return next(iter(self.pipe([text])))

    def pipe(self, texts: Iterable[str]) -> Iterable[Doc]:
        """Tokenise, split sentences and lemmatise ``texts``."""
        for doc in self.nlp.pipe(texts):
            self.calls += 1
            self._lemmatise(doc)
            yield doc

    def pattern(self, text: str, *, lemmas: bool) -> Doc:
        """A pattern doc for the phrase matchers."""
        doc = self.nlp.make_doc(text)
        if lemmas:
            self._lemmatise(doc)
        return doc

    def _lemmatise(self, doc: Doc) -> None:
        import numpy as np
        from spacy.attrs import LEMMA, LOWER

        strings = self.nlp.vocab.strings
        ids = self._lemma_ids
        lowers = doc.to_array(LOWER).tolist()
        out = []
        for low in lowers:
            lemma = ids.get(low)
            if lemma is None:
                lemma = strings.add(self.lemma(strings[low]))
                ids[low] = lemma
            out.append(lemma)
        lemmas: Any = np.array(out, dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], lemmas)


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


def _remember(key: str, doc: Doc) -> None:
    global _memory_tokens
    with _lock:
        if key in _memory:
            return
        _memory[key] = doc
        _memory_tokens += len(doc)
        while _memory_tokens > MEMORY_LIMIT_TOKENS and len(_memory) > 1:
            _, old = _memory.popitem(last=False)
            _memory_tokens -= len(old)


def _recall(key: str) -> Doc | None:
    with _lock:
        doc = _memory.get(key)
        if doc is not None:
            _memory.move_to_end(key)
        return doc


def _disk_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.spacy"


def _read_disk(pipeline: Pipeline, path: Path) -> Doc | None:
    from spacy.tokens import DocBin

    try:
        data = path.read_bytes()
        docs = list(DocBin().from_bytes(data).get_docs(pipeline.vocab))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupt: tokenise again
    return docs[0] if len(docs) == 1 else None


def _write_disk(path: Path, doc: Doc) -> None:
    from spacy.tokens import DocBin

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(DocBin(attrs=["ORTH", "LEMMA", "SENT_START"], docs=[doc]).to_bytes())
        os.replace(tmp, path)
        cache_stats.disk_writes += 1
    except OSError:  # a read-only or full disk only costs speed
        pass


def tokenise(
    items: list[tuple[str, str]],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Doc]:
    """Tokenised docs for ``(text, language)`` pairs, through the caches."""
    folder = Path(cache_dir) if cache_dir is not None else None
    out: list[Doc | None] = [None] * len(items)
    missing: dict[str, list[int]] = {}
    keys = [cache_key(text, lang) for text, lang in items]
    for i, ((_text, lang), key) in enumerate(zip(items, keys, strict=True)):
        doc = _recall(key)
        if doc is not None:
            cache_stats.memory_hits += 1
        elif folder is not None:
            doc = _read_disk(get_pipeline(lang), _disk_path(folder, key))
            if doc is not None:
                cache_stats.disk_hits += 1
                _remember(key, doc)
        if doc is None:
            missing.setdefault(lang, []).append(i)
        out[i] = doc
    for lang, indexes in missing.items():
        pipeline = get_pipeline(lang)
        unique = list(dict.fromkeys(keys[i] for i in indexes))
        first = {keys[i]: i for i in reversed(indexes)}
        texts = (items[first[k]][0] for k in unique)
        for key, doc in zip(unique, pipeline.pipe(texts), strict=True):
            cache_stats.tokenised += 1
            _remember(key, doc)
            if folder is not None:
                _write_disk(_disk_path(folder, key), doc)
            for i in indexes:
                if keys[i] == key:
                    out[i] = doc
    return [d for d in out if d is not None]
