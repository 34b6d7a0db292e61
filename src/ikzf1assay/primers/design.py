"""Design of new breakpoint primers with primer3-py, each candidate checked like the assay's own.

:func:`design_primers` takes the deletion allele (breakpoints at the cluster centres, or the
lab's sequenced breakpoints with ``around``), asks Primer3 for forward/reverse pairs whose
product spans the junction, and puts every candidate through the checks of the existing set:

1. thermodynamics -- Primer3's own (Tm, GC, hairpins, self- and pair dimers, all with thal at
   the assay's conditions and limits);
2. in-silico PCR -- exactly one product on its deletion allele, none on the wild type or on
   the other deletions' alleles (:func:`~ikzf1assay.primers.specificity.insilico_pcr`);
3. specificity -- with a genome, the off-target products of the pair by the chosen engines;
4. multiplex compatibility -- dimers (thal, 3'-anchored too) with every primer of the
   existing set, and products with them on the wild type.

Candidates are ranked by verdict (PASS, WARN, FAIL), then Primer3's pair penalty.

Where the breakpoint is not known the junction can lie anywhere in the two cluster windows,
so Primer3's target covers both windows around the junction: the primers then sit outside the
windows and the product spans any breakpoint in them. With ``around`` (a patient's sequenced
junction, e.g. for an MRD marker), the target is ``window`` bases each side of it and the
product can be short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import primer3

from ikzf1assay.assay import Assay, Conditions, Primer, Reaction
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.products import DEFAULT_MAX_SIZE, Product, find_products
from ikzf1assay.primers.sites import add_thermodynamics, unique_sites
from ikzf1assay.primers.specificity import genome_sites, insilico_pcr, reaction_verdicts
from ikzf1assay.primers.specificity_result import MatrixCell
from ikzf1assay.primers.thermo import Thermo
from ikzf1assay.reference.alleles import Allele, deletion_allele
from ikzf1assay.reference.locus import Locus

__all__ = ["CANDIDATE_COLUMNS", "Candidate", "DesignResult", "design_primers", "primer3_settings"]

CANDIDATE_COLUMNS = [
    "rank",
    "name",
    "forward",
    "reverse",
    "forward_tm",
    "reverse_tm",
    "forward_gc",
    "reverse_gc",
    "product_size",
    "primer3_penalty",
    "pair_compl_any_th",
    "pair_compl_end_th",
    "worst_multiplex_dg",
    "worst_multiplex_with",
    "verdict",
    "reasons",
]
_ORDER = {"PASS": 0, "WARN": 1, "FAIL": 2}


@dataclass(frozen=True)
class Candidate:
    """One designed pair with Primer3's figures and the checks' verdict (see module text)."""

    name: str
    forward: str
    reverse: str
    forward_tm: float
    reverse_tm: float
    forward_gc: float
    reverse_gc: float
    product_size: int | None
    primer3_penalty: float
    pair_compl_any_th: float
    pair_compl_end_th: float
    worst_multiplex_dg: float | None
    worst_multiplex_with: str
    verdict: str
    reasons: tuple[str, ...]


@dataclass
class DesignResult:
    """Candidates ranked best first, and what they were designed on."""

    deletion: str
    locus: str
    synthetic_locus: bool
    breakpoints: tuple[int, int]
    target: tuple[int, int]
    product_size_range: tuple[int, int]
    candidates: list[Candidate]
    primer3_explain: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        rows = [{"rank": i, **vars(c)} for i, c in enumerate(self.candidates, start=1)]
        for r in rows:
            r["reasons"] = "; ".join(r["reasons"])
        return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        from ikzf1assay._json import json_records

        return {
            "deletion": self.deletion,
            "locus": self.locus,
            "synthetic_locus": self.synthetic_locus,
            "breakpoints": list(self.breakpoints),
            "target": list(self.target),
            "product_size_range": list(self.product_size_range),
            "candidates": json_records(self.table()),
            "primer3_explain": self.primer3_explain,
            "notes": self.notes,
        }


def primer3_settings(assay: Assay, size_range: tuple[int, int], num_return: int) -> dict[str, Any]:
    """Primer3 global settings from the assay's conditions and [thresholds]."""
    c, th = assay.conditions, assay.thresholds
    return {
        "PRIMER_TASK": "generic",
        "PRIMER_PICK_LEFT_PRIMER": 1,
        "PRIMER_PICK_RIGHT_PRIMER": 1,
        "PRIMER_PICK_INTERNAL_OLIGO": 0,
        "PRIMER_NUM_RETURN": num_return,
        "PRIMER_PRODUCT_SIZE_RANGE": [list(size_range)],
        "PRIMER_OPT_SIZE": 20,
        "PRIMER_MIN_SIZE": th.length_min,
        "PRIMER_MAX_SIZE": th.length_max,
        "PRIMER_OPT_TM": (th.tm_min + th.tm_max) / 2,
        "PRIMER_MIN_TM": th.tm_min,
        "PRIMER_MAX_TM": th.tm_max,
        "PRIMER_PAIR_MAX_DIFF_TM": th.max_tm_diff,
        "PRIMER_MIN_GC": th.gc_min,
        "PRIMER_MAX_GC": th.gc_max,
        "PRIMER_MAX_POLY_X": th.max_poly_x,
        "PRIMER_SALT_MONOVALENT": c.monovalent_mm,
        "PRIMER_SALT_DIVALENT": c.divalent_mm,
        "PRIMER_DNTP_CONC": c.dntp_mm,
        "PRIMER_DNA_CONC": c.oligo_nm,
        "PRIMER_THERMODYNAMIC_OLIGO_ALIGNMENT": 1,
        "PRIMER_MAX_HAIRPIN_TH": th.max_hairpin_tm,
        "PRIMER_MAX_SELF_ANY_TH": th.max_self_dimer_tm,
        "PRIMER_MAX_SELF_END_TH": th.max_self_end_tm,
        "PRIMER_PAIR_MAX_COMPL_ANY_TH": th.max_pair_dimer_tm,
        "PRIMER_PAIR_MAX_COMPL_END_TH": th.max_pair_end_tm,
        "PRIMER_EXPLAIN_FLAG": 1,
    }


