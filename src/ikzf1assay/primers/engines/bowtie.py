"""The ``bowtie`` engine: Bowtie 1 (Debian package ``bowtie``), ``-v N -a``.

Every end-to-end alignment with up to N (0-3) mismatches, exhaustive, from a prebuilt index
(built beside the FASTA when missing or older than it). Bowtie counts IUPAC codes in a primer
as mismatches, which the engine notes for the report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.engines.registry import SearchRequest, not_searched, register_engine
from ikzf1assay.primers.engines.sequences import FastaSequences
from ikzf1assay.primers.engines.tools import require_tool, run_tool
from ikzf1assay.primers.sites import Site, compare, unique_sites
from ikzf1assay.sequence import reverse_complement

__all__ = ["BowtieEngine", "bowtie_sites", "build_bowtie_index"]


def build_bowtie_index(
    genome: str | Path, prefix: str | Path | None = None, threads: int = 2
) -> Path:
    """``bowtie-build`` of ``genome`` at ``prefix`` (default: beside the FASTA), unless current."""
    genome = Path(genome)
    prefix = Path(prefix) if prefix is not None else genome.with_suffix(genome.suffix + ".bowtie")
    first = Path(f"{prefix}.1.ebwt")
    if first.is_file() and first.stat().st_mtime >= genome.stat().st_mtime:
        return prefix
    tool = require_tool("bowtie-build")
    run_tool([tool, "--threads", str(threads), "-q", str(genome), str(prefix)], "bowtie-build")
    return prefix


def bowtie_sites(
    genome: str | Path,
    primers: Mapping[str, str],
    max_mismatches: int = 3,
    *,
    index: str | Path | None = None,
    threads: int = 2,
) -> list[Site]:
    """Every site with up to ``max_mismatches`` (0-3) of each primer, by Bowtie 1 ``-v -a``."""
    if not 0 <= max_mismatches <= 3:
        raise ParameterError(f"Bowtie 1 allows 0-3 mismatches; got {max_mismatches}")
    tool = require_tool("bowtie")
    prefix = Path(index) if index is not None else build_bowtie_index(genome, threads=threads)
    with tempfile.TemporaryDirectory() as tmp:
        query = Path(tmp) / "primers.fa"
        query.write_text("".join(f">{n}\n{s}\n" for n, s in primers.items()), encoding="ascii")
        out = run_tool(
            [tool, "-f", "-v", str(max_mismatches), "-a", "--quiet", "-p", str(threads),
             str(prefix), str(query)],
            "bowtie",
        )  # fmt: skip
    seqs = FastaSequences(genome)
    sites = []
    try:
        for line in out.splitlines():
            fields = line.split("\t")
            name, strand, contig, offset = fields[0], fields[1], fields[2], int(fields[3])
            primer = primers[name]
            target = seqs.fetch(contig, offset, offset + len(primer))
            if strand == "-":
                target = reverse_complement(target)
            sites.append(
                compare(name, primer, target, contig=contig, start=offset,
                        end=offset + len(primer), strand=strand, engine="bowtie")
            )  # fmt: skip
    finally:
        seqs.close()
    return unique_sites(sites)


class BowtieEngine:
    """Bowtie 1 over the genome FASTA's index."""

    name = "bowtie"

    def caveats(self, primers: Mapping[str, str]) -> list[str]:
        """The primers with IUPAC codes, which Bowtie cannot match as codes."""
        ambiguous = [n for n, s in primers.items() if any(b not in "ACGT" for b in s)]
        if not ambiguous:
            return []
        return [
            f"{', '.join(ambiguous)}: IUPAC codes, which Bowtie counts as mismatches; the scan "
            "engine matches them as the codes allow (--engine scan)"
        ]

    def find_sites(
        self, primers: Mapping[str, str], request: SearchRequest
    ) -> tuple[list[Site], list[str]]:
        """:func:`bowtie_sites` with the request's genome, mismatches and threads."""
        genome = request.require_genome(self.name)
        sites = bowtie_sites(genome, primers, request.max_mismatches, threads=request.threads)
        return sites, [not_searched(self.name, request.max_mismatches)]


register_engine(BowtieEngine())
