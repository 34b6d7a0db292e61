"""CFX Maestro ``.xlsx`` exports: the CSV tables as workbook sheets (openpyxl).

CFX Maestro writes one workbook per table (``<run> -  Quantification Amplification
Results.xlsx`` with a sheet per fluorophore, ``... Quantification Cq Results.xlsx`` with sheet
``0``, ``... Melt Curve RFU Results.xlsx``), and labs also keep workbooks that hold several
tables as sheets named like the CSV files. Each sheet's table is recognised by its header row
(the first non-empty row), not by the sheet's name; the fluorophore of an amplification or
melt sheet is the sheet's name (``FAM``), or what follows the table's name in it
(``Amplification Results_FAM``).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Skipped
from ikzf1assay.qpcr.readers._cfx_tables import Table, kind_of
from ikzf1assay.qpcr.readers._workbook import cell_text

__all__ = ["looks_like", "tables"]

_HEAD_ROWS = 5  # a CFX sheet's header is its first non-empty row
_DYE = re.compile(r"^[A-Za-z][A-Za-z0-9 .+]{0,15}$")


def _sheets(raw: bytes) -> Iterator[tuple[str, Iterator[tuple[Any, ...]]]]:
    import openpyxl

    with warnings.catch_warnings():
        # Exports carry no default style; openpyxl says so on every load.
        warnings.filterwarnings("ignore", message="Workbook contains no default style")
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            yield ws.title, ws.iter_rows(values_only=True)
    finally:
        book.close()


def _header(rows: Iterator[tuple[Any, ...]], limit: int) -> tuple[int, list[str]] | None:
    for number, raw in enumerate(rows, start=1):
        cells = [cell_text(v) for v in raw]
        if any(cells):
            return number, cells
        if number >= limit:
            break
    return None


def looks_like(raw: bytes) -> bool:
    """True for a workbook with at least one sheet holding a CFX table (by its header)."""
    try:
        for _, rows in _sheets(raw):
            found = _header(rows, _HEAD_ROWS)
            if found is not None and kind_of(found[1]) is not None:
                return True
    except Exception:  # a damaged workbook: its reader says what is wrong
        return False
    return False


def _fluor(sheet: str) -> str:
    """The fluorophore a sheet's name gives: ``FAM``, or the tail of ``..._FAM``."""
    tail = sheet.rsplit("_", 1)[-1].strip() if "_" in sheet else sheet.strip()
    if "results" in tail.lower() or tail.isdigit() or not _DYE.match(tail):
        return ""
    return tail


def tables(raw: bytes, source: str, fluor: str = "") -> tuple[list[Table], list[Skipped]]:
    """The CFX tables of a workbook, and the sheets not taken with the reason.

    Parameters
    ----------
    raw
        The workbook's bytes.
    source
        Its path, for locations.
    fluor
        The fluorophore the file's name gives, used when a sheet's name gives none.

    Raises
    ------
    InputFormatError
        The workbook cannot be read (damaged or truncated).
    """
    found: list[Table] = []
    skipped: list[Skipped] = []
    # openpyxl parses lazily while rows are read, and a damaged workbook fails in many ways
    # inside it: everything up to the last row is guarded.
    try:
        for sheet, rows in _sheets(raw):
            head = _header(rows, _HEAD_ROWS)
            if head is None or kind_of(head[1]) is None:
                skipped.append(Skipped(f"{source}: sheet {sheet!r}", "not a CFX table"))
                continue
            number, header = head
            table = Table(
                source, header, Loc(sheet=sheet, row=number), fluor=_fluor(sheet) or fluor
            )
            for n, raw_row in enumerate(rows, start=number + 1):
                cells = [cell_text(v) for v in raw_row]
                if any(cells):
                    cells += [""] * (len(header) - len(cells))
                    table.rows.append((Loc(sheet=sheet, row=n), cells))
            found.append(table)
    except Exception as exc:
        raise InputFormatError(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc}); is the file damaged "
            "or truncated? Export it again",
            source=source,
        ) from None
    return found, skipped
