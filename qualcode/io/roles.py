"""Speaker roles: which labels mean interviewer, facilitator or participant.

The default table covers the labels English and Indonesian transcripts use.
Users override it per project or per document with a mapping from speaker
name (case-insensitive) to role, e.g. ``{"Dewi": "interviewer"}``; in YAML
front matter that is ``roles: {Dewi: interviewer}``.

A named speaker who is not in the table is a ``participant``: in interviews
and focus groups everyone who is not asking the questions is a participant,
and auto-coding only takes participant turns as evidence by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import InputError
from ..model import ROLES

__all__ = ["DEFAULT_ROLES", "role_for"]

#: Label (lower case, without digits) -> role.
DEFAULT_ROLES: dict[str, str] = {
    # interviewer
    "i": "interviewer",
    "q": "interviewer",
    "int": "interviewer",
    "interviewer": "interviewer",
    "researcher": "interviewer",
    "peneliti": "interviewer",
    "pewawancara": "interviewer",
    "penanya": "interviewer",
    "t": "interviewer",  # Tanya (question)
    # facilitator
    "moderator": "facilitator",
    "facilitator": "facilitator",
    "fasilitator": "facilitator",
    "fac": "facilitator",
    "m": "facilitator",
    "f": "facilitator",
    "notulen": "facilitator",
    "note taker": "facilitator",
    # participant
    "r": "participant",
    "a": "participant",
    "p": "participant",
    "j": "participant",  # Jawab (answer)
    "respondent": "participant",
    "responden": "participant",
    "participant": "participant",
    "peserta": "participant",
    "informan": "participant",
    "informant": "participant",
    "narasumber": "participant",
    "interviewee": "participant",
    "speaker": "participant",
    "pembicara": "participant",
}

_PAREN_ROLE = re.compile(r"\(([^)]*)\)")
_DIGITS = re.compile(r"[\s_\-#.]*\d+$")


def _lookup(key: str, table: Mapping[str, str]) -> str | None:
    key = key.strip().lower()
    if key in table:
        return table[key]
    bare = _DIGITS.sub("", key).strip()
    if bare in table:
        return table[bare]
    return None


def role_for(speaker: str | None, overrides: Mapping[str, str] | None = None) -> str:
    """The role of ``speaker``.

    Looks in ``overrides`` first (exact name, case-insensitive), then the
    default table for the label itself (``"P3"`` -> participant), then for a
    role given in parentheses (``"Sari (Fasilitator)"``), then a role word
    the label starts with (``"Moderator Dewi"``).

    >>> role_for("Pewawancara")
    'interviewer'
    >>> role_for("P3")
    'participant'
    >>> role_for("Ibu Sari (fasilitator)")
    'facilitator'
    >>> role_for("Ibu Sari", {"ibu sari": "interviewer"})
    'interviewer'
    >>> role_for(None)
    'unknown'
    """
    if speaker is None or not speaker.strip():
        return "unknown"
    if overrides:
        lowered = {k.strip().lower(): v for k, v in overrides.items()}
        for v in lowered.values():
            if v not in ROLES:
                raise InputError(f"unknown role {v!r}; expected one of {', '.join(ROLES)}")
        found = _lookup(speaker, lowered)
        if found:
            return found
    found = _lookup(speaker, DEFAULT_ROLES)
    if found:
        return found
    for inner in _PAREN_ROLE.findall(speaker):
        found = _lookup(inner, DEFAULT_ROLES)
        if found:
            return found
    first = speaker.strip().split()[0].lower().rstrip(":,")
    if len(first) > 2:  # single letters as first word are initials, not roles
        found = DEFAULT_ROLES.get(first)
        if found:
            return found
    return "participant"
