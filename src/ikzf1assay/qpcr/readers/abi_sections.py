"""The section reader shared by the ABI / QuantStudio exports (text, SDS, ``.xls``, ``.xlsx``).

Each of those readers splits its file into :class:`Section` blocks (name, header row, data
rows, each located); :func:`read_sections` turns the sections into one Plate, whatever file
they came from, so a column means the same in every layout. The sections read are
``[Sample Setup]``, ``[Results]``, ``[Multicomponent Data]`` (for the passive reference) and
``[Amplification Data]``; see :mod:`ikzf1assay.qpcr.readers.abi_text` for their columns.
``[Melt Curve Raw Data]`` gives the melt curves (:mod:`._qs_melt`).

The instrument's Ct is the ``CT`` (or ``Cq``) column, a threshold cycle (``RunInfo.ct_method``
"threshold"); QuantStudio 6/7 Flex exports analysed with the relative-threshold method have a
``CRT`` column instead ("relative threshold"): its ``Crt Threshold`` is a fraction of each
curve's own amplification, not a fluorescence level, so it goes to ``RunInfo.settings``, not
to the wells' ``threshold``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from itertools import islice

from ikzf1assay._text import Numbers
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    MeltPoint,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    normalise_task,
    normalise_well,
)
from ikzf1assay.qpcr.readers._qs_melt import melt_points
from ikzf1assay.qpcr.readers.abi_table import Section, Table, header_key

__all__ = ["KNOWN", "Section", "read_sections"]

KNOWN = (
    "sample setup", "amplification data", "multicomponent data", "results", "melt curve raw data"
)  # fmt: skip


class _Plate:
    """What the sections of one export say so far: reactions, and who said what where.

    Sections are read one after another into the same reactions; what an earlier section
    said of a well is kept to find a later section that disagrees.
    """

    def __init__(self, plate_size: int | None, skipped: list[Skipped]) -> None:
        self.plate_size = plate_size
        self.skipped = skipped
        self.reactions: dict[tuple[str, str], Reaction] = {}
        self.position_of: dict[str, str] = {}  # ABI well number -> A1
        self.rows_seen: dict[tuple[str, str, str], tuple[Loc, list[str]]] = {}
        # The targets each section gives a well, with where, to find sections that disagree.
        self.targets_in: dict[str, dict[str, dict[str, Loc]]] = {}
        self.samples_in: dict[tuple[str, str], tuple[str, str, Loc]] = {}
        # relative (Crt) thresholds by target: fractions, not fluorescence levels
        self.relative: dict[str, set[str]] = {}

    def well_of(self, table: Table, line: Loc, row: list[str]) -> str:
        """The row's well, normalised (``A1``); an error naming the row when it is none."""
        pos = table.text(row, "Well Position")
        number = table.text(row, "Well")
        text = pos or self.position_of.get(number) or number
        if not text:
            raise table.error(line, "row without a well; expected Well or Well Position")
        try:
            well = normalise_well(text, self.plate_size)[0]
        except ValueError as exc:
            hint = "" if pos else "; the export lacks '* Block Type' or a Well Position column"
            raise table.error(line, f"{exc}{hint}") from None
        if pos and number:
            self.position_of[number] = well
        return well

    def first_time(self, table: Table, well: str, target: str, loc: Loc, row: list[str]) -> bool:
        """False for an identical repeat of a row; an error for a repeat with other data."""
        key = (table.section.name, well, target)
        if key not in self.rows_seen:
            self.rows_seen[key] = (loc, row)
            return True
        first_loc, first_row = self.rows_seen[key]
        if first_row[1:] == row[1:]:
            self.skipped.append(Skipped(str(loc), f"repeats the row at {first_loc}"))
            return False
        raise table.error(
            loc,
            f"well {key[1]} target {target!r} is listed twice with different data (first at "
            f"{first_loc}); expected one row per well and target",
        )

    def reaction(self, well: str, target: str, where: Loc) -> Reaction:
        key = (well, target)
        if key not in self.reactions:
            self.reactions[key] = Reaction(well=key[0], target=target, loc=where)
        return self.reactions[key]

    def agree(self, table: Table, well: str, target: str, sample: str, loc: Loc) -> None:
        """An error when an earlier section gives this well other targets or another sample."""
        here = table.section.name
        for name, by_well in self.targets_in.items():
            known = by_well.get(well)
            if name == here or not known or target in known:
                continue
            first = ", ".join(repr(k) for k in known)
            raise table.error(
                loc,
                f"[{name}] and [{here}] disagree on well {well}: target {first} in [{name}] "
                f"({next(iter(known.values()))}), {target!r} in [{here}]; export the run "
                "again (all sections from one analysis)",
            )
        self.targets_in.setdefault(here, {}).setdefault(well, {}).setdefault(target, loc)
        if not sample:
            return
        earlier = self.samples_in.setdefault((well, target), (here, sample, loc))
        if earlier[1] != sample:
            raise table.error(
                loc,
                f"[{earlier[0]}] and [{here}] disagree on the sample of well {well} target "
                f"{target!r}: {earlier[1]!r} in [{earlier[0]}] ({earlier[2]}), {sample!r} in "
                f"[{here}]; export the run again (all sections from one analysis)",
            )

    def describe(self, t: Table, row: list[str], r: Reaction) -> None:
        """Sample, task, dyes and omit flag of a [Sample Setup] or [Results] row."""
        r.sample = t.text(row, "Sample Name") or r.sample
        task = t.text(row, "Task")
        r.task = normalise_task(task) if task else r.task
        r.reporter = t.text(row, "Reporter") or r.reporter
        r.quencher = t.text(row, "Quencher") or r.quencher