def _template(
    locus: Locus, allele: Allele, around: tuple[int, int] | None, window: int, flank: int
) -> tuple[str, tuple[int, int]]:
    """Template around the junction and the target in it (start, length)."""
    if allele.junction is None or allele.breakpoints is None:
        raise ParameterError(f"{allele.name} is not a deletion allele")
    j = allele.junction
    if around is None:
        d = locus.model.deletion(allele.name)
        left_cluster = locus.model.clusters[d.from_cluster]
        right_cluster = locus.model.clusters[d.to_cluster]
        left_part = max(1, allele.breakpoints[0] - left_cluster.start + 1)
        right_part = max(1, right_cluster.end - allele.breakpoints[1] + 1)
    else:
        left_part = right_part = window
    start = max(0, j - left_part - flank)
    end = min(len(allele.sequence), j + right_part + flank)
    target = (j - left_part - start, left_part + right_part)
    return allele.sequence[start:end], target


def design_primers(
    assay: Assay,
    locus: Locus,
    alleles: Sequence[Allele],
    deletion: str,
    *,
    around: tuple[int, int] | None = None,
    window: int = 10,
    product_size: tuple[int, int] | None = None,
    num_return: int = 10,
    conditions: Conditions | None = None,
    engines: Sequence[str] = (),
    genome: str | Path | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    threads: int = 2,
) -> DesignResult:
    """Design, check and rank new primer pairs for ``deletion`` (see the module text).

    Parameters
    ----------
    assay
        The existing set (multiplex partners) and the design limits ([thresholds],
        [conditions]).
    locus, alleles
        The locus and its alleles (wild type and every deletion); the deletion's allele is
        replaced by one with breakpoints ``around`` when given.
    deletion
        ``Δ4-7``, ``Δ2-7``, ``Δ2-8`` or ``Δ4-8``.
    around
        Sequenced breakpoints (left = last base kept, right = first base kept after).
    window
        With ``around``: bases each side of the junction the product must cover.
    product_size
        Primer3's product size range; default 60-200 with ``around``, else the target plus
        40-300 bp.
    num_return
        Most pairs Primer3 returns.
    conditions
        For the checks' thermodynamics; the assay's ``[conditions]`` when None.
    engines, genome
        Genome-wide specificity of each candidate (as ``primers specificity``).
    max_size, threads
        Largest product considered (bp); threads for Bowtie and BLAST+.

    Returns
    -------
    DesignResult
        Candidates ranked best first (verdict, then Primer3's penalty), Primer3's explanation
        of what it rejected, and notes; ``table()`` for TSV, ``to_dict()`` for JSON.

    Raises
    ------
    ParameterError
        Limits out of range, an unknown deletion, or an error reported by Primer3.
    """
    if num_return < 1:
        raise ParameterError(f"--num must be at least 1; got {num_return}")
    if window < 1:
        raise ParameterError(f"--window must be at least 1; got {window}")
    name = locus.model.deletion(deletion).name
    allele = deletion_allele(locus, name, around)
    alleles = [allele if a.name == name else a for a in alleles]
    flank = 400 if product_size is None else product_size[1]
    template, target = _template(locus, allele, around, window, flank)
    if product_size is None:
        product_size = (60, 200) if around else (target[1] + 40, target[1] + 300)
    if not 30 <= product_size[0] <= product_size[1]:
        raise ParameterError(
            f"--product-size must be MIN-MAX with 30 <= MIN <= MAX; got {product_size}"
        )
    out = _run_primer3(assay, name, template, target, product_size, num_return)
    explain = {k: str(v) for k, v in out.items() if k.endswith("_EXPLAIN")}
    result = DesignResult(
        deletion=name, locus=locus.name, synthetic_locus=locus.synthetic,
        breakpoints=allele.breakpoints or (0, 0), target=target, product_size_range=product_size,
        candidates=[], primer3_explain=explain,
    )  # fmt: skip
    if locus.synthetic:
        result.notes.append("designed on the SYNTHETIC stand-in locus: the sequences are not real")
    n = int(out.get("PRIMER_PAIR_NUM_RETURNED", 0))
    if n == 0:
        result.notes.append("Primer3 returned no pair: see primer3_explain; widen the limits")
        return result
    pairs = [
        (f"cand{i + 1}", out[f"PRIMER_LEFT_{i}_SEQUENCE"], out[f"PRIMER_RIGHT_{i}_SEQUENCE"])
        for i in range(n)
    ]
    evidence = _Evidence.gather(
        assay, pairs, locus.model.deletion(name).exons_lost, name, alleles,
        conditions or assay.conditions, max_size, engines, genome, threads,
    )  # fmt: skip
    result.notes.extend(evidence.notes)
    candidates = [_judge(i, pair, out, evidence) for i, pair in enumerate(pairs)]
    candidates.sort(key=lambda c: (_ORDER[c.verdict], c.primer3_penalty))
    result.candidates = candidates
    return result


