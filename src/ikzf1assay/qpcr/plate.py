"""The Plate: what one qPCR export holds, the same whatever the instrument.

A :class:`Plate` has three parts, built and validated once by :func:`build_plate`:

``info`` (:class:`RunInfo`)
    format, instrument model and software, run date, file name and SHA-256, plate size, the
    passive reference dye, and the instrument's other run settings as exported.

``wells`` (DataFrame, one row per reaction: run x well x target)
    ===================  ======================================================================
    run                  run id inside the file ("1" unless the format holds several runs)
    well                 normalised position: row letter(s) + column number, ``A1`` .. ``P24``
    row, column          the same as 1-based integers
    sample               sample name as exported ("" when the export has none)
    target               target (detector) name as exported ("" when none)
    task                 UNKNOWN, NTC, STANDARD, POSITIVE_CONTROL, NEGATIVE_CONTROL, OTHER, or
                         "" when the file does not say
    reporter, quencher   dye names ("" when not exported)
    instrument_ct        the instrument's Ct/Cq; NaN for Undetermined / no Cq
    instrument_amp       the instrument's amplification status where exported (AMP, NO_AMP, ...)
    threshold            the instrument's threshold for this well's target, where exported
    auto_threshold       whether that threshold was automatic (None when not exported)
    baseline_start/_end  the instrument's baseline cycles, where exported (NaN otherwise)
    quantity             the given quantity of a standard, where exported
    omit                 the instrument's "omit" flag (False when not exported)
    has_curve            the export holds fluorescence per cycle for this reaction
    has_result           the export holds a result (Ct or Undetermined) for this reaction
    ===================  ======================================================================

``curves`` (DataFrame, tidy long: one row per run x well x target x cycle)
    ==========  ===========================================================================
    run, well, target   as above
    cycle       cycle number, strictly increasing within a reaction
    rn          reporter fluorescence as exported: Rn (reporter / passive reference) for
                ABI, RFU for Bio-Rad, the ``adp`` fluorescence for RDML, the tidy CSV's
                fluorescence
    delta_rn    the instrument's baseline-corrected signal (ABI Delta Rn / dRn); NaN when
                the export has none
    passive_ref the passive reference dye's raw signal (ABI Multicomponent data); NaN when
                not exported
    ==========  ===========================================================================

``melt`` (DataFrame, tidy long: one row per run x well x target x reading of a melt curve;
empty when the export holds none)
    ============  =========================================================================
    run, well, target   as above (target: the target name, or the channel when the export
                        names no target)
    temperature   degrees Celsius, increasing within a reaction
    fluorescence  the reporter signal as exported
    ============  =========================================================================

``skipped`` lists what a reader met and did not take, each with where and why; nothing is
dropped silently. A file holding melt curves but no amplification data (no curve and no
result) reads; :attr:`Plate.has_amplification` is then False and the commands that need
amplification data say so in one line.
"""

from __future__ import annotations

import functools
import math
import re
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.errors import InputFormatError

__all__ = [
    "CURVE_COLUMNS",
    "MELT_COLUMNS",
    "NON_THRESHOLD_CT_METHODS",
    "TASKS",
    "WELL_COLUMNS",
    "CurvePoint",
    "Loc",
    "MeltPoint",
    "Plate",
    "Reaction",
    "RunInfo",
    "Skipped",
    "build_plate",
    "normalise_task",
    "normalise_well",
]

WELL_COLUMNS = [
    "run", "well", "row", "column", "sample", "target", "task", "reporter", "quencher",
    "instrument_ct", "instrument_amp", "threshold", "auto_threshold", "baseline_start",
    "baseline_end", "quantity", "omit", "has_curve", "has_result",
]  # fmt: skip
CURVE_COLUMNS = ["run", "well", "target", "cycle", "rn", "delta_rn", "passive_ref"]
MELT_COLUMNS = ["run", "well", "target", "temperature", "fluorescence"]
# RunInfo.ct_method values that are not the crossing of a threshold: a LightCycler Cp (the
# second-derivative maximum) or a QuantStudio Crt. Their offset to a threshold Ct varies with
# each curve's shape, so neither sets a threshold nor is compared cycle for cycle.
NON_THRESHOLD_CT_METHODS = frozenset({"second-derivative maximum", "relative threshold"})
TASKS = ("UNKNOWN", "NTC", "STANDARD", "POSITIVE_CONTROL", "NEGATIVE_CONTROL", "OTHER", "")

