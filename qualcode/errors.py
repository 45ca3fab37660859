"""The catalogue of errors qualcode raises.

Every error is a :class:`QualcodeError`, and also subclasses the builtin a
caller would naturally catch (``ValueError`` for bad input, ``OSError`` for
unreadable files, ...). Messages name the file and, where known, the line, so
that the command line can print exactly one clear line per problem.

Where a user's input has several problems (a codebook with three bad rules),
all of them are collected into ``.problems`` and reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CodebookError",
    "CorruptFileError",
    "EmptyFileError",
    "EncodingError",
    "ExchangeError",
    "InputError",
    "MissingFileError",
    "NoTextLayerError",
    "Problem",
    "ProjectError",
    "QualcodeError",
    "UnsupportedFormatError",
]


@dataclass(frozen=True)
class Problem:
    """One problem found in a user's input: where it is and what is wrong."""

    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        return where + self.message


class QualcodeError(Exception):
    """Base class of every error qualcode raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.problems: list[Problem] = list(problems)
        super().__init__(str(Problem(message, self.path, line)))

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  {p}" for p in self.problems)


class InputError(QualcodeError, ValueError):
    """A file or value given by the user cannot be used as it is."""


class MissingFileError(InputError, FileNotFoundError):
    """The path does not exist or is not a readable file."""


class UnsupportedFormatError(InputError):
    """The file's extension or content is not a format qualcode reads."""


class EmptyFileError(InputError):
    """The file holds no text."""


class EncodingError(InputError, UnicodeError):
    """The file's bytes cannot be decoded as text in any known encoding."""


class CorruptFileError(InputError):
    """The file claims a format (docx, odt, pdf, ...) but its content is broken."""


class NoTextLayerError(InputError):
    """A PDF has pages but no extractable text (a scan): it needs OCR first."""


class CodebookError(InputError):
    """A codebook is malformed; ``.problems`` lists every problem found."""

    def __init__(
        self,
        message: str = "invalid codebook",
        *,
        path: str | Path | None = None,
        line: int | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        problems = list(problems)
        if problems and message == "invalid codebook":
            message = f"invalid codebook: {len(problems)} problem(s)"
        super().__init__(message, path=path, line=line, problems=problems)


class ExchangeError(InputError):
    """An exchange file (REFI-QDA, CSV codings, ...) cannot be imported safely."""


class ProjectError(QualcodeError, RuntimeError):
    """The project file cannot be opened or changed as asked."""