def _run_primer3(
    assay: Assay,
    name: str,
    template: str,
    target: tuple[int, int],
    product_size: tuple[int, int],
    num_return: int,
) -> dict[str, Any]:
    """Primer3's answer for one template and target; its error becomes a ParameterError."""
    settings = primer3_settings(assay, product_size, num_return)
    out: dict[str, Any] = primer3.bindings.design_primers(
        {"SEQUENCE_ID": name, "SEQUENCE_TEMPLATE": template, "SEQUENCE_TARGET": list(target)},
        settings,
    )
    if "PRIMER_ERROR" in out:
        raise ParameterError(f"Primer3: {out['PRIMER_ERROR']}")
    return out


@dataclass(frozen=True)
class _Evidence:
    """What every candidate is judged on: in-silico PCR, genome-wide products, the old set."""

    assay: Assay
    everything: Assay  # the assay's primers plus every candidate's, one reaction per candidate
    reactions: tuple[Reaction, ...]
    cells: list[MatrixCell]
    per_allele: dict[str, list[Product]]
    genome_products: list[Product]
    genome_checked: bool
    thermo: Thermo
    notes: list[str]

    @classmethod
    def gather(
        cls,
        assay: Assay,
        pairs: Sequence[tuple[str, str, str]],
        exons_lost: tuple[int, ...],
        deletion: str,
        alleles: Sequence[Allele],
        conditions: Conditions,
        max_size: int,
        engines: Sequence[str],
        genome: str | Path | None,
        threads: int,
    ) -> _Evidence:
        """In-silico PCR of every candidate on every allele and, with engines, the genome."""
        reactions = tuple(
            Reaction(cand, deletion, f"{cand}-F", f"{cand}-R", exons_lost, ())
            for cand, _, _ in pairs
        )
        new_primers = [
            p
            for cand, f, r in pairs
            for p in (Primer(f"{cand}-F", f, "forward"), Primer(f"{cand}-R", r, "reverse"))
        ]
        everything = replace(assay, primers=assay.primers + tuple(new_primers), reactions=reactions)
        cells, per_allele = insilico_pcr(everything, alleles, conditions, max_size)
        seqs = {p.name: p.sequence for p in everything.primers}
        sites, notes = genome_sites(seqs, engines, genome=genome, threads=threads)
        genome_products = find_products(
            unique_sites(add_thermodynamics(sites, seqs, conditions)), everything, max_size
        )
        return cls(
            assay, everything, reactions, cells, per_allele, genome_products, bool(engines),
            Thermo(conditions), notes,
        )  # fmt: skip


