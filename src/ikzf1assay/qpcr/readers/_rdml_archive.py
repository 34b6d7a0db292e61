"""The RDML container: a zip archive holding the XML document, or the XML alone.

The archive's member may have any name (``rdml_data.xml``, ``rdml_data.rdml``, ...): the
member read is the first whose content starts an ``<rdml`` document. Some zip writers put a
record before the first entry (a data-descriptor / spanned-archive marker ``PK\\x07\\x08``, or
``PK00``); Python's zipfile opens such archives, and so do we. The archive is unpacked only
within the limits of :mod:`ikzf1assay.qpcr.readers.limits` (unpacked size and element count,
checked while unpacking, before parsing).
"""

from __future__ import annotations

import io
import zipfile
import zlib

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.readers import limits

__all__ = ["ARCHIVE_PREFIXES", "is_archive", "looks_like_xml", "xml_head", "xml_of"]

# what a zip archive starts with: a local file header, or a marker record before it
ARCHIVE_PREFIXES = (b"PK\x03\x04", b"PK\x07\x08", b"PK00")
_HEAD = 4096
_MAX_MEMBERS_LOOKED_AT = 64  # an RDML archive holds one document; do not read a whole zip

# zipfile reports damaged archives through many exception types
_ZIP_ERRORS = (EOFError, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, zlib.error)


def looks_like_xml(head: bytes) -> bool:
    """True when the bytes start an RDML XML document."""
    return b"<rdml" in head[:_HEAD]


def _damaged(exc: Exception, source: str) -> InputFormatError:
    if isinstance(exc, zipfile.BadZipFile):
        return InputFormatError(f"damaged RDML archive ({exc})", source=source)
    return InputFormatError(f"damaged or truncated RDML archive ({exc})", source=source)


def _member(archive: zipfile.ZipFile, source: str) -> tuple[zipfile.ZipInfo | None, bytes]:
    """The first member whose content starts an RDML document, and its first bytes."""
    members = [i for i in archive.infolist() if not i.is_dir()]
    if not members:
        raise InputFormatError("the RDML archive is empty", source=source)
    # the usual name first, then the others in archive order
    members.sort(key=lambda i: not i.filename.lower().endswith((".xml", ".rdml")))
    for info in members[:_MAX_MEMBERS_LOOKED_AT]:
        with archive.open(info) as fh:
            head = fh.read(_HEAD)
        if looks_like_xml(head):
            return info, head
    return None, b""


def is_archive(raw: bytes, source: str) -> bool:
    """True when ``raw`` is a zip archive with a member that starts an RDML document.

    Raises
    ------
    InputFormatError
        The archive is damaged or empty.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return _member(archive, source)[0] is not None
    except (*_ZIP_ERRORS, zipfile.BadZipFile) as exc:
        raise _damaged(exc, source) from None


def _no_document(archive: zipfile.ZipFile, source: str) -> InputFormatError:
    names = ", ".join(archive.namelist()[:10])
    return InputFormatError(
        f"the archive holds no RDML document (no member starts with <rdml; members: {names})",
        source=source,
    )


def xml_head(raw: bytes, source: str, size: int = _HEAD) -> bytes:
    """The first bytes of an RDML archive's XML (to recognise it without unpacking it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            info, head = _member(archive, source)
            if info is None:
                raise _no_document(archive, source)
            if size <= len(head):
                return head[:size]
            with archive.open(info) as fh:
                return fh.read(size)
    except (*_ZIP_ERRORS, zipfile.BadZipFile) as exc:
        raise _damaged(exc, source) from None


def _too_many(count: int, source: str) -> InputFormatError:
    return InputFormatError(
        f"the RDML XML holds more than {limits.MAX_XML_ELEMENTS:,} tags (counted {count:,} "
        "before stopping); a run's RDML file has far fewer (the 960-curve Vermeulen run "
        "297,335): refused before parsing (limit: "
        "ikzf1assay.qpcr.readers.limits.MAX_XML_ELEMENTS)",
        source=source,
    )


def _too_large(size: str, source: str) -> InputFormatError:
    return InputFormatError(
        f"the RDML XML is {size}; at most {limits.MAX_XML_BYTES / 2**20:.0f} MiB are read "
        "(limit: ikzf1assay.qpcr.readers.limits.MAX_XML_BYTES)",
        source=source,
    )


def xml_of(raw: bytes, source: str) -> bytes:
    """The RDML XML: the archive's RDML member or ``raw``, within the limits.

    The archive is unpacked in chunks while its elements are counted (``<`` bytes), so a
    small archive that unpacks to an absurd document (a zip bomb) is refused after reading
    just past :data:`~.limits.MAX_XML_ELEMENTS` elements or :data:`~.limits.MAX_XML_BYTES`
    bytes, whatever its header claims, and before any parsing.
    """
    max_bytes, max_elements = limits.MAX_XML_BYTES, limits.MAX_XML_ELEMENTS
    if not raw.startswith(ARCHIVE_PREFIXES):
        if len(raw) > max_bytes:
            raise _too_large(f"{len(raw)} bytes", source)
        count = raw.count(b"<")
        if count > max_elements:
            raise _too_many(count, source)
        return raw
    chunks: list[bytes] = []
    total = count = 0
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            info, _ = _member(archive, source)
            if info is None:
                raise _no_document(archive, source)
            if info.file_size > max_bytes:
                raise _too_large(f"{info.file_size} bytes unpacked ({info.filename})", source)
            with archive.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
                    count += chunk.count(b"<")
                    if total > max_bytes:
                        raise _too_large(f"more than {max_bytes} bytes unpacked", source)
                    if count > max_elements:
                        raise _too_many(count, source)
                    chunks.append(chunk)
    except (*_ZIP_ERRORS, zipfile.BadZipFile) as exc:
        raise _damaged(exc, source) from None
    return b"".join(chunks)
