"""Where the bundled transcripts and codebooks live.

In a source checkout (and an editable install) they are the repository's
``transcripts/`` and ``codebooks/`` folders; a wheel may carry copies in
``qualcode/data/``. Both are looked for, package data first.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MissingFileError

__all__ = ["bundled_dir"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(kind: str) -> Path:
    """The folder of bundled ``kind`` ("transcripts" or "codebooks")."""
    for candidate in (_PACKAGE / "data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise MissingFileError(f"bundled {kind} not found (looked in qualcode/data and the checkout)",
                           path=kind)
