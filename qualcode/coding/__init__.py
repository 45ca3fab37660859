"""Auto-coding: spaCy pipelines, the token cache and the rule engine.

Modules: :mod:`.rules` (frozen rule, scope and negation values),
:mod:`.parse` and :mod:`.yaml_lines` (reading the codebook format),
:mod:`.dump` (writing it), :mod:`.regex_safety` (checking regexes),
:mod:`.nlp` (pipelines and token cache), :mod:`.compiled` (matchers),
:mod:`.hits`, :mod:`.units` and :mod:`.engine` (coding).
"""

from __future__ import annotations

from .compiled import DEFAULT_NEGATORS, compile_codebook
from .engine import Explanation, Match, autocode, explain
from .nlp import cache_stats, clear_memory_cache, default_cache_dir, get_pipeline
from .rules import KNOWN_LANGUAGES, Defaults, Negation, Rule, Scope

__all__ = [
    "DEFAULT_NEGATORS",
    "KNOWN_LANGUAGES",
    "Defaults",
    "Explanation",
    "Match",
    "Negation",
    "Rule",
    "Scope",
    "autocode",
    "cache_stats",
    "clear_memory_cache",
    "compile_codebook",
    "default_cache_dir",
    "explain",
    "get_pipeline",
]
