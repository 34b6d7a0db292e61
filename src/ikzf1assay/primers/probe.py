"""Checks of an assay's hydrolysis (TaqMan) probes: thermodynamics, sequence rules, position.

Each ``[[probe]]`` of the assay file is checked like a primer, with the same thermodynamics
(primer3-py through :class:`~ikzf1assay.primers.thermo.Thermo`, at the conditions of
``primers check``) and the assay's ``[thresholds]`` for structures, and against the rules of a
hydrolysis probe. Every rule broken is a finding, ``WARN`` or ``FAIL``; a probe's verdict is its
worst finding, ``PASS`` with none.

==========================  =========  ===================================================
flag                        severity   rule
==========================  =========  ===================================================
PROBE_TM_LOW                WARN/FAIL  Tm at least 6 C above the higher primer Tm of its
                                       reaction (WARN from 3 to 6 C above, FAIL below 3)
PROBE_TM_HIGH               WARN/FAIL  Tm at most 10 C above it (WARN up to 13, FAIL above)
PROBE_5G                    WARN       no G at the 5' end (it quenches the reporter, FAM)
PROBE_GC                    WARN       GC 30-80 %
PROBE_LENGTH                WARN       18-30 nt; 13-25 nt with an MGB quencher
PROBE_POLY_X                WARN       no run of one base longer than ``max_poly_x``
PROBE_HAIRPIN               WARN       hairpin Tm at most ``max_hairpin_tm``
PROBE_SELF_DIMER            WARN       self-dimer as a primer's (``max_self_dimer_tm``,
                                       ``max_self_end_tm``, ``min_dimer_dg``)
PROBE_PRIMER_DIMER          WARN       dimers with its reaction's primers as two primers'
                                       (``max_pair_dimer_tm``, ``max_pair_end_tm``,
                                       ``min_dimer_dg``)
PROBE_NOT_FOUND             FAIL       the probe or its reverse complement lies (exactly) on
                                       the reaction's deletion allele
PROBE_NO_PRODUCT            FAIL       the reaction makes a product on that allele
PROBE_OUTSIDE_PRODUCT       FAIL       the probe's site is inside that product
PROBE_OVERLAPS_PRIMER       FAIL       ... between the primers' sites, overlapping neither
PROBE_SPANS_JUNCTION        FAIL       ... and not covering the junction (patients'
                                       breakpoints differ, so a junction probe would miss
                                       most of them)
POSITION_NOT_CHECKED        WARN       no alleles given, or none for the reaction's deletion:
                                       the position rules above were not applied
==========================  =========  ===================================================

The reaction's product is found by in-silico PCR of the assay on the deletion allele
(:func:`ikzf1assay.primers.specificity.insilico_pcr`): the smallest counted product of the
reaction's forward primer (on the + strand) with its reverse primer. The junction is the
allele's :attr:`~ikzf1assay.reference.alleles.Allele.junction`, with any non-templated
insertion counted as part of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ikzf1assay.assay import Assay, Conditions, Reaction, Thresholds, normalise_target_name
from ikzf1assay.assay.model import Probe
from ikzf1assay.primers.check_results import (
    PROBE_FLAG_MEANINGS,
    PairCheck,
    PrimerCheck,
    PrimerCheckResult,
    ProbeCheck,
    ProbeFinding,
    ProbePlacement,
    Structure,
    worst,
)
from ikzf1assay.primers.products import Product
from ikzf1assay.primers.thermo import Thermo, check_primers
from ikzf1assay.reference.alleles import Allele
from ikzf1assay.sequence import expand_ambiguous, gc_percent, longest_run, reverse_complement

__all__ = [
    "PROBE_FLAG_MEANINGS",
    "PROBE_GC",
    "PROBE_LENGTH",
    "PROBE_LENGTH_MGB",
    "PROBE_TM_ABOVE",
    "PROBE_TM_FAIL_MARGIN",
    "check_probes",
    "place_probe",
    "with_probes",
]

#: The probe's Tm should lie this far above the higher primer Tm of its reaction (C).
PROBE_TM_ABOVE = (6.0, 10.0)
#: Beyond the range by more than this many degrees a Tm finding is FAIL, not WARN (C).
PROBE_TM_FAIL_MARGIN = 3.0
#: GC content of a probe, %.
PROBE_GC = (30.0, 80.0)
#: Length of a probe, nt; with a minor-groove binder (MGB) quencher, shorter probes.
PROBE_LENGTH = (18, 30)
PROBE_LENGTH_MGB = (13, 25)

_NO_ALLELES = "no locus or alleles given (primers check --locus FILE|synthetic)"


def _finding(findings: list[ProbeFinding], flag: str, severity: str, note: str) -> None:
    findings.append(ProbeFinding(flag, severity, note))


def _tm_findings(tm: float, primer_tm: float | None, findings: list[ProbeFinding]) -> None:
    low, high = PROBE_TM_ABOVE
    if primer_tm is None:
        _finding(
            findings, "PROBE_TM_NOT_COMPARED", "WARN",
            "a primer of the reaction has no Tm (too degenerate); the probe Tm was not compared",
        )  # fmt: skip
        return
    above = tm - primer_tm
    expected = f"expected {low:g} to {high:g} C above"
    if above < low:
        severity = "FAIL" if above < low - PROBE_TM_FAIL_MARGIN else "WARN"
        _finding(
            findings, "PROBE_TM_LOW", severity,
            f"Tm {tm:.2f} C is {above:+.2f} C from the higher primer Tm {primer_tm:.2f} C; "
            f"{expected} (FAIL below {low - PROBE_TM_FAIL_MARGIN:g} C above)",
        )  # fmt: skip
    elif above > high:
        severity = "FAIL" if above > high + PROBE_TM_FAIL_MARGIN else "WARN"
        _finding(
            findings, "PROBE_TM_HIGH", severity,
            f"Tm {tm:.2f} C is {above:+.2f} C from the higher primer Tm {primer_tm:.2f} C; "
            f"{expected} (FAIL above {high + PROBE_TM_FAIL_MARGIN:g} C above)",
        )  # fmt: skip


def _sequence_findings(
    probe: Probe, gc: float, run: int, th: Thresholds, findings: list[ProbeFinding]
) -> None:
    seq = probe.sequence
    if seq.startswith("G"):
        _finding(
            findings, "PROBE_5G", "WARN",
            f"G at the 5' end, next to the reporter {probe.reporter}: guanine quenches it",
        )  # fmt: skip
    if not PROBE_GC[0] <= gc <= PROBE_GC[1]:
        _finding(
            findings, "PROBE_GC", "WARN",
            f"GC {gc:.1f} % outside {PROBE_GC[0]:g}-{PROBE_GC[1]:g} %",
        )  # fmt: skip
    mgb = "MGB" in probe.quencher.upper()
    low, high = PROBE_LENGTH_MGB if mgb else PROBE_LENGTH
    if not low <= len(seq) <= high:
        kind = "an MGB probe" if mgb else "a probe without MGB"
        _finding(
            findings, "PROBE_LENGTH", "WARN",
            f"length {len(seq)} nt outside {low}-{high} nt ({kind})",
        )  # fmt: skip
    if run > th.max_poly_x:
        _finding(
            findings, "PROBE_POLY_X", "WARN",
            f"run of {run} identical bases above {th.max_poly_x}",
        )  # fmt: skip


def _structure_note(what: str, s: Structure, max_tm: float, min_dg: float) -> list[str]:
    notes = []
    if s.tm is not None and s.tm > max_tm:
        notes.append(f"{what} Tm {s.tm:.2f} C above {max_tm:g} C")
    if s.dg is not None and s.dg < min_dg:
        notes.append(f"{what} dG {s.dg:.2f} kcal/mol below {min_dg:g}")
    return notes


def _pair(
    probe: Probe, other: str, variants: list[str] | None, th: Thresholds, thermo: Thermo
) -> PairCheck:
    """The probe with itself (``other == probe.name``) or with one primer (its expansions)."""
    same = other == probe.name
    seqs = [probe.sequence] if same else variants
    if seqs is None:
        return PairCheck(probe.name, other, Structure(None, None), Structure(None, None), (), ())
    dimer = worst(thermo.dimer(probe.sequence, v) for v in seqs)
    end_fn = thermo.self_end if same else thermo.end_dimer
    end = worst(end_fn(probe.sequence, v) for v in seqs)
    max_any = th.max_self_dimer_tm if same else th.max_pair_dimer_tm
    max_end = th.max_self_end_tm if same else th.max_pair_end_tm
    any_notes = _structure_note("dimer", dimer, max_any, th.min_dimer_dg)
    end_notes = _structure_note("3'-anchored dimer", end, max_end, th.min_dimer_dg)
    flags = (["DIMER"] if any_notes else []) + (["END_DIMER"] if end_notes else [])
    notes = any_notes[:1] + end_notes[:1]
    return PairCheck(probe.name, other, dimer, end, tuple(flags), tuple(notes))


def _reaction_of(assay: Assay, probe: Probe) -> Reaction:
    for r in assay.reactions:
        if r.name == probe.reaction:
            return r
    raise KeyError(probe.reaction)  # the loader guarantees the reaction exists


def _sites(probe: Probe, sequence: str) -> list[tuple[int, int, str]]:
    """Every exact site of the probe (``+``) or of its reverse complement (``-``)."""
    n = len(probe.sequence)
    found = []
    for strand, text in (("+", probe.sequence), ("-", reverse_complement(probe.sequence))):
        i = sequence.find(text)
        while i >= 0:
            found.append((i, i + n, strand))
            i = sequence.find(text, i + 1)
    return sorted(found)


def _product(assay: Assay, reaction: Reaction, allele: Allele, cond: Conditions) -> Product | None:
    """The reaction's on-target product on the allele: forward primer 5', reverse primer 3'."""
    from ikzf1assay.primers.specificity import insilico_pcr  # pysam-free, but heavier

    _, per_allele = insilico_pcr(assay, [allele], cond)
    own = [
        p
        for p in per_allele[allele.name]
        if p.counts and p.left.primer == reaction.forward and p.right.primer == reaction.reverse
    ]
    return min(own, key=lambda p: (p.size, p.start)) if own else None


