"""qualcode: reproducible, scriptable qualitative coding.

>>> import qualcode as qc
>>> doc = qc.parse_transcript(b"I: Ada kontrak tertulis?\\nR: Tidak ada, Bu.", name="x.txt")
>>> [(t.speaker, t.role) for t in doc.turns]
[('I', 'interviewer'), ('R', 'participant')]
"""

from __future__ import annotations

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
    "detect_language",
    "parse_transcript",
    "read_transcript",
]
