"""The results of :func:`~ikzf1assay.primers.thermo.check_primers`: figures, flags, tables.

Frozen dataclasses per primer, per combination of two primers and per reaction, the flags
they may carry (:data:`FLAG_MEANINGS`), and :class:`PrimerCheckResult` with its tables and
JSON form. Definitions of the figures are in :mod:`ikzf1assay.primers.thermo`. The checks of
an assay's hydrolysis probes (:class:`ProbeCheck`, with :data:`PROBE_FLAG_MEANINGS`) are made
by :mod:`ikzf1assay.primers.probe` and carried in :attr:`PrimerCheckResult.probes`.
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
    "PROBE_FLAG_MEANINGS",
    "PairCheck",
    "PrimerCheck",
    "PrimerCheckResult",
    "ProbeCheck",
    "ProbeFinding",
    "ProbePlacement",
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


# Flags of a probe check: what each means. Each finding carries its own severity (WARN or
# FAIL; the Tm flags are either, by how far the Tm is off): see ikzf1assay.primers.probe.
PROBE_FLAG_MEANINGS: dict[str, str] = {
    "PROBE_TM_LOW": "probe Tm less than 6 C above the higher primer Tm of its reaction "
    "(FAIL when less than 3 C above)",
    "PROBE_TM_HIGH": "probe Tm more than 10 C above the higher primer Tm of its reaction "
    "(FAIL when more than 13 C above)",
    "PROBE_TM_NOT_COMPARED": "a primer of the reaction has no Tm (too degenerate)",
    "PROBE_5G": "G at the 5' end, next to the reporter: guanine quenches FAM",
    "PROBE_GC": "GC content outside 30-80 %",
    "PROBE_LENGTH": "length outside 18-30 nt (13-25 nt with an MGB quencher)",
    "PROBE_POLY_X": "a run of one base longer than max_poly_x",
    "PROBE_HAIRPIN": "hairpin Tm above max_hairpin_tm",
    "PROBE_SELF_DIMER": "self-dimer Tm above max_self_dimer_tm or dG below min_dimer_dg",
    "PROBE_PRIMER_DIMER": "dimer with a primer of its reaction: Tm above max_pair_dimer_tm "
    "(3'-anchored: max_pair_end_tm) or dG below min_dimer_dg",
    "PROBE_NOT_FOUND": "neither the probe nor its reverse complement is on the reaction's "
    "deletion allele",
    "PROBE_NO_PRODUCT": "the reaction makes no product on its deletion allele",
    "PROBE_OUTSIDE_PRODUCT": "the probe's site is not inside the reaction's product",
    "PROBE_OVERLAPS_PRIMER": "the probe's site overlaps a primer's site in the product",
    "PROBE_SPANS_JUNCTION": "the probe's site spans the deletion junction, which differs "
    "between patients",
    "POSITION_NOT_CHECKED": "the probe's place in the product was not checked (no locus)",
}


@dataclass(frozen=True)
class ProbeFinding:
    """One rule a probe breaks: the flag, ``WARN`` or ``FAIL``, and the figures behind it."""

    flag: str
    severity: str
    note: str


@dataclass(frozen=True)
class ProbePlacement:
    """Where a probe lies in its reaction's product on the reaction's deletion allele.

    Coordinates are 0-based, half-open, on the allele's + strand. ``checked`` is False when
    the position was not checked (``reason`` says why); ``strand`` is ``+`` when the probe's
    own sequence reads on the allele's + strand, ``-`` when its reverse complement does.
    ``junction`` is the allele's first base after the junction (``Allele.junction``).
    """

    checked: bool
    reason: str
    allele: str | None = None
    product_start: int | None = None
    product_end: int | None = None
    start: int | None = None
    end: int | None = None
    strand: str | None = None
    junction: int | None = None

    def describe(self) -> str:
        """One line: where the probe is in the product, or why that was not checked."""
        if not self.checked:
            return f"not checked: {self.reason}"
        if self.product_start is None or self.product_end is None:
            return self.reason
        size = self.product_end - self.product_start
        where = f"{self.allele} product {size} bp"
        if self.start is None or self.end is None:
            return f"{where}: {self.reason}"
        a, b = self.start - self.product_start + 1, self.end - self.product_start
        text = f"{where}: probe at {a}-{b} ({self.strand} strand)"
        if self.junction is not None:
            j = self.junction - self.product_start
            text += f", junction after product base {j}"
        return f"{text}; {self.reason}"


@dataclass(frozen=True)
class ProbeCheck:
    """Figures, placement and findings of one hydrolysis probe.

    ``primer_tm`` is the higher Tm of its reaction's two primers (worst case over IUPAC
    expansions), ``tm_above`` the probe's Tm minus it; ``dimers`` are the probe with itself and
    with each primer of its reaction. ``verdict`` is the worst severity of the findings, PASS
    when there are none.
    """

    name: str
    sequence: str
    reaction: str
    deletion: str
    reporter: str
    quencher: str
    length: int
    tm: float
    gc: float
    primer_tm: float | None
    tm_above: float | None
    longest_run: int
    hairpin: Structure
    dimers: tuple[PairCheck, ...]
    placement: ProbePlacement
    findings: tuple[ProbeFinding, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """The findings' flags, in the order found."""
        return tuple(f.flag for f in self.findings)

    @property
    def verdict(self) -> str:
        """``FAIL`` if any finding fails, else ``WARN`` if any, else ``PASS``."""
        severities = {f.severity for f in self.findings}
        return "FAIL" if "FAIL" in severities else ("WARN" if severities else "PASS")


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
    probes: tuple[ProbeCheck, ...] = field(default=())

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

    def probes_table(self) -> pd.DataFrame:
        """One row per probe; columns as in the JSON ``probes`` records."""
        return pd.DataFrame([_probe_record(p) for p in self.probes])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: keys ``conditions``, ``primers``, ``pairs``, ``reactions`` and context,
        and ``probes`` with ``probe_flag_meanings`` when the assay has probes."""
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
        } | self._probes_dict()

    def _probes_dict(self) -> dict[str, Any]:
        """``probes`` and ``probe_flag_meanings``, only for an assay with ``[[probe]]`` entries."""
        if not self.probes:
            return {}
        used = [f for f in PROBE_FLAG_MEANINGS if any(f in p.flags for p in self.probes)]
        return {
            "probes": [_probe_record(p) for p in self.probes],
            "probe_flag_meanings": {f: PROBE_FLAG_MEANINGS[f] for f in used},
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


def _probe_record(p: ProbeCheck) -> dict[str, Any]:
    place = p.placement
    return {
        "name": p.name,
        "sequence": p.sequence,
        "reaction": p.reaction,
        "deletion": p.deletion,
        "reporter": p.reporter,
        "quencher": p.quencher,
        "length": p.length,
        "tm": p.tm,
        "gc": p.gc,
        "primer_tm": p.primer_tm,
        "tm_above_primers": p.tm_above,
        "longest_run": p.longest_run,
        "hairpin_tm": p.hairpin.tm,
        "hairpin_dg": p.hairpin.dg,
        "dimers": [_pair_record(d) for d in p.dimers],
        "position_checked": place.checked,
        "position": place.describe(),
        "allele": place.allele,
        "product_start": None if place.product_start is None else place.product_start + 1,
        "product_end": place.product_end,
        "probe_start": None if place.start is None else place.start + 1,
        "probe_end": place.end,
        "strand": place.strand,
        "junction": None if place.junction is None else place.junction + 1,  # 1st base after
        "verdict": p.verdict,
        "flags": list(p.flags),
        "findings": [asdict(f) for f in p.findings],
    }
