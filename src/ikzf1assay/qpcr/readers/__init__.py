"""Readers of qPCR run exports, one module per format, all returning the same Plate.

:func:`read_run` detects the format from the content (never from the file name) and
dispatches. Formats:

==============  ============================================================================
abi-text        ABI 7500 / 7500 Fast v2.x and QuantStudio / ViiA 7 sectioned text exports
==============  ============================================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ikzf1assay.errors import FileAccessError, InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import abi_text
from ikzf1assay.qpcr.readers._text import decode_text

__all__ = ["FORMATS", "detect_format", "read_run"]

MAX_FILE_BYTES = 512 * 1024 * 1024

TextReader = Callable[[str, str, str], Plate]
_TEXT_READERS: dict[str, tuple[Callable[[str], bool], TextReader]] = {
    abi_text.FORMAT: (abi_text.looks_like, abi_text.read),
}
FORMATS = ("auto", *_TEXT_READERS)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileAccessError(
                f"file is {size / 2**20:.0f} MiB; exports above {MAX_FILE_BYTES / 2**20:.0f} MiB "
                "are not read",
                source=path,
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise FileAccessError("file not found", source=path) from None
    except IsADirectoryError:
        raise FileAccessError("is a directory; expected a run export file", source=path) from None
    except PermissionError:
        raise FileAccessError("permission denied", source=path) from None


def detect_format(raw: bytes, source: str) -> str:
    """The format name of an export, decided from its content."""
    if not raw.strip():
        raise InputFormatError("the file is empty; expected a qPCR run export", source=source)
    text = decode_text(raw, source)
    for name, (looks_like, _) in _TEXT_READERS.items():
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
    raw = _read_bytes(file)
    source = str(file)
    name = detect_format(raw, source) if format == "auto" else format
    if name not in _TEXT_READERS:
        raise InputFormatError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)}", source=source
        )
    reader = _TEXT_READERS[name][1]
    return reader(decode_text(raw, source), source, hashlib.sha256(raw).hexdigest())