def place_probe(
    probe: Probe,
    reaction: Reaction,
    allele: Allele,
    product: Product | None,
) -> tuple[ProbePlacement, list[ProbeFinding]]:
    """Where the probe lies in its reaction's product on the deletion allele, and what is wrong.

    Parameters
    ----------
    probe
        From the assay file.
    reaction
        The reaction the probe belongs to.
    allele
        The reaction's deletion allele (its junction marked).
    product
        The reaction's product on ``allele`` (forward primer on the + strand), None if none.

    Returns
    -------
    placement : ProbePlacement
        The product, the probe's site (the first inside the product, else the first on the
        allele) and the junction.
    findings : list of ProbeFinding
        FAIL findings: no product, probe not on the allele, outside the product, overlapping a
        primer, spanning the junction. Empty when the probe lies well.
    """
    findings: list[ProbeFinding] = []
    base = ProbePlacement(True, "", allele=allele.name, junction=allele.junction)
    if product is None:
        reason = f"{reaction.name} makes no product on the {allele.name} allele"
        _finding(findings, "PROBE_NO_PRODUCT", "FAIL", reason + "; nothing for the probe to detect")
        return dataclasses.replace(base, reason=reason), findings
    base = dataclasses.replace(base, product_start=product.start, product_end=product.end)
    sites = _sites(probe, allele.sequence)
    if not sites:
        reason = f"neither the probe nor its reverse complement is on the {allele.name} allele"
        _finding(findings, "PROBE_NOT_FOUND", "FAIL", reason + " (exact match)")
        return dataclasses.replace(base, reason=reason), findings
    inside = [s for s in sites if s[0] >= product.start and s[1] <= product.end]
    start, end, strand = (inside or sites)[0]
    placed = dataclasses.replace(base, start=start, end=end, strand=strand)
    size = product.size
    if not inside:
        reason = f"outside the {size} bp product (allele {start + 1}-{end})"
        _finding(
            findings, "PROBE_OUTSIDE_PRODUCT", "FAIL",
            f"the probe's site {start + 1}-{end} on the {allele.name} allele is outside the "
            f"{reaction.name} product {product.start + 1}-{product.end} ({size} bp)",
        )  # fmt: skip
        return dataclasses.replace(placed, reason=reason), findings
    reasons = []
    overlaps = [
        (name, a, b)
        for name, a, b in (
            (reaction.forward, product.left.start, product.left.end),
            (reaction.reverse, product.right.start, product.right.end),
        )
        if start < b and end > a
    ]
    for name, a, b in overlaps:
        text = f"overlaps primer {name} (product bases {a - product.start + 1}-{b - product.start})"
        reasons.append(text)
        _finding(findings, "PROBE_OVERLAPS_PRIMER", "FAIL", f"the probe {text}")
    junction = allele.junction
    if junction is not None:
        cut = junction - len(allele.insertion)
        if start < junction and end > cut:
            text = (
                f"spans the {allele.name} junction (after product base {cut - product.start}); "
                "patients' junctions differ, so the probe must lie on one side of it"
            )
            reasons.append("spans the junction")
            _finding(findings, "PROBE_SPANS_JUNCTION", "FAIL", f"the probe {text}")
        elif not findings:
            side, gap = ("5'", cut - end) if end <= cut else ("3'", start - junction)
            reasons.append(
                f"between {reaction.forward} and {reaction.reverse}, "
                f"{gap} bp {side} of the junction"
            )
    if len(inside) > 1:
        reasons.append(f"{len(inside)} sites in the product; the first is shown")
    return dataclasses.replace(placed, reason="; ".join(reasons) or "inside the product"), findings


