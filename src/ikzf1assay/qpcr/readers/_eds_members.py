"""The members of an Applied Biosystems ``.eds`` archive, unpacked within the size limits.

An ``.eds`` run file is a zip whose run data sit under ``apldbio/sds/``. Members are found
by their path inside the archive (case-insensitive, wherever the ``apldbio/sds/`` folder
sits), never by the archive's own file name. Each member is unpacked in chunks and refused
past :data:`~ikzf1assay.qpcr.readers.limits.MAX_TEXT_BYTES`, whatever its header claims,
so a small archive that unpacks to an absurd size (a zip bomb) is refused before parsing.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from ikzf1assay._text import decode_text
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.readers import limits

__all__ = ["SDS", "Members", "member_source", "open_members"]

SDS = "apldbio/sds/"
# zipfile reports damaged archives through many exception types
_ZIP_ERRORS = (
    zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, OSError, RuntimeError, ValueError,
    zlib.error,
)  # fmt: skip


def member_source(source: str, member: str) -> str:
    """How an error names a member: ``run.eds, member apldbio/sds/analysis_result.txt``."""
    return f"{source}, member {member}"


@dataclass(frozen=True)
class Members:
    """The archive's member names (``apldbio/sds/...`` as stored) and a way to read them."""

    source: str
    raw: bytes
    names: tuple[str, ...]

    def find(self, base: str) -> str | None:
        """The stored name of ``apldbio/sds/<base>`` (case-insensitive), or None."""
        want = (SDS + base).lower()
        for name in self.names:
            if name.lower().endswith(want):
                return name
        return None

    def others(self, read: set[str]) -> list[str]:
        """Members not among ``read`` (folders left out), in archive order."""
        return [n for n in self.names if n not in read and not n.endswith("/")]

    def text(self, name: str) -> str:
        """A member's text, decoded (UTF-8, UTF-16 or a legacy code page), within the limit."""
        where = member_source(self.source, name)
        return decode_text(self.bytes(name), where)

    def bytes(self, name: str) -> bytes:
        """A member's bytes, unpacked in chunks and refused past the size limit."""
        where = member_source(self.source, name)
        limit = limits.MAX_TEXT_BYTES
        chunks: list[bytes] = []
        total = 0
        try:
            with zipfile.ZipFile(io.BytesIO(self.raw)) as archive:
                info = archive.getinfo(name)
                if info.file_size > limit:
                    raise _too_large(f"{info.file_size} bytes unpacked", where)
                with archive.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > limit:
                            raise _too_large(f"more than {limit} bytes unpacked", where)
                        chunks.append(chunk)
        except _ZIP_ERRORS as exc:
            raise InputFormatError(
                f"damaged or truncated .eds archive ({exc}); expected a zip as the "
                "Applied Biosystems software saves it",
                source=where,
            ) from None
        return b"".join(chunks)


def _too_large(size: str, where: str) -> InputFormatError:
    return InputFormatError(
        f"the member is {size}; at most {limits.MAX_TEXT_BYTES / 2**20:.0f} MiB are read "
        "(limit: ikzf1assay.qpcr.readers.limits.MAX_TEXT_BYTES)",
        source=where,
    )


def open_members(raw: bytes, source: str) -> Members:
    """The archive's members.

    Raises
    ------
    InputFormatError
        The archive is damaged.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = tuple(archive.namelist())
    except _ZIP_ERRORS as exc:
        raise InputFormatError(
            f"damaged or truncated .eds archive ({exc})", source=source
        ) from None
    return Members(source=source, raw=raw, names=names)
