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
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from primer3.thermoanalysis import ThermoAnalysis

from ikzf1assay.assay import Assay, Conditions, Primer, Thresholds
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
    "check_primers",
]

FLAG_MEANINGS: dict[str, str] = {
    "TM_LOW": "primer Tm below tm_min",
    "TM_HIGH": "primer Tm above tm_max",
    "GC_LOW": "GC content below gc_min",
    "GC_HIGH": "GC content above gc_max",
    "LENGTH_SHORT": "primer shorter than length_min",
    "LENGTH_LONG": "primer longer than length_max",
    "POLY_X": "a run of one base longer than max_poly_x",
    "HAIRPIN": "hairpin Tm above max_hairpin_tm",
    "SELF_DIMER": "self-dimer Tm above max_self_dimer_tm or dG below min_dimer_dg",
    "SELF_END_DIMER": "3'-anchored self-dimer Tm above max_self_end_tm or dG below min_dimer_dg",
    "END_STABILITY": "3'-pentamer dG below min_end_stability_dg (3' end too sticky)",
    "GC_CLAMP_WEAK": "fewer G/C among the last five 3' bases than gc_clamp_min",
    "GC_CLAMP_STRONG": "more G/C among the last five 3' bases than gc_clamp_max",
    "AMBIGUOUS": "IUPAC codes in the sequence: figures are the worst case over its expansions",
    "TOO_DEGENERATE": "more expansions than max_variants: thermodynamics not computed",
    "DIMER": "dimer of two primers with Tm above max_pair_dimer_tm or dG below min_dimer_dg",
    "END_DIMER": "3'-anchored dimer with Tm above max_pair_end_tm or dG below min_dimer_dg",
    "TM_DIFF": "the two primers of a reaction differ in Tm by more than max_tm_diff",
}


@dataclass(frozen=True)
class Structure:
    """A secondary structure or duplex as thal finds it: Tm (C) and dG (kcal/mol)."""

    tm: float | None
    dg: float | None

    @property
    def found(self) -> bool:
        """Whether thal found any structure."""
        return self.tm is not None

    def worse_than(self, other: Structure) -> bool:
        """True when this structure is the more stable one (higher Tm, then lower dG)."""
        if self.tm is None or self.dg is None:
            return False
        if other.tm is None or other.dg is None:
            return True
        return (self.tm, -self.dg) > (other.tm, -other.dg)


_NONE = Structure(None, None)


def _worst(structures: Iterable[Structure]) -> Structure:
    best = _NONE
    for s in structures:
        if s.worse_than(best):
            best = s
    return best