def _allele_for(reaction: Reaction, alleles: Sequence[Allele]) -> Allele | None:
    key = normalise_target_name(reaction.deletion)
    for a in alleles:
        if a.junction is not None and normalise_target_name(a.name) == key:
            return a
    return None


def _check_probe(
    probe: Probe,
    assay: Assay,
    cond: Conditions,
    th: Thresholds,
    thermo: Thermo,
    primer_checks: Mapping[str, PrimerCheck],
    alleles: Sequence[Allele] | None,
    products: dict[str, Product | None],
) -> ProbeCheck:
    reaction = _reaction_of(assay, probe)
    seq = probe.sequence
    findings: list[ProbeFinding] = []
    tm = thermo.tm(seq)
    fwd, rev = primer_checks[reaction.forward], primer_checks[reaction.reverse]
    primer_tm = None if fwd.tm_max is None or rev.tm_max is None else max(fwd.tm_max, rev.tm_max)
    _tm_findings(tm, primer_tm, findings)
    gc, run = gc_percent(seq), longest_run(seq)
    _sequence_findings(probe, gc, run, th, findings)
    hairpin = thermo.hairpin(seq)
    if hairpin.tm is not None and hairpin.tm > th.max_hairpin_tm:
        _finding(
            findings, "PROBE_HAIRPIN", "WARN",
            f"hairpin Tm {hairpin.tm:.2f} C above {th.max_hairpin_tm:g} C",
        )  # fmt: skip
    dimers = [_pair(probe, probe.name, None, th, thermo)]
    for name in dict.fromkeys((reaction.forward, reaction.reverse)):
        primer = assay.primer(name)
        variants = (
            expand_ambiguous(primer.sequence, th.max_variants)
            if primer.is_ambiguous
            else [primer.sequence]
        )
        dimers.append(_pair(probe, name, variants, th, thermo))
    for d in dimers:
        flag = "PROBE_SELF_DIMER" if d.b == probe.name else "PROBE_PRIMER_DIMER"
        who = "self-dimer" if d.b == probe.name else f"with {d.b}"
        for note in d.notes:
            _finding(findings, flag, "WARN", f"{who}: {note}")
    allele = _allele_for(reaction, alleles) if alleles is not None else None
    if alleles is None or allele is None:
        reason = (
            _NO_ALLELES
            if alleles is None
            else f"no allele named {reaction.deletion} among those given"
        )
        placement = ProbePlacement(False, reason)
        _finding(findings, "POSITION_NOT_CHECKED", "WARN", f"position not checked: {reason}")
    else:
        if reaction.name not in products:
            products[reaction.name] = _product(assay, reaction, allele, cond)
        placement, placed = place_probe(probe, reaction, allele, products[reaction.name])
        findings += placed
    return ProbeCheck(
        name=probe.name,
        sequence=seq,
        reaction=reaction.name,
        deletion=reaction.deletion,
        reporter=probe.reporter,
        quencher=probe.quencher,
        length=len(seq),
        tm=tm,
        gc=gc,
        primer_tm=primer_tm,
        tm_above=None if primer_tm is None else tm - primer_tm,
        longest_run=run,
        hairpin=hairpin,
        dimers=tuple(dimers),
        placement=placement,
        findings=tuple(findings),
    )


