"""Reading an assay file: TOML with line numbers, checked section by section into an Assay.

:func:`load_assay` reads the file, :func:`parse_assay` decodes and parses it, and the loader
builds each section in turn (top level and its ``chemistry``, ``[[primer]]``, ``[[reaction]]``,
``[reference]``, target names, ``[[probe]]``, ``[assay]``, ``[positive_rule]``, ``[controls]``,
``[conditions]``, ``[thresholds]``). The first problem found stops the load with an
:class:`~ikzf1assay.errors.AssayDefinitionError` naming the file, the line and what is allowed;
the order of the sections is the order in which problems are reported.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

from ikzf1assay.assay._oligos import OligoSections
from ikzf1assay.assay.model import (
    CHEMISTRIES,
    CONDITION_RANGES,
    Assay,
    Conditions,
    Controls,
    PositiveRule,
    Probe,
    Reaction,
    Target,
    Thresholds,
    normalise_target_name,
)
from ikzf1assay.errors import AssayDefinitionError, FileAccessError, ParameterError
from ikzf1assay.sequence import InvalidBaseError, normalise_dna

__all__ = ["FORMAT_VERSION", "default_assay_path", "load_assay", "parse_assay"]

FORMAT_VERSION = 1
_DEFAULT_ASSAY = "ikzf1_breakpoint.toml"

_TOP_KEYS = {
    "format_version",
    "chemistry",
    "assay",
    "positive_rule",
    "reference",
    "controls",
    "conditions",
    "thresholds",
    "primer",
    "reaction",
    "probe",
}
_PROBE_KEYS = {"name", "sequence", "reporter", "quencher", "reaction", "note"}
_PROBE_DYES = {
    "reporter": 'the 5\' dye, e.g. reporter = "FAM"',
    "quencher": 'the 3\' quencher, e.g. quencher = "TAMRA", "BHQ1" or "MGB-NFQ"',
}
_CONTROLS_KEYS = {
    "ntc",
    "positive_control",
    "positive_control_required",
    "ntc_required",
    "replicate_rule",
    "ntc_names",
    "positive_control_names",
    "negative_control_names",
}
# Ordered pairs of [thresholds] keys where the first may not exceed the second.
_THRESHOLD_RANGES = (
    ("tm_min", "tm_max"),
    ("gc_min", "gc_max"),
    ("length_min", "length_max"),
    ("gc_clamp_min", "gc_clamp_max"),
)


def default_assay_path() -> Path:
    """The bundled assay file (``primers/ikzf1_breakpoint.toml`` of the repository).

    Returns
    -------
    Path
        Absolute, symlinks resolved.
    """
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
    """Validate assay-file content already read into memory (see :func:`load_assay`).

    Parameters
    ----------
    raw
        The file's bytes (UTF-8, a byte-order mark allowed).
    source
        What to call the content in error messages and in ``Assay.path``.

    Returns
    -------
    Assay
        As :func:`load_assay`; ``sha256`` is the hash of ``raw``.
    """
    text = _decode(raw, source)
    doc = _parse_toml(text, source)
    return _Loader(doc, text, source, hashlib.sha256(raw).hexdigest()).build()


def _decode(raw: bytes, source: str | Path) -> str:
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
    return text


def _parse_toml(text: str, source: str | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        raise AssayDefinitionError(
            f"TOML syntax error: {msg}; see https://toml.io for the syntax",
            source=source,
            line=int(m.group(1)) if m else None,
        ) from None


class _Loader(OligoSections):
    """Turns a parsed TOML document into an Assay, one section per method, with located errors."""

    def __init__(self, doc: dict[str, Any], text: str, source: str | Path, sha: str) -> None:
        super().__init__(doc, text, source)
        self.sha = sha

    def build(self) -> Assay:
        """Every section, in the order their problems are reported."""
        self.top_level()
        chemistry = self.chemistry()
        head = self.table("assay")
        self.check_keys(head, {"name", "gene", "description", "source"}, "assay")
        primers = self.primers()
        by_name = {p.name: p for p in primers}
        reactions = self.reactions(by_name)
        reference = self.reference(by_name)
        targets = self.target_index(reactions, reference)
        probes = self.probes(chemistry, by_name, targets)
        name = self.get_str(head, "name", "assay", default="unnamed assay")
        gene = self.get_str(head, "gene", "assay", default="IKZF1")
        return Assay(
            path=str(self.source),
            sha256=self.sha,
            name=name,
            gene=gene,
            description=str(head.get("description", "")),
            source=str(head.get("source", "")),
            chemistry=chemistry,
            primers=primers,
            reactions=reactions,
            reference=reference,
            positive_rule=self.positive_rule(),
            controls=self.controls(),
            conditions=self.conditions(),
            thresholds=self.thresholds(),
            warnings=tuple(self.warnings),
            probes=probes,
            _targets=targets,
        )

    def top_level(self) -> None:
        """Only known top-level keys, and a format version this code reads."""
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

    def chemistry(self) -> str:
        """Top-level ``chemistry``: ``"probe"`` (the default) or ``"dye"``.

        Exact lower-case words, as the other choices of the file: a lab writing ``"SYBR"``
        is told which word means its chemistry rather than having it guessed.
        """
        value = self.doc.get("chemistry", "probe")
        if not isinstance(value, str) or value not in CHEMISTRIES:
            allowed = "; ".join(f'"{k}" ({v})' for k, v in CHEMISTRIES.items())
            raise self.fail(f"chemistry must be one of: {allowed}; got {value!r}", key="chemistry")
        return str(value)

    def probes(
        self, chemistry: str, primers: Mapping[str, Any], targets: Mapping[str, Target]
    ) -> tuple[Probe, ...]:
        """Every ``[[probe]]`` (optional): a hydrolysis probe of one deletion reaction.

        The name is unique among probes and primers (ignoring case), the sequence is A, C, G
        and T (8 to 60 nt, as primers), ``reporter`` and ``quencher`` are required, and
        ``reaction`` names a deletion reaction by any of its target names.
        """
        entries = self.doc.get("probe")
        if entries is None:
            return ()
        if not isinstance(entries, list) or not all(isinstance(v, dict) for v in entries):
            raise self.fail("probe must be written as [[probe]] tables", key="probe")
        result: list[Probe] = []
        seen: dict[str, int] = {}
        for i, entry in enumerate(entries):
            self.check_keys(entry, _PROBE_KEYS, "probe", i)
            if chemistry != "probe":
                raise self.fail(
                    f'a [[probe]] needs chemistry = "probe"; this file says {chemistry!r} '
                    f"({CHEMISTRIES[chemistry]})",
                    "probe",
                    i,
                )
            name = self.get_str(entry, "name", "probe", i)
            folded = name.casefold()
            if folded in seen or any(folded == p.casefold() for p in primers):
                other = f"[[probe]] #{seen[folded] + 1}" if folded in seen else "a [[primer]]"
                raise self.fail(
                    f"duplicate name {name!r} (also {other}); probe names must differ from "
                    "each other and from the primers' names, ignoring case",
                    "probe",
                    i,
                    "name",
                )
            seen[folded] = i
            result.append(self.probe(entry, i, name, targets))
        return tuple(result)

    def probe(
        self, entry: Mapping[str, Any], i: int, name: str, targets: Mapping[str, Target]
    ) -> Probe:
        """One ``[[probe]]`` after its name: sequence, dyes and the reaction it belongs to."""
        try:
            seq, ambiguous = normalise_dna(self.get_str(entry, "sequence", "probe", i))
        except InvalidBaseError as problem:
            raise self.fail(
                f"probe {name!r}: {problem.describe()}", "probe", i, "sequence"
            ) from None
        if ambiguous:
            raise self.fail(
                f"probe {name!r} has IUPAC codes at {list(ambiguous)}; a probe is written in "
                "A, C, G and T",
                "probe",
                i,
                "sequence",
            )
        if not 8 <= len(seq) <= 60:
            raise self.fail(
                f"probe {name!r} is {len(seq)} nt; expected 8 to 60 nt (thermodynamic checks "
                "handle at most 60)",
                "probe",
                i,
                "sequence",
            )
        for key, what in _PROBE_DYES.items():
            if key not in entry:
                raise self.fail(f"probe {name!r}: missing required key {key!r}, {what}", "probe", i)
        reporter = self.get_str(entry, "reporter", "probe", i)
        quencher = self.get_str(entry, "quencher", "probe", i)
        wanted = self.get_str(entry, "reaction", "probe", i)
        target = targets.get(normalise_target_name(wanted))
        if not isinstance(target, Reaction):
            known = sorted({f"{t.name} ({t.deletion})" for t in targets.values()
                            if isinstance(t, Reaction)})  # fmt: skip
            what = "is the reference reaction" if target is not None else "names no reaction"
            raise self.fail(
                f"reaction {wanted!r} {what}; a probe belongs to one deletion reaction, named "
                f"by any of its target names: {', '.join(known)}",
                "probe",
                i,
                "reaction",
            )
        return Probe(
            name=name,
            sequence=seq,
            reporter=reporter,
            quencher=quencher,
            reaction=target.name,
            note=str(entry.get("note", "")),
            line=self.lines.line_of("probe", i, "sequence"),
        )

    # ----------------------------------------------------------------- rules and limits

    def positive_rule(self) -> PositiveRule:
        """``[positive_rule]``: the Ct cut-off of a positive deletion reaction."""
        data = self.table("positive_rule")
        self.check_keys(data, {"ct_cutoff", "require_amplification"}, "positive_rule")
        return PositiveRule(
            ct_cutoff=self.get_number(data, "ct_cutoff", "positive_rule", 36.0, 1.0, 80.0),
            require_amplification=self.get_bool(
                data, "require_amplification", "positive_rule", True
            ),
        )

    def controls(self) -> Controls:
        """``[controls]``: what the controls must show and the names that mark them."""
        data = self.table("controls")
        self.check_keys(data, _CONTROLS_KEYS, "controls")
        ntc = self.choice(data, "ntc", "negative", ("negative",))
        pos = self.choice(data, "positive_control", "positive", ("positive",))
        rule = self.choice(data, "replicate_rule", "any-positive", ("any-positive", "majority"))
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

    def choice(
        self, data: Mapping[str, Any], key: str, default: str, allowed: tuple[str, ...]
    ) -> str:
        """A ``[controls]`` text that must be one of ``allowed``."""
        value = self.get_str(data, key, "controls", default=default)
        if value not in allowed:
            raise self.fail(
                f"{key} must be {_CHOICE_TEXT[key]}, got {value!r}", "controls", None, key
            )
        return value

    def conditions(self) -> Conditions:
        """``[conditions]``: each value in range, then the salt they make together."""
        data = self.table("conditions")
        self.check_keys(data, set(CONDITION_RANGES), "conditions")
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
        """``[thresholds]``: numbers in range, each minimum below its maximum."""
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
        for lo, hi in _THRESHOLD_RANGES:
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


# What each [controls] choice allows, as the error message words it.
_CHOICE_TEXT = {
    "ntc": '"negative" (a no-template control never amplifies)',
    "positive_control": '"positive"',
    "replicate_rule": '"any-positive" or "majority"',
}
