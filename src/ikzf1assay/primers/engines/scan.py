"""The ``scan`` engine: :func:`ikzf1assay.primers.sites.scan` over a genome FASTA, in memory.

Exhaustive up to ``max_mismatches`` (0-3), one chromosome in memory at a time; IUPAC codes in a
primer match as the codes allow.
"""

from __future__ import annotations

from collections.abc import Mapping

from ikzf1assay.primers.engines.registry import SearchRequest, not_searched, register_engine
from ikzf1assay.primers.engines.sequences import FastaSequences
from ikzf1assay.primers.sites import Site, scan

__all__ = ["ScanEngine"]


class ScanEngine:
    """Exhaustive numpy scan of every contig of the genome FASTA."""

    name = "scan"

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        """None: the scan matches IUPAC codes as they allow."""
        return []

    def find_sites(
        self, primers: Mapping[str, str], request: SearchRequest
    ) -> tuple[list[Site], list[str]]:
        """Every site with up to ``request.max_mismatches`` mismatches, on both strands."""
        seqs = FastaSequences(request.require_genome(self.name))
        found: list[Site] = []
        try:
            for contig in seqs.contigs:  # one chromosome in memory at a time
                found += scan(
                    primers, {contig: seqs.fetch(contig, 0, seqs.length(contig))},
                    request.max_mismatches,
                )  # fmt: skip
        finally:
            seqs.close()
        return found, [not_searched(self.name, request.max_mismatches)]


register_engine(ScanEngine())