def _judge(i: int, pair: tuple[str, str, str], out: Mapping[str, Any], ev: _Evidence) -> Candidate:
    """The ``i``-th candidate with Primer3's figures and the verdict of every check."""
    cand, f, r = pair
    mine = {f"{cand}-F", f"{cand}-R"}
    existing = {p.name: p.sequence for p in ev.assay.primers}
    allowed = mine | set(existing)
    view = replace(ev.everything, reactions=(ev.reactions[i],))
    own_cells = [c for c in ev.cells if c.reaction == cand]
    products = [
        p for p in ev.genome_products
        if {p.left.primer, p.right.primer} <= allowed and {p.left.primer, p.right.primer} & mine
    ]  # fmt: skip
    verdict = reaction_verdicts(view, own_cells, products, ev.genome_checked)[0]
    reasons = list(verdict.reasons)
    level = verdict.verdict
    wt_multiplex = [
        p for p in ev.per_allele.get("WT", [])
        if p.counts and {p.left.primer, p.right.primer} <= allowed
        and {p.left.primer, p.right.primer} & mine
        and not {p.left.primer, p.right.primer} <= mine
    ]  # fmt: skip
    if wt_multiplex:
        level = max(level, "WARN", key=_ORDER.__getitem__)
        reasons.append(f"{len(wt_multiplex)} product(s) on the wild type with the existing set")
    worst = _worst_multiplex_dimer((f, r), existing, ev.thermo)
    if worst[0] is not None and worst[0] < ev.assay.thresholds.min_dimer_dg:
        level = max(level, "WARN", key=_ORDER.__getitem__)
        reasons.append(f"dimer with {worst[1]} at {worst[0]:.2f} kcal/mol")
    return Candidate(
        name=cand,
        forward=f,
        reverse=r,
        forward_tm=float(out[f"PRIMER_LEFT_{i}_TM"]),
        reverse_tm=float(out[f"PRIMER_RIGHT_{i}_TM"]),
        forward_gc=float(out[f"PRIMER_LEFT_{i}_GC_PERCENT"]),
        reverse_gc=float(out[f"PRIMER_RIGHT_{i}_GC_PERCENT"]),
        product_size=verdict.product_size,
        primer3_penalty=float(out[f"PRIMER_PAIR_{i}_PENALTY"]),
        pair_compl_any_th=float(out[f"PRIMER_PAIR_{i}_COMPL_ANY_TH"]),
        pair_compl_end_th=float(out[f"PRIMER_PAIR_{i}_COMPL_END_TH"]),
        worst_multiplex_dg=worst[0],
        worst_multiplex_with=worst[1],
        verdict=level,
        reasons=tuple(reasons),
    )


def _worst_multiplex_dimer(
    sequences: Sequence[str], existing: Mapping[str, str], thermo: Thermo
) -> tuple[float | None, str]:
    """Lowest dG of any dimer (any or 3'-anchored) with a primer of the existing set, and whose."""
    worst: tuple[float | None, str] = (None, "")
    for seq in sequences:
        for other, other_seq in existing.items():
            for s in (thermo.dimer(seq, other_seq), thermo.end_dimer(seq, other_seq)):
                if s.dg is not None and (worst[0] is None or s.dg < worst[0]):
                    worst = (s.dg, other)
    return worst
