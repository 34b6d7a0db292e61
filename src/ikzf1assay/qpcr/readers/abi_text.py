"""ABI 7500 / 7500 Fast Software v2.x and QuantStudio / ViiA 7 text exports.

Layout: optional header lines ``* Key = Value``; then sections, each a ``[Name]`` line, a
header row and data rows, tab or comma separated:

- ``[Sample Setup]``: Well, Well Position, Sample Name, Target Name, Task, Reporter, Quencher,
  Quantity. Rows with no target are empty wells.
- ``[Amplification Data]``: Well, Cycle, Target Name, Rn, Delta Rn.
- ``[Multicomponent Data]``: Well, Cycle and one column per dye; the passive reference's
  column (``* Passive Reference = ROX``) becomes ``passive_ref``.
- ``[Results]``: Well, Well Position, Omit, Sample Name, Target Name, Task, Reporter,
  Quencher, CT (``Undetermined`` when none), Ct Threshold, Automatic Ct Threshold, Automatic
  Baseline, Baseline Start, Baseline End, Quantity, Amp Status where present. ``key = value``
  lines after the table are run settings.
- other sections (Raw Data, Melt Curve Raw Data, ...) are listed as skipped.

Each section may be exported alone or all in one file.
"""

from __future__ import annotations

import functools
import math
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from ikzf1assay._text import Numbers, guess_delimiter, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    normalise_task,
    normalise_well,
)

__all__ = ["looks_like", "read"]

FORMAT = "abi-text"
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_HEADER_LINE = re.compile(r"^\*\s*(.+?)\s*=\s*(.*?)\s*$")
_KEY_VALUE = re.compile(r"^([^\t,;=]+?)\s*=\s*([^\t]*)$")
KNOWN = ("sample setup", "amplification data", "multicomponent data", "results")


def looks_like(text: str) -> bool:
    """True for the sectioned ABI / QuantStudio text layout."""
    head = text[:200_000]
    return bool(
        re.search(r"^\s*\[(Results|Amplification Data|Sample Setup)\]\s*$", head, re.M | re.I)
    )


