"""Reading transcripts: one module per format, one entry point.

Each format module has a pure ``parse_<fmt>(data: bytes, *, name, roles)``
returning a :class:`~qualcode.model.Document` and a ``read_<fmt>(path)``.
:func:`read_transcript` picks the module by extension and adds what comes
from outside the file: case attributes from ``cases.csv``/``cases.xlsx``
beside it, the document language, and the source path.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, InputError, MissingFileError, UnsupportedFormatError
from ..language import SUPPORTED_LANGUAGES, detect_language
from ..model import Document
from .cases import find_cases, lookup_case, read_cases

__all__ = ["FORMATS", "SUPPORTED_EXTENSIONS", "parse_transcript", "read_transcript"]

#: extension -> (module, format name)
FORMATS: dict[str, tuple[str, str]] = {
    ".txt": ("txt", "txt"),
    ".md": ("txt", "txt"),
    ".text": ("txt", "txt"),
    ".docx": ("docx", "docx"),
    ".vtt": ("vtt", "vtt"),
    ".srt": ("srt", "srt"),
    ".odt": ("odt", "odt"),
    ".rtf": ("rtf", "rtf"),
    ".pdf": ("pdf", "pdf"),
}
SUPPORTED_EXTENSIONS = tuple(FORMATS)

#: Size above which a transcript is refused rather than read into memory.
MAX_FILE_BYTES = 200 * 1024 * 1024


def _parser(ext: str, name: str) -> Callable[..., Document]:
    try:
        module_name, fmt = FORMATS[ext]
    except KeyError:
        raise UnsupportedFormatError(
            f"unsupported file type {ext or '(no extension)'!r}; "
            f"qualcode reads {', '.join(SUPPORTED_EXTENSIONS)}",
            path=name,
        ) from None
    module = importlib.import_module(f".{module_name}", __name__)
    func: Callable[..., Document] = getattr(module, f"parse_{fmt}")
    return func


def parse_transcript(
    data: bytes,
    *,
    name: str,
    roles: Mapping[str, str] | None = None,
    language: str | None = None,
) -> Document:
    """Parse ``data`` as the format that ``name``'s extension says (no file access).

    The language comes from ``language``, the file's own metadata, or detection.
    """
    doc = _parse_raw(data, name=name, roles=roles)
    return finish_document(doc, name=Path(name).name, source=None,
                           attributes=dict(doc.attributes), language=language)


def _parse_raw(data: bytes, *, name: str, roles: Mapping[str, str] | None) -> Document:
    ext = Path(name).suffix.lower()
    parse = _parser(ext, name)
    if not data or not data.strip(b"\x00 \t\r\n\xef\xbb\xbf\xff\xfe"):
        raise EmptyFileError("the file is empty", path=name)
    try:
        return parse(data, name=name, roles=roles)
    except InputError as e:
        if e.path is None:  # every error names the file
            raise type(e)(e.message, path=name, line=e.line, problems=e.problems) from e
        raise


def read_transcript(
    path: str | Path,
    *,
    language: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    roles: Mapping[str, str] | None = None,
    cases: str | Path | Mapping[str, Mapping[str, Any]] | None = None,
) -> Document:
    """Read a transcript file into a :class:`~qualcode.model.Document`.

    Parameters
    ----------
    path
        A ``.txt``/``.md``, ``.docx``, ``.vtt``, ``.srt``, ``.odt``, ``.rtf``
        or ``.pdf`` file. The file is only read, never changed.
    language
        ``"en"`` or ``"id"``; overrides the ``language`` attribute and detection.
    attributes
        Case attributes that override those found in the file and case table.
    roles
        Speaker name -> role (interviewer, facilitator, participant, unknown),
        overriding the default table (see :mod:`qualcode.io.roles`).
    cases
        A case table path or mapping; by default ``cases.csv``/``cases.xlsx``
        in the file's folder is used when present.

    Attributes are merged from lowest to highest precedence: case table,
    the file's own metadata (front matter, document properties), then
    ``attributes``.

    Raises
    ------
    qualcode.errors.InputError
        Naming the file: missing, unsupported, empty, corrupt or undecodable.
    """
    p = Path(path)
    if not p.is_file():
        raise MissingFileError("no such file", path=p)
    ext = p.suffix.lower()
    _parser(ext, str(p))  # unsupported types fail before reading anything
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"file is {size / 2**20:.0f} MB; transcripts over "
            f"{MAX_FILE_BYTES // 2**20} MB are refused",
            path=p,
        )
    try:
        data = p.read_bytes()
    except OSError as e:
        raise MissingFileError(f"cannot read file: {e.strerror}", path=p) from e
    doc = _parse_raw(data, name=str(p), roles=roles)

    if cases is None:
        table_path = find_cases(p.parent)
        table = read_cases(table_path) if table_path else {}
    elif isinstance(cases, (str, Path)):
        table = read_cases(cases)
    else:
        table = {k: dict(v) for k, v in cases.items()}
    merged: dict[str, Any] = lookup_case(table, p.name)
    merged.update(doc.attributes)
    merged.update(attributes or {})
    return finish_document(doc, name=p.name, source=str(p.resolve()), attributes=merged,
                           language=language)


def finish_document(
    doc: Document,
    *,
    name: str,
    source: str | None,
    attributes: dict[str, Any],
    language: str | None = None,
) -> Document:
    """Settle name, source, attributes and language on a parsed document."""
    lang = language or attributes.get("language") or attributes.get("bahasa")
    if lang is not None:
        lang = str(lang).strip().lower()
        aliases = {"english": "en", "indonesian": "id", "bahasa indonesia": "id", "in": "id",
                   "ind": "id", "eng": "en"}
        lang = aliases.get(lang, lang)
        if lang not in SUPPORTED_LANGUAGES:
            raise InputError(
                f"unsupported language {lang!r}; expected one of {', '.join(SUPPORTED_LANGUAGES)}",
                path=name,
            )
    else:
        lang = detect_language(" ".join(t.text for t in doc.turns) or doc.text)
    attributes.setdefault("language", lang)
    return dataclasses.replace(
        doc, name=name, source=source, attributes=attributes, language=lang
    )
