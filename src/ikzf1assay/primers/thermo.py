"""Thermodynamic checks of an assay's primers, with primer3-py, at stated conditions.

:func:`check_primers` computes, for every primer, every combination of two primers (self
pairs included: with five primers, 15 combinations, since a lab may multiplex) and every
reaction, the figures Primer3 uses, and flags each figure against the assay's
:class:`~ikzf1assay.assay.Thresholds`. Definitions follow Primer3 so that each number can be
checked against ``primer3_core``:

=====================  ==============================================================
tm                     PRIMER_*_TM: SantaLucia 1998 nearest-neighbour Tm with
                       SantaLucia salt correction (Mg2+ and dNTP as in Primer3)
hairpin_tm / _dg       PRIMER_*_HAIRPIN_TH: thal hairpin
homodimer_tm / _dg     PRIMER_*_SELF_ANY_TH: thal dimer of the primer with itself
self_end_tm / _dg      PRIMER_*_SELF_END_TH: the same, 3'-anchored
end_stability_dg       minus PRIMER_*_END_STABILITY: dG of the 3'-terminal pentamer
pair dimer_tm / _dg    PRIMER_PAIR_*_COMPL_ANY_TH: thal dimer of two primers
pair end_dimer_tm/_dg  PRIMER_PAIR_*_COMPL_END_TH: the most stable end-anchored dimer
                       (for a primer with itself: its self_end)
=====================  ==============================================================

Structure temperatures may be negative (the structure is not stable even at 0 C); Primer3
prints those as 0.00. A structure that thal cannot form at all has Tm and dG None. dG values
are in kcal/mol at the conditions' temperature (37 C by default).

The result types live in :mod:`ikzf1assay.primers.check_results` and are importable from here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from primer3.thermoanalysis import ThermoAnalysis

from ikzf1assay.assay import Assay, Conditions, Primer, Thresholds
from ikzf1assay.primers.check_results import (
    FLAG_MEANINGS,
    NO_STRUCTURE,
    PairCheck,
    PrimerCheck,
    PrimerCheckResult,
    ReactionCheck,
    Structure,
    worst,
)
from ikzf1assay.primers.nearest_neighbor import end_stability_dg
from ikzf1assay.sequence import (
    expand_ambiguous,
    gc_percent,
    longest_run,
    reverse_complement,
)

__all__ = [
    "FLAG_MEANINGS",
    "PairCheck",
    "PrimerCheck",
    "PrimerCheckResult",
    "ReactionCheck",
    "Structure",
    "Thermo",
    "check_primers",
]


class Thermo:
    """primer3-py at fixed conditions, answering in C and kcal/mol."""

    def __init__(self, conditions: Conditions) -> None:
        self._ta = ThermoAnalysis(
            mv_conc=conditions.monovalent_mm,
            dv_conc=conditions.divalent_mm,
            dntp_conc=conditions.dntp_mm,
            dna_conc=conditions.oligo_nm,
            temp_c=conditions.temperature_c,
        )

    @staticmethod
    def _structure(result: Any) -> Structure:
        if not result.structure_found:
            return NO_STRUCTURE
        return Structure(float(result.tm), float(result.dg) / 1000.0)

    def tm(self, seq: str) -> float:
        return float(self._ta.calc_tm(seq))

    def hairpin(self, seq: str) -> Structure:
        return self._structure(self._ta.calc_hairpin(seq))

    def dimer(self, a: str, b: str) -> Structure:
        return self._structure(self._ta.calc_heterodimer(a, b))

    def self_end(self, a: str, b: str) -> Structure:
        """Primer3's SELF_END: thal END1, the 3' end of ``a`` anchored on ``b``.

        For a primer with itself ``a == b``; END2 is END1 with the sequences swapped, so for a
        self-dimer the two coincide (checked against ntthal in the tests).
        """
        return self._structure(self._ta.calc_end_stability(a, b))

    def end_dimer(self, a: str, b: str) -> Structure:
        """Primer3's pair COMPL_END: the most stable end-anchored alignment of two primers.

        Primer3 scores END1 and END2 for the left primer against the right one and again with
        both reverse-complemented (it keeps the right primer as template strand); the maximum of
        the four is PRIMER_PAIR_n_COMPL_END_TH, reproduced here and checked against
        primer3_core in the tests.
        """
        ra, rb = reverse_complement(a), reverse_complement(b)
        return worst(
            self._structure(self._ta.calc_end_stability(x, y))
            for x, y in ((a, b), (b, a), (rb, ra), (ra, rb))
        )


def _flag_if(flags: list[str], notes: list[str], flag: str, condition: bool, note: str) -> None:
    if condition and flag not in flags:
        flags.append(flag)
        notes.append(note)


def _structure_flag(
    flags: list[str],
    notes: list[str],
    flag: str,
    what: str,
    s: Structure,
    max_tm: float,
    min_dg: float,
) -> None:
    if s.tm is not None and s.tm > max_tm:
        _flag_if(flags, notes, flag, True, f"{what} Tm {s.tm:.2f} C above {max_tm:g} C")
    if s.dg is not None and s.dg < min_dg:
        _flag_if(flags, notes, flag, True, f"{what} dG {s.dg:.2f} kcal/mol below {min_dg:g}")


def _variants(p: Primer, th: Thresholds) -> list[str] | None:
    return expand_ambiguous(p.sequence, th.max_variants) if p.is_ambiguous else [p.sequence]


def _over_variants(
    a: list[str] | None, b: list[str] | None, fn: Callable[[str, str], Structure]
) -> Structure:
    if a is None or b is None:
        return NO_STRUCTURE
    return worst(fn(x, y) for x in a for y in b)


def _check_primer(
    p: Primer, variants: list[str] | None, th: Thresholds, thermo: Thermo
) -> PrimerCheck:
    """Figures and flags of one primer: sequence rules, then thermodynamics over its variants."""
    flags: list[str] = []
    notes: list[str] = []
    seq = p.sequence
    run = longest_run(seq)
    _sequence_flags(p, run, th, flags, notes)
    if variants is None:
        _flag_if(
            flags,
            notes,
            "TOO_DEGENERATE",
            True,
            f"more than {th.max_variants} expansions; thermodynamics not computed",
        )
        return PrimerCheck(
            p.name, seq, len(seq), None, None, gc_percent(seq), gc_percent(seq),
            NO_STRUCTURE, NO_STRUCTURE, NO_STRUCTURE, None, run, 0, 0, tuple(flags), tuple(notes),
        )  # fmt: skip
    f = _Figures.of(variants, thermo)
    _figure_flags(f, th, flags, notes)
    return PrimerCheck(
        name=p.name,
        sequence=seq,
        length=len(seq),
        tm=min(f.tms),
        tm_max=max(f.tms),
        gc=min(f.gcs),
        gc_max=max(f.gcs),
        hairpin=f.hairpin,
        homodimer=f.homodimer,
        self_end=f.self_end,
        end_stability_dg=min(f.ends),
        longest_run=run,
        gc_clamp=max(f.clamps),
        variants=len(variants),
        flags=tuple(flags),
        notes=tuple(notes),
    )


def _sequence_flags(
    p: Primer, run: int, th: Thresholds, flags: list[str], notes: list[str]
) -> None:
    """Flags read off the sequence alone: length, runs of one base, IUPAC codes."""
    seq = p.sequence
    n = len(seq)
    _flag_if(
        flags, notes, "LENGTH_SHORT", n < th.length_min, f"length {n} nt below {th.length_min}"
    )
    _flag_if(flags, notes, "LENGTH_LONG", n > th.length_max, f"length {n} nt above {th.length_max}")
    _flag_if(
        flags,
        notes,
        "POLY_X",
        run > th.max_poly_x,
        f"run of {run} identical bases above {th.max_poly_x}",
    )
    if p.is_ambiguous:
        codes = ", ".join(f"{seq[i - 1]}{i}" for i in p.ambiguous_positions)
        _flag_if(flags, notes, "AMBIGUOUS", True, f"IUPAC codes {codes}")


@dataclass(frozen=True)
class _Figures:
    """One primer's figures per expansion (lists) and its worst structures over them."""

    tms: list[float]
    gcs: list[float]
    clamps: list[int]
    ends: list[float]
    hairpin: Structure
    homodimer: Structure
    self_end: Structure

    @classmethod
    def of(cls, variants: list[str], thermo: Thermo) -> _Figures:
        return cls(
            tms=[thermo.tm(v) for v in variants],
            gcs=[gc_percent(v) for v in variants],
            clamps=[sum(1 for b in v[-5:] if b in "GC") for v in variants],
            ends=[end_stability_dg(v) for v in variants],
            hairpin=worst(thermo.hairpin(v) for v in variants),
            homodimer=_over_variants(variants, variants, thermo.dimer),
            self_end=_over_variants(variants, variants, thermo.self_end),
        )


