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

:func:`find_exports` lists the exports among files and folders. A format whose run spans
several files declares, in its reader module, a ``read_through(path)`` giving the reason a
file is read through another file of its run (CFX amplification files, read with their Cq
results file); the package asks every such reader.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ikzf1assay._io import read_file_bytes, read_file_head
from ikzf1assay._text import decode_text
from ikzf1assay.errors import IkzfAssayError, InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import abi_sds, abi_sheets, abi_text, cfx, limits, rdml, tidy_csv

__all__ = ["FORMATS", "detect_format", "find_exports", "limits", "read_run", "read_through"]

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
# Readers of runs that span several files: why a file is read through another one, or None.
_READ_THROUGH: tuple[Callable[[Path], str | None], ...] = (cfx.read_through,)
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
    """The format name of an export, decided from its content (never from its file name).

    Parameters
    ----------
    raw
        The file's bytes.
    source
        The file's name, for error messages.

    Returns
    -------
    str
        One of :data:`FORMATS` other than ``"auto"``.

    Raises
    ------
    InputFormatError
        The content is empty, a damaged archive, or no export this version reads.
    """
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

    Returns
    -------
    Plate
        The run's wells, curves, instrument results and metadata, and what was skipped.

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


def read_through(path: str | Path) -> str | None:
    """Why ``path`` is read through another file of its run rather than on its own.

    Parameters
    ----------
    path
        A file, judged from its name by the readers of multi-file formats.

    Returns
    -------
    str or None
        The reason (e.g. a CFX amplification file, read with its Cq results file); None when
        the file may be an export of its own.
    """
    file = Path(path)
    for reason_of in _READ_THROUGH:
        reason = reason_of(file)
        if reason is not None:
            return reason
    return None


def find_exports(
    paths: str | Path | Iterable[str | Path],
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files given, and the run exports inside given folders (not recursive).

    In a folder, a file is taken when its content is a run export; a run that spans several
    files is taken once, through the file its reader reads it from (:func:`read_through`).
    Everything else in a folder is returned with the reason, to be reported, not dropped; its
    subfolders are not looked into. A file given is taken as it is, without a look at it. A
    file whose detection fails unexpectedly is taken, so that reading it records the failure.

    Parameters
    ----------
    paths
        Files and folders, or one of them.

    Returns
    -------
    exports, skipped
        ``exports``: the files to read, in the order given, a folder's sorted by name;
        ``skipped``: (file, reason) for each file of a folder that was not taken.
    """
    given = [paths] if isinstance(paths, str | Path) else paths
    exports: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for item in given:
        path = Path(item)
        if not path.is_dir():
            exports.append(path)
            continue
        for file in sorted(p for p in path.iterdir() if p.is_file()):
            reason = _not_an_export(file)
            if reason is None:
                exports.append(file)
            else:
                skipped.append((file, reason))
    return exports, skipped


def _not_an_export(file: Path) -> str | None:
    """Why a file of a folder is not taken as an export; None to take it."""
    reason = read_through(file)
    if reason is not None:
        return reason
    try:
        detect_format(file.read_bytes(), str(file))
    except IkzfAssayError as exc:
        return exc.message
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    except Exception:  # taken: reading it records the failure where the caller reports it
        return None
    return None
