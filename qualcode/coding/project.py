"""Storing a run of auto-coding in a project."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..model import Codebook, Coding

if TYPE_CHECKING:
    from ..store import Project

__all__ = ["store_auto_codings"]


def store_auto_codings(
    project: Project, codebooks: Sequence[Codebook], codings: Iterable[Coding]
) -> None:
    """Store the codebooks (with their YAML) and replace each one's earlier auto-codings.

    One transaction: either every codebook's codings are replaced or none
    are. Human codings are never touched.
    """
    from ..codebook import dump_codebook

    by_coder: dict[str, list[Coding]] = {cb.coder: [] for cb in codebooks}
    for c in codings:
        if c.coder in by_coder:
            by_coder[c.coder].append(c)
    with project.transaction():
        for cb in codebooks:
            project.add_codebook(cb, yaml_text=dump_codebook(cb))
            project.replace_auto_codings(cb.coder, by_coder[cb.coder])