def _figure_flags(f: _Figures, th: Thresholds, flags: list[str], notes: list[str]) -> None:
    """Flags of the thermodynamic figures, worst case over the expansions."""
    tm_lo, tm_hi = min(f.tms), max(f.tms)
    _flag_if(flags, notes, "TM_LOW", tm_lo < th.tm_min, f"Tm {tm_lo:.2f} C below {th.tm_min:g} C")
    _flag_if(flags, notes, "TM_HIGH", tm_hi > th.tm_max, f"Tm {tm_hi:.2f} C above {th.tm_max:g} C")
    gc_lo, gc_hi = min(f.gcs), max(f.gcs)
    _flag_if(flags, notes, "GC_LOW", gc_lo < th.gc_min, f"GC {gc_lo:.1f} % below {th.gc_min:g} %")
    _flag_if(flags, notes, "GC_HIGH", gc_hi > th.gc_max, f"GC {gc_hi:.1f} % above {th.gc_max:g} %")
    if f.hairpin.tm is not None and f.hairpin.tm > th.max_hairpin_tm:
        _flag_if(
            flags,
            notes,
            "HAIRPIN",
            True,
            f"hairpin Tm {f.hairpin.tm:.2f} C above {th.max_hairpin_tm:g} C",
        )
    _structure_flag(
        flags, notes, "SELF_DIMER", "self-dimer", f.homodimer, th.max_self_dimer_tm,
        th.min_dimer_dg,
    )  # fmt: skip
    _structure_flag(
        flags, notes, "SELF_END_DIMER", "3'-anchored self-dimer", f.self_end, th.max_self_end_tm,
        th.min_dimer_dg,
    )  # fmt: skip
    end_dg = min(f.ends)
    _flag_if(
        flags,
        notes,
        "END_STABILITY",
        end_dg < th.min_end_stability_dg,
        f"3'-pentamer dG {end_dg:.2f} kcal/mol below {th.min_end_stability_dg:g}",
    )
    clamp_lo, clamp_hi = min(f.clamps), max(f.clamps)
    _flag_if(
        flags,
        notes,
        "GC_CLAMP_WEAK",
        clamp_lo < th.gc_clamp_min,
        f"{clamp_lo} G/C in the last five 3' bases, fewer than {th.gc_clamp_min}",
    )
    _flag_if(
        flags,
        notes,
        "GC_CLAMP_STRONG",
        clamp_hi > th.gc_clamp_max,
        f"{clamp_hi} G/C in the last five 3' bases, more than {th.gc_clamp_max}",
    )