@dataclass(frozen=True)
class PrimerCheck:
    """Figures and flags of one primer. For IUPAC primers, ranges over the expansions."""

    name: str
    sequence: str
    length: int
    tm: float | None
    tm_max: float | None
    gc: float
    gc_max: float
    hairpin: Structure
    homodimer: Structure
    self_end: Structure
    end_stability_dg: float | None
    longest_run: int
    gc_clamp: int
    variants: int
    flags: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PairCheck:
    """Dimers of two primers (a may equal b: the self-dimer), worst case over expansions."""

    a: str
    b: str
    dimer: Structure
    end_dimer: Structure
    flags: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ReactionCheck:
    """One reaction: its primers' Tm difference and their dimers."""

    name: str
    forward: str
    reverse: str
    deletion: str
    delta_tm: float | None
    flags: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PrimerCheckResult:
    """Everything :func:`check_primers` found. Render with :mod:`ikzf1assay.report`."""

    conditions: Conditions
    thresholds: Thresholds
    assay_name: str
    assay_path: str
    assay_sha256: str
    primers: tuple[PrimerCheck, ...]
    pairs: tuple[PairCheck, ...]
    reactions: tuple[ReactionCheck, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def flags_used(self) -> list[str]:
        """Every flag raised anywhere, in the order of :data:`FLAG_MEANINGS`."""
        rows: list[PrimerCheck | PairCheck | ReactionCheck] = [
            *self.primers,
            *self.pairs,
            *self.reactions,
        ]
        used = {f for row in rows for f in row.flags}
        return [f for f in FLAG_MEANINGS if f in used]

    def primers_table(self) -> pd.DataFrame:
        """One row per primer; columns as in the JSON ``primers`` records."""
        return pd.DataFrame([_primer_record(p) for p in self.primers])

    def pairs_table(self) -> pd.DataFrame:
        """One row per combination of two primers (self pairs included)."""
        return pd.DataFrame([_pair_record(p) for p in self.pairs])

    def reactions_table(self) -> pd.DataFrame:
        """One row per reaction."""
        return pd.DataFrame([asdict(r) for r in self.reactions])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: keys ``conditions``, ``primers``, ``pairs``, ``reactions`` and context."""
        return {
            "assay": {
                "name": self.assay_name,
                "path": self.assay_path,
                "sha256": self.assay_sha256,
            },
            "conditions": asdict(self.conditions),
            "thresholds": asdict(self.thresholds),
            "primers": [_primer_record(p) for p in self.primers],
            "pairs": [_pair_record(p) for p in self.pairs],
            "reactions": [asdict(r) for r in self.reactions],
            "flag_meanings": {f: FLAG_MEANINGS[f] for f in self.flags_used},
            "warnings": list(self.warnings),
        }


def _primer_record(p: PrimerCheck) -> dict[str, Any]:
    return {
        "name": p.name,
        "sequence": p.sequence,
        "length": p.length,
        "tm": p.tm,
        "tm_max": p.tm_max,
        "gc": p.gc,
        "gc_max": p.gc_max,
        "hairpin_tm": p.hairpin.tm,
        "hairpin_dg": p.hairpin.dg,
        "homodimer_tm": p.homodimer.tm,
        "homodimer_dg": p.homodimer.dg,
        "self_end_tm": p.self_end.tm,
        "self_end_dg": p.self_end.dg,
        "end_stability_dg": p.end_stability_dg,
        "longest_run": p.longest_run,
        "gc_clamp": p.gc_clamp,
        "variants": p.variants,
        "flags": list(p.flags),
        "notes": list(p.notes),
    }


def _pair_record(p: PairCheck) -> dict[str, Any]:
    return {
        "a": p.a,
        "b": p.b,
        "dimer_tm": p.dimer.tm,
        "dimer_dg": p.dimer.dg,
        "end_dimer_tm": p.end_dimer.tm,
        "end_dimer_dg": p.end_dimer.dg,
        "flags": list(p.flags),
        "notes": list(p.notes),
    }


# --------------------------------------------------------------------------- computation


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
            return _NONE
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
        return _worst(
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
        return _NONE
    return _worst(fn(x, y) for x in a for y in b)


def _check_primer(
    p: Primer, variants: list[str] | None, th: Thresholds, thermo: Thermo
) -> PrimerCheck:
    flags: list[str] = []
    notes: list[str] = []
    seq = p.sequence
    n = len(seq)
    _flag_if(
        flags, notes, "LENGTH_SHORT", n < th.length_min, f"length {n} nt below {th.length_min}"
    )
    _flag_if(flags, notes, "LENGTH_LONG", n > th.length_max, f"length {n} nt above {th.length_max}")
    run = longest_run(seq)
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
    if variants is None:
        _flag_if(
            flags,
            notes,
            "TOO_DEGENERATE",
            True,
            f"more than {th.max_variants} expansions; thermodynamics not computed",
        )
        return PrimerCheck(
            p.name,
            seq,
            n,
            None,
            None,
            gc_percent(seq),
            gc_percent(seq),
            _NONE,
            _NONE,
            _NONE,
            None,
            run,
            0,
            0,
            tuple(flags),
            tuple(notes),
        )

    tms = [thermo.tm(v) for v in variants]
    gcs = [gc_percent(v) for v in variants]
    clamps = [sum(1 for b in v[-5:] if b in "GC") for v in variants]
    ends = [end_stability_dg(v) for v in variants]
    hairpin = _worst(thermo.hairpin(v) for v in variants)
    homodimer = _over_variants(variants, variants, thermo.dimer)
    self_end = _over_variants(variants, variants, thermo.self_end)

    tm_lo, tm_hi = min(tms), max(tms)
    _flag_if(flags, notes, "TM_LOW", tm_lo < th.tm_min, f"Tm {tm_lo:.2f} C below {th.tm_min:g} C")
    _flag_if(flags, notes, "TM_HIGH", tm_hi > th.tm_max, f"Tm {tm_hi:.2f} C above {th.tm_max:g} C")
    _flag_if(
        flags, notes, "GC_LOW", min(gcs) < th.gc_min, f"GC {min(gcs):.1f} % below {th.gc_min:g} %"
    )
    _flag_if(
        flags, notes, "GC_HIGH", max(gcs) > th.gc_max, f"GC {max(gcs):.1f} % above {th.gc_max:g} %"
    )
    if hairpin.tm is not None and hairpin.tm > th.max_hairpin_tm:
        _flag_if(
            flags,
            notes,
            "HAIRPIN",
            True,
            f"hairpin Tm {hairpin.tm:.2f} C above {th.max_hairpin_tm:g} C",
        )
    _structure_flag(
        flags, notes, "SELF_DIMER", "self-dimer", homodimer, th.max_self_dimer_tm, th.min_dimer_dg
    )
    _structure_flag(
        flags,
        notes,
        "SELF_END_DIMER",
        "3'-anchored self-dimer",
        self_end,
        th.max_self_end_tm,
        th.min_dimer_dg,
    )
    end_dg = min(ends)
    _flag_if(
        flags,
        notes,
        "END_STABILITY",
        end_dg < th.min_end_stability_dg,
        f"3'-pentamer dG {end_dg:.2f} kcal/mol below {th.min_end_stability_dg:g}",
    )
    _flag_if(
        flags,
        notes,
        "GC_CLAMP_WEAK",
        min(clamps) < th.gc_clamp_min,
        f"{min(clamps)} G/C in the last five 3' bases, fewer than {th.gc_clamp_min}",
    )
    _flag_if(
        flags,
        notes,
        "GC_CLAMP_STRONG",
        max(clamps) > th.gc_clamp_max,
        f"{max(clamps)} G/C in the last five 3' bases, more than {th.gc_clamp_max}",
    )
    return PrimerCheck(
        name=p.name,
        sequence=seq,
        length=n,
        tm=tm_lo,
        tm_max=tm_hi,
        gc=min(gcs),
        gc_max=max(gcs),
        hairpin=hairpin,
        homodimer=homodimer,
        self_end=self_end,
        end_stability_dg=end_dg,
        longest_run=run,
        gc_clamp=max(clamps),
        variants=len(variants),
        flags=tuple(flags),
        notes=tuple(notes),
    )


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

    pairs: list[PairCheck] = []
    for a, b in itertools.combinations_with_replacement(assay.primers, 2):
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

    by_name = {p.name: p for p in primers}
    pair_of = {frozenset((p.a, p.b)): p for p in pairs}
    reactions: list[ReactionCheck] = []
    for r in assay.reactions:
        fwd, rev = by_name[r.forward], by_name[r.reverse]
        flags = []
        notes = []
        delta = None
        if None not in (fwd.tm, fwd.tm_max, rev.tm, rev.tm_max):
            # Worst case for IUPAC primers: the widest gap between any two expansions.
            delta = max(abs(fwd.tm_max - rev.tm), abs(rev.tm_max - fwd.tm))  # type: ignore[operator]
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
