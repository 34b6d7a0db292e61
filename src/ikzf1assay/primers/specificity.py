"""Specificity of the assay's primers: genome-wide sites and products, in-silico PCR per allele.

:func:`check_specificity` runs one or more engines (:mod:`ikzf1assay.primers.engines`) over a
genome, measures every site (mismatches, 3'-end mismatches, duplex Tm/dG with primer3-py),
pairs the sites into products (:mod:`ikzf1assay.primers.products`), runs in-silico PCR of each
reaction on the wild-type locus and on every deletion allele, and gives each reaction a
verdict with its evidence:

* ``FAIL`` -- a counted product on the wild-type locus; not exactly one product on the
  reaction's own deletion allele; or a counted off-target product of the reaction's own
  primers anywhere in the genome;
* ``WARN`` -- a product on another deletion's allele (the reaction would mistype), or a
  counted product between this reaction's primers and another reaction's (only when
  multiplexed);
* ``PASS`` -- none of these.

Every genome-wide product is off-target: the assay's own primers lie tens of kilobases apart
on a wild-type chromosome, which in-silico PCR on the locus checks separately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ikzf1assay.assay import Assay, Conditions
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.products import (
    DEFAULT_MAX_SIZE,
    Product,
    find_products,
    products_table,
)
from ikzf1assay.primers.sites import Site, add_thermodynamics, scan, sites_table, unique_sites
from ikzf1assay.reference.alleles import Allele
from ikzf1assay.reference.locus import Locus

__all__ = [
    "ENGINES",
    "MatrixCell",
    "ReactionVerdict",
    "SpecificityResult",
    "check_specificity",
    "genome_sites",
    "insilico_pcr",
    "reaction_verdicts",
]

ENGINES = ("scan", "bowtie", "blast", "remote")


@dataclass(frozen=True)
class MatrixCell:
    """In-silico PCR of one reaction on one allele: sizes of counted and of blocked products."""

    reaction: str
    allele: str
    sizes: tuple[int, ...]
    blocked: tuple[int, ...]


@dataclass(frozen=True)
class ReactionVerdict:
    """PASS, WARN or FAIL for one reaction, with the reasons and the on-target product size."""

    reaction: str
    deletion: str
    verdict: str
    reasons: tuple[str, ...]
    product_size: int | None


@dataclass
class SpecificityResult:
    """Everything :func:`check_specificity` found; tables for TSV, ``to_dict`` for JSON.

    ``allele_products`` holds, per allele, every product any two primers of the assay make on
    it (the multiplex view, for Python users); the matrix keeps only each reaction's own.
    """

    engines: tuple[str, ...]
    genome: str | None
    locus: str
    synthetic_locus: bool
    max_size: int
    max_mismatches: int
    conditions: Conditions
    sites: list[Site]
    products: list[Product]
    matrix: list[MatrixCell]
    allele_products: dict[str, list[Product]]
    verdicts: list[ReactionVerdict]
    notes: list[str] = field(default_factory=list)

    def sites_table(self) -> pd.DataFrame:
        return sites_table(self.sites)

    def products_table(self) -> pd.DataFrame:
        return products_table(self.products)

    def matrix_table(self) -> pd.DataFrame:
        """Wide: one row per reaction, one column per allele; cells list product sizes."""
        rows: dict[str, dict[str, str]] = {}
        for c in self.matrix:
            text = ", ".join(f"{s} bp" for s in c.sizes) or "-"
            if c.blocked:
                text += f" (blocked: {', '.join(f'{s} bp' for s in c.blocked)})"
            rows.setdefault(c.reaction, {})[c.allele] = text
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("reaction").reset_index()

    def verdicts_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "reaction": v.reaction,
                    "deletion": v.deletion,
                    "verdict": v.verdict,
                    "product_size": v.product_size,
                    "reasons": "; ".join(v.reasons),
                }
                for v in self.verdicts
            ],
            columns=["reaction", "deletion", "verdict", "product_size", "reasons"],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: parameters, verdicts, matrix, sites, products, notes."""
        from ikzf1assay._json import json_records as records

        return {
            "engines": list(self.engines),
            "genome": self.genome,
            "locus": self.locus,
            "synthetic_locus": self.synthetic_locus,
            "max_size": self.max_size,
            "max_mismatches": self.max_mismatches,
            "conditions": asdict(self.conditions),
            "verdicts": records(self.verdicts_table()),
            "matrix": [
                {
                    "reaction": c.reaction,
                    "allele": c.allele,
                    "sizes": list(c.sizes),
                    "blocked": list(c.blocked),
                }
                for c in self.matrix
            ],
            "sites": records(self.sites_table()),
            "products": records(self.products_table()),
            "notes": list(self.notes),
        }