class TextRows:
    """A text section's data rows, split into fields only when read.

    The export's lines are held once; a row is its line number. Holding every row as a list of
    field strings took some fifty times the file's size in memory.
    """

    def __init__(self, lines: list[str], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.numbers = array("l")  # 0-based line indices

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[tuple[Loc, list[str]]]:
        for i in self.numbers:
            yield Loc(i + 1), split_line(self.lines[i], self.delimiter)


@dataclass
class Section:
    """One block of an export: its name, header row and data rows, each with its location.

    Workbook and SDS sections hold their rows in ``rows``; a text export's in ``text_rows``.
    """

    name: str
    header: list[str]
    header_loc: Loc
    rows: list[tuple[Loc, list[str]]] = field(default_factory=list)
    text_rows: TextRows | None = None

    def data(self) -> Iterator[tuple[Loc, list[str]]]:
        """Every data row with its location, in file order."""
        yield from self.rows
        if self.text_rows is not None:
            yield from self.text_rows

    def __len__(self) -> int:
        return len(self.rows) + (len(self.text_rows) if self.text_rows is not None else 0)


# Column names that mean the same thing in different software versions -> one name.
_SYNONYMS = {
    "target": "target name", "detector": "target name", "detector name": "target name",
    "sample": "sample name", "cycle number": "cycle", "drn": "delta rn",
    "cq": "ct", "c_t": "ct", "threshold": "ct threshold",
    "auto threshold": "automatic ct threshold", "auto baseline": "automatic baseline",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _key(name: str) -> str:
    """Canonical header name: case, spaces, the Cyrillic т of 'Cт' and synonyms ignored."""
    key = re.sub(r"\s+", " ", name.replace("\u0442", "t").replace("\u0422", "T")).strip().lower()
    return _SYNONYMS.get(key, key)


class _Table:
    """Field access by header name for one section, with located errors."""

    def __init__(self, section: Section, source: str, numbers: Numbers) -> None:
        self.section = section
        self.source = source
        self.numbers = numbers
        self.index: dict[str, int] = {}
        for i, name in enumerate(section.header):
            self.index.setdefault(_key(name), i)

    def has(self, *names: str) -> bool:
        return any(_key(n) in self.index for n in names)

    def text(self, row: list[str], *names: str) -> str:
        for n in names:
            i = self.index.get(_key(n))
            if i is not None and i < len(row):
                return row[i]
        return ""

    def number(self, line: Loc, row: list[str], *names: str, required: bool = False) -> float:
        value = self.text(row, *names)
        if required and not value:
            raise self.error(line, f"missing {names[0]} value; expected a number", self._at(names))
        try:
            return self.numbers.parse(value)
        except ValueError:
            raise self.error(
                line, f"{names[0]} {value!r} is not a number", self._at(names)
            ) from None

    def _at(self, names: tuple[str, ...]) -> int | None:
        return next((self.index[_key(n)] for n in names if _key(n) in self.index), None)

    def error(self, loc: Loc, message: str, column: int | None = None) -> InputFormatError:
        where = loc.cell(column) or f"[{self.section.name}]"
        return InputFormatError(message, source=self.source, line=loc.line, where=where)


def _sections(lines: list[str], source: str) -> tuple[dict[str, str], list[Section], list[Skipped]]:
    settings: dict[str, str] = {}
    sections: list[Section] = []
    skipped: list[Skipped] = []
    current: Section | None = None
    delimiter = "\t"
    header_start = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        m = _SECTION.match(line)
        if m:
            name = m.group(1).strip()
            # the header row is the next non-blank line
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines) or _SECTION.match(lines[j]):
                skipped.append(Skipped(f"line {lineno}", f"section [{name}] is empty"))
                current = None
                i = j
                continue
            delimiter = guess_delimiter(lines[j])
            header_fields = split_line(lines[j], delimiter)
            current = Section(name, header_fields, Loc(j + 1), text_rows=TextRows(lines, delimiter))
            header_start = header_fields[0][:4] if header_fields else ""
            sections.append(current)
            i = j + 1
            continue
        header = _HEADER_LINE.match(line)
        if header and current is None:
            settings[header.group(1)] = header.group(2)
        elif not line.strip():
            pass  # blank lines separate blocks; data rows resume after them only in a table
        elif current is not None and delimiter not in line and (kv := _KEY_VALUE.match(line)):
            settings[kv.group(1).strip()] = kv.group(2).strip()
        elif current is not None and current.text_rows is not None:
            # exports pasted together repeat the header row (data rows start with a number)
            if header_start in line and split_line(line, delimiter) == current.header:
                skipped.append(Skipped(f"line {lineno}", "the header row again; read as a header"))
            else:
                current.text_rows.numbers.append(i)
        else:
            skipped.append(Skipped(f"line {lineno}", "text outside any [section]"))
        i += 1
    return settings, sections, skipped


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a sectioned ABI / QuantStudio text export."""
    lines = text.split("\n")
    if text and not text.endswith("\n") and lines[-1].strip():
        # The instrument software ends every export with a line break.
        raise InputFormatError(
            "the file ends in the middle of a line; it looks truncated: export it again",
            source=source,
            line=len(lines),
        )
    settings, sections, skipped = _sections(lines, source)
    return read_sections(settings, sections, skipped, source, sha256, FORMAT)


def read_sections(
    settings: dict[str, str],
    sections: list[Section],
    skipped: list[Skipped],
    source: str,
    sha256: str,
    format_name: str,
) -> Plate:
    """The Plate of an export already split into sections (text, .xls or .xlsx)."""
    if not sections:
        raise InputFormatError(
            "no [Sample Setup], [Amplification Data] or [Results] section found", source=source
        )
    all_fields = [f for s in sections for _, row in islice(s.data(), 2000) for f in row]
    numbers = Numbers.infer(all_fields)
    block = settings.get("Block Type", "")
    size_match = re.search(r"(\d+)-Well", block)
    plate_size = int(size_match.group(1)) if size_match else None
    info = RunInfo(
        format=format_name,
        file_name=source,
        sha256=sha256,
        instrument=settings.get("Instrument Type") or settings.get("Instrument Name"),
        software=settings.get("Software Name and Version") or settings.get("Software Version"),
        run_date=settings.get("Experiment Run End Time") or settings.get("Run End Data/Time"),
        plate_size=plate_size,
        passive_reference=settings.get("Passive Reference") or None,
        settings=settings,
    )

    by_name: dict[str, Section] = {}
    for s in sections:
        key = _key(s.name)
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

    position_of: dict[str, str] = {}  # ABI well number -> A1

    def well_of(table: _Table, line: Loc, row: list[str]) -> str:
        """The row's well, normalised (``A1``); an error naming the row when it is none."""
        pos = table.text(row, "Well Position")
        number = table.text(row, "Well")
        text = pos or position_of.get(number) or number
        if not text:
            raise table.error(line, "row without a well; expected Well or Well Position")
        try:
            well = normalise_well(text, plate_size)[0]
        except ValueError as exc:
            hint = "" if pos else "; the export lacks '* Block Type' or a Well Position column"
            raise table.error(line, f"{exc}{hint}") from None
        if pos and number:
            position_of[number] = well
        return well

    reactions: dict[tuple[str, str], Reaction] = {}
    rows_seen: dict[tuple[str, str, str], tuple[Loc, list[str]]] = {}

    def first_time(table: _Table, well: str, target: str, loc: Loc, row: list[str]) -> bool:
        """False for an identical repeat of a row; an error for a repeat with other data."""
        key = (table.section.name, well, target)
        if key not in rows_seen:
            rows_seen[key] = (loc, row)
            return True
        first_loc, first_row = rows_seen[key]
        if first_row[1:] == row[1:]:
            skipped.append(Skipped(str(loc), f"repeats the row at {first_loc}"))
            return False
        raise table.error(
            loc,
            f"well {key[1]} target {target!r} is listed twice with different data (first at "
            f"{first_loc}); expected one row per well and target",
        )

    def reaction(well: str, target: str, where: Loc) -> Reaction:
        key = (well, target)
        if key not in reactions:
            reactions[key] = Reaction(well=key[0], target=target, loc=where)
        return reactions[key]

    # The targets each section gives a well, with where, to find sections that disagree.
    targets_in: dict[str, dict[str, dict[str, Loc]]] = {}
    samples_in: dict[tuple[str, str], tuple[str, str, Loc]] = {}

    def agree(table: _Table, well: str, target: str, sample: str, loc: Loc) -> None:
        """An error when an earlier section gives this well other targets or another sample."""
        here = table.section.name
        for name, by_well in targets_in.items():
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
        targets_in.setdefault(here, {}).setdefault(well, {}).setdefault(target, loc)
        if not sample:
            return
        earlier = samples_in.setdefault((well, target), (here, sample, loc))
        if earlier[1] != sample:
            raise table.error(
                loc,
                f"[{earlier[0]}] and [{here}] disagree on the sample of well {well} target "
                f"{target!r}: {earlier[1]!r} in [{earlier[0]}] ({earlier[2]}), {sample!r} in "
                f"[{here}]; export the run again (all sections from one analysis)",
            )

    setup = by_name.get("sample setup")
    if setup is not None:
        t = _Table(setup, source, numbers)
        if not t.has("Target Name"):
            skipped.append(
                Skipped(
                    str(setup.header_loc),
                    "[Sample Setup] has no Target Name column (genotyping layout?)",
                )
            )
        else:
            empty = 0
            for line, row in setup.data():
                well = well_of(t, line, row)
                target = t.text(row, "Target Name")
                if not target:
                    empty += 1
                    continue
                if not first_time(t, well, target, line, row):
                    continue
                agree(t, well, target, t.text(row, "Sample Name"), line)
                r = reaction(well, target, line)
                r.sample = t.text(row, "Sample Name") or r.sample
                r.task = normalise_task(t.text(row, "Task")) if t.text(row, "Task") else r.task
                r.reporter = t.text(row, "Reporter") or r.reporter
                r.quencher = t.text(row, "Quencher") or r.quencher
                r.omit = r.omit or bool(_bool(t.text(row, "Omit")))
                q = t.number(line, row, "Quantity")
                r.quantity = q if not math.isnan(q) else r.quantity
            if empty:
                skipped.append(
                    Skipped(
                        f"[Sample Setup] {setup.header_loc}+",
                        f"{empty} empty wells (no target)",
                    )
                )

    results = by_name.get("results")
    if results is not None:
        t = _Table(results, source, numbers)
        if not t.has("CT"):
            skipped.append(
                Skipped(str(results.header_loc), "[Results] has no CT column (genotyping layout?)")
            )
        else:
            for line, row in results.data():
                well = well_of(t, line, row)
                target = t.text(row, "Target Name")
                ct_index = t.index[_key("CT")]
                if len(row) <= ct_index:
                    raise t.error(
                        line,
                        f"row has {len(row)} fields, the CT column is field {ct_index + 1}; "
                        "is the file truncated?",
                    )
                if not first_time(t, well, target, line, row):
                    continue
                agree(t, well, target, t.text(row, "Sample Name"), line)
                r = reaction(well, target, line)
                r.sample = t.text(row, "Sample Name") or r.sample
                task = t.text(row, "Task")
                r.task = normalise_task(task) if task else r.task
                r.reporter = t.text(row, "Reporter") or r.reporter
                r.quencher = t.text(row, "Quencher") or r.quencher
                r.instrument_ct = _ct(t, line, row)
                r.has_result = True
                r.instrument_amp = t.text(row, "Amp Status")
                r.threshold = t.number(line, row, "Ct Threshold")
                r.auto_threshold = _bool(t.text(row, "Automatic Ct Threshold"))
                r.baseline_start = t.number(line, row, "Baseline Start")
                r.baseline_end = t.number(line, row, "Baseline End")
                # omitted in either section is omitted: the lab took the well out
                r.omit = r.omit or bool(_bool(t.text(row, "Omit")))
                q = t.number(line, row, "Quantity")
                r.quantity = q if not math.isnan(q) else r.quantity

    passive: dict[str, dict[float, float]] = {}  # well -> cycle -> passive reference signal
    multi = by_name.get("multicomponent data")
    if multi is not None and len(multi):
        t = _Table(multi, source, numbers)
        dye = info.passive_reference
        if dye and t.has(dye):
            for line, row in multi.data():
                well = well_of(t, line, row)
                cycle = t.number(line, row, "Cycle", required=True)
                passive.setdefault(well, {})[cycle] = t.number(line, row, dye)
        else:
            skipped.append(
                Skipped(
                    str(multi.header_loc),
                    "[Multicomponent Data] has no passive reference column "
                    f"({dye or 'none named'})",
                )
            )

    amp = by_name.get("amplification data")
    points: Iterator[CurvePoint] = iter(())
    if amp is not None:
        t = _Table(amp, source, numbers)
        for name in ("Well", "Cycle", "Rn"):
            if not t.has(name):
                raise t.error(
                    amp.header_loc,
                    f"no {name} column; expected Well, Cycle, Target Name, Rn, Delta Rn",
                )
        points = _curve_points(amp, t, well_of, agree, passive, skipped)

    return build_plate(info, reactions.values(), points, skipped)


def _curve_points(
    amp: Section,
    t: _Table,
    well_of: Callable[[_Table, Loc, list[str]], str],
    agree: Callable[[_Table, str, str, str, Loc], None],
    passive: dict[str, dict[float, float]],
    skipped: list[Skipped],
) -> Iterator[CurvePoint]:
    """The readings of [Amplification Data], one at a time (build_plate stores them)."""
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
        well = well_of(t, line, row)
        if (well, target) not in checked:
            agree(t, well, target, "", line)
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
        skipped.append(
            Skipped(f"[Amplification Data] {amp.header_loc}+", f"{empty} rows of empty wells")
        )


def _ct(t: _Table, line: Loc, row: list[str]) -> float:
    value = t.text(row, "CT")
    if value.strip().lower() in ("undetermined", "no ct", "no cq", ""):
        return math.nan
    return t.number(line, row, "CT")


def _bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in ("true", "yes", "1"):
        return True
    if word in ("false", "no", "0"):
        return False
    return None
