"""Tables users bring to the cohort side (clinical records, calls): CSV, TSV or XLSX.

Rows come back as strings (dates from spreadsheet cells as ISO text), each with the line (or
spreadsheet row) it came from, so that every later message can name it.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ikzf1assay._io import read_file_bytes
from ikzf1assay._text import decode_text, guess_delimiter, split_rows
from ikzf1assay.errors import InputFormatError

__all__ = ["RawTable", "read_table"]

MAX_TABLE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class RawTable:
    """``header`` (as written), ``rows`` of strings and the ``lines`` they came from."""

    source: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    comments: tuple[str, ...] = ()  # lines starting with "#" above the header


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(raw: bytes, source: str) -> tuple[list[list[str]], list[int]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows, lines = [], []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if any(cells):
                rows.append(cells)
                lines.append(number)
        book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as exc:
        raise InputFormatError(f"not a readable .xlsx workbook ({exc})", source=source) from None
    return rows, lines


def read_table(path: Path, what: str = "table") -> RawTable:
    """Read a CSV/TSV (any delimiter among tab, semicolon, comma) or the first sheet of an XLSX.

    Blank lines are skipped; lines starting with ``#`` above the header are comments (kept in
    ``comments``, e.g. "SIMULATED ..."); the first other line is the header.
    """
    raw = read_file_bytes(path, f"a {what} (CSV, TSV or XLSX)", MAX_TABLE_BYTES)
    source = str(path)
    if raw.startswith(b"PK\x03\x04"):
        rows, lines = _xlsx(raw, source)
    else:
        text = decode_text(raw, source)
        numbered = [(i, line) for i, line in enumerate(text.split("\n"), start=1) if line.strip()]
        if not numbered:
            rows, lines = [], []
        else:
            header_line = next((x for _, x in numbered if not x.startswith("#")), "")
            delimiter = guess_delimiter(header_line)
            split = split_rows([line for _, line in numbered], delimiter)
            if len(split) != len(numbered):
                raise InputFormatError(
                    "a quoted field runs over a line end; check the quotes", source=source
                )
            rows, lines = split, [i for i, _ in numbered]
    comments = []
    while rows and rows[0] and rows[0][0].startswith("#"):
        comments.append(", ".join(f for f in rows[0] if f).lstrip("#").strip())
        rows, lines = rows[1:], lines[1:]
    if not rows:
        raise InputFormatError(f"empty {what}: expected a header line and rows", source=source)
    header = [h.strip() for h in rows[0]]
    width = len(header)
    body, body_lines = [], []
    for line, row in zip(lines[1:], rows[1:], strict=True):
        if len(row) > width and any(row[width:]):
            raise InputFormatError(
                f"{len(row)} fields but the header has {width}", source=source, line=line
            )
        body.append((row + [""] * width)[:width])
        body_lines.append(line)
    return RawTable(
        source=source, header=header, rows=body, lines=body_lines, comments=tuple(comments)
    )