def _primer_map(assay: Assay) -> dict[str, str]:
    return {p.name: p.sequence for p in assay.primers}


def insilico_pcr(
    assay: Assay,
    alleles: Sequence[Allele],
    conditions: Conditions | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    max_mismatches: int = 3,
) -> tuple[list[MatrixCell], dict[str, list[Product]]]:
    """Products of every reaction on every allele (exhaustive scan of each allele).

    Returns the matrix cells (reaction x allele) and, per allele, every product any two primers
    of the assay make on it (for the multiplex view).
    """
    conditions = conditions or assay.conditions
    primers = _primer_map(assay)
    cells = []
    per_allele: dict[str, list[Product]] = {}
    for allele in alleles:
        sites = add_thermodynamics(
            scan(primers, {allele.name: allele.sequence}, max_mismatches), primers, conditions
        )
        products = find_products(sites, assay, max_size)
        per_allele[allele.name] = products
        for r in assay.reactions:
            own = [p for p in products if {p.left.primer, p.right.primer} <= {r.forward, r.reverse}]
            cells.append(
                MatrixCell(
                    r.name,
                    allele.name,
                    tuple(sorted(p.size for p in own if p.counts)),
                    tuple(sorted(p.size for p in own if not p.counts)),
                )
            )
    return cells, per_allele


def _describe(products: Sequence[Product]) -> str:
    return "; ".join(
        f"{p.left.primer}×{p.right.primer} {p.contig}:{p.start + 1}-{p.end} "
        f"({p.size} bp, {p.orientation}, weaker site Tm {p.stability_tm:.1f} C)"
        for p in products
    )


def reaction_verdicts(
    assay: Assay, cells: list[MatrixCell], genome_products: list[Product], genome_checked: bool
) -> list[ReactionVerdict]:
    out = []
    by = {(c.reaction, c.allele): c for c in cells}
    for r in assay.reactions:
        fail: list[str] = []
        warn: list[str] = []
        wt = by.get((r.name, "WT"))
        if wt is not None and wt.sizes:
            fail.append(f"product on the wild type ({', '.join(map(str, wt.sizes))} bp)")
        own = by.get((r.name, r.deletion))
        size = None
        if own is None:
            fail.append(f"no {r.deletion} allele in the gene model")
        elif len(own.sizes) != 1:
            fail.append(f"{len(own.sizes)} products on its {r.deletion} allele (expected 1)")
        else:
            size = own.sizes[0]
        for c in cells:
            if c.reaction == r.name and c.allele not in ("WT", r.deletion) and c.sizes:
                warn.append(
                    f"also amplifies the {c.allele} allele ({', '.join(map(str, c.sizes))} bp)"
                )
        mine = {r.forward, r.reverse}
        counted = [p for p in genome_products if p.counts]  # ranked, most stable first
        own_products = [p for p in counted if {p.left.primer, p.right.primer} <= mine]
        shared = [p for p in counted if {p.left.primer, p.right.primer} & mine]
        shared = [p for p in shared if p not in own_products]
        if own_products:
            fail.append(f"{len(own_products)} off-target product(s) of its own primers, "
                        f"most stable: {_describe(own_products[:3])}")  # fmt: skip
        if shared:
            warn.append(f"{len(shared)} product(s) with another reaction's primers when "
                        f"multiplexed, most stable: {_describe(shared[:3])}")  # fmt: skip
        verdict = "FAIL" if fail else "WARN" if warn else "PASS"
        reasons = fail + warn
        if not reasons:
            reasons = [f"one product of {size} bp on {r.deletion} only"]
            if genome_checked:
                reasons.append("no off-target product in the genome")
        out.append(ReactionVerdict(r.name, r.deletion, verdict, tuple(reasons), size))
    return out