def _check_pairs(
    primers: Sequence[Primer],
    variants: Mapping[str, list[str] | None],
    th: Thresholds,
    thermo: Thermo,
) -> list[PairCheck]:
    """Dimers of every combination of two primers, each primer with itself included."""
    pairs: list[PairCheck] = []
    for a, b in itertools.combinations_with_replacement(primers, 2):
        same = a.name == b.name
        dimer = _over_variants(variants[a.name], variants[b.name], thermo.dimer)
        end_fn = thermo.self_end if same else thermo.end_dimer
        end = _over_variants(variants[a.name], variants[b.name], end_fn)
        flags: list[str] = []
        notes: list[str] = []
        max_any = th.max_self_dimer_tm if same else th.max_pair_dimer_tm
        max_end = th.max_self_end_tm if same else th.max_pair_end_tm
        _structure_flag(flags, notes, "DIMER", "dimer", dimer, max_any, th.min_dimer_dg)
        _structure_flag(
            flags, notes, "END_DIMER", "3'-anchored dimer", end, max_end, th.min_dimer_dg
        )
        pairs.append(PairCheck(a.name, b.name, dimer, end, tuple(flags), tuple(notes)))
    return pairs


def _check_reactions(
    assay: Assay, primers: Sequence[PrimerCheck], pairs: Sequence[PairCheck], th: Thresholds
) -> list[ReactionCheck]:
    """Each reaction: its primers' Tm difference, and the flags of their pair."""
    by_name = {p.name: p for p in primers}
    pair_of = {frozenset((p.a, p.b)): p for p in pairs}
    reactions: list[ReactionCheck] = []
    for r in assay.reactions:
        fwd, rev = by_name[r.forward], by_name[r.reverse]
        flags: list[str] = []
        notes: list[str] = []
        delta = None
        if (
            fwd.tm is not None
            and fwd.tm_max is not None
            and rev.tm is not None
            and rev.tm_max is not None
        ):
            # Worst case for IUPAC primers: the widest gap between any two expansions.
            delta = max(abs(fwd.tm_max - rev.tm), abs(rev.tm_max - fwd.tm))
            _flag_if(
                flags,
                notes,
                "TM_DIFF",
                delta > th.max_tm_diff,
                f"Tm difference {delta:.2f} C above {th.max_tm_diff:g} C",
            )
        pair = pair_of[frozenset((r.forward, r.reverse))]
        for f, note in zip(pair.flags, pair.notes, strict=True):
            _flag_if(flags, notes, f, True, note)
        reactions.append(
            ReactionCheck(
                r.name, r.forward, r.reverse, r.deletion, delta, tuple(flags), tuple(notes)
            )
        )
    return reactions


