"""Rich Text Format transcripts (``.rtf``).

The text is extracted with striprtf (an optional extra:
``pip install qualcode[formats]``). RTF is 7-bit ASCII with escapes: the
bytes are read as Latin-1 and ``\\'xx`` escapes decoded in the code page the
header declares (``\\ansicpg1252``, ``\\mac``, ``\\pc``, ``\\pca``; default
Windows-1252); ``\\u`` escapes give Unicode directly. Paragraphs become
lines, then :func:`~qualcode.io.turns.detect_turns` finds the speakers.

The ``\\info`` group's ``\\title``, ``\\subject``, ``\\author``,
``\\keywords``, ``\\doccomm`` (as ``description``) and ``\\category``
become case attributes.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import CorruptFileError, EmptyFileError, InputError
from ..model import Document
from ._common import document_from_text, normalise_text

__all__ = ["parse_rtf", "read_rtf"]

_CODEPAGE = re.compile(r"\\ansicpg(\d+)")
_CHARSETS = {"\\mac": "mac_roman", "\\pca": "cp850", "\\pc": "cp437"}
_INFO = re.compile(
    r"\{\\(title|subject|author|keywords|doccomm|category)[ \t\r\n]?((?:[^{}\\]|\\[^{}])*)\}"
)
_INFO_KEYS = {"doccomm": "description"}


def _encoding(header: str) -> str:
    m = _CODEPAGE.search(header)
    if m:
        candidate = f"cp{m.group(1)}"
        try:
            codecs.lookup(candidate)
        except LookupError:
            return "cp1252"
        return candidate
    for word, encoding in _CHARSETS.items():
        if re.search(re.escape(word) + r"(?![a-z])", header):
            return encoding
    return "cp1252"


def _rtf_to_text() -> Callable[..., str]:
    try:
        from striprtf.striprtf import rtf_to_text
    except ImportError:
        raise InputError(
            "reading .rtf needs the striprtf package: pip install qualcode[formats]"
        ) from None
    return rtf_to_text


def _info(raw: str, encoding: str, convert: Callable[..., str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for key, value in _INFO.findall(raw):
        try:
            text = convert("{\\rtf1 " + value + "}", encoding=encoding, errors="replace")
        except Exception:  # third-party parser on untrusted input
            continue
        text = " ".join(text.split())
        if text:
            attrs.setdefault(_INFO_KEYS.get(key, key), text)
    return attrs


def parse_rtf(
    data: bytes, *, name: str = "transcript.rtf", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse an ``.rtf`` file's bytes into a Document (pure: no file access).

    Raises :class:`~qualcode.errors.CorruptFileError` if the bytes are not
    RTF and :class:`~qualcode.errors.EmptyFileError` if there is no text.
    """
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise CorruptFileError("not a valid .rtf (it does not start with {\\rtf)", path=name)
    convert = _rtf_to_text()
    raw = data.decode("latin-1")
    encoding = _encoding(raw[:1000])
    try:
        extracted = convert(raw, encoding=encoding, errors="replace")
    except Exception as e:  # third-party parser on untrusted input
        raise CorruptFileError(f"not a valid .rtf ({type(e).__name__}: {e})", path=name) from e
    text = normalise_text(extracted)
    if not text.strip():
        raise EmptyFileError("the document has no text", path=name)
    return document_from_text(text, name=name, data=data, fmt="rtf", roles=roles,
                              attributes=_info(raw[:20000], encoding, convert))


def read_rtf(path: str | Path, **kwargs: Any) -> Document:
    """Read an ``.rtf`` transcript (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
