"""The assay as data: primers, reactions, the positive rule, controls and target-name aliases.

Frozen dataclasses only; :mod:`ikzf1assay.assay.loader` builds them from an assay file and
checks them, so nothing here reads files.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ikzf1assay.errors import ParameterError

__all__ = [
    "CHEMISTRIES",
    "CONDITION_RANGES",
    "MIN_NA_EQUIVALENT_MM",
    "Assay",
    "Conditions",
    "Controls",
    "PositiveRule",
    "Primer",
    "Probe",
    "Reaction",
    "ReferenceReaction",
    "Target",
    "Thresholds",
    "normalise_target_name",
    "reaction_names",
]


@dataclass(frozen=True)
class Primer:
    """One oligonucleotide as published, 5'->3'."""

    name: str
    sequence: str
    direction: str  # "forward" | "reverse"
    note: str = ""
    label_5prime: str = ""
    label_3prime: str = ""
    purification: str = ""
    ambiguous_positions: tuple[int, ...] = ()
    line: int | None = None

    @property
    def is_ambiguous(self) -> bool:
        """True when the sequence holds IUPAC ambiguity codes."""
        return bool(self.ambiguous_positions)


@dataclass(frozen=True)
class Probe:
    """A hydrolysis (TaqMan) probe of one reaction, 5'->3', with its two dyes.

    ``reaction`` is the :attr:`Reaction.name` of the reaction it belongs to (the assay file may
    name the reaction by any of its target names); ``reporter`` is the 5' dye (FAM),
    ``quencher`` the 3' one (TAMRA, BHQ1, MGB-NFQ).
    """

    name: str
    sequence: str
    reporter: str
    quencher: str
    reaction: str
    note: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Reaction:
    """A primer pair whose product reveals one deletion."""

    name: str
    deletion: str
    forward: str
    reverse: str
    exons_lost: tuple[int, ...]
    aliases: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class ReferenceReaction:
    """The reaction proving that a sample's DNA amplifies (ALB by default)."""

    name: str
    ct_limit: float
    aliases: tuple[str, ...]
    forward: str | None = None
    reverse: str | None = None


@dataclass(frozen=True)
class PositiveRule:
    """A deletion reaction is positive when amplified (if required) and Ct < ``ct_cutoff``."""

    ct_cutoff: float = 36.0
    require_amplification: bool = True

    def is_positive(self, amplified: bool, ct: float | None) -> bool:
        """Apply the rule to one well."""
        if ct is None or math.isnan(ct):
            return False
        if self.require_amplification and not amplified:
            return False
        return ct < self.ct_cutoff


@dataclass(frozen=True)
class Controls:
    """What the run's controls must show, and the names that mark a well as a control."""

    ntc: str = "negative"
    positive_control: str = "positive"
    positive_control_required: bool = False
    ntc_required: bool = True
    replicate_rule: str = "any-positive"  # or "majority"
    ntc_names: tuple[str, ...] = ("NTC",)
    positive_control_names: tuple[str, ...] = ("PC",)
    negative_control_names: tuple[str, ...] = ("NEG", "negative control", "WT", "wild type")


# Allowed ranges of the reaction conditions: (low, high, unit, what).
CONDITION_RANGES: dict[str, tuple[float, float, str, str]] = {
    "monovalent_mm": (0.0, 1000.0, "mM", "monovalent cations (monovalent_mm, --na)"),
    "divalent_mm": (0.0, 100.0, "mM", "Mg2+ (divalent_mm, --mg)"),
    "dntp_mm": (0.0, 100.0, "mM", "dNTP (dntp_mm, --dntp)"),
    "oligo_nm": (0.001, 100000.0, "nM", "oligo concentration (oligo_nm, --oligo)"),
    "temperature_c": (0.0, 100.0, "C", "temperature for dG (temperature_c, --temp)"),
    "annealing_c": (30.0, 80.0, "C", "annealing temperature (annealing_c, --annealing)"),
    "max_product_bp": (50.0, 100000.0, "bp", "largest product (max_product_bp, --max-size)"),
}
# Conditions that are whole numbers (the others are floats).
INTEGER_CONDITIONS = frozenset({"max_product_bp"})


