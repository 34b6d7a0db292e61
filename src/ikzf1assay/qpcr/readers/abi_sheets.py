"""Workbook exports whose sheets are the sections of the ABI / QuantStudio text layout.

- ABI 7500 Software v2.x ``.xls`` (read with xlrd): sheets Sample Setup, Amplification Data,
  Multicomponent Data, Results, each starting with ``* Key = Value`` lines.
- QuantStudio Design & Analysis ``.xlsx`` (read with openpyxl): sheets Results (Cq or
  UNDETERMINED, Amp Status, Threshold, Baseline Start/End), Amplification Data (Rn, dRn),
  Multicomponent, each starting with ``Key | Value`` rows.

On every sheet the table starts at the first row whose first cell is ``Well``. Both feed the
section reader of :mod:`ikzf1assay.qpcr.readers.abi_sections`, so the columns mean the same.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Plate, Skipped
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
}
_STAR = re.compile(r"^\*\s*(.+?)\s*=\s*(.*?)\s*$")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheet_sections(
    sheets: Iterable[tuple[str, Iterator[tuple[Any, ...]]]],
) -> tuple[dict[str, str], list[Section], list[Skipped]]:
    settings: dict[str, str] = {}
    sections: list[Section] = []
    skipped: list[Skipped] = []
    for sheet, rows in sheets:
        name = _SHEET_SECTIONS.get(sheet.strip().lower())
        if name is None:
            skipped.append(Skipped(f"sheet {sheet!r}", "sheet not used"))
            continue
        section: Section | None = None
        for number, raw in enumerate(rows, start=1):
            cells = [_cell(v) for v in raw]
            while cells and not cells[-1]:
                cells.pop()
            loc = Loc(sheet=sheet, row=number)
            if not cells:
                continue
            if section is None:
                star = _STAR.match(cells[0])
                if cells[0].lower() == "well":
                    section = Section(name, cells, loc)
                    sections.append(section)
                elif star:
                    settings[star.group(1)] = star.group(2)
                elif len(cells) <= 2:
                    settings[cells[0]] = cells[1] if len(cells) > 1 else ""
                continue
            if len(cells) <= 2 and "=" in cells[0]:
                key, _, value = cells[0].partition("=")
                settings[key.strip()] = value.strip()
                continue
            if cells == section.header:
                skipped.append(Skipped(str(loc), "the header row again; read as a header"))
                continue
            section.rows.append((loc, cells))
        if section is None:
            skipped.append(Skipped(f"sheet {sheet!r}", "no table (no row starting with 'Well')"))
    return settings, sections, skipped


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
                settings, sections, skipped = _sheet_sections(sheets)
            finally:
                book.close()
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
        settings, sections, skipped = _sheet_sections(sheets)
    except Exception as exc:
        raise _damaged(".xls", source, exc) from None
    return read_sections(settings, sections, skipped, source, sha256, XLS)