def _run_info(settings: dict[str, str], source: str, sha256: str, format_name: str) -> RunInfo:
    block = settings.get("Block Type", "")
    size_match = re.search(r"(\d+)-Well", block)
    return RunInfo(
        format=format_name,
        file_name=source,
        sha256=sha256,
        instrument=settings.get("Instrument Type") or settings.get("Instrument Name"),
        software=settings.get("Software Name and Version") or settings.get("Software Version"),
        run_date=settings.get("Experiment Run End Time") or settings.get("Run End Data/Time"),
        plate_size=int(size_match.group(1)) if size_match else None,
        passive_reference=settings.get("Passive Reference") or None,
        settings=settings,
    )


def _by_name(sections: list[Section], source: str, skipped: list[Skipped]) -> dict[str, Section]:
    """The sections by canonical name; an error for a section given twice."""
    by_name: dict[str, Section] = {}
    for s in sections:
        key = header_key(s.name)
        if key in by_name:
            raise InputFormatError(
                f"section [{s.name}] appears twice (also at {by_name[key].header_loc}); "
                "expected each section once",
                source=source,
                line=s.header_loc.line,
                where=s.header_loc.cell(),
            )
        by_name[key] = s
        if key not in KNOWN:
            skipped.append(Skipped(str(s.header_loc), f"section [{s.name}] not used"))
    return by_name


def _read_setup(plate: _Plate, t: Table) -> None:
    setup = t.section
    if not t.has("Target Name"):
        plate.skipped.append(
            Skipped(
                str(setup.header_loc),
                "[Sample Setup] has no Target Name column (genotyping layout?)",
            )
        )
        return
    empty = 0
    for line, row in setup.data():
        well = plate.well_of(t, line, row)
        target = t.text(row, "Target Name")
        if not target:
            empty += 1
            continue
        if not plate.first_time(t, well, target, line, row):
            continue
        plate.agree(t, well, target, t.text(row, "Sample Name"), line)
        r = plate.reaction(well, target, line)
        plate.describe(t, row, r)
        r.omit = r.omit or bool(_bool(t.text(row, "Omit")))
        q = t.number(line, row, "Quantity")
        r.quantity = q if not math.isnan(q) else r.quantity
    if empty:
        plate.skipped.append(
            Skipped(f"[Sample Setup] {setup.header_loc}+", f"{empty} empty wells (no target)")
        )


def _read_results(plate: _Plate, t: Table) -> str | None:
    """Read [Results] into the reactions; the Ct method ("threshold", "relative threshold")."""
    results = t.section
    ct_name = "CT" if t.has("CT") else "CRT" if t.has("CRT") else None
    if ct_name is None:
        plate.skipped.append(
            Skipped(
                str(results.header_loc), "[Results] has no CT or CRT column (genotyping layout?)"
            )
        )
        return None
    ct_index = t.index[header_key(ct_name)]
    for line, row in results.data():
        well = plate.well_of(t, line, row)
        target = t.text(row, "Target Name")
        if len(row) <= ct_index:
            raise t.error(
                line,
                f"row has {len(row)} fields, the {ct_name} column is field {ct_index + 1}; "
                "is the file truncated?",
            )
        if not plate.first_time(t, well, target, line, row):
            continue
        plate.agree(t, well, target, t.text(row, "Sample Name"), line)
        r = plate.reaction(well, target, line)
        plate.describe(t, row, r)
        r.instrument_ct = _ct(t, line, row, ct_name)
        r.has_result = True
        r.instrument_amp = t.text(row, "Amp Status")
        if ct_name == "CRT":
            plate.relative.setdefault(target, set()).add(t.text(row, "Crt Threshold"))
        else:
            r.threshold = t.number(line, row, "Ct Threshold")
            r.auto_threshold = _bool(t.text(row, "Automatic Ct Threshold"))
        r.baseline_start = t.number(line, row, "Baseline Start")
        r.baseline_end = t.number(line, row, "Baseline End")
        # omitted in either section is omitted: the lab took the well out
        r.omit = r.omit or bool(_bool(t.text(row, "Omit")))
        q = t.number(line, row, "Quantity")
        r.quantity = q if not math.isnan(q) else r.quantity
    return "relative threshold" if ct_name == "CRT" else "threshold"