MIN_NA_EQUIVALENT_MM = 1.0


@dataclass(frozen=True)
class Conditions:
    """Reaction conditions for thermodynamics, in Primer3's units.

    Defaults: 50 mM monovalent, 3 mM Mg2+, 0.8 mM dNTP, 250 nM of each oligo, dG at 37 C;
    the run's annealing temperature 60 C (the usual two-step qPCR anneal/extend step) and
    largest product 4,000 bp (Primer-BLAST's default), which the genome specificity check
    judges off-target products at. Construct through :meth:`checked` to validate ranges.
    """

    monovalent_mm: float = 50.0
    divalent_mm: float = 3.0
    dntp_mm: float = 0.8
    oligo_nm: float = 250.0
    temperature_c: float = 37.0
    annealing_c: float = 60.0
    max_product_bp: int = 4000

    @classmethod
    def checked(cls, where: str = "conditions", **values: float) -> Conditions:
        """Build conditions, rejecting values outside the ranges Primer3 handles sensibly.

        Parameters
        ----------
        where
            Named in the error (``[conditions]``, ``command line``).
        **values
            Any of the fields, in their units; the others keep their defaults.

        Returns
        -------
        Conditions
            Checked one by one against their ranges, then for enough salt to form a duplex.

        Raises
        ------
        ParameterError
            A value is not a number, is out of range, or the salt is too low.
        """
        for key, value in values.items():
            low, high, unit, what = CONDITION_RANGES[key]
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ParameterError(
                    f"{what} must be a number in {unit}, got {value!r}", where=where
                )
            if not (math.isfinite(value) and low <= value <= high):
                raise ParameterError(
                    f"{what} = {value:g} {unit} is out of range; "
                    f"allowed {low:g} to {high:g} {unit}",
                    where=where,
                )
            if key in INTEGER_CONDITIONS and value != int(value):
                raise ParameterError(f"{what} must be a whole number of {unit}, got {value!r}",
                                     where=where)  # fmt: skip
        typed: dict[str, Any] = {
            k: int(v) if k in INTEGER_CONDITIONS else float(v) for k, v in values.items()
        }
        result = cls(**typed)
        # Primer3's salt model: Mg2+ not bound by dNTP counts as 120*sqrt(free Mg) of Na+.
        free_mg = max(result.divalent_mm - result.dntp_mm, 0.0)
        na_equivalent = result.monovalent_mm + 120.0 * math.sqrt(free_mg)
        if na_equivalent < MIN_NA_EQUIVALENT_MM:
            raise ParameterError(
                f"too little salt for a duplex: monovalent {result.monovalent_mm:g} mM plus free "
                f"Mg2+ {free_mg:g} mM (Mg2+ minus dNTP) is {na_equivalent:.3g} mM Na+-equivalent; "
                f"need at least {MIN_NA_EQUIVALENT_MM:g} mM: raise --na or --mg, or lower --dntp",
                where=where,
            )
        return result

    def replace(self, **values: float | None) -> Conditions:
        """A copy with the given values changed (None leaves a value as it is), re-checked.

        Parameters
        ----------
        **values
            Fields to change; None keeps the current value (an option not given).

        Returns
        -------
        Conditions
            Checked as :meth:`checked`, with errors naming the command line.
        """
        merged = {f.name: getattr(self, f.name) for f in fields(self)}
        merged.update({k: v for k, v in values.items() if v is not None})
        return Conditions.checked("command line", **merged)


@dataclass(frozen=True)
class Thresholds:
    """Limits behind the flags of ``primers check`` (Primer3's defaults unless changed)."""

    tm_min: float = 57.0
    tm_max: float = 63.0
    gc_min: float = 20.0
    gc_max: float = 80.0
    length_min: int = 18
    length_max: int = 27
    max_poly_x: int = 5
    max_hairpin_tm: float = 47.0
    max_self_dimer_tm: float = 47.0
    max_self_end_tm: float = 47.0
    max_pair_dimer_tm: float = 47.0
    max_pair_end_tm: float = 47.0
    min_dimer_dg: float = -9.0
    min_end_stability_dg: float = -9.0
    max_tm_diff: float = 5.0
    gc_clamp_min: int = 1
    gc_clamp_max: int = 3
    max_variants: int = 256


