"""Reading an input file whole, with the errors a user can act on."""

from __future__ import annotations

from pathlib import Path

from ikzf1assay.errors import FileAccessError

__all__ = ["read_file_bytes"]


def read_file_bytes(path: Path, expected: str, max_bytes: int) -> bytes:
    """The bytes of ``path``; a FileAccessError saying what is wrong and what was ``expected``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileAccessError(
                f"file is {size / 2**20:.0f} MiB; files above {max_bytes / 2**20:.0f} MiB "
                f"are not read (expected {expected})",
                source=path,
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise FileAccessError("file not found", source=path) from None
    except IsADirectoryError:
        raise FileAccessError(f"is a directory; expected {expected}", source=path) from None
    except PermissionError:
        raise FileAccessError("permission denied", source=path) from None