def genome_sites(
    primers: Mapping[str, str],
    engines: Sequence[str],
    *,
    genome: str | Path | None = None,
    blast_db: str | Path | None = None,
    remote: Mapping[str, Any] | None = None,
    max_mismatches: int = 3,
    threads: int = 2,
) -> tuple[list[Site], list[str]]:
    """Sites of ``primers`` found by each of ``engines`` (see :func:`check_specificity`).

    Returns the sites (each engine's own, thermodynamics not filled) and notes for the report.
    """
    from ikzf1assay.primers import engines as eng

    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise ParameterError(f"unknown engine {unknown[0]!r}; choose from {', '.join(ENGINES)}")
    if genome is not None and engines:
        eng.FastaSequences(genome).close()  # a file that is no indexed FASTA fails here, clearly
    sites: list[Site] = []
    notes: list[str] = []
    ambiguous = [n for n, s in primers.items() if any(b not in "ACGT" for b in s)]
    if ambiguous and "bowtie" in engines:
        notes.append(
            f"{', '.join(ambiguous)}: IUPAC codes, which Bowtie counts as mismatches; the scan "
            "engine matches them as the codes allow (--engine scan)"
        )
    for name in engines:
        if name in ("scan", "bowtie") and genome is None:
            raise ParameterError(f"engine {name} needs --genome FASTA")
        if name == "scan":
            seqs = eng.FastaSequences(genome)  # type: ignore[arg-type]
            found = []
            for contig in seqs.contigs:  # one chromosome in memory at a time
                found += scan(primers, {contig: seqs.fetch(contig, 0, seqs.length(contig))},
                              max_mismatches)  # fmt: skip
            seqs.close()
        elif name == "bowtie":
            found = eng.bowtie_sites(genome, primers, max_mismatches, threads=threads)  # type: ignore[arg-type]
        elif name == "blast":
            found = eng.blast_sites(primers, genome=genome, blast_db=blast_db,
                                    max_mismatches=5, threads=threads)  # fmt: skip
        else:
            found = eng.remote_blast_sites(primers, max_mismatches=5, **dict(remote or {}))
            notes.append(
                "remote BLAST: primer bases outside a hit could not be read and are counted "
                "as mismatches (worst case)"
            )
        sites.extend(found)
    return sites, notes


def check_specificity(
    assay: Assay,
    locus: Locus,
    alleles: Sequence[Allele],
    *,
    engines: Sequence[str] = (),
    genome: str | Path | None = None,
    blast_db: str | Path | None = None,
    remote: Mapping[str, Any] | None = None,
    conditions: Conditions | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    max_mismatches: int = 3,
    threads: int = 2,
) -> SpecificityResult:
    """Genome-wide sites and products (if a genome is given), in-silico PCR, verdicts.

    Parameters
    ----------
    assay
        Its primers and reactions.
    locus, alleles
        The locus the alleles were built from (named in the report) and the alleles.
    engines
        Any of ``scan``, ``bowtie`` (need ``genome``), ``blast`` (``genome`` or
        ``blast_db``), ``remote`` (NCBI; ``remote`` holds ``url_base``, ``database``,
        ``timeout``). Sites found by several engines are reported once per engine.
    max_size
        Largest product considered (bp).
    max_mismatches
        Sites with more mismatches are not reported (0-3 for scan and bowtie; BLAST keeps up
        to 5, since Primer-BLAST judges sites up to 5).
    """
    if not 0 <= max_mismatches <= 3:
        raise ParameterError(f"--max-mismatches must be 0-3; got {max_mismatches}")
    if max_size < 50:
        raise ParameterError(f"--max-size must be at least 50 bp; got {max_size}")
    conditions = conditions or assay.conditions
    primers = _primer_map(assay)
    sites, notes = genome_sites(
        primers, engines, genome=genome, blast_db=blast_db, remote=remote,
        max_mismatches=max_mismatches, threads=threads,
    )  # fmt: skip
    sites = add_thermodynamics(sites, primers, conditions)
    # Products from the union of the engines' sites, each site once.
    products = find_products(unique_sites(sites), assay, max_size)
    cells, per_allele = insilico_pcr(assay, alleles, conditions, max_size, max_mismatches)
    if locus.synthetic:
        notes.append(
            "in-silico PCR ran on the SYNTHETIC stand-in locus: it checks this software, "
            "not the real primers"
        )
    return SpecificityResult(
        engines=tuple(engines),
        genome=str(genome or blast_db or ("NCBI" if "remote" in engines else "")) or None,
        locus=locus.name,
        synthetic_locus=locus.synthetic,
        max_size=max_size,
        max_mismatches=max_mismatches,
        conditions=conditions,
        sites=sites,
        products=products,
        matrix=cells,
        allele_products=per_allele,
        verdicts=reaction_verdicts(assay, cells, products, bool(engines)),
        notes=notes,
    )