_TASK_WORDS = {
    "unknown": "UNKNOWN", "unkn": "UNKNOWN", "sample": "UNKNOWN", "unk": "UNKNOWN",
    "ntc": "NTC", "no template control": "NTC", "ntp": "NTC", "nac": "NTC",
    "standard": "STANDARD", "std": "STANDARD",
    "positive control": "POSITIVE_CONTROL", "pos ctrl": "POSITIVE_CONTROL",
    "pos": "POSITIVE_CONTROL", "positive": "POSITIVE_CONTROL", "pc": "POSITIVE_CONTROL",
    "negative control": "NEGATIVE_CONTROL", "neg ctrl": "NEGATIVE_CONTROL",
    "neg": "NEGATIVE_CONTROL", "negative": "NEGATIVE_CONTROL", "nrt": "NEGATIVE_CONTROL",
    "ipc": "OTHER", "opt": "OTHER", "blocked ipc": "OTHER", "": "",
}  # fmt: skip
_WELL = re.compile(r"^\s*([A-Za-z]{1,2})\s*0*(\d{1,2})\s*$")
# Plate sizes by number of wells: (rows, columns).
PLATE_SHAPES = {6: (2, 3), 24: (4, 6), 48: (6, 8), 96: (8, 12), 384: (16, 24)}


def normalise_task(text: str | None) -> str:
    """One of :data:`TASKS` for an instrument's task or content word (CFX ``Unkn-01`` too)."""
    word = re.sub(r"[-_ ]?\d+$", "", (text or "").strip()).strip().lower()
    word = word.replace("_", " ")
    return _TASK_WORDS.get(word, "OTHER")


def _row_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def normalise_well(text: Any, plate_size: int | None = None) -> tuple[str, int, int]:
    """``(well, row, column)`` from ``A1``, ``a01``, ``A 1`` or a 1-based well number.

    A number needs ``plate_size`` (96, 384, ...) to be placed, row by row as instruments
    count (1 = A1, 13 = B1 on a 96-well plate).

    Raises
    ------
    ValueError
        With a short reason, when the text is no well position.
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if not isinstance(text, int | str):
        text = str(text)
    return _normalise_well(text, plate_size)


@functools.lru_cache(maxsize=4096)
def _normalise_well(text: int | str, plate_size: int | None) -> tuple[str, int, int]:
    # A plate has at most a few hundred distinct positions; curves repeat them per cycle.
    if isinstance(text, int) or (isinstance(text, str) and text.strip().isdigit()):
        number = int(text)
        shape = PLATE_SHAPES.get(plate_size or 0)
        if shape is None:
            raise ValueError(f"well number {number} without a known plate size")
        rows, cols = shape
        if not 1 <= number <= rows * cols:
            raise ValueError(f"well number {number} outside a {plate_size}-well plate")
        row, col = divmod(number - 1, cols)
        return f"{chr(65 + row)}{col + 1}", row + 1, col + 1
    m = _WELL.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a well position like A1 or H12")
    row = _row_number(m.group(1))
    col = int(m.group(2))
    if not (1 <= row <= 32 and 1 <= col <= 48):
        raise ValueError(f"{text!r} is outside any plate (rows A-AF, columns 1-48)")
    letters = m.group(1).upper()
    return f"{letters}{col}", row, col


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a record was read: a text line, a sheet row, or a note; ``file`` when not the
    export itself (a CFX run's partner file)."""

    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    note: str | None = None
    file: str | None = None

    def cell(self, column: int | None = None) -> str | None:
        """``sheet 'Results', cell M31`` (``row 31`` without a column), the note, or None."""
        if self.sheet is None:
            return self.note
        if column is None:
            return f"sheet {self.sheet!r}, row {self.row}"
        return f"sheet {self.sheet!r}, cell {column_letter(column)}{self.row}"

    def __str__(self) -> str:
        return f"line {self.line}" if self.line is not None else (self.cell() or "?")


