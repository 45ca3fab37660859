"""Plain-text and Markdown transcripts (``.txt``, ``.md``).

Encodings: UTF-8 (with or without BOM), UTF-16/32 with BOM, and legacy
single-byte encodings (Windows-1252, Latin-1, ...) detected with
charset-normalizer. Line ends (CRLF, CR) become ``\\n``.

Optional YAML front matter between ``---`` lines carries case attributes;
two keys are special: ``language`` (``en``/``id``) and ``roles`` (speaker
name -> role)::

    ---
    site: Kediri
    group_type: interview
    roles: {Dewi: interviewer}
    ---
    Dewi: Sudah berapa lama Ibu menjahit?

The front matter is not part of the document text.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import EncodingError, InputError
from ..model import Document
from ._common import document_from_text, normalise_text

__all__ = ["decode_text", "parse_txt", "read_txt", "split_front_matter"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings a transcript plausibly comes in; limiting the candidates
# keeps charset-normalizer from exotic guesses on short texts.
_LEGACY = ["cp1252", "latin_1", "iso8859_15", "cp1250", "mac_roman", "cp437"]


def decode_text(data: bytes, *, name: str = "<bytes>") -> str:
    """Decode transcript bytes: BOM, then UTF-8, then a detected legacy encoding.

    >>> decode_text("Pewawancara: Apa kabar?".encode("utf-16"))
    'Pewawancara: Apa kabar?'
    >>> decode_text("café “quoted”".encode("cp1252"))
    'café “quoted”'
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise EncodingError(
                    f"file starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {e.start})",
                    path=name,
                ) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        if data.count(b"\x00") > len(data) // 8:
            raise EncodingError(
                "file contains NUL bytes: binary data, or UTF-16 without a byte-order mark; "
                "save it as UTF-8",
                path=name,
            ) from utf8_error
        from charset_normalizer import from_bytes

        controls = sum(1 for b in data[:65536] if b < 9 or 13 < b < 32 or b == 127)
        if controls > min(len(data), 65536) // 20:
            raise EncodingError(
                "file looks like binary data, not text (many control bytes)", path=name
            ) from utf8_error
        results = from_bytes(data, cp_isolation=_LEGACY)
        best = results.best()
        encoding = best.encoding if best is not None else "cp1252"
        # On a tie (cp1250 and cp1252 often score alike) prefer Windows-1252,
        # by far the commonest legacy encoding of English and Indonesian text.
        for match in results:
            if (best is not None and match.encoding == "cp1252"
                    and match.chaos <= best.chaos and match.coherence >= best.coherence):
                encoding = "cp1252"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            return data.decode("latin_1")  # every byte string is valid Latin-1


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str, *, name: str = "<text>") -> tuple[dict[str, Any], str]:
    """Split YAML front matter from ``text``: -> (metadata, rest).

    >>> split_front_matter("---\\nsite: Kediri\\n---\\nI: Halo")
    ({'site': 'Kediri'}, 'I: Halo')
    """
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1))
    except RecursionError as e:  # e.g. thousands of nested [ or {
        raise InputError("invalid YAML front matter: nested too deeply", path=name,
                         line=2) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for '---', +1 for 1-based
        problem = getattr(e, "problem", None) or str(e)
        raise InputError(f"invalid YAML front matter: {problem}", path=name, line=line) from e
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError("front matter must be a mapping of attribute: value", path=name, line=2)
    return {str(k): v for k, v in meta.items()}, text[m.end() :]


def _attributes(meta: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    roles = meta.pop("roles", None)
    if roles is not None:
        if not isinstance(roles, dict):
            raise InputError("front matter 'roles' must map speaker names to roles", path=name)
        roles = {str(k): str(v) for k, v in roles.items()}
    attrs: dict[str, Any] = {}
    for k, v in meta.items():
        if isinstance(v, (dict, list)):
            raise InputError(f"front matter attribute {k!r} must be a single value", path=name)
        attrs[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return attrs, roles


def parse_txt(
    data: bytes, *, name: str = "transcript.txt", roles: Mapping[str, str] | None = None
) -> Document:
    """Parse a plain-text transcript's bytes into a Document (pure: no file access)."""
    raw = decode_text(data, name=name)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, body = split_front_matter(raw, name=name)
    attrs, meta_roles = _attributes(meta, name)
    merged_roles = {**(meta_roles or {}), **(roles or {})} or None
    text = normalise_text(body)
    if not text.strip():
        from ..errors import EmptyFileError

        raise EmptyFileError("the file has no transcript text", path=name)
    return document_from_text(text, name=name, data=data, fmt="txt", roles=merged_roles,
                              attributes=attrs)


def read_txt(path: str | Path, **kwargs: Any) -> Document:
    """Read a ``.txt``/``.md`` transcript (see :func:`qualcode.read_transcript`)."""
    from . import read_transcript

    return read_transcript(path, **kwargs)