def check_probes(
    assay: Assay,
    conditions: Conditions | None = None,
    thresholds: Thresholds | None = None,
    alleles: Sequence[Allele] | None = None,
    primer_checks: Sequence[PrimerCheck] | None = None,
) -> tuple[ProbeCheck, ...]:
    """Check every ``[[probe]]`` of an assay (rules in the module text).

    Parameters
    ----------
    assay
        From :func:`ikzf1assay.assay.load_assay`; an assay without probes gives ``()``.
    conditions
        Reaction conditions; the assay file's ``[conditions]`` when None.
    thresholds
        Structure limits; the assay file's ``[thresholds]`` when None.
    alleles
        The deletion alleles (:func:`ikzf1assay.reference.all_alleles`) to place each probe
        in its reaction's product on; None: the position is not checked, and each probe says
        so (``POSITION_NOT_CHECKED``, WARN), never a silent PASS.
    primer_checks
        The primers' checks at the same conditions (their Tm); computed when None.

    Returns
    -------
    tuple of ProbeCheck
        One per probe, in file order.
    """
    if not assay.probes:
        return ()
    cond = conditions if conditions is not None else assay.conditions
    th = thresholds if thresholds is not None else assay.thresholds
    if primer_checks is None:
        primer_checks = check_primers(assay, cond, th).primers
    by_name = {p.name: p for p in primer_checks}
    thermo = Thermo(cond)
    products: dict[str, Product | None] = {}
    return tuple(
        _check_probe(p, assay, cond, th, thermo, by_name, alleles, products) for p in assay.probes
    )


def with_probes(
    result: PrimerCheckResult, assay: Assay, alleles: Sequence[Allele] | None = None
) -> PrimerCheckResult:
    """``result`` of :func:`~ikzf1assay.primers.thermo.check_primers` with its probes checked.

    Parameters
    ----------
    result
        The primer check of ``assay``; its conditions, thresholds and primer Tm are used.
    assay
        The same assay, with its ``probes``.
    alleles
        As :func:`check_probes`.

    Returns
    -------
    PrimerCheckResult
        A copy whose ``probes`` holds one :class:`ProbeCheck` per probe.
    """
    probes = check_probes(assay, result.conditions, result.thresholds, alleles, result.primers)
    return dataclasses.replace(result, probes=probes)
