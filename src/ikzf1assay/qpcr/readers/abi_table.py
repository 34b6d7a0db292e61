"""The tables of the ABI / QuantStudio layouts: sections and field access by header name.

A :class:`Section` is one block of an export (a ``[Name]`` block of a text export, a sheet of
a workbook, a table of an SDS export); a :class:`Table` reads a section's fields by header
name, whatever the software version calls the column (:func:`header_key`), and raises errors
that name the file, line and cell.
"""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from ikzf1assay._text import Numbers, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc

__all__ = ["Section", "Table", "TextRows", "header_key"]


class TextRows:
    """A text section's data rows, split into fields only when read.

    The export's lines are held once; a row is its line number. Holding every row as a list of
    field strings took some fifty times the file's size in memory.
    """

    def __init__(self, lines: list[str], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.numbers = array("l")  # 0-based line indices

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[tuple[Loc, list[str]]]:
        for i in self.numbers:
            yield Loc(i + 1), split_line(self.lines[i], self.delimiter)


@dataclass
class Section:
    """One block of an export: its name, header row and data rows, each with its location.

    Workbook and SDS sections hold their rows in ``rows``; a text export's in ``text_rows``.
    """

    name: str
    header: list[str]
    header_loc: Loc
    rows: list[tuple[Loc, list[str]]] = field(default_factory=list)
    text_rows: TextRows | None = None

    def data(self) -> Iterator[tuple[Loc, list[str]]]:
        """Every data row with its location, in file order."""
        yield from self.rows
        if self.text_rows is not None:
            yield from self.text_rows

    def __len__(self) -> int:
        return len(self.rows) + (len(self.text_rows) if self.text_rows is not None else 0)


# Column names that mean the same thing in different software versions -> one name.
_SYNONYMS = {
    "target": "target name", "detector": "target name", "detector name": "target name",
    "sample": "sample name", "cycle number": "cycle", "drn": "delta rn",
    "cq": "ct", "c_t": "ct", "threshold": "ct threshold",
    "auto threshold": "automatic ct threshold", "auto baseline": "automatic baseline",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def header_key(name: str) -> str:
    """Canonical header name: case, spaces, the Cyrillic т of 'Cт' and synonyms ignored."""
    key = re.sub(r"\s+", " ", name.replace("\u0442", "t").replace("\u0422", "T")).strip().lower()
    return _SYNONYMS.get(key, key)


class Table:
    """Field access by header name for one section, with located errors.

    Parameters
    ----------
    section
        The section read.
    source
        The file's name, for error messages.
    numbers
        How the export writes numbers (decimal comma or point).
    """

    def __init__(self, section: Section, source: str, numbers: Numbers) -> None:
        self.section = section
        self.source = source
        self.numbers = numbers
        self.index: dict[str, int] = {}
        for i, name in enumerate(section.header):
            self.index.setdefault(header_key(name), i)

    def has(self, *names: str) -> bool:
        return any(header_key(n) in self.index for n in names)

    def text(self, row: list[str], *names: str) -> str:
        for n in names:
            i = self.index.get(header_key(n))
            if i is not None and i < len(row):
                return row[i]
        return ""

    def number(self, line: Loc, row: list[str], *names: str, required: bool = False) -> float:
        value = self.text(row, *names)
        if required and not value:
            raise self.error(line, f"missing {names[0]} value; expected a number", self._at(names))
        try:
            return self.numbers.parse(value)
        except ValueError:
            raise self.error(
                line, f"{names[0]} {value!r} is not a number", self._at(names)
            ) from None

    def _at(self, names: tuple[str, ...]) -> int | None:
        return next((self.index[header_key(n)] for n in names if header_key(n) in self.index), None)

    def error(self, loc: Loc, message: str, column: int | None = None) -> InputFormatError:
        where = loc.cell(column) or f"[{self.section.name}]"
        return InputFormatError(message, source=self.source, line=loc.line, where=where)
