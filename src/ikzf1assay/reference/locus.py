"""The IKZF1 locus sequence, read through pysam from any indexed genome FASTA.

:func:`load_locus` takes a whole genome (``GRCh38.fa`` with its ``.fai``; bgzip-compressed
with ``.gzi`` too), or a locus file written by ``ikzf1assay reference fetch``, and returns a
:class:`Locus`: the sequence from ``flank_5`` before exon 1 to ``flank_3`` after exon 8 with the
gene model placed on it. It checks that the sequence is the gene it claims to be: the introns
of the canonical transcript must start with GT and end with AG (a wrong build or a shifted
sequence breaks that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pysam

from ikzf1assay.errors import FileAccessError, InputFormatError, ParameterError
from ikzf1assay.reference.model import BuildModel, load_gene_model

__all__ = ["Locus", "load_locus", "locus_contig_name", "splice_sites_ok"]

# RefSeq accessions of chromosome 7, for genomes named that way (NCBI downloads).
_REFSEQ_CHR7 = {"GRCh38": "NC_000007.14", "GRCh37": "NC_000007.13"}
_CLEAN = re.compile(r"[^ACGTN]")


@dataclass(frozen=True)
class Locus:
    """A stretch of chromosome with the gene model placed on it.

    Attributes
    ----------
    model
        The gene model on this sequence's coordinates.
    sequence
        Upper-case, 5'->3' on the + strand; soft-masked (lower-case) bases are upper-cased and
        any base other than A, C, G, T becomes N.
    start
        Chromosome coordinate (1-based) of ``sequence[0]``.
    name
        What to call it in reports (``IKZF1 GRCh38 7:50299716-50420101``).
    synthetic
        True for the generated stand-in locus: never evidence about the real primers.
    source
        The file or URL it came from.
    """

    model: BuildModel
    sequence: str
    start: int
    name: str
    synthetic: bool
    source: str

    @property
    def end(self) -> int:
        return self.start + len(self.sequence) - 1

    def index(self, position: int) -> int:
        """0-based index in ``sequence`` of chromosome ``position`` (1-based)."""
        if not self.start <= position <= self.end:
            raise ParameterError(
                f"position {position:,} is outside the locus {self.start:,}-{self.end:,}"
            )
        return position - self.start

    def position(self, index: int) -> int:
        """Chromosome coordinate (1-based) of 0-based ``index`` in ``sequence``."""
        return self.start + index


def locus_contig_name(model: BuildModel) -> str:
    """The contig name of a locus file: ``IKZF1_GRCh38_7_50299716_50420101``."""
    return f"{model.gene}_{model.build}_{model.chrom}_{model.locus_start}_{model.locus_end}"


def splice_sites_ok(sequence: str, start: int, model: BuildModel) -> list[str]:
    """Introns whose borders are not GT...AG in ``sequence`` (empty when all are)."""
    bad = []
    for left, right in zip(model.exons, model.exons[1:], strict=False):
        donor = sequence[left.end + 1 - start : left.end + 3 - start]
        acceptor = sequence[right.start - 2 - start : right.start - start]
        if donor != "GT" or acceptor != "AG":
            bad.append(f"intron {left.number} ({donor or '--'}...{acceptor or '--'})")
    return bad


def load_locus(
    genome: str | Path, build: str = "GRCh38", *, gene_model: str | Path | None = None
) -> Locus:
    """Read the IKZF1 locus of ``build`` from an indexed FASTA.

    Parameters
    ----------
    genome
        A genome FASTA with chromosome 7 named ``7``, ``chr7`` or its RefSeq accession
        (indexed with ``samtools faidx``; pysam writes the index if it is missing and the folder
        is writable), or a locus file from ``ikzf1assay reference fetch``.
    build
        ``GRCh38`` (default) or ``GRCh37`` (``hg38``, ``hg19`` accepted).
    gene_model
        Another gene-model file; default the bundled one.

    Raises
    ------
    FileAccessError
        The FASTA or its index cannot be opened.
    InputFormatError
        No chromosome 7 or locus contig; chromosome too short for the locus; the sequence
        does not have the gene's splice sites (wrong build?).
    """
    model = load_gene_model(gene_model).build(build)
    path = Path(genome)
    if not path.is_file():
        raise FileAccessError("genome FASTA not found", source=path)
    try:
        fasta = pysam.FastaFile(str(path))
    except (OSError, ValueError) as exc:
        raise FileAccessError(
            f"cannot open as an indexed FASTA ({exc}); index it with `samtools faidx {path}` "
            "(bgzip-compressed files need bgzip, not gzip)",
            source=path,
        ) from None
    with fasta:
        contigs = set(fasta.references)
        locus_contig = locus_contig_name(model)
        if locus_contig in contigs:
            raw = fasta.fetch(locus_contig)
            start = model.locus_start
            if len(raw) != model.locus_end - model.locus_start + 1:
                raise InputFormatError(
                    f"contig {locus_contig} has {len(raw):,} bases; expected "
                    f"{model.locus_end - model.locus_start + 1:,} (fetch the locus again)",
                    source=path,
                )
        else:
            names = (model.chrom, f"chr{model.chrom}", _REFSEQ_CHR7.get(model.build, ""))
            chrom = next((n for n in names if n in contigs), None)
            if chrom is None:
                shown = ", ".join(sorted(contigs)[:5])
                raise InputFormatError(
                    f"no chromosome {model.chrom} in this FASTA (looked for "
                    f"{', '.join(n for n in names if n)} or {locus_contig}); it has {shown}"
                    f"{' ...' if len(contigs) > 5 else ''}",
                    source=path,
                )
            length = fasta.get_reference_length(chrom)
            if length < model.locus_end:
                raise InputFormatError(
                    f"{chrom} has {length:,} bases, shorter than the locus end "
                    f"{model.locus_end:,} of {model.build}: is this another build?",
                    source=path,
                )
            raw = fasta.fetch(chrom, model.locus_start - 1, model.locus_end)
            start = model.locus_start
    sequence = _CLEAN.sub("N", raw.upper())
    bad = splice_sites_ok(sequence, start, model)
    if len(bad) > 1:  # one intron may carry a SNP or a non-canonical site; most may not
        raise InputFormatError(
            f"the sequence at {model.locus_region} does not look like {model.gene} on "
            f"{model.build}: {len(bad)} of {len(model.exons) - 1} introns lack GT...AG borders "
            f"({'; '.join(bad[:3])}). Is the genome another build? Pass --build.",
            source=path,
        )
    return Locus(
        model=model,
        sequence=sequence,
        start=start,
        name=f"{model.gene} {model.build} {model.locus_region}",
        synthetic=False,
        source=str(path),
    )
