"""Readers of qPCR run exports, one module per format, all returning the same Plate.

:func:`read_run` detects the format from the content (never from the file name):

=================  ==========================================================================
abi-text           ABI 7500 / 7500 Fast v2.x and QuantStudio / ViiA 7 sectioned text exports
abi-sds            ABI 7500 SDS v1.4-style exports (SDS header, Well/Detector table, wide curves)
abi-xls            ABI 7500 Software ``.xls`` exports, the same sections as sheets (xlrd)
quantstudio-xlsx   QuantStudio Design & Analysis ``.xlsx`` exports (openpyxl)
rdml               RDML v1.0-v1.4 (zip or bare XML; defusedxml)
cfx-csv            Bio-Rad CFX Manager / Maestro CSV (amplification + Cq results files)
tidy-csv           the documented tidy CSV (well, cycle, fluorescence, ...)
=================  ==========================================================================
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from ikzf1assay._io import read_file_bytes
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import abi_sds, abi_sheets, abi_text, cfx, rdml, tidy_csv
from ikzf1assay.qpcr.readers._text import decode_text

__all__ = ["FORMATS", "detect_format", "read_run"]

MAX_FILE_BYTES = 512 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Reader = Callable[[bytes, str, str], Plate]


def _text(read: Callable[[str, str, str], Plate]) -> Reader:
    return lambda raw, source, sha: read(decode_text(raw, source), source, sha)


_READERS: dict[str, Reader] = {
    abi_text.FORMAT: _text(abi_text.read),
    abi_sds.FORMAT: _text(abi_sds.read),
    abi_sheets.XLS: abi_sheets.read_xls,
    abi_sheets.XLSX: abi_sheets.read_xlsx,
    rdml.FORMAT: rdml.read,
    cfx.FORMAT: cfx.read,
    tidy_csv.FORMAT: _text(tidy_csv.read),
}
_TEXT_DETECTORS: dict[str, Callable[[str], bool]] = {
    abi_text.FORMAT: abi_text.looks_like,
    abi_sds.FORMAT: abi_sds.looks_like,
    cfx.FORMAT: cfx.looks_like,
    tidy_csv.FORMAT: tidy_csv.looks_like,
}
FORMATS = ("auto", *_READERS)


def _zip_format(raw: bytes, source: str) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise InputFormatError(
            "a damaged or truncated zip archive; expected an .xlsx workbook or an RDML file",
            source=source,
        ) from None
    if "xl/workbook.xml" in names:
        return abi_sheets.XLSX
    xml_names = [n for n in names if n.lower().endswith(".xml")]
    if xml_names and rdml.looks_like_xml(rdml.xml_of(raw, source)[:4096]):
        return rdml.FORMAT
    raise InputFormatError(
        "a zip archive that is neither an .xlsx workbook nor an RDML file", source=source
    )


def detect_format(raw: bytes, source: str) -> str:
    """The format name of an export, decided from its content."""
    if not raw.strip():
        raise InputFormatError("the file is empty; expected a qPCR run export", source=source)
    if raw.startswith(b"PK\x03\x04"):
        return _zip_format(raw, source)
    if raw.startswith(_OLE2):
        return abi_sheets.XLS
    if rdml.looks_like_xml(raw):
        return rdml.FORMAT
    text = decode_text(raw, source)
    for name, looks_like in _TEXT_DETECTORS.items():
        if looks_like(text):
            return name
    raise InputFormatError(
        "not a qPCR export this version reads; expected one of: " + ", ".join(FORMATS[1:]),
        source=source,
    )


def read_run(path: str | Path, format: str = "auto") -> Plate:
    """Read a run export into a :class:`~ikzf1assay.qpcr.plate.Plate`.

    Parameters
    ----------
    path
        The export file.
    format
        ``"auto"`` (detect from the content) or one of :data:`FORMATS`.

    Raises
    ------
    FileAccessError
        The file cannot be read.
    InputFormatError
        The content is not a readable export; the message names the file, the line (or sheet
        and cell) and what was expected.
    """
    file = Path(path)
    raw = read_file_bytes(file, "a run export file", MAX_FILE_BYTES)
    source = str(file)
    name = detect_format(raw, source) if format == "auto" else format
    reader = _READERS.get(name)
    if reader is None:
        raise InputFormatError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)}", source=source
        )
    return reader(raw, source, hashlib.sha256(raw).hexdigest())
