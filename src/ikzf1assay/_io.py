"""Reading an input file whole, with the errors a user can act on; writing one file whole
(complete or absent)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ikzf1assay.errors import FileAccessError

__all__ = ["read_file_bytes", "read_file_head", "write_file_atomic"]


@contextmanager
def _access(path: Path, expected: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise FileAccessError("file not found", source=path) from None
    except IsADirectoryError:
        raise FileAccessError(f"is a directory; expected {expected}", source=path) from None
    except PermissionError:
        raise FileAccessError("permission denied", source=path) from None


def read_file_head(path: Path, expected: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of ``path`` (to decide how to read it); errors as below."""
    with _access(path, expected), path.open("rb") as fh:
        return fh.read(size)


def read_file_bytes(path: Path, expected: str, max_bytes: int, why: str = "") -> bytes:
    """The bytes of ``path``; a FileAccessError saying what is wrong and what was ``expected``.

    A file larger than ``max_bytes`` is refused from its size, before it is read; ``why``
    (the reason for the limit) is added to that message.
    """
    with _access(path, expected):
        size = path.stat().st_size
        if size > max_bytes:
            raise FileAccessError(
                f"file is {size / 2**20:.1f} MiB ({size} bytes); files above "
                f"{max_bytes / 2**20:.0f} MiB are not read (expected {expected})"
                + (f"; {why}" if why else ""),
                source=path,
            )
        return path.read_bytes()


@contextmanager
def write_file_atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` only when the block
    ends without an error (a reader never sees a half-written file), else it is removed.

    Parameters
    ----------
    path
        The file to write.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise FileAccessError(f"cannot write: {exc.strerror}", source=path) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise FileAccessError(f"cannot write: {exc.strerror}", source=path) from None
    finally:
        tmp.unlink(missing_ok=True)
