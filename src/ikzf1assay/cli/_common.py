"""What the command modules share: declaring a sub-command, argument types, writing output.

Nothing here imports a heavy library: ``ikzf1assay --help`` and ``--version`` build every
parser, so a parser may only name what it needs, not import it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, overload

from ikzf1assay.errors import FileAccessError

__all__ = ["Handler", "add_command", "add_input_format", "emit", "threshold"]

log = logging.getLogger("ikzf1assay.cli")

Handler = Callable[[argparse.Namespace, TextIO], int]


def add_command(
    group: Any, common: argparse.ArgumentParser, name: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A sub-command ``name`` of ``group`` (a subparsers action) that also accepts --debug."""
    parser: argparse.ArgumentParser = group.add_parser(name, parents=[common], **kwargs)
    return parser


class _Formats(Sequence[str]):
    """The readers' format names, imported when first needed (the readers import pandas)."""

    def _names(self) -> tuple[str, ...]:
        from ikzf1assay.qpcr.readers import FORMATS

        return tuple(FORMATS)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, value: object) -> bool:
        return value in self._names()


def add_input_format(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--input-format`` with the readers' formats as choices (default ``auto``)."""
    action = parser.add_argument("--input-format", default="auto", help=help)
    # set after add_argument, which lists the choices to check the metavar: usage, help and
    # a given value read them, a parser that is only built does not
    action.choices = _Formats()


def threshold(text: str) -> str | float:
    """``--threshold``: auto, instrument, prefer-instrument or a positive number."""
    if text in ("auto", "instrument", "prefer-instrument"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give auto, instrument or a number (the threshold on the "
            "baseline-corrected fluorescence)"
        ) from None
    if not (value > 0 and value == value and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r}: a threshold must be a positive number")
    return value


def emit(text: str, output: Path | None, out: TextIO) -> None:
    """Print ``text``, or write it to the file ``output`` when one was given."""
    if output is None:
        out.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FileAccessError(f"cannot write output: {exc.strerror}", source=output) from None
    log.info("wrote %s", output)