def check_primers(
    assay: Assay,
    conditions: Conditions | None = None,
    thresholds: Thresholds | None = None,
) -> PrimerCheckResult:
    """Thermodynamic checks of every primer, primer combination and reaction of an assay.

    Parameters
    ----------
    assay
        From :func:`ikzf1assay.assay.load_assay`.
    conditions
        Reaction conditions; the assay file's ``[conditions]`` when None.
    thresholds
        Flag limits; the assay file's ``[thresholds]`` when None.

    Returns
    -------
    PrimerCheckResult
        ``primers`` in file order, ``pairs`` for every combination of two primers including
        each primer with itself (n(n+1)/2 rows), ``reactions`` in file order.

    Examples
    --------
    >>> from ikzf1assay.assay import load_assay
    >>> result = check_primers(load_assay())
    >>> [p.name for p in result.primers if "TM_HIGH" in p.flags]
    ['F.4']
    """
    cond = conditions if conditions is not None else assay.conditions
    th = thresholds if thresholds is not None else assay.thresholds
    thermo = Thermo(cond)
    variants = {p.name: _variants(p, th) for p in assay.primers}
    primers = tuple(_check_primer(p, variants[p.name], th, thermo) for p in assay.primers)

    pairs = _check_pairs(assay.primers, variants, th, thermo)
    reactions = _check_reactions(assay, primers, pairs, th)
    return PrimerCheckResult(
        conditions=cond,
        thresholds=th,
        assay_name=assay.name,
        assay_path=assay.path,
        assay_sha256=assay.sha256,
        primers=primers,
        pairs=tuple(pairs),
        reactions=tuple(reactions),
        warnings=assay.warnings,
    )
