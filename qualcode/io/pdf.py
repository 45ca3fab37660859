"""PDF transcripts (``.pdf``) with a text layer.

Text is extracted page by page with pypdf (an optional extra:
``pip install qualcode[formats]``), pages joined with a blank line, then
normalised and split into turns by :func:`~qualcode.io.turns.detect_turns`.
The document information (title, subject, author, keywords, creation date
as ``created``) becomes case attributes.

A PDF encrypted with a password that an empty password does not open is
refused with :class:`~qualcode.errors.InputError`; a PDF whose pages have
no text at all (a scan) raises :class:`~qualcode.errors.NoTextLayerError`,
which says to run OCR first; a broken file raises
:class:`~qualcode.errors.CorruptFileError`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import CorruptFileError, EmptyFileError, InputError, NoTextLayerError
from ..model import Document
from ._common import document_from_text, normalise_text

__all__ = ["parse_pdf", "read_pdf"]

# pypdf logs warnings about damaged files; without this, Python's last-resort
# handler would print them to stderr when the application configured no logging.
# Records still reach any handler the application sets up.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


def _metadata(reader: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    try:
        info = reader.metadata
        if info is None:
            return attrs
        for key, value in (("title", info.title), ("subject", info.subject),
                           ("author", info.author), ("keywords", info.get("/Keywords"))):
            text = " ".join(str(value).split()) if value else ""
            if text:
                attrs[key] = text
        created = info.creation_date
        if created is not None:
            attrs["created"] = created.isoformat()
    except Exception:  # metadata is optional; a broken info dictionary is ignored
        pass
    return attrs


def parse_pdf(
    data: bytes, *, name: str = "transcript.pdf", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse a ``.pdf`` file's bytes into a Document (pure: no file access).

    Raises :class:`~qualcode.errors.InputError` for a password-protected
    PDF, :class:`~qualcode.errors.NoTextLayerError` for a scan without
    text, and :class:`~qualcode.errors.CorruptFileError` for a broken file.
    """
    try:
        import pypdf
        from pypdf.errors import DependencyError
    except ImportError:
        raise InputError(
            "reading .pdf needs the pypdf package: pip install qualcode[formats]", path=name
        ) from None
    if b"%PDF-" not in data[:1024]:
        raise CorruptFileError("not a valid .pdf (no %PDF header)", path=name)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as e:
                raise InputError(
                    "the PDF is encrypted and opening it needs the 'cryptography' package "
                    f"({e}): pip install cryptography",
                    path=name,
                ) from e
            if not opened:
                raise InputError(
                    "the PDF is encrypted with a password; save a copy without the "
                    "password and read that",
                    path=name,
                )
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as e:  # pypdf raises many types on broken input
        raise CorruptFileError(f"not a valid .pdf ({type(e).__name__}: {e})", path=name) from e
    if not pages:
        raise EmptyFileError("the PDF has no pages", path=name)
    text = "\n\n".join(t for t in (normalise_text(p) for p in pages) if t)
    if not text.strip():
        raise NoTextLayerError(
            "the PDF has no text layer (a scan?): run OCR first, e.g. ocrmypdf", path=name
        )
    return document_from_text(text, name=name, data=data, fmt="pdf", roles=roles,
                              attributes=_metadata(reader))


def read_pdf(path: str | Path, **kwargs: Any) -> Document:
    """Read a ``.pdf`` transcript (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