def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class RunInfo:
    """Run-level facts of an export. Missing facts are None."""

    format: str
    file_name: str
    sha256: str
    instrument: str | None = None
    software: str | None = None
    run_date: str | None = None
    plate_size: int | None = None
    passive_reference: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    # how the instrument's Ct/Cq was defined: "threshold", "second-derivative maximum",
    # "relative threshold" (Crt) ...; None when the export does not say or has no Ct
    ct_method: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Something a reader met and did not take."""

    where: str
    reason: str


@dataclass(slots=True)
class Reaction:
    """A reader's record of one reaction (run x well x target) before validation."""

    well: str
    target: str = ""
    run: str = "1"
    sample: str = ""
    task: str = ""
    reporter: str = ""
    quencher: str = ""
    instrument_ct: float = math.nan
    instrument_amp: str = ""
    threshold: float = math.nan
    auto_threshold: bool | None = None
    baseline_start: float = math.nan
    baseline_end: float = math.nan
    quantity: float = math.nan
    omit: bool = False
    has_result: bool = False
    loc: Loc = field(default_factory=Loc)  # where the record was read, for error messages


@dataclass(slots=True)
class CurvePoint:
    """A reader's record of one fluorescence reading."""

    well: str
    target: str
    cycle: float
    rn: float
    delta_rn: float = math.nan
    passive_ref: float = math.nan
    run: str = "1"
    loc: Loc = field(default_factory=Loc)


@dataclass(slots=True)
class MeltPoint:
    """A reader's record of one melt-curve reading."""

    well: str
    target: str
    temperature: float
    fluorescence: float
    run: str = "1"
    loc: Loc = field(default_factory=Loc)


def _empty_melt() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("run", "well", "target") else float)
                         for c in MELT_COLUMNS})  # fmt: skip


@dataclass(frozen=True)
class Plate:
    """What one export holds; see the module documentation for the columns."""

    info: RunInfo
    wells: pd.DataFrame
    curves: pd.DataFrame
    skipped: tuple[Skipped, ...] = ()
    melt: pd.DataFrame = field(default_factory=_empty_melt)

    @property
    def has_amplification(self) -> bool:
        """Whether the export holds amplification data: a curve or an instrument result."""
        return bool(self.wells["has_curve"].any() or self.wells["has_result"].any())

    @property
    def has_instrument_threshold(self) -> bool:
        """Whether every target has a threshold of the instrument's to analyse at: an exported
        threshold, or an instrument Ct that is a threshold crossing (not a Cp or Crt,
        :data:`NON_THRESHOLD_CT_METHODS`, which imply no threshold)."""
        w = self.wells
        has = w["threshold"].notna()
        if self.info.ct_method not in NON_THRESHOLD_CT_METHODS:
            has |= w["instrument_ct"].notna()
        return bool(has.groupby(w["target"]).any().all())

    @property
    def cycles(self) -> int:
        """Largest number of cycles of any reaction (0 without curves)."""
        if self.curves.empty:
            return 0
        return int(self.curves.groupby(["run", "well", "target"]).size().max())

    def summary(self) -> dict[str, Any]:
        """What was read, for ``ikzf1assay inspect``: counts, names and what was skipped."""
        w = self.wells
        info = self.info
        return {
            "file": info.file_name,
            "sha256": info.sha256,
            "format": info.format,
            "instrument": info.instrument,
            "software": info.software,
            "run_date": info.run_date,
            "plate_size": info.plate_size,
            "passive_reference": info.passive_reference,
            "runs": sorted(set(w["run"])),
            "wells": int(w[["run", "well"]].drop_duplicates().shape[0]),
            "reactions": len(w),
            "samples": sorted(s for s in set(w["sample"]) if s),
            "targets": sorted(t for t in set(w["target"]) if t),
            "tasks": {k: int(v) for k, v in w["task"].replace("", "(none)").value_counts().items()},
            "cycles": self.cycles,
            "reactions_with_curve": int(w["has_curve"].sum()),
            "reactions_with_result": int(w["has_result"].sum()),
            "instrument_ct_values": int(w["instrument_ct"].notna().sum()),
            "curve_without_result": int((w["has_curve"] & ~w["has_result"]).sum()),
            "result_without_curve": int((~w["has_curve"] & w["has_result"]).sum()),
            "thresholds": sorted({float(t) for t in w["threshold"].dropna()}),
            "ct_method": info.ct_method,
            "amplification_data": self.has_amplification,
            "melt_reactions": int(self.melt[["run", "well", "target"]].drop_duplicates().shape[0]),
            "skipped": [{"where": s.where, "reason": s.reason} for s in self.skipped],
        }

    def curve_matrix(self, rn: str = "rn") -> tuple[pd.DataFrame, np.ndarray]:
        """Curves as a (reactions x cycles) array with NaN padding, and the reaction index.

        Returns the ``(run, well, target)`` frame in row order and the array of ``rn`` (or
        ``delta_rn``) values, cycle ``k`` in column ``k - 1``.
        """
        if self.curves.empty:
            return self.wells[["run", "well", "target"]].iloc[:0], np.empty((0, 0))
        # unstack keeps only reactions that exist (a pivot would cross runs, wells and targets)
        table = self.curves.set_index(["run", "well", "target", "cycle"])[rn].unstack("cycle")
        return table.index.to_frame(index=False), table.to_numpy(dtype=float)


