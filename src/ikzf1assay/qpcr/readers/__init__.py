"""Readers of qPCR run exports, one module per format, all returning the same Plate.

:func:`read_run` detects the format from the content (never from the file name):

=================  ==========================================================================
abi-text           ABI 7500 / 7500 Fast v2.x and QuantStudio / ViiA 7 sectioned text exports
abi-sds            ABI 7500 SDS v1.4-style exports (SDS header, Well/Detector table, wide curves)
abi-xls            ABI 7500 Software ``.xls`` exports, the same sections as sheets (xlrd)
quantstudio-xlsx   QuantStudio Design & Analysis ``.xlsx`` exports (openpyxl)
rdml               RDML v1.0-v1.4 (zip or bare XML; defusedxml)
cfx-csv            Bio-Rad CFX Manager / Maestro CSV (amplification, Cq results, melt RFU files)
cfx-xlsx           the same CFX tables as CFX Maestro ``.xlsx`` workbooks (openpyxl)
abi-eds            Applied Biosystems ``.eds`` run files (zip: analysis results, plate setup,
                   multicomponent data)
lightcycler480     Roche LightCycler 480 text exports (raw data with melt; Abs Quant Cp table)
rotorgene-rex      Qiagen Rotor-Gene Q / 6000 ``.rex`` run files (XML; raw readings, melt)
tidy-csv           the documented tidy CSV (well, cycle, fluorescence, ...)
wide-csv           wide curve tables: cycles in the first column, one column per curve
=================  ==========================================================================

Files are refused from their size before they are read, and RDML archives before they are
parsed, above the limits of :mod:`ikzf1assay.qpcr.readers.limits`.

A format whose run spans several files (CFX: one file per table) declares, in its reader
module, ``partners(path) -> list[Path]``: the other files of the run, found beside ``path`` by
name (the one exception to detection by content), raising InputFormatError when the pairing is
ambiguous. :func:`read_run` reads them (within the same size limits) and hands their bytes to
the format's reader as ``partners`` (registered in ``_PARTNERS`` and ``_*_PARTNER_READERS``).
The same module declares ``read_through(path)``: the reason a file of a folder is read through
another file of its run rather than taken on its own (CFX amplification files, read with their
Cq results file); :func:`find_exports` asks every such reader.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ikzf1assay._io import read_file_bytes, read_file_head
from ikzf1assay._text import decode_text
from ikzf1assay.errors import IkzfAssayError, InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import (
    abi_sds,
    abi_sheets,
    abi_text,
    cfx,
    eds,
    lightcycler,
    limits,
    rdml,
    rotorgene,
    tidy_csv,
    wide_csv,
)

__all__ = [
    "FORMATS",
    "detect_format",
    "find_exports",
    "limits",
    "partner_files",
    "read_run",
    "read_through",
]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Reader = Callable[[bytes, str, str], Plate]
TextReader = Callable[[str, str, str], Plate]

_TEXT_READERS: dict[str, TextReader] = {
    abi_text.FORMAT: abi_text.read,
    abi_sds.FORMAT: abi_sds.read,
    cfx.FORMAT: cfx.read,
    lightcycler.FORMAT: lightcycler.read,
    tidy_csv.FORMAT: tidy_csv.read,
    wide_csv.FORMAT: wide_csv.read,
}
_BINARY_READERS: dict[str, Reader] = {
    abi_sheets.XLS: abi_sheets.read_xls,
    abi_sheets.XLSX: abi_sheets.read_xlsx,
    cfx.XLSX: cfx.read_xlsx,
    rdml.FORMAT: rdml.read,
    eds.FORMAT: eds.read,
    rotorgene.FORMAT: rotorgene.read,
}
_TEXT_DETECTORS: dict[str, Callable[[str], bool]] = {
    abi_text.FORMAT: abi_text.looks_like,
    abi_sds.FORMAT: abi_sds.looks_like,
    cfx.FORMAT: cfx.looks_like,
    lightcycler.FORMAT: lightcycler.looks_like,
    tidy_csv.FORMAT: tidy_csv.looks_like,
    wide_csv.FORMAT: wide_csv.looks_like,  # after tidy-csv and cfx-csv: the least specific
}
# Readers of runs that span several files: why a file is read through another one, or None.
_READ_THROUGH: tuple[Callable[[Path], str | None], ...] = (
    cfx.read_through,
    lightcycler.read_through,
)
# ... and the other files of a run, by format: read_run reads them and hands their bytes to
# the format's partner reader (text or binary) with the file given.
Partners = Mapping[Path, bytes]
_PARTNERS: dict[str, Callable[[Path], list[Path]]] = {
    cfx.FORMAT: cfx.partners,
    cfx.XLSX: cfx.partners,
    lightcycler.FORMAT: lightcycler.partners,  # its reader finds the partner itself
}
_TEXT_PARTNER_READERS: dict[str, Callable[[str, str, str, Partners], Plate]] = {
    cfx.FORMAT: cfx.read,
}
_BINARY_PARTNER_READERS: dict[str, Callable[[bytes, str, str, Partners], Plate]] = {
    cfx.XLSX: cfx.read_xlsx,
}
FORMATS = (
    "auto", abi_text.FORMAT, abi_sds.FORMAT, abi_sheets.XLS, abi_sheets.XLSX, eds.FORMAT,
    rdml.FORMAT, cfx.FORMAT, cfx.XLSX, lightcycler.FORMAT, rotorgene.FORMAT, tidy_csv.FORMAT,
    wide_csv.FORMAT,
)  # fmt: skip


def _zip_format(raw: bytes, source: str) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise InputFormatError(
            "a damaged or truncated zip archive; expected an .xlsx workbook, an RDML file or "
            "an .eds run file",
            source=source,
        ) from None
    if "xl/workbook.xml" in names:
        # a CFX table is told by its sheets' header rows; every other workbook is ABI's
        return cfx.XLSX if cfx.looks_like_workbook(raw) else abi_sheets.XLSX
    if eds.looks_like_members(names):
        return eds.FORMAT
    if rdml.is_archive(raw, source):
        return rdml.FORMAT
    raise InputFormatError(
        "a zip archive that is neither an .xlsx workbook, an RDML file nor an .eds run file",
        source=source,
    )


def _binary_format(raw: bytes, source: str) -> str | None:
    """The format of a workbook or RDML file; None for text, decided once decoded."""
    if not raw or raw.isspace():  # no strip(): that would copy a large file
        raise InputFormatError("the file is empty; expected a qPCR run export", source=source)
    # some zip writers put a data-descriptor / spanned-archive marker before the first entry
    if raw.startswith((b"PK\x03\x04", b"PK\x07\x08", b"PK00PK\x03\x04")):
        return _zip_format(raw, source)
    if raw.startswith(_OLE2):
        return abi_sheets.XLS
    if rdml.looks_like_xml(raw):
        return rdml.FORMAT
    if rotorgene.looks_like(raw[:4096]):
        return rotorgene.FORMAT
    return None


# exports of other kinds of run that hold no amplification data, told by words of their head
_NO_AMPLIFICATION_KINDS = (
    (("partitions", "copies/µl", "copies/ul", "dpcr", "digital pcr"), "a digital PCR export"),
    (("allele 1", "allele1", "allele x", "snp assay", "genotyping"), "a genotyping export"),
)


def _text_format(text: str, source: str) -> str:
    for name, looks_like in _TEXT_DETECTORS.items():
        if looks_like(text):
            return name
    head = text[:8192].casefold()
    for words, kind in _NO_AMPLIFICATION_KINDS:
        if any(w in head for w in words):
            raise InputFormatError(
                f"{kind}: holds no amplification data (no curve and no Ct per cycle); "
                "expected a real-time PCR run export",
                source=source,
            )
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
    if head.startswith((b"PK\x03\x04", b"PK\x07\x08", b"PK00", _OLE2)):
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
    if name in _BINARY_PARTNER_READERS:
        return _BINARY_PARTNER_READERS[name](raw, source, sha256, _read_partners(name, file))
    if name in _BINARY_READERS:
        return _BINARY_READERS[name](raw, source, sha256)
    # A text export: decoded once, and its bytes let go before it is parsed.
    text = decode_text(raw, source)
    del raw
    if name is None:
        name = _text_format(text, source)
    if name in _TEXT_PARTNER_READERS:
        return _TEXT_PARTNER_READERS[name](text, source, sha256, _read_partners(name, file))
    return _TEXT_READERS[name](text, source, sha256)


def _read_partners(name: str, file: Path) -> dict[Path, bytes]:
    """The bytes of the other files of ``file``'s run, each within its size limit."""
    found: dict[Path, bytes] = {}
    for partner in _PARTNERS[name](file):
        max_bytes, why = _limit(read_file_head(partner, "a partner file of the run"))
        found[partner] = read_file_bytes(partner, "a partner file of the run", max_bytes, why)
    return found


def partner_files(path: str | Path, format: str) -> list[Path]:
    """The other files of the run ``path`` belongs to, for a format whose runs span files.

    Parameters
    ----------
    path
        A file of the run.
    format
        Its format (``Plate.info.format``).

    Returns
    -------
    list of Path
        The run's other files found beside it; empty for single-file formats.
    """
    find = _PARTNERS.get(format)
    return [] if find is None else find(Path(path))


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
