"""Wide curve tables: cycles in the first column, one column per curve.

The layout of the R package qpcR's data sets and of an instrument's amplification data pivoted
wide in a spreadsheet::

    Cycles,F1.1,F1.2,F2.1
    1,0.012,0.011,0.013
    2,0.013,0.012,0.012

Detected (by content) when the first non-blank line is a header whose first cell is
``Cycle``, ``Cycles``, ``Cycle#``, ``Cycle No`` or ``Cycle Number`` (case ignored) followed by
at least one more column, none of them ``well`` (that is a tidy CSV), and the next non-blank
line starts with a number. Comma, semicolon or tab separated; decimal point or decimal comma
(decided once per file, :class:`ikzf1assay._text.Numbers`).

Read, one reaction per column:

==========  ==========================================================================
well        when every curve header is a distinct well position (``A1``, ``B07``), that
            position; otherwise the column's place, row by row: the first curve column is
            A1, the 13th B1 on a 96-well plate (up to 96 curves) or the 25th B1 on a
            384-well plate (97-384 curves). More than 384 curves are refused.
sample      the column header (so a curve can always be traced back to its column)
target      "" (the table names none)
cycle       the first column
rn          the cell
==========  ==========================================================================

There is no instrument Ct (``RunInfo.ct_method`` is None). An empty (or ``NA``) cell ends
its curve: curves of different lengths are read, each shorter one noted in
``Plate.skipped``; a value after an empty cell in the same column is an error, as is any
cell that is not a number.
"""

from __future__ import annotations

import math
import re

from ikzf1assay._text import Numbers, guess_delimiter, split_line, split_rows
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    column_letter,
    normalise_well,
)

__all__ = ["FORMAT", "MAX_CURVES", "looks_like", "read"]

FORMAT = "wide-csv"
MAX_CURVES = 384
_CYCLE_HEADER = re.compile(r"^cycles?\s*(#|no\.?|number)?$", re.IGNORECASE)


def _first_lines(text: str, count: int) -> list[tuple[int, str]]:
    """The first ``count`` non-blank lines with their 1-based numbers, without splitting
    the whole text (detection looks at every text file offered)."""
    found: list[tuple[int, str]] = []
    start, number = 0, 1
    while len(found) < count and start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if line.strip():
            found.append((number, line))
        start, number = end + 1, number + 1
    return found


def _header(line: str) -> tuple[str, list[str]] | None:
    """Delimiter and header cells when ``line`` is a wide table's header, else None."""
    delimiter = guess_delimiter(line)
    cells = split_line(line, delimiter)
    while len(cells) > 1 and not cells[-1]:
        cells.pop()  # a trailing delimiter, as spreadsheets write
    if len(cells) < 2 or not _CYCLE_HEADER.match(cells[0]):
        return None
    if any(c.strip().lower() == "well" for c in cells):
        return None  # the tidy CSV
    return delimiter, cells


def looks_like(text: str) -> bool:
    """Whether ``text`` is a wide curve table (see the module documentation).

    Parameters
    ----------
    text
        The decoded file.

    Returns
    -------
    bool
        True for a ``Cycle(s)`` header with curve columns followed by a numeric row.
    """
    lines = _first_lines(text, 2)
    if len(lines) < 2:
        return False
    found = _header(lines[0][1])
    if found is None:
        return False
    row = split_line(lines[1][1], found[0])
    if len(row) < 2:
        return False
    try:
        Numbers.infer(row).parse(row[0])
    except ValueError:
        return False
    return True


def _wells(names: list[str]) -> tuple[list[str], int, str]:
    """Wells of the curve columns, the plate size, and how they were placed."""
    try:
        placed = [normalise_well(n) for n in names]
    except ValueError:
        placed = []
    if placed and len({w for w, _, _ in placed}) == len(placed):
        small = all(r <= 8 and c <= 12 for _, r, c in placed)
        how = "column headers are well positions: each curve at the well its header names"
        return [w for w, _, _ in placed], 96 if small else 384, how
    size = 96 if len(names) <= 96 else 384
    wells = [normalise_well(i + 1, size)[0] for i in range(len(names))]
    how = (
        f"well = the curve column's place, row by row on a {size}-well plate "
        f"(column B -> A1, column {column_letter(1 + (12 if size == 96 else 24))} -> B1)"
    )
    return wells, size, how


def _check_header(names: list[str], source: str, line: int) -> None:
    if len(names) > MAX_CURVES:
        raise InputFormatError(
            f"{len(names)} curve columns; a wide curve table holds at most {MAX_CURVES} "
            "(one 384-well plate): split the file by plate",
            source=source,
            line=line,
        )
    for i, name in enumerate(names):
        if not name:
            raise InputFormatError(
                f"column {column_letter(i + 1)} has no name; expected a curve (sample) name in "
                "every header cell after the cycle column",
                source=source,
                line=line,
            )


