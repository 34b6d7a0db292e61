"""Specificity of the assay's primers: genome-wide sites and products, in-silico PCR per allele.

:func:`check_specificity` runs one or more engines (:mod:`ikzf1assay.primers.engines`) over a
genome, measures every site (mismatches, 3'-end mismatches, duplex Tm/dG with primer3-py),
judges whether each site primes at the run's annealing temperature (the priming model of
:mod:`ikzf1assay.primers.sites`), pairs the sites into products
(:mod:`ikzf1assay.primers.products`), runs in-silico PCR of each reaction on the wild-type
locus and on every deletion allele, and gives each reaction a verdict with its evidence:

* ``FAIL`` -- a counted product on the wild-type locus; not exactly one product on the
  reaction's own deletion allele; or an off-target product of the reaction's own primers in
  the genome that amplifies at the run's annealing temperature (both sites prime at
  ``annealing_c``);
* ``WARN`` -- a product on another deletion's allele (the reaction would mistype); an
  off-target product of its own primers that would amplify only at an annealing up to 5 C
  lower (:data:`~ikzf1assay.primers.sites.LOWER_MARGIN_C`); or a product between this
  reaction's primers and another reaction's that amplifies at the annealing temperature (only
  when multiplexed);
* ``PASS`` -- none of these.

Each verdict lists the genome products that decided it, strongest first, with both sites'
duplex Tm and dG at the annealing temperature, and, as information, how many off-target
products Primer-BLAST's mismatch rule would have counted. The allele rules (in-silico PCR)
use Primer-BLAST's rule as before: the alleles are the assay's own templates.

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
from ikzf1assay.primers.sites import LOWER_MARGIN_C, Site, add_thermodynamics, scan, unique_sites
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


def _site_text(s: Site) -> str:
    if s.tm_ta is None or s.dg_ta is None:
        return f"{s.primer} no duplex"
    return f"{s.primer} Tm {s.tm_ta:.1f} C, dG {s.dg_ta:.1f} kcal/mol, {s.mismatches} mm"


def _describe(products: Sequence[Product]) -> str:
    """Each product with both sites' duplex Tm and dG at the annealing temperature."""
    out = []
    for p in products:
        limit = p.priming_limit_c
        primes = f"; primes up to {limit:.1f} C" if limit is not None else ""
        out.append(
            f"{p.left.primer}×{p.right.primer} {p.contig}:{p.start + 1}-{p.end} "
            f"({p.size} bp, {p.orientation}; at Ta {_site_text(p.left)} / "
            f"{_site_text(p.right)}{primes})"
        )
    return "; ".join(out)


def reaction_verdicts(
    assay: Assay,
    cells: list[MatrixCell],
    genome_products: list[Product],
    genome_checked: bool,
    annealing_c: float | None = None,
) -> list[ReactionVerdict]:
    """PASS, WARN or FAIL for each reaction, by the rules of the module text.

    Parameters
    ----------
    assay
        Its reactions are judged.
    cells
        In-silico PCR of each reaction on each allele (:func:`insilico_pcr`).
    genome_products
        Genome-wide products, ranked strongest first (all off-target), their sites judged by
        the priming model (:func:`~ikzf1assay.primers.sites.add_thermodynamics`).
    genome_checked
        Whether a genome was searched (a PASS then says no off-target product amplifies).
    annealing_c
        Named in the reasons; the assay's ``[conditions]`` when None.

    Returns
    -------
    list of ReactionVerdict
        One per reaction, in the assay's order.
    """
    ta = assay.conditions.annealing_c if annealing_c is None else annealing_c
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
        # genome products are ranked strongest first; own: both sites are this reaction's
        own_all = [p for p in genome_products if {p.left.primer, p.right.primer} <= mine]
        shared_all = [
            p for p in genome_products
            if {p.left.primer, p.right.primer} & mine
            and not {p.left.primer, p.right.primer} <= mine
        ]  # fmt: skip
        own_ta = [p for p in own_all if p.amplifies == "at Ta"]
        own_lower = [p for p in own_all if p.amplifies == "below Ta"]
        shared_ta = [p for p in shared_all if p.amplifies == "at Ta"]
        lower = ta - LOWER_MARGIN_C
        if own_ta:
            fail.append(f"{len(own_ta)} off-target product(s) of its own primers amplify at "
                        f"{ta:g} C, strongest: {_describe(own_ta[:3])}")  # fmt: skip
        if own_lower:
            warn.append(f"{len(own_lower)} off-target product(s) of its own primers would "
                        f"amplify only at an annealing down to {lower:g} C, strongest: "
                        f"{_describe(own_lower[:3])}")  # fmt: skip
        if shared_ta:
            warn.append(f"{len(shared_ta)} product(s) with another reaction's primers amplify "
                        f"at {ta:g} C when multiplexed, strongest: "
                        f"{_describe(shared_ta[:3])}")  # fmt: skip
        deciding = tuple(own_ta) if own_ta else tuple(own_lower + shared_ta)
        verdict = "FAIL" if fail else "WARN" if warn else "PASS"
        reasons = fail + warn
        if not reasons:
            reasons = [f"one product of {size} bp on {r.deletion} only"]
            if genome_checked:
                reasons.append(
                    f"no off-target product amplifies at {ta:g} C or down to {lower:g} C"
                )
        blast_count = None
        if genome_checked:
            blast_count = sum(1 for p in own_all if p.counts)
            shared_count = sum(1 for p in shared_all if p.counts)
            reasons.append(
                f"information: Primer-BLAST's mismatch rule would count {blast_count} "
                f"off-target product(s) of its own primers and {shared_count} with another "
                "reaction's"
            )
        out.append(
            ReactionVerdict(
                r.name, r.deletion, verdict, tuple(reasons), size, deciding, blast_count
            )
        )
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
    max_size: int | None = None,
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
        Largest product considered (bp); the conditions' ``max_product_bp`` (4,000 by
        default) when None.
    max_mismatches
        Sites with more mismatches are not reported (0-3 for scan and bowtie; BLAST keeps up
        to 5, since Primer-BLAST judges sites up to 5).
    genome, blast_db, remote
        Where the engines search (see ``engines``).
    conditions
        For the sites' duplex Tm and dG, the annealing temperature the priming model judges
        at and the largest product; the assay's ``[conditions]`` when None.
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
    conditions = conditions or assay.conditions
    if max_size is None:
        max_size = conditions.max_product_bp
    if max_size < 50:
        raise ParameterError(f"--max-size must be at least 50 bp; got {max_size}")
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
        verdicts=reaction_verdicts(assay, cells, products, bool(engines), conditions.annealing_c),
        notes=notes,
    )