def _locate(source: str, loc: Loc, message: str) -> InputFormatError:
    return InputFormatError(message, source=loc.file or source, line=loc.line, where=loc.cell())


def build_plate(
    info: RunInfo,
    reactions: Iterable[Reaction],
    points: Iterable[CurvePoint],
    skipped: Iterable[Skipped] = (),
    melt: Iterable[MeltPoint] = (),
) -> Plate:
    """Validate a reader's records and assemble the Plate.

    Checks, each failing with an :class:`~ikzf1assay.errors.InputFormatError` that names the
    file and where the record was read: a well position that is not one; a reaction listed
    twice with different data; a curve whose cycles are not strictly increasing; a cycle or
    fluorescence value that is not a finite number; no reaction at all ("no wells").
    Reactions with a curve but no result, or a result but no curve, are kept and marked by
    ``has_curve`` / ``has_result``. ``points`` may be a generator: readings are stored as
    columns as they come, so a reader need not hold them all as objects. ``melt`` readings
    (melt curves) are checked the same way (finite numbers, temperatures increasing within a
    reaction); a reaction with only a melt curve is kept with ``has_curve`` False.
    """
    source = info.file_name
    seen: dict[tuple[str, str, str], Reaction] = {}
    for r in reactions:
        try:
            r.well = normalise_well(r.well, info.plate_size)[0]
        except ValueError as exc:
            raise _locate(source, r.loc, f"bad well: {exc}") from None
        key = (r.run, r.well, r.target)
        if key in seen:
            first = seen[key]
            if _differs(first, r):
                raise _locate(
                    source, r.loc,
                    f"well {r.well} target {r.target!r} is listed twice with different data "
                    f"(first at {first.loc}); expected one row per "
                    "well and target",
                )  # fmt: skip
            continue
        seen[key] = r

    # Column arrays, not a dict per reading: an export holds millions of readings, and their
    # memory is what bounds the size of a file that can be read (see the readers' limits).
    runs: list[str] = []
    wells_: list[str] = []
    targets: list[str] = []
    values = {name: array("d") for name in ("cycle", "rn", "delta_rn", "passive_ref")}
    curve_keys: set[tuple[str, str, str]] = set()
    names: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    last: dict[tuple[str, str, str], tuple[float, Loc]] = {}
    for p in points:
        try:
            p.well = normalise_well(p.well, info.plate_size)[0]
        except ValueError as exc:
            raise _locate(source, p.loc, f"bad well: {exc}") from None
        if not math.isfinite(p.cycle):
            raise _locate(source, p.loc, f"cycle {p.cycle!r} is not a number")
        if not math.isfinite(p.rn):
            raise _locate(
                source,
                p.loc,
                f"fluorescence {p.rn!r} at well {p.well} cycle {p.cycle:g} is not a number",
            )
        key = (p.run, p.well, p.target)
        prev = last.get(key)
        if prev is not None and p.cycle <= prev[0]:
            raise _locate(
                source, p.loc,
                f"cycles of well {p.well} target {p.target!r} are not increasing: cycle "
                f"{p.cycle:g} after cycle {prev[0]:g} ({prev[1]}); "
                "expected one reading per cycle, in order",
            )  # fmt: skip
        last[key] = (p.cycle, p.loc)
        curve_keys.add(key)
        run, _, target = names.setdefault(key, key)  # one string per name, not per reading
        runs.append(run)
        wells_.append(p.well)
        targets.append(target)
        values["cycle"].append(p.cycle)
        values["rn"].append(p.rn)
        values["delta_rn"].append(p.delta_rn)
        values["passive_ref"].append(p.passive_ref)
    del last, names
    melt_table, melt_keys = _melt_table(source, info.plate_size, melt)
    if not seen and not curve_keys and not melt_keys:
        raise InputFormatError(
            "no wells: the export holds no reaction (no well with a target, a result or a "
            "curve); expected a run export with at least one used well",
            source=source,
        )

    for key in (curve_keys | melt_keys) - seen.keys():  # curves without any setup row
        run, well, target = key
        seen[key] = Reaction(well=well, target=target, run=run)

    well_rows = []
    for key, r in seen.items():
        _, row, col = normalise_well(r.well)
        well_rows.append(
            {
                "run": r.run, "well": r.well, "row": row, "column": col, "sample": r.sample,
                "target": r.target, "task": r.task, "reporter": r.reporter,
                "quencher": r.quencher, "instrument_ct": r.instrument_ct,
                "instrument_amp": r.instrument_amp, "threshold": r.threshold,
                "auto_threshold": r.auto_threshold, "baseline_start": r.baseline_start,
                "baseline_end": r.baseline_end, "quantity": r.quantity, "omit": r.omit,
                "has_curve": key in curve_keys, "has_result": r.has_result,
            }
        )  # fmt: skip
    wells = pd.DataFrame(well_rows, columns=WELL_COLUMNS)
    wells = wells.sort_values(["run", "row", "column", "target"], kind="stable").reset_index(
        drop=True
    )
    curves = pd.DataFrame(
        {
            "run": pd.Series(runs, dtype=object),
            "well": pd.Series(wells_, dtype=object),
            "target": pd.Series(targets, dtype=object),
            **{name: np.frombuffer(col, dtype=float) for name, col in values.items()},
        },
        columns=CURVE_COLUMNS,
    )
    return Plate(info=info, wells=wells, curves=curves, skipped=tuple(skipped), melt=melt_table)