Target = Reaction | ReferenceReaction

# The detection chemistries an assay file may name, with what each means (the loader's error
# message lists them). "probe": the signal comes from a labelled oligo that only the intended
# product releases, so an amplification curve is the product. "dye": an intercalating dye
# (SYBR Green, EvaGreen) lights up any double-stranded DNA, primer-dimers included, so only
# the melt curve tells the product from a by-product (see ikzf1assay.calling.melt_rule).
CHEMISTRIES: dict[str, str] = {
    "probe": "labelled oligos: hydrolysis probe or labelled primers, e.g. TaqMan, FAM/TAMRA",
    "dye": "an intercalating dye such as SYBR Green or EvaGreen; melt curves check the product",
}


@dataclass(frozen=True)
class Assay:
    """A validated assay definition. Build it with :func:`load_assay`."""

    path: str
    sha256: str
    name: str
    gene: str
    primers: tuple[Primer, ...]
    reactions: tuple[Reaction, ...]
    reference: ReferenceReaction
    positive_rule: PositiveRule
    controls: Controls
    conditions: Conditions
    thresholds: Thresholds
    warnings: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    chemistry: str = "probe"  # a key of CHEMISTRIES
    probes: tuple[Probe, ...] = ()  # [[probe]] entries, in file order
    _targets: Mapping[str, Target] = field(default_factory=dict, repr=False, compare=False)

    def primer(self, name: str) -> Primer:
        """The primer called ``name`` (exact name, as in the file).

        Parameters
        ----------
        name
            As written in the assay file's ``[[primer]]`` table.

        Returns
        -------
        Primer
            Raises KeyError when there is none.
        """
        for p in self.primers:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve_target(self, target: str) -> Target | None:
        """The reaction (or the reference reaction) a plate's target name stands for.

        Matching ignores case, spaces, the kind of dash, and treats ∆ (increment) as Δ.

        Parameters
        ----------
        target
            A target name as a plate export writes it.

        Returns
        -------
        Reaction or ReferenceReaction or None
            None for a name that matches nothing; :meth:`known_target_names` lists what
            would have matched.
        """
        return self._targets.get(normalise_target_name(target))

    def known_target_names(self) -> list[str]:
        """Every name, as written in the assay file, that some target answers to."""
        names: list[str] = []
        for r in self.reactions:
            names.extend(reaction_names(r))
        names.extend([self.reference.name, *self.reference.aliases])
        return names


def reaction_names(r: Reaction) -> list[str]:
    """The built-in names of a reaction plus its aliases, in file order.

    Parameters
    ----------
    r
        A reaction of the assay.

    Returns
    -------
    list of str
        Its name, deletion, ``F/R`` and ``F+R`` primer names, then its aliases, each once.
    """
    builtin = [r.name, r.deletion, f"{r.forward}/{r.reverse}", f"{r.forward}+{r.reverse}"]
    return list(dict.fromkeys([*builtin, *r.aliases]))


_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def normalise_target_name(name: str) -> str:
    """The comparison key of a target name.

    Unicode NFKC and case-folded, spaces removed, every dash made ``-``, and the increment
    sign ∆ (U+2206, what many keyboards type) made the Greek Δ. Repeated to a fixed point,
    because removing a space can let a combining mark compose on the next pass.

    Parameters
    ----------
    name
        A target name from an assay file or a plate.

    Returns
    -------
    str
        The key two names share exactly when they mean the same target.
    """
    text = name
    for _ in range(8):
        step = unicodedata.normalize("NFKC", text).replace("\u2206", "\u0394").casefold()
        step = _SPACES.sub("", _DASHES.sub("-", step))
        if step == text:
            break
        text = step
    return text
