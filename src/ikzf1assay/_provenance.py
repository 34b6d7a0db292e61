"""What every output records about how it was made."""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["file_sha256", "package_version", "provenance"]


def package_version(name: str = "ikzf1assay") -> str:
    """Installed version of a distribution, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(**context: Any) -> dict[str, Any]:
    """Package and dependency versions, time and platform, plus the caller's ``context``."""
    return {
        "ikzf1assay": package_version(),
        "primer3-py": package_version("primer3-py"),
        "python": platform.python_version(),
        "created": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        **context,
    }
