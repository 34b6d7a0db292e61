"""Workbook exports whose sheets are the sections of the ABI / QuantStudio text layout.

- ABI 7500 Software v2.x ``.xls`` (read with xlrd): sheets Sample Setup, Amplification Data,
  Multicomponent Data, Results, each starting with ``* Key = Value`` lines.
- QuantStudio Design & Analysis ``.xlsx`` (read with openpyxl): sheets Results (Cq or
  UNDETERMINED, Amp Status, Threshold, Baseline Start/End), Amplification Data (Rn, dRn),
  Multicomponent, each starting with ``Key | Value`` rows.

On every sheet the table starts at the first row whose first cell is ``Well`` and ends at the
first key/value row after it (D&A v1.5 writes Analysis Type, Endogenous Control, Reference
Sample ... below the Results table): those rows are run settings (``RunInfo.settings``), like
the rows above the table. Diomni (D&A v4.3) exports keep the results in sheet ``Primary_result``;
a ``Melt Curve Raw`` (D&A) or ``Melt Curve Raw Data`` sheet gives the melt curves. Both feed the
section reader of :mod:`ikzf1assay.qpcr.readers.abi_sections`, so the columns mean the same.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Plate, Skipped
from ikzf1assay.qpcr.readers._workbook import cell_text
from ikzf1assay.qpcr.readers.abi_sections import read_sections
from ikzf1assay.qpcr.readers.abi_table import Section

__all__ = ["XLS", "XLSX", "read_xls", "read_xlsx"]

XLS = "abi-xls"
XLSX = "quantstudio-xlsx"
_SHEET_SECTIONS = {
    "multicomponent": "Multicomponent Data",
    "multicomponent data": "Multicomponent Data",
    "amplification data": "Amplification Data",
    "results": "Results",
    "sample setup": "Sample Setup",
    "primary_result": "Results",  # Diomni (D&A v4.3): Cq and threshold
    "melt curve raw": "Melt Curve Raw Data",  # D&A
    "melt curve raw data": "Melt Curve Raw Data",  # QuantStudio Real-Time PCR Software
}
_STAR = re.compile(r"^\*\s*(.+?)\s*=\s*(.*?)\s*$")
# the first cell of a table row: a well number (1..384) or a position (A1, A01, P24)
_WELL_RECORD = re.compile(r"^\s*(\d{1,4}|[A-Za-z]{1,2}\s*\d{1,2})\s*$")


def _sheet_sections(
    sheets: Iterable[tuple[str, Iterator[tuple[Any, ...]]]], source: str
) -> tuple[dict[str, str], list[Section], list[Skipped]]:
    settings: dict[str, str] = {}
    sections: list[Section] = []
    skipped: list[Skipped] = []
    for sheet, rows in sheets:
        name = _SHEET_SECTIONS.get(sheet.strip().lower())
        if name is None:
            skipped.append(Skipped(f"sheet {sheet!r}", "sheet not used"))
            continue
        section = _read_sheet(sheet, name, rows, (settings, skipped), source)
        if section is None:
            skipped.append(Skipped(f"sheet {sheet!r}", "no table (no row starting with 'Well')"))
        else:
            sections.append(section)
    return settings, sections, skipped


def _cells(raw: tuple[Any, ...]) -> list[str]:
    cells = [cell_text(v) for v in raw]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _setting(settings: dict[str, str], cells: list[str], sheet: str) -> None:
    """A ``Key | Value`` (or ``* Key = Value``) row; a key given twice with another value on
    a later sheet is kept under ``Key (sheet)``."""
    star = _STAR.match(cells[0])
    key, value = (star.group(1), star.group(2)) if star else (cells[0], "".join(cells[1:2]))
    if settings.setdefault(key, value) != value:
        settings[f"{key} ({sheet})"] = value


def _read_sheet(
    sheet: str,
    name: str,
    rows: Iterator[tuple[Any, ...]],
    out: tuple[dict[str, str], list[Skipped]],
    source: str,
) -> Section | None:
    """The sheet's table: key/value rows before it are settings; so are those after it.

    The table starts at the row whose first cell is ``Well`` and ends at the first key/value
    row (at most two cells, the first no well) after it: D&A v1.5 writes Analysis Type,
    Endogenous Control, Reference Sample ... there. A well record after that end is an error.
    """
    settings, skipped = out
    section: Section | None = None
    ended: Loc | None = None
    for number, raw in enumerate(rows, start=1):
        cells = _cells(raw)
        if not cells:
            continue
        loc = Loc(sheet=sheet, row=number)
        if section is None:
            if cells[0].lower() == "well":
                section = Section(name, cells, loc)
            elif _STAR.match(cells[0]) or len(cells) <= 2:
                _setting(settings, cells, sheet)
            continue
        if len(cells) <= 2 and "=" in cells[0]:  # a ``Key = Value`` note inside the table
            key, _, value = cells[0].partition("=")
            settings[key.strip()] = value.strip()
            continue
        record = bool(_WELL_RECORD.match(cells[0]))
        if len(cells) <= 2 and cells[0] and not record:
            ended = ended or loc
            _setting(settings, cells, sheet)
            continue
        if ended is not None:
            if record:
                raise InputFormatError(
                    f"a well record after the end of the [{name}] table (it ended at row "
                    f"{ended.row} with key/value rows); expected the table's rows together",
                    source=source,
                    where=loc.cell(0),
                )
            skipped.append(Skipped(str(loc), f"after the end of the [{name}] table: not read"))
            continue
        if cells == section.header:
            skipped.append(Skipped(str(loc), "the header row again; read as a header"))
            continue
        section.rows.append((loc, cells))
    return section


def _damaged(kind: str, source: str, exc: Exception) -> InputFormatError:
    return InputFormatError(
        f"not a readable {kind} workbook ({type(exc).__name__}: {exc}); is the file damaged "
        "or truncated? Export it again",
        source=source,
    )


def read_xlsx(raw: bytes, source: str, sha256: str) -> Plate:
    """Read a QuantStudio Design & Analysis ``.xlsx`` export."""
    import openpyxl

    # openpyxl parses lazily while rows are read, and a damaged workbook fails in many ways
    # inside it (zip, XML and value errors): everything up to the last row is guarded.
    try:
        with warnings.catch_warnings():
            # Exports carry no default style; openpyxl says so on every load.
            warnings.filterwarnings("ignore", message="Workbook contains no default style")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                sheets = [(ws.title, ws.iter_rows(values_only=True)) for ws in book.worksheets]
                settings, sections, skipped = _sheet_sections(sheets, source)
            finally:
                book.close()
    except InputFormatError:
        raise
    except Exception as exc:
        raise _damaged(".xlsx", source, exc) from None
    return read_sections(settings, sections, skipped, source, sha256, XLSX)


def read_xls(raw: bytes, source: str, sha256: str) -> Plate:
    """Read an ABI 7500 Software ``.xls`` export (sections as sheets)."""
    import xlrd

    # As for .xlsx: xlrd fails on damaged files with struct, index, key and assertion errors.
    try:
        book = xlrd.open_workbook(file_contents=raw, logfile=io.StringIO(), verbosity=0)
        sheets = []
        for i in range(book.nsheets):
            sh = book.sheet_by_index(i)
            sheets.append((sh.name, iter([tuple(sh.row_values(r)) for r in range(sh.nrows)])))
        settings, sections, skipped = _sheet_sections(sheets, source)
    except InputFormatError:
        raise
    except Exception as exc:
        raise _damaged(".xls", source, exc) from None
    return read_sections(settings, sections, skipped, source, sha256, XLS)
