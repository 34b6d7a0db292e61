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

Files are refused from their size before they are read, and RDML archives before they are
parsed, above the limits of :mod:`ikzf1assay.qpcr.readers.limits`.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from ikzf1assay._io import read_file_bytes, read_file_head
from ikzf1assay._text import decode_text
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import abi_sds, abi_sheets, abi_text, cfx, limits, rdml, tidy_csv

__all__ = ["FORMATS", "detect_format", "limits", "read_run"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Reader = Callable[[bytes, str, str], Plate]
TextReader = Callable[[str, str, str], Plate]

_TEXT_READERS: dict[str, TextReader] = {
    abi_text.FORMAT: abi_text.read,
    abi_sds.FORMAT: abi_sds.read,
    cfx.FORMAT: cfx.read,
    tidy_csv.FORMAT: tidy_csv.read,
}
_BINARY_READERS: dict[str, Reader] = {
    abi_sheets.XLS: abi_sheets.read_xls,
    abi_sheets.XLSX: abi_sheets.read_xlsx,
    rdml.FORMAT: rdml.read,
}
_TEXT_DETECTORS: dict[str, Callable[[str], bool]] = {
    abi_text.FORMAT: abi_text.looks_like,
    abi_sds.FORMAT: abi_sds.looks_like,
    cfx.FORMAT: cfx.looks_like,
    tidy_csv.FORMAT: tidy_csv.looks_like,
}
FORMATS = (
    "auto", abi_text.FORMAT, abi_sds.FORMAT, abi_sheets.XLS, abi_sheets.XLSX, rdml.FORMAT,
    cfx.FORMAT, tidy_csv.FORMAT,
)  # fmt: skip


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
    if xml_names and rdml.looks_like_xml(rdml.xml_head(raw, source)):
        return rdml.FORMAT
    raise InputFormatError(
        "a zip archive that is neither an .xlsx workbook nor an RDML file", source=source
    )


def _binary_format(raw: bytes, source: str) -> str | None:
    """The format of a workbook or RDML file; None for text, decided once decoded."""
    if not raw or raw.isspace():  # no strip(): that would copy a large file
        raise InputFormatError("the file is empty; expected a qPCR run export", source=source)
    if raw.startswith(b"PK\x03\x04"):
        return _zip_format(raw, source)
    if raw.startswith(_OLE2):
        return abi_sheets.XLS
    if rdml.looks_like_xml(raw):
        return rdml.FORMAT
    return None


def _text_format(text: str, source: str) -> str:
    for name, looks_like in _TEXT_DETECTORS.items():
        if looks_like(text):
            return name
    raise InputFormatError(
        "not a qPCR export this version reads; expected one of: " + ", ".join(FORMATS[1:]),
        source=source,
    )


def detect_format(raw: bytes, source: str) -> str:
    """The format name of an export, decided from its content."""
    return _binary_format(raw, source) or _text_format(decode_text(raw, source), source)


def _limit(head: bytes) -> tuple[int, str]:
    """The size limit for a file that starts with ``head``, and why (see :mod:`.limits`)."""
    if head.startswith((b"PK\x03\x04", _OLE2)):
        return limits.MAX_FILE_BYTES, "a workbook or RDML archive is far smaller"
    if rdml.looks_like_xml(head):
        return limits.MAX_XML_BYTES, "an RDML file of a run is far smaller"
    return (
        limits.MAX_TEXT_BYTES,
        "a text export of a 384-well run is 10-30 MiB, and reading one takes several times "
        "its size in memory; is this the right file? (limit: "
        "ikzf1assay.qpcr.readers.limits.MAX_TEXT_BYTES)",
    )


def read_run(path: str | Path, format: str = "auto") -> Plate:
    """Read a run export into a :class:`~ikzf1assay.qpcr.plate.Plate`.

    A file above the size limit of its kind (:mod:`ikzf1assay.qpcr.readers.limits`: text
    exports 128 MiB, workbooks and RDML archives 512 MiB) is refused from its size, before
    it is read.

    Parameters
    ----------
    path
        The export file.
    format
        ``"auto"`` (detect from the content) or one of :data:`FORMATS`.

    Raises
    ------
    FileAccessError
        The file cannot be read, or is above its size limit.
    InputFormatError
        The content is not a readable export; the message names the file, the line (or sheet
        and cell) and what was expected.
    """
    file = Path(path)
    source = str(file)
    if format not in FORMATS:
        raise InputFormatError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)}", source=source
        )
    expected = "a run export file"
    max_bytes, why = _limit(read_file_head(file, expected))
    raw = read_file_bytes(file, expected, max_bytes, why)
    sha256 = hashlib.sha256(raw).hexdigest()
    name = _binary_format(raw, source) if format == "auto" else format
    if name in _BINARY_READERS:
        return _BINARY_READERS[name](raw, source, sha256)
    # A text export: decoded once, and its bytes let go before it is parsed.
    text = decode_text(raw, source)
    del raw
    if name is None:
        name = _text_format(text, source)
    return _TEXT_READERS[name](text, source, sha256)
