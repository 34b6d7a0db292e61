"""The assay as data: primers, reactions, the positive rule, controls and target-name aliases.

An assay file (TOML, format described in ``docs/assay-file.md``; the bundled one is
``primers/ikzf1_breakpoint.toml``) is read once by :func:`load_assay`, checked completely, and
turned into a frozen :class:`Assay`. Both the primer checks and the deletion calling read the
assay from here, so that a lab with other target names or cut-offs edits a file, not code.

Examples
--------
>>> from ikzf1assay.assay import load_assay
>>> assay = load_assay()                      # the bundled IKZF1 breakpoint assay
>>> assay.resolve_target("F4R7").deletion
'Δ4-7'
>>> assay.resolve_target("alb").name
'ALB'
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ikzf1assay._tomlpos import KeyLines
from ikzf1assay.errors import AssayDefinitionError, FileAccessError, ParameterError
from ikzf1assay.sequence import InvalidBaseError, normalise_dna

__all__ = [
    "Assay",
    "Conditions",
    "Controls",
    "PositiveRule",
    "Primer",
    "Reaction",
    "ReferenceReaction",
    "Thresholds",
    "default_assay_path",
    "load_assay",
    "normalise_target_name",
]

FORMAT_VERSION = 1
_DEFAULT_ASSAY = "ikzf1_breakpoint.toml"


# --------------------------------------------------------------------------- data types


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
_CONDITION_RANGES: dict[str, tuple[float, float, str, str]] = {
    "monovalent_mm": (0.0, 1000.0, "mM", "monovalent cations (monovalent_mm, --na)"),
    "divalent_mm": (0.0, 100.0, "mM", "Mg2+ (divalent_mm, --mg)"),
    "dntp_mm": (0.0, 100.0, "mM", "dNTP (dntp_mm, --dntp)"),
    "oligo_nm": (0.001, 100000.0, "nM", "oligo concentration (oligo_nm, --oligo)"),
    "temperature_c": (0.0, 100.0, "C", "temperature for dG (temperature_c, --temp)"),
}


MIN_NA_EQUIVALENT_MM = 1.0


@dataclass(frozen=True)
class Conditions:
    """Reaction conditions for thermodynamics, in Primer3's units.

    Defaults: 50 mM monovalent, 3 mM Mg2+, 0.8 mM dNTP, 250 nM of each oligo, dG at 37 C.
    Construct through :meth:`checked` to validate ranges.
    """

    monovalent_mm: float = 50.0
    divalent_mm: float = 3.0
    dntp_mm: float = 0.8
    oligo_nm: float = 250.0
    temperature_c: float = 37.0

    @classmethod
    def checked(cls, where: str = "conditions", **values: float) -> Conditions:
        """Build conditions, rejecting values outside the ranges Primer3 handles sensibly."""
        for key, value in values.items():
            low, high, unit, what = _CONDITION_RANGES[key]
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
        result = cls(**{k: float(v) for k, v in values.items()})
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
        """A copy with the given values changed (None leaves a value as it is), re-checked."""
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
    _targets: Mapping[str, Target] = field(default_factory=dict, repr=False, compare=False)

    def primer(self, name: str) -> Primer:
        """The primer called ``name`` (exact name, as in the file)."""
        for p in self.primers:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve_target(self, target: str) -> Target | None:
        """The reaction (or the reference reaction) a plate's target name stands for.

        Matching ignores case, spaces, the kind of dash, and treats ∆ (increment) as Δ.
        Returns None for a name that matches nothing; :meth:`known_target_names` lists
        what would have matched.
        """
        return self._targets.get(normalise_target_name(target))

    def known_target_names(self) -> list[str]:
        """Every name, as written in the assay file, that some target answers to."""
        names: list[str] = []
        for r in self.reactions:
            names.extend(_reaction_names(r))
        names.extend([self.reference.name, *self.reference.aliases])
        return names


def _reaction_names(r: Reaction) -> list[str]:
    """The built-in names of a reaction plus its aliases, in file order."""
    builtin = [r.name, r.deletion, f"{r.forward}/{r.reverse}", f"{r.forward}+{r.reverse}"]
    return list(dict.fromkeys([*builtin, *r.aliases]))


_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def normalise_target_name(name: str) -> str:
    """The comparison key of a target name.

    Unicode NFKC and case-folded, spaces removed, every dash made ``-``, and the increment
    sign ∆ (U+2206, what many keyboards type) made the Greek Δ. Repeated to a fixed point,
    because removing a space can let a combining mark compose on the next pass.
    """
    text = name
    for _ in range(8):
        step = unicodedata.normalize("NFKC", text).replace("\u2206", "\u0394").casefold()
        step = _SPACES.sub("", _DASHES.sub("-", step))
        if step == text:
            break
        text = step
    return text


# --------------------------------------------------------------------------- loading


def default_assay_path() -> Path:
    """The bundled assay file (``primers/ikzf1_breakpoint.toml`` of the repository)."""
    # In a source checkout the package file is a symlink to primers/; name the real file.
    return Path(str(resources.files("ikzf1assay") / "data" / _DEFAULT_ASSAY)).resolve()


def load_assay(path: str | Path | None = None) -> Assay:
    """Read and validate an assay file.

    Parameters
    ----------
    path
        A TOML assay file; None for the bundled IKZF1 breakpoint assay.

    Returns
    -------
    Assay
        Frozen and fully checked. ``warnings`` lists what is allowed but worth a look
        (IUPAC codes in a primer, 3'-labelled primers).

    Raises
    ------
    FileAccessError
        The file cannot be read.
    AssayDefinitionError
        The content is invalid; the message names the file, the line and what is allowed.
    """
    file = Path(path) if path is not None else default_assay_path()
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise FileAccessError("assay file not found", source=file) from None
    except IsADirectoryError:
        raise FileAccessError(
            "is a directory; expected an assay file (.toml)", source=file
        ) from None
    except OSError as exc:
        raise FileAccessError(f"cannot read assay file: {exc.strerror}", source=file) from None
    return parse_assay(raw, source=file)


def parse_assay(raw: bytes, source: str | Path = "<assay>") -> Assay:
    """Validate assay-file content already read into memory (see :func:`load_assay`)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssayDefinitionError(
            f"not UTF-8 text (byte {exc.start}); save the assay file as UTF-8", source=source
        ) from None
    if not text.strip():
        raise AssayDefinitionError(
            "the assay file is empty; expected [[primer]] and [[reaction]] tables "
            "as in primers/ikzf1_breakpoint.toml",
            source=source,
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        raise AssayDefinitionError(
            f"TOML syntax error: {msg}; see https://toml.io for the syntax",
            source=source,
            line=int(m.group(1)) if m else None,
        ) from None
    return _Builder(doc, text, source, hashlib.sha256(raw).hexdigest()).build()


_TOP_KEYS = {
    "format_version",
    "assay",
    "positive_rule",
    "reference",
    "controls",
    "conditions",
    "thresholds",
    "primer",
    "reaction",
}


class _Builder:
    """Turns a parsed TOML document into an Assay, with located errors."""

    def __init__(self, doc: dict[str, Any], text: str, source: str | Path, sha: str) -> None:
        self.doc = doc
        self.lines = KeyLines(text)
        self.source = source
        self.sha = sha
        self.warnings: list[str] = []

    # ----------------------------------------------------------------- helpers

    def fail(
        self, message: str, table: str = "", index: int | None = None, key: str | None = None
    ) -> AssayDefinitionError:
        where = (
            f"[[{table}]] #{index + 1}" if index is not None else (f"[{table}]" if table else None)
        )
        return AssayDefinitionError(
            message, source=self.source, line=self.lines.line_of(table, index, key), where=where
        )

    def table(self, name: str) -> dict[str, Any]:
        """An optional table; empty when absent."""
        value = self.doc.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(
                f"{name} must be a table [{name}], not a {type(value).__name__}", key=name
            )
        return value

    def array(self, name: str) -> list[dict[str, Any]]:
        value = self.doc.get(name)
        if value is None:
            raise self.fail(f"no [[{name}]] entries; the assay needs at least one")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{name} must be written as [[{name}]] tables", key=name)
        return value

    def check_keys(
        self, data: Mapping[str, Any], allowed: set[str], table: str, index: int | None = None
    ) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    f"unknown key {key!r}; allowed keys: {', '.join(sorted(allowed))}",
                    table,
                    index,
                    key,
                )

    def get_str(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        index: int | None = None,
        *,
        default: str | None = None,
    ) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"missing required key {key!r}", table, index)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                f"{key} must be a non-empty text in quotes, got {value!r}", table, index, key
            )
        return value.strip()

    def get_number(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        default: float,
        low: float,
        high: float,
        *,
        integer: bool = False,
    ) -> Any:
        value = data.get(key, default)
        kind = "a whole number" if integer else "a number"
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type:
            shown = f"the text {value!r}" if isinstance(value, str) else repr(value)
            raise self.fail(f"{key} must be {kind} (e.g. {default}), got {shown}", table, None, key)
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(
                f"{key} = {value} is out of range; allowed {low:g} to {high:g}", table, None, key
            )
        return value if integer else float(value)

    def get_bool(self, data: Mapping[str, Any], key: str, table: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false, got {value!r}", table, None, key)
        return value

    def get_str_list(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        index: int | None = None,
        default: tuple[str, ...] = (),
    ) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(
                f'{key} must be a list of non-empty texts, e.g. ["a", "b"]', table, index, key
            )
        return tuple(v.strip() for v in value)

    # ----------------------------------------------------------------- sections

    def build(self) -> Assay:
        for key in self.doc:
            if key not in _TOP_KEYS:
                raise self.fail(
                    f"unknown key or table {key!r}; allowed: {', '.join(sorted(_TOP_KEYS))}",
                    key=key,
                )
        version = self.doc.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise self.fail(
                f"format_version {version!r} is not supported; this version of ikzf1assay reads "
                f"format_version = {FORMAT_VERSION}",
                key="format_version",
            )
        head = self.table("assay")
        self.check_keys(head, {"name", "gene", "description", "source"}, "assay")
        primers = self.primers()
        by_name = {p.name: p for p in primers}
        reactions = self.reactions(by_name)
        reference = self.reference(by_name)
        targets = self.target_index(reactions, reference)
        return Assay(
            path=str(self.source),
            sha256=self.sha,
            name=self.get_str(head, "name", "assay", default="unnamed assay"),
            gene=self.get_str(head, "gene", "assay", default="IKZF1"),
            description=str(head.get("description", "")),
            source=str(head.get("source", "")),
            primers=primers,
            reactions=reactions,
            reference=reference,
            positive_rule=self.positive_rule(),
            controls=self.controls(),
            conditions=self.conditions(),
            thresholds=self.thresholds(),
            warnings=tuple(self.warnings),
            _targets=targets,
        )

    def primers(self) -> tuple[Primer, ...]:
        allowed = {
            "name",
            "sequence",
            "direction",
            "note",
            "label_5prime",
            "label_3prime",
            "purification",
        }
        result: list[Primer] = []
        seen: dict[str, int] = {}
        labelled: list[str] = []
        for i, entry in enumerate(self.array("primer")):
            self.check_keys(entry, allowed, "primer", i)
            name = self.get_str(entry, "name", "primer", i)
            folded = name.casefold()
            if folded in seen:
                raise self.fail(
                    f"duplicate primer name {name!r} (also [[primer]] #{seen[folded] + 1}); "
                    "primer names must be unique, ignoring case",
                    "primer",
                    i,
                    "name",
                )
            seen[folded] = i
            try:
                seq, ambiguous = normalise_dna(self.get_str(entry, "sequence", "primer", i))
            except InvalidBaseError as problem:
                raise self.fail(
                    f"primer {name!r}: {problem.describe()}", "primer", i, "sequence"
                ) from None
            if len(seq) < 8:
                raise self.fail(
                    f"primer {name!r} is {len(seq)} nt; a primer needs at least 8",
                    "primer",
                    i,
                    "sequence",
                )
            if len(seq) > 60:
                raise self.fail(
                    f"primer {name!r} is {len(seq)} nt; thermodynamic checks handle at most 60",
                    "primer",
                    i,
                    "sequence",
                )
            direction = self.get_str(entry, "direction", "primer", i)
            if direction not in ("forward", "reverse"):
                raise self.fail(
                    f'direction must be "forward" or "reverse", got {direction!r}',
                    "primer",
                    i,
                    "direction",
                )
            line = self.lines.line_of("primer", i, "sequence")
            if ambiguous:
                codes = ", ".join(f"{seq[p - 1]} at {p}" for p in ambiguous)
                self.warnings.append(
                    f"{self.source}:{line}: primer {name!r} has IUPAC ambiguity codes ({codes}); "
                    "thermodynamics are the worst case over its expansions"
                )
            label3 = str(entry.get("label_3prime", "")).strip()
            if label3:
                labelled.append(f"{name} ({label3}, line {self.lines.line_of('primer', i)})")
            result.append(
                Primer(
                    name=name,
                    sequence=seq,
                    direction=direction,
                    note=str(entry.get("note", "")),
                    label_5prime=str(entry.get("label_5prime", "")).strip(),
                    label_3prime=label3,
                    purification=str(entry.get("purification", "")).strip(),
                    ambiguous_positions=ambiguous,
                    line=line,
                )
            )
        if labelled:
            self.warnings.append(
                f"{self.source}: 3'-labelled primers: {', '.join(labelled)}. A 3'-modified "
                "oligo is not extended by the polymerase; check that each label belongs to it"
            )
        return tuple(result)

    def primer_ref(
        self,
        data: Mapping[str, Any],
        key: str,
        primers: Mapping[str, Primer],
        table: str,
        index: int | None = None,
    ) -> str:
        """The primer named by ``data[key]`` (forward/reverse): defined, pointing that way."""
        name = self.get_str(data, key, table, index)
        if name not in primers:
            raise self.fail(
                f"{key} names primer {name!r}, which is not defined; defined primers: "
                f"{', '.join(sorted(primers))}",
                table,
                index,
                key,
            )
        if primers[name].direction != key:
            raise self.fail(
                f"{key} names primer {name!r}, whose direction is {primers[name].direction!r} "
                f"(line {primers[name].line}); a reaction's {key} primer must be a {key} primer",
                table,
                index,
                key,
            )
        return name

    def reactions(self, primer_names: Mapping[str, Primer]) -> tuple[Reaction, ...]:
        allowed = {"name", "deletion", "forward", "reverse", "exons_lost", "aliases"}
        result: list[Reaction] = []
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        for i, entry in enumerate(self.array("reaction")):
            self.check_keys(entry, allowed, "reaction", i)
            fwd = self.primer_ref(entry, "forward", primer_names, "reaction", i)
            rev = self.primer_ref(entry, "reverse", primer_names, "reaction", i)
            deletion = self.get_str(entry, "deletion", "reaction", i)
            name = self.get_str(entry, "name", "reaction", i, default=f"{fwd}+{rev}")
            for what, value in (("name", name), ("deletion", deletion)):
                key = (what, normalise_target_name(value))
                if key in seen:
                    raise self.fail(
                        f"duplicate reaction {what} {value!r} "
                        f"(also [[reaction]] #{seen[key][1] + 1}); "
                        f"each reaction needs its own {what}",
                        "reaction",
                        i,
                        what if what in entry else "forward",
                    )
                seen[key] = (value, i)
            exons = entry.get("exons_lost", [])
            if not isinstance(exons, list) or not all(
                isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in exons
            ):
                raise self.fail(
                    "exons_lost must be a list of exon numbers, e.g. [4, 5, 6, 7]",
                    "reaction",
                    i,
                    "exons_lost",
                )
            result.append(
                Reaction(
                    name=name,
                    deletion=deletion,
                    forward=fwd,
                    reverse=rev,
                    exons_lost=tuple(exons),
                    aliases=self.get_str_list(entry, "aliases", "reaction", i),
                    line=self.lines.line_of("reaction", i),
                )
            )
        return tuple(result)

    def reference(self, primer_names: Mapping[str, Primer]) -> ReferenceReaction:
        data = self.table("reference")
        self.check_keys(data, {"name", "ct_limit", "aliases", "forward", "reverse"}, "reference")
        fwd, rev = (
            self.primer_ref(data, key, primer_names, "reference") if key in data else None
            for key in ("forward", "reverse")
        )
        return ReferenceReaction(
            name=self.get_str(data, "name", "reference", default="ALB"),
            ct_limit=self.get_number(data, "ct_limit", "reference", 32.0, 1.0, 80.0),
            aliases=self.get_str_list(data, "aliases", "reference"),
            forward=fwd,
            reverse=rev,
        )

    def target_index(
        self, reactions: tuple[Reaction, ...], reference: ReferenceReaction
    ) -> dict[str, Target]:
        """Map every normalised target name to its reaction; a name may not mean two."""
        index_: dict[str, Target] = {}
        owner: dict[str, str] = {}
        groups: list[tuple[Target, list[str], str, int | None]] = [
            (r, _reaction_names(r), "reaction", i) for i, r in enumerate(reactions)
        ]
        groups.append((reference, [reference.name, *reference.aliases], "reference", None))
        for target, names, table, index in groups:
            for n in names:
                key = normalise_target_name(n)
                if key in owner and owner[key] != target.name:
                    raise self.fail(
                        f"target name {n!r} would mean both {owner[key]!r} and {target.name!r}; "
                        "each name may belong to one reaction only",
                        table,
                        index,
                        "aliases",
                    )
                owner[key] = target.name
                index_[key] = target
        return index_

    def positive_rule(self) -> PositiveRule:
        data = self.table("positive_rule")
        self.check_keys(data, {"ct_cutoff", "require_amplification"}, "positive_rule")
        return PositiveRule(
            ct_cutoff=self.get_number(data, "ct_cutoff", "positive_rule", 36.0, 1.0, 80.0),
            require_amplification=self.get_bool(
                data, "require_amplification", "positive_rule", True
            ),
        )

    def controls(self) -> Controls:
        data = self.table("controls")
        allowed = {
            "ntc",
            "positive_control",
            "positive_control_required",
            "ntc_required",
            "replicate_rule",
            "ntc_names",
            "positive_control_names",
            "negative_control_names",
        }
        self.check_keys(data, allowed, "controls")
        ntc = self.get_str(data, "ntc", "controls", default="negative")
        if ntc != "negative":
            raise self.fail(
                f'ntc must be "negative" (a no-template control never amplifies), got {ntc!r}',
                "controls",
                None,
                "ntc",
            )
        pos = self.get_str(data, "positive_control", "controls", default="positive")
        if pos != "positive":
            raise self.fail(
                f'positive_control must be "positive", got {pos!r}',
                "controls",
                None,
                "positive_control",
            )
        rule = self.get_str(data, "replicate_rule", "controls", default="any-positive")
        if rule not in ("any-positive", "majority"):
            raise self.fail(
                f'replicate_rule must be "any-positive" or "majority", got {rule!r}',
                "controls",
                None,
                "replicate_rule",
            )
        defaults = Controls()
        return Controls(
            ntc_required=self.get_bool(data, "ntc_required", "controls", True),
            replicate_rule=rule,
            negative_control_names=self.get_str_list(
                data, "negative_control_names", "controls", default=defaults.negative_control_names
            ),
            ntc=ntc,
            positive_control=pos,
            positive_control_required=self.get_bool(
                data, "positive_control_required", "controls", False
            ),
            ntc_names=self.get_str_list(data, "ntc_names", "controls", default=defaults.ntc_names),
            positive_control_names=self.get_str_list(
                data, "positive_control_names", "controls", default=defaults.positive_control_names
            ),
        )

    def conditions(self) -> Conditions:
        data = self.table("conditions")
        self.check_keys(data, set(_CONDITION_RANGES), "conditions")
        for key, value in data.items():
            try:
                Conditions.checked("[conditions]", **{key: value})
            except ParameterError as exc:
                raise self.fail(exc.message, "conditions", None, key) from None
        try:
            return Conditions.checked("[conditions]", **data)
        except ParameterError as exc:
            raise self.fail(exc.message, "conditions") from None

    def thresholds(self) -> Thresholds:
        data = self.table("thresholds")
        defaults = Thresholds()
        self.check_keys(data, {f.name for f in fields(Thresholds)}, "thresholds")
        values: dict[str, Any] = {}
        for f in fields(Thresholds):
            default = getattr(defaults, f.name)
            integer = isinstance(default, int)
            low, high = (-100.0, 150.0) if not integer else (0, 100000)
            values[f.name] = self.get_number(
                data, f.name, "thresholds", default, low, high, integer=integer
            )
        th = Thresholds(**values)
        for lo, hi in (
            ("tm_min", "tm_max"),
            ("gc_min", "gc_max"),
            ("length_min", "length_max"),
            ("gc_clamp_min", "gc_clamp_max"),
        ):
            if getattr(th, lo) > getattr(th, hi):
                raise self.fail(
                    f"{lo} ({getattr(th, lo)}) is above {hi} ({getattr(th, hi)})",
                    "thresholds",
                    None,
                    lo,
                )
        if th.max_variants < 1:
            raise self.fail("max_variants must be at least 1", "thresholds", None, "max_variants")
        return th
