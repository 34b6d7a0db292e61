"""Exceptions that reach a user.

Every error raised on purpose by ikzf1assay is an :class:`IkzfAssayError`. Each carries
where the problem was found (file, line, well or row) so that the message can say how to
fix the input, and an ``exit_code`` that :mod:`ikzf1assay.cli` uses, in one place, to end
the process: 2 for bad input or bad parameters, 1 for input/output failures.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AssayDefinitionError",
    "ClinicalDataError",
    "ExternalToolError",
    "FileAccessError",
    "IkzfAssayError",
    "InputFormatError",
    "ParameterError",
    "RegistryError",
    "RegistryUnavailableError",
]

EXIT_BAD_INPUT = 2
EXIT_IO = 1
EXIT_INTERRUPTED = 130


class IkzfAssayError(Exception):
    """Base class of every error ikzf1assay reports to its user.

    Parameters
    ----------
    message
        What is wrong and what is allowed, in one sentence or two.
    source
        The file the problem was found in, if any.
    line
        1-based line number in ``source``, if known.
    where
        Any other locator: a well (``B7``), a table row (``row 12``), a key (``[primer] #3``).
    """

    exit_code: int = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        where: str | None = None,
    ) -> None:
        self.message = message
        self.source = None if source is None else str(source)
        self.line = line
        self.where = where
        super().__init__(self.__str__())

    def location(self) -> str:
        """The ``file:line (where)`` prefix of the message, or an empty string."""
        parts = []
        if self.source is not None:
            parts.append(self.source if self.line is None else f"{self.source}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.where:
            parts.append(self.where)
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


class InputFormatError(IkzfAssayError):
    """An input file exists but its content is not what the format allows."""


class AssayDefinitionError(InputFormatError):
    """The assay file (primers, reactions, cut-offs, controls, aliases) is invalid."""


class ParameterError(IkzfAssayError):
    """A parameter given on the command line or to a function is out of its allowed range."""


class FileAccessError(IkzfAssayError):
    """A file cannot be read or written (missing, unreadable, a directory...)."""

    exit_code = EXIT_IO


class ExternalToolError(IkzfAssayError):
    """A required external program is missing or failed."""

    exit_code = EXIT_IO


class ClinicalDataError(InputFormatError):
    """A clinical table (or a calls table on the cohort side) breaks the documented schema."""


class RegistryError(IkzfAssayError):
    """The registry refuses an operation (a released run's call changed, a sign-off without
    the reviews it needs, a database of another program or of a newer schema...)."""


class RegistryUnavailableError(RegistryError):
    """The registry's database cannot be reached or read (server down, corrupted file)."""

    exit_code = EXIT_IO