def _melt_table(
    source: str, plate_size: int | None, melt: Iterable[MeltPoint]
) -> tuple[pd.DataFrame, set[tuple[str, str, str]]]:
    """The melt readings as a :data:`MELT_COLUMNS` table, and the reactions they belong to."""
    keys: list[tuple[str, str, str]] = []
    temperature, fluorescence = array("d"), array("d")
    last: dict[tuple[str, str, str], tuple[float, Loc]] = {}
    for m in melt:
        try:
            m.well = normalise_well(m.well, plate_size)[0]
        except ValueError as exc:
            raise _locate(source, m.loc, f"bad well: {exc}") from None
        if not (math.isfinite(m.temperature) and math.isfinite(m.fluorescence)):
            raise _locate(
                source, m.loc,
                f"melt reading of well {m.well} ({m.temperature!r} °C, {m.fluorescence!r}) "
                "is not a number",
            )  # fmt: skip
        key = (m.run, m.well, m.target)
        prev = last.get(key)
        if prev is not None and m.temperature <= prev[0]:
            raise _locate(
                source, m.loc,
                f"melt temperatures of well {m.well} target {m.target!r} are not increasing: "
                f"{m.temperature:g} °C after {prev[0]:g} °C ({prev[1]})",
            )  # fmt: skip
        last[key] = (m.temperature, m.loc)
        keys.append(key)
        temperature.append(m.temperature)
        fluorescence.append(m.fluorescence)
    if not keys:
        return _empty_melt(), set()
    runs, wells, targets = (pd.Series(list(col), dtype=object) for col in zip(*keys, strict=True))
    table = pd.DataFrame(
        {
            "run": runs,
            "well": wells,
            "target": targets,
            "temperature": np.frombuffer(temperature, dtype=float),
            "fluorescence": np.frombuffer(fluorescence, dtype=float),
        },
        columns=MELT_COLUMNS,
    )
    return table, set(last)


def _differs(a: Reaction, b: Reaction) -> bool:
    fields_ = ("sample", "task", "reporter", "quencher", "instrument_ct", "quantity")
    for name in fields_:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return True
    return False
