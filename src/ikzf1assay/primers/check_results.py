"""The results of :func:`~ikzf1assay.primers.thermo.check_primers`: figures, flags, tables.

Frozen dataclasses per primer, per combination of two primers and per reaction, the flags
they may carry (:data:`FLAG_MEANINGS`), and :class:`PrimerCheckResult` with its tables and
JSON form. Definitions of the figures are in :mod:`ikzf1assay.primers.thermo`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ikzf1assay.assay import Conditions, Thresholds

__all__ = [
    "FLAG_MEANINGS",
    "NO_STRUCTURE",
    "PairCheck",
    "PrimerCheck",
    "PrimerCheckResult",
    "ReactionCheck",
    "Structure",
    "worst",
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


NO_STRUCTURE = Structure(None, None)  # what thal answers when it finds none


def worst(structures: Iterable[Structure]) -> Structure:
    """The most stable of ``structures`` (:meth:`Structure.worse_than`), NO_STRUCTURE if none.

    Parameters
    ----------
    structures
        Any number of structures, e.g. one per IUPAC expansion.

    Returns
    -------
    Structure
        The one with the highest Tm (then lowest dG).
    """
    best = NO_STRUCTURE
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
