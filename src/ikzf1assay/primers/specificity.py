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

The result types are in :mod:`ikzf1assay.primers.specificity_result`, importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ikzf1assay.assay import Assay, Conditions
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.product_tm import with_predicted_tm
from ikzf1assay.primers.products import DEFAULT_MAX_SIZE, Product, find_products
from ikzf1assay.primers.sites import Site, add_thermodynamics, scan, unique_sites
from ikzf1assay.primers.specificity_result import MatrixCell, ReactionVerdict, SpecificityResult
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

# The bundled engines' names; the registry (ikzf1assay.primers.engines) is what is dispatched on.
ENGINES = ("scan", "bowtie", "blast", "remote")


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

    Parameters
    ----------
    assay
        Its primers and reactions.
    alleles
        Wild type and deletion alleles (:func:`ikzf1assay.reference.all_alleles`).
    conditions
        For the sites' duplex Tm and dG; the assay's when None.
    max_size
        Largest product considered (bp).
    max_mismatches
        Most mismatches of a primer site (0-3).

    Returns
    -------
    cells : list of MatrixCell
        One per reaction and allele: the sizes of that reaction's own products.
    per_allele : dict of str to list of Product
        Per allele, every product any two primers of the assay make on it (the multiplex
        view).
    """
    conditions = conditions or assay.conditions
    primers = _primer_map(assay)
    cells = []
    per_allele: dict[str, list[Product]] = {}
    for allele in alleles:
        sites = add_thermodynamics(
            scan(primers, {allele.name: allele.sequence}, max_mismatches), primers, conditions
        )
        # each product's melting temperature, predicted from its amplicon: shown, never used
        products = with_predicted_tm(
            find_products(sites, assay, max_size),
            {allele.name: allele.sequence},
            primers,
            conditions,
        )
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
    """PASS, WARN or FAIL for each reaction, by the rules of the module text.

    Parameters
    ----------
    assay
        Its reactions are judged.
    cells
        In-silico PCR of each reaction on each allele (:func:`insilico_pcr`).
    genome_products
        Genome-wide products, ranked most stable first (all off-target).
    genome_checked
        Whether a genome was searched (a PASS then says no off-target product was found).

    Returns
    -------
    list of ReactionVerdict
        One per reaction, in the assay's order.
    """
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

    Each name is looked up in the engine registry (:mod:`ikzf1assay.primers.engines`), so an
    engine registered there is available here.

    Parameters
    ----------
    primers
        Name -> sequence.
    engines
        Registered engine names, run in this order.
    genome, blast_db, remote, max_mismatches, threads
        As :func:`check_specificity`.

    Returns
    -------
    sites : list of Site
        Each engine's own sites, thermodynamics not filled.
    notes : list of str
        For the report: the engines' caveats about these primers, then notes of the searches.

    Raises
    ------
    ParameterError
        An unknown engine name (the message lists the registered ones), or an engine without
        the genome or database it needs.
    """
    # Heavy (pysam, Biopython): imported when a search is asked for, not with this module.
    from ikzf1assay.primers.engines import FastaSequences, SearchRequest, get_engine

    chosen = [get_engine(name) for name in engines]  # every name checked before any search
    if genome is not None and chosen:
        FastaSequences(genome).close()  # a file that is no indexed FASTA fails here, clearly
    request = SearchRequest(
        genome=genome, blast_db=blast_db, remote=dict(remote or {}),
        max_mismatches=max_mismatches, threads=threads,
    )  # fmt: skip
    notes = [note for e in {e.name: e for e in chosen}.values() for note in e.caveats(primers)]
    sites: list[Site] = []
    for engine in chosen:
        found, engine_notes = engine.find_sites(primers, request)
        sites.extend(found)
        notes.extend(engine_notes)
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
    genome, blast_db, remote
        Where the engines search (see ``engines``).
    conditions
        For the sites' duplex Tm and dG; the assay's ``[conditions]`` when None.
    threads
        For Bowtie and BLAST+.

    Returns
    -------
    SpecificityResult
        Sites, products, the reaction x allele matrix, verdicts and notes; ``to_dict`` for
        JSON, ``*_table`` methods for TSV.

    Raises
    ------
    ParameterError
        ``max_mismatches`` outside 0-3, ``max_size`` below 50, an unknown engine or one
        without the genome it needs.
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
