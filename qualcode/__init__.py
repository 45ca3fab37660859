"""qualcode: reproducible, scriptable qualitative coding.

>>> import qualcode as qc
>>> doc = qc.parse_transcript(b"I: Ada kontrak tertulis?\\nR: Tidak ada, Bu.", name="x.txt")
>>> [(t.speaker, t.role) for t in doc.turns]
[('I', 'interviewer'), ('R', 'participant')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    CodebookError,
    CorruptFileError,
    EmptyFileError,
    EncodingError,
    InputError,
    MissingFileError,
    NoTextLayerError,
    ProjectError,
    QualcodeError,
    UnsupportedFormatError,
)
from .io import parse_transcript, read_transcript
from .language import detect_language
from .model import Code, Codebook, Coding, Comment, Document, Turn
from .store import Project

__version__ = "0.1.0"

# The analysis and coding stacks import pandas, scipy, networkx and spaCy
# (seconds at start-up); they load on first use so the CLI starts fast.
_LAZY = {
    "autocode": "qualcode.coding",
    "codings_frame": "qualcode.frames",
    "cooccurrence": "qualcode.analysis",
    "cooccurrence_network": "qualcode.analysis",
    "load_codebook": "qualcode.codebook",
    "save_codebook": "qualcode.codebook",
}

if TYPE_CHECKING:
    from .analysis import cooccurrence, cooccurrence_network
    from .codebook import load_codebook, save_codebook
    from .coding import autocode
    from .frames import codings_frame


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")

__all__ = [
    "Code",
    "Codebook",
    "CodebookError",
    "Coding",
    "Comment",
    "CorruptFileError",
    "Document",
    "EmptyFileError",
    "EncodingError",
    "InputError",
    "MissingFileError",
    "NoTextLayerError",
    "Project",
    "ProjectError",
    "QualcodeError",
    "Turn",
    "UnsupportedFormatError",
    "__version__",
    "autocode",
    "codings_frame",
    "cooccurrence",
    "cooccurrence_network",
    "detect_language",
    "load_codebook",
    "parse_transcript",
    "read_transcript",
    "save_codebook",
]
