"""SYNTHETIC sequences: the stand-in IKZF1 locus and repeat-rich genomes for tests and benchmarks.

No human sequence can be downloaded where this project is built and tested, so the tests, the
demo and the benchmarks use generated sequence. Everything here is labelled SYNTHETIC in its
name; nothing generated here is evidence about the real primers.

* :func:`synthetic_locus` -- a locus with the real exon and intron lengths of the gene model
  (GRCh38 by default), GT...AG intron borders, human-like composition, and each primer of the
  assay planted where its breakpoint cluster lies: forward primers just 5' of the cluster their
  reactions' deletions start in, reverse primers (as their reverse complement) just 3' of the
  cluster the deletions end in. The deletion alleles of this locus give one product per
  reaction, so in-silico PCR has a known answer.
* :func:`random_genome` -- chromosomes of any size with human-like base composition (41 % GC,
  CpG depleted to a quarter) and about 45 % interspersed repeats (Alu-, L1- and MIR-like
  families copied with 2-30 % divergence, in both orientations) and microsatellites; primer
  sites with chosen mismatches can then be planted with :func:`plant`;
  :func:`random_chromosomes` makes the same chromosomes one at a time.

Whole genomes written to FASTA with planted sites and facing pairs, and a truth table beside
them, are :mod:`ikzf1assay.reference.synthetic_genome` (``ikzf1assay reference
synthetic-genome``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ikzf1assay.assay import Assay
from ikzf1assay.reference.locus import Locus
from ikzf1assay.reference.model import BuildModel, load_gene_model
from ikzf1assay.sequence import reverse_complement

__all__ = [
    "PlantedSite",
    "decode",
    "encode",
    "plant",
    "primer_offsets",
    "random_chromosomes",
    "random_genome",
    "synthetic_locus",
    "write_fasta",
]

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_CODE = np.full(256, 4, dtype=np.uint8)
_CODE[np.frombuffer(b"ACGT", dtype=np.uint8)] = np.arange(4, dtype=np.uint8)
SYNTHETIC_LABEL = "SYNTHETIC"
# Distance from a cluster window to the 3' end of the primer planted beside it.
PRIMER_GAP = 60


@dataclass(frozen=True)
class PlantedSite:
    """A primer site written into a synthetic sequence (the truth a search must find).

    ``position`` is the 0-based start on the + strand; ``strand`` is ``+`` when the primer's
    own sequence reads there, ``-`` when its reverse complement does; ``mismatch_offsets`` are
    0-based offsets from the primer's 5' end.
    """

    primer: str
    contig: str
    position: int
    strand: str
    mismatch_offsets: tuple[int, ...]


def encode(seq: str) -> np.ndarray:
    """A DNA string as codes 0-3 (A, C, G, T), 4 for anything else."""
    return _CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def decode(codes: np.ndarray) -> str:
    """Codes 0-3 back to a string (4 becomes N)."""
    table = np.frombuffer(b"ACGTN", dtype=np.uint8)
    return str(table[codes].tobytes().decode("ascii"))


# Bases drawn per call: rng.choice returns 8-byte integers, so a 200 Mb chromosome drawn at once
# would need 1.6 GB; in chunks the peak is this many bytes times 8 on top of the 1-byte codes.
_CHUNK = 1 << 22


def _background(length: int, rng: np.random.Generator, gc: float = 0.41) -> np.ndarray:
    at = (1 - gc) / 2
    p = [at, gc / 2, gc / 2, at]
    if length <= _CHUNK:  # one draw, as always (sequences of the tests and the locus unchanged)
        seq = rng.choice(4, size=length, p=p).astype(np.uint8)
    else:
        seq = np.empty(length, dtype=np.uint8)
        for lo in range(0, length, _CHUNK):
            hi = min(length, lo + _CHUNK)
            seq[lo:hi] = rng.choice(4, size=hi - lo, p=p)
    # CpG depletion: methylated C of CpG deaminates; keep about a quarter (human obs/exp ~0.25).
    cpg = np.flatnonzero((seq[:-1] == 1) & (seq[1:] == 2))
    hit = cpg[rng.random(cpg.size) < 0.75]
    to_t = rng.random(hit.size) < 0.5
    seq[hit[to_t]] = 3  # C -> T
    seq[hit[~to_t] + 1] = 0  # G -> A on the other strand's view
    return seq


def _mutate(copy: np.ndarray, divergence: float, rng: np.random.Generator) -> np.ndarray:
    where = rng.random(copy.size) < divergence
    copy = copy.copy()
    copy[where] = (copy[where] + rng.integers(1, 4, size=int(where.sum()))) % 4
    return copy


def _revcomp_codes(codes: np.ndarray) -> np.ndarray:
    return np.asarray((3 - codes)[::-1], dtype=np.uint8)


# (name, consensus length, share of the genome, mean copy length or None for full length,
#  divergence range, GC of the consensus)
_FAMILIES = (
    ("Alu-like", 300, 0.10, None, (0.02, 0.18), 0.52),
    ("L1-like", 6000, 0.17, 900, (0.05, 0.25), 0.40),
    ("MIR-like", 260, 0.03, 140, (0.20, 0.30), 0.45),
    ("ERV-like", 7000, 0.08, 1200, (0.05, 0.20), 0.43),
    ("DNA-like", 1500, 0.03, 300, (0.10, 0.25), 0.38),
)
_MICROSATELLITES = ("CA", "A", "TTAGGG", "AAAT", "GT", "TCTA")


def _add_repeats(seq: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    n = seq.size
    for _, length, share, mean_copy, (lo, hi), gc in _FAMILIES:
        consensus = _background(length, rng, gc)
        target = int(n * share * scale)
        placed = 0
        while placed < target:
            size = (
                length if mean_copy is None else int(min(length, rng.exponential(mean_copy) + 50))
            )
            start_in = length - size  # 3' fragments, as truncated retrotransposons are
            copy = _mutate(consensus[start_in:], rng.uniform(lo, hi), rng)
            if rng.random() < 0.5:
                copy = _revcomp_codes(copy)
            if size >= n:
                break
            at = int(rng.integers(0, n - size))
            seq[at : at + size] = copy
            placed += size
    micro_target = int(n * 0.01 * scale)
    placed = 0
    while placed < micro_target:
        unit = encode(_MICROSATELLITES[int(rng.integers(len(_MICROSATELLITES)))])
        size = int(rng.integers(20, 80))
        if size >= n:
            break
        tract = np.resize(unit, size)
        at = int(rng.integers(0, n - size))
        seq[at : at + size] = tract
        placed += size


def random_genome(
    lengths: Iterable[int], seed: int = 1, repeats: bool = True, prefix: str = "SYNTHETIC_chr"
) -> dict[str, np.ndarray]:
    """Generated chromosomes (codes 0-3) named ``SYNTHETIC_chr1`` ..., human-like, with repeats.

    Parameters
    ----------
    lengths
        Length of each chromosome.
    seed
        Everything follows from it.
    repeats
        False for composition only (no interspersed repeats, no microsatellites).
    """
    return dict(random_chromosomes(lengths, seed, repeats, prefix))


def random_chromosomes(
    lengths: Iterable[int], seed: int = 1, repeats: bool = True, prefix: str = "SYNTHETIC_chr"
) -> Iterator[tuple[str, np.ndarray]]:
    """The chromosomes of :func:`random_genome`, the same ones, made one at a time.

    Each is generated when the iteration reaches it, so a caller that writes and drops each
    one (:func:`ikzf1assay.reference.synthetic_genome.write_synthetic_genome`) holds one
    chromosome in memory, not the genome.

    Parameters
    ----------
    lengths
        Length of each chromosome.
    seed
        Everything follows from it.
    repeats
        False for composition only (no interspersed repeats, no microsatellites).
    prefix
        Chromosome ``i`` (from 1) is named ``f"{prefix}{i}"``.

    Yields
    ------
    tuple of (str, numpy.ndarray)
        The name and the codes (0-3 for A, C, G, T; ``uint8``).
    """
    rng = np.random.default_rng(seed)
    for i, length in enumerate(lengths, start=1):
        seq = _background(int(length), rng)
        if repeats:
            _add_repeats(seq, rng, 1.0)
        yield f"{prefix}{i}", seq
        del seq  # the caller's copy may go before the next one is made


def plant(
    genome: dict[str, np.ndarray],
    primer: str,
    primer_sequence: str,
    contig: str,
    position: int,
    strand: str,
    mismatch_offsets: Iterable[int] = (),
    rng: np.random.Generator | None = None,
) -> PlantedSite:
    """Write a primer site into ``genome`` in place, with mismatches at the given offsets.

    Offsets count from the primer's 5' end; each mismatch substitutes a different base (chosen
    by ``rng``, else the next base in ACGT order) in the site as the primer reads it.
    """
    offsets = tuple(sorted(set(mismatch_offsets)))
    site = encode(primer_sequence)
    for k, off in enumerate(offsets):
        shift = 1 + (int(rng.integers(0, 3)) if rng is not None else k % 3)
        site[off] = (site[off] + shift) % 4
    codes = site if strand == "+" else _revcomp_codes(site)
    genome[contig][position : position + codes.size] = codes
    return PlantedSite(primer, contig, position, strand, offsets)


def write_fasta(path: str | Path, records: Mapping[str, np.ndarray | str], width: int = 60) -> Path:
    """Write FASTA (``width`` bases a line) and its ``.fai`` index (pysam/samtools faidx)."""
    import pysam

    path = Path(path)
    with open(path, "w", encoding="ascii") as fh:
        for name, seq in records.items():
            text = seq if isinstance(seq, str) else decode(seq)
            fh.write(f">{name}\n")
            for i in range(0, len(text), width):
                fh.write(text[i : i + width])
                fh.write("\n")
    pysam.faidx(str(path))
    return path


def primer_offsets(assay: Assay, model: BuildModel) -> dict[str, tuple[int, str]]:
    """Where each primer of ``assay`` goes on the stand-in locus: chromosome start and strand.

    A reaction's forward primer ends :data:`PRIMER_GAP` bases before the window of the cluster
    where its deletion starts; its reverse primer starts that far after the window of the
    cluster where the deletion ends (the reverse complement is written there).
    """
    by_name = {p.name: p for p in assay.primers}
    where: dict[str, tuple[int, str]] = {}
    for reaction in assay.reactions:
        deletion = model.deletion(reaction.deletion)
        left = model.clusters[deletion.from_cluster]
        right = model.clusters[deletion.to_cluster]
        forward = by_name[reaction.forward].sequence
        where.setdefault(reaction.forward, (left.start - PRIMER_GAP - len(forward), "+"))
        where.setdefault(reaction.reverse, (right.end + PRIMER_GAP + 1, "-"))
    return where


def synthetic_locus(assay: Assay, build: str = "GRCh38", seed: int = 7) -> Locus:
    """The SYNTHETIC stand-in for the IKZF1 locus (see the module text).

    The sequence has the gene model's coordinates (``start`` is the real locus start of
    ``build``) so that exons, clusters and deletions apply unchanged, but every base is
    generated: it validates this software, not the primers.
    """
    model = load_gene_model().build(build)
    rng = np.random.default_rng(seed)
    length = model.locus_end - model.locus_start + 1
    seq = _background(length, rng)
    _add_repeats(seq, rng, 0.5)
    for left, right in zip(model.exons, model.exons[1:], strict=False):
        seq[left.end + 1 - model.locus_start : left.end + 3 - model.locus_start] = encode("GT")
        seq[right.start - 2 - model.locus_start : right.start - model.locus_start] = encode("AG")
    genome = {"locus": seq}
    by_name = {p.name: p for p in assay.primers}
    for name, (position, strand) in primer_offsets(assay, model).items():
        plant(genome, name, by_name[name].sequence, "locus", position - model.locus_start, strand)
    text = decode(genome["locus"])
    # Exact copies elsewhere in the locus would make the known answer wrong; the chance is
    # negligible for 20-mers, but a seed that produced one must not pass silently.
    for name, primer in by_name.items():
        hits = text.count(primer.sequence) + text.count(reverse_complement(primer.sequence))
        if hits != 1:
            raise RuntimeError(f"seed {seed}: primer {name} occurs {hits} times; pick another")
    return Locus(
        model=model,
        sequence=text,
        start=model.locus_start,
        name=f"{SYNTHETIC_LABEL} stand-in for {model.gene} {model.build} (seed {seed})",
        synthetic=True,
        source=f"generated: ikzf1assay.reference.synthetic_locus(seed={seed})",
    )