def _parse(
    rows: list[tuple[int, list[str]]], names: list[str], wells: list[str], source: str
) -> tuple[list[CurvePoint], dict[int, tuple[float, int]]]:
    """Readings per curve column, and where each curve that ended early ended."""
    numbers = Numbers.infer([f for _, r in rows[:200] for f in r])
    points: list[CurvePoint] = []
    ended: dict[int, tuple[float, int]] = {}  # column -> (last cycle read, line of the gap)
    last_cycle = math.nan
    for line, row in rows:
        if len(row) > len(names) + 1 and any(row[len(names) + 1 :]):
            raise InputFormatError(
                f"row has {len(row)} fields, the header {len(names) + 1}; expected one value "
                "per curve column",
                source=source,
                line=line,
            )
        try:
            cycle = numbers.parse(row[0])
        except ValueError:
            cycle = math.nan
        if math.isnan(cycle):
            raise InputFormatError(
                f"cycle {row[0]!r} (column A) is not a number; expected the cycle number in the "
                "first column of every row",
                source=source,
                line=line,
            )
        for i, name in enumerate(names):
            cell = row[i + 1] if i + 1 < len(row) else ""
            try:
                value = numbers.parse(cell)
            except ValueError:
                raise InputFormatError(
                    f"curve {name!r} (column {column_letter(i + 1)}): {cell!r} is not a number; "
                    "expected a fluorescence value or an empty cell where the curve ends",
                    source=source,
                    line=line,
                ) from None
            if math.isnan(value):
                ended.setdefault(i, (last_cycle, line))
                continue
            if i in ended:
                raise InputFormatError(
                    f"curve {name!r} (column {column_letter(i + 1)}) has a value after its "
                    f"empty cell at line {ended[i][1]}; expected a curve to end at its first "
                    "empty cell",
                    source=source,
                    line=line,
                )
            points.append(CurvePoint(wells[i], "", cycle, value, loc=Loc(line=line)))
        last_cycle = cycle
    return points, ended


def _ended(
    ended: dict[int, tuple[float, int]], names: list[str], wells: list[str]
) -> list[Skipped]:
    """A note for each curve that ends before the table does (or has no readings)."""
    notes = []
    for i, (cycle, line) in sorted(ended.items()):
        what = "has no readings" if math.isnan(cycle) else f"ends after cycle {cycle:g}"
        notes.append(
            Skipped(
                f"line {line}, column {column_letter(i + 1)}",
                f"curve {names[i]!r} (well {wells[i]}) {what}: its cells from here on are empty",
            )
        )
    return notes


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a wide curve table (see the module documentation).

    Parameters
    ----------
    text
        The decoded file.
    source
        The file's name, for messages and :class:`RunInfo`.
    sha256
        The file's SHA-256.

    Returns
    -------
    Plate
        One reaction per curve column, with its curve; no instrument results.

    Raises
    ------
    InputFormatError
        No ``Cycle`` header, more than 384 curves, an unnamed curve column, a cell that is not
        a number, a value after a curve's empty cell, or cycles not increasing; the message
        names the line and the column.
    """
    first = _first_lines(text, 1)
    found = _header(first[0][1]) if first else None
    if found is None:
        raise InputFormatError(
            "expected a header whose first cell is Cycle or Cycles followed by one column per "
            "curve",
            source=source,
            line=first[0][0] if first else None,
        )
    delimiter, header = found
    header_line = first[0][0]
    names = header[1:]
    _check_header(names, source, header_line)
    wells, size, how = _wells(names)
    lines = text.split("\n")
    rows = [
        (i + 1, fields)
        for i in range(header_line, len(lines))
        if lines[i].strip()
        for fields in split_rows([lines[i]], delimiter)
    ]
    del lines
    if not rows:
        raise InputFormatError(
            "the table has a header but no rows; expected one row per cycle",
            source=source,
            line=header_line,
        )
    points, ended = _parse(rows, names, wells, source)
    skipped = _ended(ended, names, wells)
    has_points = {p.well for p in points}
    reactions = [
        Reaction(well=w, sample=n, loc=Loc(line=header_line, note=f"column {column_letter(i + 1)}"))
        for i, (w, n) in enumerate(zip(wells, names, strict=True))
        if w in has_points
    ]
    info = RunInfo(
        format=FORMAT,
        file_name=source,
        sha256=sha256,
        plate_size=size,
        settings={"layout": "one curve per column, cycles in the first column", "wells": how},
        ct_method=None,
    )
    return build_plate(info, reactions, points, skipped)
