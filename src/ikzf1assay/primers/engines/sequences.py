"""Genome access for the engines: an indexed FASTA through pysam, or sequences in memory.

Both follow :class:`~ikzf1assay.primers.sites.Sequences`, so that every engine measures its
sites from the genome's own bases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pysam

from ikzf1assay.errors import FileAccessError

__all__ = ["FastaSequences", "MemorySequences"]


class FastaSequences:
    """Genome access through pysam.FastaFile (an indexed FASTA)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileAccessError("genome FASTA not found", source=self.path)
        try:
            self._fa = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as exc:
            raise FileAccessError(
                f"cannot open as an indexed FASTA ({exc}); run `samtools faidx`", source=path
            ) from None
        self._lengths = dict(zip(self._fa.references, self._fa.lengths, strict=True))

    def fetch(self, contig: str, start: int, end: int) -> str:
        return str(self._fa.fetch(contig, max(0, start), min(end, self._lengths[contig]))).upper()

    def length(self, contig: str) -> int:
        return self._lengths[contig]

    @property
    def contigs(self) -> list[str]:
        return list(self._lengths)

    def close(self) -> None:
        self._fa.close()


@dataclass
class MemorySequences:
    """Genome access to sequences held in memory (contig -> string)."""

    records: Mapping[str, str]

    def fetch(self, contig: str, start: int, end: int) -> str:
        return self.records[contig][max(0, start) : end].upper()

    def length(self, contig: str) -> int:
        return len(self.records[contig])