def _passive_signal(plate: _Plate, t: Table, dye: str | None) -> dict[str, dict[float, float]]:
    """Well -> cycle -> passive reference signal, from [Multicomponent Data]."""
    passive: dict[str, dict[float, float]] = {}
    if dye and t.has(dye):
        for line, row in t.section.data():
            well = plate.well_of(t, line, row)
            cycle = t.number(line, row, "Cycle", required=True)
            passive.setdefault(well, {})[cycle] = t.number(line, row, dye)
    else:
        plate.skipped.append(
            Skipped(
                str(t.section.header_loc),
                f"[Multicomponent Data] has no passive reference column ({dye or 'none named'})",
            )
        )
    return passive


def read_sections(
    settings: dict[str, str],
    sections: list[Section],
    skipped: list[Skipped],
    source: str,
    sha256: str,
    format_name: str,
) -> Plate:
    """The Plate of an export already split into sections (text, .xls or .xlsx).

    Parameters
    ----------
    settings
        Run settings (``Key = Value`` lines or rows), recorded in ``RunInfo.settings``.
    sections
        The export's sections, in file order.
    skipped
        What the splitting did not take; the sections' own skips are added to it.
    source, sha256, format_name
        The file, its hash and the format name, for ``RunInfo`` and error messages.

    Returns
    -------
    Plate
        The plate; curves are read as :func:`~ikzf1assay.qpcr.plate.build_plate` stores them.
    """
    if not sections:
        raise InputFormatError(
            "no [Sample Setup], [Amplification Data] or [Results] section found", source=source
        )
    all_fields = [f for s in sections for _, row in islice(s.data(), 2000) for f in row]
    numbers = Numbers.infer(all_fields)
    info = _run_info(settings, source, sha256, format_name)
    by_name = _by_name(sections, source, skipped)
    plate = _Plate(info.plate_size, skipped)
    if (setup := by_name.get("sample setup")) is not None:
        _read_setup(plate, Table(setup, source, numbers))
    if (results := by_name.get("results")) is not None:
        method = _read_results(plate, Table(results, source, numbers))
        info = dataclasses.replace(info, ct_method=method, settings=_relative(settings, plate))
    melt: list[MeltPoint] = []
    if (melt_section := by_name.get("melt curve raw data")) is not None:
        targets: dict[str, list[str]] = {}
        for well, target in plate.reactions:
            targets.setdefault(well, []).append(target)
        melt = melt_points(Table(melt_section, source, numbers), plate.well_of, targets, skipped)
    passive: dict[str, dict[float, float]] = {}
    multi = by_name.get("multicomponent data")
    if multi is not None and len(multi):
        passive = _passive_signal(plate, Table(multi, source, numbers), info.passive_reference)
    amp = by_name.get("amplification data")
    points: Iterator[CurvePoint] = iter(())
    if amp is not None:
        t = Table(amp, source, numbers)
        for name in ("Well", "Cycle", "Rn"):
            if not t.has(name):
                raise t.error(
                    amp.header_loc,
                    f"no {name} column; expected Well, Cycle, Target Name, Rn, Delta Rn",
                )
        points = _curve_points(plate, t, passive)
    return build_plate(info, plate.reactions.values(), points, skipped, melt)


def _relative(settings: dict[str, str], plate: _Plate) -> dict[str, str]:
    """The settings with the relative (Crt) thresholds, one value or one per target."""
    values = {target: "/".join(sorted(v - {""})) for target, v in plate.relative.items()}
    values = {target: v for target, v in values.items() if v}
    if len(set(values.values())) == 1:
        settings["Crt Threshold"] = next(iter(values.values()))
    elif values:
        settings["Crt Threshold"] = "; ".join(f"{k}: {v}" for k, v in sorted(values.items()))
    return settings


def _curve_points(
    plate: _Plate, t: Table, passive: dict[str, dict[float, float]]
) -> Iterator[CurvePoint]:
    """The readings of [Amplification Data], one at a time (build_plate stores them)."""
    amp = t.section
    empty = 0
    checked: set[tuple[str, str]] = set()
    for line, row in amp.data():
        rn_text = t.text(row, "Rn")
        target = t.text(row, "Target Name")
        if not rn_text and not target:
            empty += 1
            continue
        if len(row) < len(t.section.header) - 1 and not rn_text:
            raise t.error(
                line,
                f"row has {len(row)} of {len(t.section.header)} fields; is the file truncated?",
            )
        well = plate.well_of(t, line, row)
        if (well, target) not in checked:
            plate.agree(t, well, target, "", line)
            checked.add((well, target))
        cycle = t.number(line, row, "Cycle", required=True)
        yield CurvePoint(
            well=well,
            target=target,
            cycle=cycle,
            rn=t.number(line, row, "Rn", required=True),
            delta_rn=t.number(line, row, "Delta Rn"),
            passive_ref=passive.get(well, {}).get(cycle, math.nan),
            loc=line,
        )
    if empty:
        plate.skipped.append(
            Skipped(f"[Amplification Data] {amp.header_loc}+", f"{empty} rows of empty wells")
        )


def _ct(t: Table, line: Loc, row: list[str], name: str = "CT") -> float:
    value = t.text(row, name)
    if value.strip().lower() in ("undetermined", "no ct", "no cq", "no crt", ""):
        return math.nan
    return t.number(line, row, name)


def _bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in ("true", "yes", "1"):
        return True
    if word in ("false", "no", "0"):
        return False
    return None
