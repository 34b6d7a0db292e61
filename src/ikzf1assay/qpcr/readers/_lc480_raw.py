"""The LightCycler 480 raw-data export: one row per well x reading, every program in one file.

Layout (LCS480 1.5, *Export > Raw Data*, tab-separated)::

    Raw Data <tab><tab>Experiment - <name> (Run on LCS480 1.5.0.39)
    SamplePos  SampleName  Prog#  Seg#  Cycle#  Time  Temp  483-533  [more channels]
    A1         Sample 1    2      2     1       230650 59.92 0.26

The title line is optional. The programs are told apart by what their readings look like,
not by their numbers (a lab numbers its programs as it likes): a segment with one reading
per well and cycle over several cycles is the amplification; a segment with many readings of
a well within one cycle at rising temperature is a melt curve; anything else (a hold read
once, a cooling ramp) is recorded in ``skipped``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ikzf1assay._text import Numbers, guess_delimiter, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import CurvePoint, Loc, MeltPoint, Skipped, normalise_well

__all__ = ["RawRun", "header_line", "parse_raw"]

_TITLE = re.compile(r"^\s*Raw Data\b", re.IGNORECASE)
_EXPERIMENT = re.compile(
    r"Experiment\s*[-:]\s*(?P<name>.*?)\s*(?:\(Run on (?P<software>[^)]*)\))?\s*$", re.IGNORECASE
)
_REQUIRED = ("samplepos", "prog#", "seg#", "cycle#", "temp")
_KNOWN = {"samplepos", "samplename", "prog#", "seg#", "cycle#", "time", "temp"}
# A melt segment reads a well at least this often within one cycle, over a rising ramp.
_MELT_MIN_READINGS = 3
# Up to this many reactions with dropped melt readings are listed one by one; more are summed up.
_LIST_AT_MOST = 5


@dataclass
class RawRun:
    """What the raw-data export holds, before it is joined with a Cp table."""

    experiment: str | None
    software: str | None
    channels: list[str]
    samples: dict[str, tuple[str, int]]  # well -> (sample name, line first seen)
    points: list[CurvePoint] = field(default_factory=list)
    melt: list[MeltPoint] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    segments: dict[str, str] = field(default_factory=dict)  # "amplification"/"melt" -> segment


@dataclass
class _Row:
    line: int
    well: str
    cycle: int
    temp: float
    values: list[float]  # one per channel; NaN where the cell is empty


def header_line(lines: list[str]) -> int | None:
    """0-based index of the ``SamplePos ... Cycle# ...`` header among the first lines."""
    for i, line in enumerate(lines[:3]):
        fields = {f.strip().lower() for f in line.split("\t" if "\t" in line else ",")}
        if {"samplepos", "cycle#"} <= fields and ("prog#" in fields or "seg#" in fields):
            return i
    return None


def _title(lines: list[str], header: int) -> tuple[str | None, str | None]:
    """Experiment name and software from the ``Raw Data`` title line, when there is one."""
    for line in lines[:header]:
        if _TITLE.match(line):
            m = _EXPERIMENT.search(line)
            if m:
                return m.group("name") or None, m.group("software") or None
    return None, None


def parse_raw(text: str, source: str) -> RawRun:
    """Read a raw-data export into curves (amplification segment) and melt readings.

    Parameters
    ----------
    text
        The decoded export.
    source
        Its name, for error messages and locations.

    Returns
    -------
    RawRun
        Channels, sample names, curve and melt readings, and what was not read, with why.

    Raises
    ------
    InputFormatError
        A missing column, a field that is not a number or well, a well whose sample name
        changes, or a segment with two readings of one cycle; each naming the line.
    """
    lines = text.split("\n")
    h = header_line(lines)
    if h is None:
        raise InputFormatError(
            "no 'SamplePos ... Prog# Seg# Cycle# ...' header in the first lines; expected a "
            "LightCycler 480 raw-data export",
            source=source,
        )
    experiment, software = _title(lines, h)
    delimiter = guess_delimiter(lines[h])
    header = split_line(lines[h], delimiter)
    col = {name.lower(): i for i, name in enumerate(header) if name}
    missing = [c for c in _REQUIRED if c not in col]
    if missing:
        raise InputFormatError(
            f"no {', '.join(repr(c) for c in missing)} column in the header; expected "
            "SamplePos, SampleName, Prog#, Seg#, Cycle#, Time, Temp and one column per channel",
            source=source,
            line=h + 1,
        )
    channels = [(i, name) for i, name in enumerate(header) if name and name.lower() not in _KNOWN]
    if not channels:
        raise InputFormatError(
            "no channel column (such as 483-533) after Temp in the header",
            source=source,
            line=h + 1,
        )
    run = RawRun(experiment, software, [name for _, name in channels], {})
    segments = _rows(lines, h, delimiter, col, channels, run, source)
    _take_segments(segments, run, source)
    return run


def _rows(
    lines: list[str],
    h: int,
    delimiter: str,
    col: dict[str, int],
    channels: list[tuple[int, str]],
    run: RawRun,
    source: str,
) -> dict[tuple[int, int], list[_Row]]:
    """The data rows, grouped by (Prog#, Seg#) in the order met; sample names into ``run``."""
    sample_col = col.get("samplename")
    width = max(i for i, _ in channels) + 1
    sample = [f for ln in lines[h + 1 : h + 201] for f in split_line(ln, delimiter)[2:]]
    numbers = Numbers.infer(sample)
    segments: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    empty: list[str] = []
    for n, text in enumerate(lines[h + 1 :], start=h + 2):
        if not text.strip():
            continue
        f = split_line(text, delimiter)
        if len(f) < width:
            raise InputFormatError(
                f"row has {len(f)} fields, expected {width} (up to channel "
                f"{channels[-1][1]}); is the file truncated?",
                source=source,
                line=n,
            )
        try:
            well = normalise_well(f[col["samplepos"]])[0]
        except ValueError as exc:
            raise InputFormatError(f"SamplePos: {exc}", source=source, line=n) from None
        prog, seg, cycle = (
            _integer(f[col[c.lower()]], c, source, n) for c in ("Prog#", "Seg#", "Cycle#")
        )
        temp = _number(numbers, f[col["temp"]], "Temp", source, n)
        values = [_number(numbers, f[i], name, source, n, empty_ok=True) for i, name in channels]
        empty += [
            f"line {n} {name}" for (_, name), v in zip(channels, values, strict=True) if v != v
        ]
        name = f[sample_col] if sample_col is not None else ""
        first = run.samples.setdefault(well, (name, n))
        if first[0] != name:
            raise InputFormatError(
                f"well {well} is named {name!r} here but {first[0]!r} at line {first[1]}; "
                "expected one sample name per well",
                source=source,
                line=n,
            )
        segments[(prog, seg)].append(_Row(n, well, cycle, temp, values))
    if empty:
        run.skipped.append(
            Skipped(
                ", ".join(empty[:3]) + (" ..." if len(empty) > 3 else ""),
                f"{len(empty)} empty reading(s): not read",
            )
        )
    return segments


def _integer(text: str, column: str, source: str, line: int) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputFormatError(
            f"{column} {text!r} is not a whole number", source=source, line=line
        ) from None


def _number(
    numbers: Numbers, text: str, column: str, source: str, line: int, empty_ok: bool = False
) -> float:
    try:
        value = numbers.parse(text)
    except ValueError as exc:
        raise InputFormatError(f"{column}: {exc}", source=source, line=line) from None
    if value != value and not empty_ok:
        raise InputFormatError(f"{column} is empty; expected a number", source=source, line=line)
    return value


def _kind(rows: list[_Row], source: str) -> str:
    """``amplification``, ``melt`` or why the segment is neither."""
    per_cycle: dict[tuple[str, int], int] = defaultdict(int)
    first_line: dict[tuple[str, int], int] = {}
    for r in rows:
        per_cycle[(r.well, r.cycle)] += 1
        first_line.setdefault((r.well, r.cycle), r.line)
    cycles = len({c for _, c in per_cycle})
    most = max(per_cycle.values())
    if cycles >= 2 and most == 1:
        return "amplification"
    if cycles >= 2:
        (well, cycle), _ = max(per_cycle.items(), key=lambda kv: kv[1])
        again = next(
            r.line
            for r in rows
            if (r.well, r.cycle) == (well, cycle) and r.line != first_line[(well, cycle)]
        )
        raise InputFormatError(
            f"well {well} is read again in cycle {cycle} (first at line "
            f"{first_line[(well, cycle)]}); expected one reading per cycle (amplification) "
            "or readings within one cycle (melt)",
            source=source,
            line=again,
        )
    if most >= _MELT_MIN_READINGS and rows[-1].temp > rows[0].temp:
        return "melt"
    if most >= _MELT_MIN_READINGS:
        return "readings at falling temperature (a cooling step), not a melt curve"
    return f"{most} reading(s) per well in one cycle (a hold), neither amplification nor melt"


def _take_segments(segments: dict[tuple[int, int], list[_Row]], run: RawRun, source: str) -> None:
    """Curves from the longest amplification segment, melt from the longest melt segment."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, rows in segments.items():
        kind = _kind(rows, source)
        where = f"Prog# {key[0]} Seg# {key[1]}, lines {rows[0].line}-{rows[-1].line}"
        if kind in ("amplification", "melt"):
            found[kind].append(key)
        else:
            run.skipped.append(Skipped(where, f"{len(rows)} readings not read: {kind}"))
    for kind, keys in found.items():
        best = max(keys, key=lambda k: len(segments[k]))  # the first of equals
        run.segments[kind] = f"Prog# {best[0]} Seg# {best[1]}"
        for key in keys:
            if key != best:
                rows = segments[key]
                run.skipped.append(
                    Skipped(
                        f"Prog# {key[0]} Seg# {key[1]}, lines {rows[0].line}-{rows[-1].line}",
                        f"another {kind} segment; {run.segments[kind]} is read",
                    )
                )
        if kind == "amplification":
            _curves(segments[best], run)
        else:
            _melt(segments[best], run, run.segments[kind])


def _curves(rows: list[_Row], run: RawRun) -> None:
    for r in rows:
        for channel, value in zip(run.channels, r.values, strict=True):
            if value == value:
                run.points.append(
                    CurvePoint(r.well, channel, float(r.cycle), value, loc=Loc(line=r.line))
                )


def _melt(rows: list[_Row], run: RawRun, segment: str) -> None:
    """Melt readings at rising temperature; readings not above an earlier one are dropped.

    The block settles for a few readings before the ramp (the real LCS480 export repeats and
    dips near 60 °C): a melt curve must rise, so those readings go to ``skipped``.
    """
    top: dict[str, tuple[float, int]] = {}  # well -> highest temperature kept, its line
    dropped: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        kept = top.get(r.well)
        if kept is not None and r.temp <= kept[0]:
            dropped[r.well].append(r)
            continue
        top[r.well] = (r.temp, r.line)
        for channel, value in zip(run.channels, r.values, strict=True):
            if value == value:
                run.melt.append(MeltPoint(r.well, channel, r.temp, value, loc=Loc(line=r.line)))
    why = "melt temperatures must rise: reading(s) at or below an earlier temperature of the well"
    if 0 < len(dropped) <= _LIST_AT_MOST:
        for well, rs in dropped.items():
            lines = ", ".join(str(r.line) for r in rs)
            run.skipped.append(Skipped(f"{segment} well {well}, line(s) {lines}", why))
    elif dropped:
        well, rs = next(iter(dropped.items()))
        temps = ", ".join(f"{r.temp:g}" for r in rs)
        start = next(r for r in rows if r.well == well)
        total = sum(len(v) for v in dropped.values())
        run.skipped.append(
            Skipped(
                f"{segment}, {len(dropped)} wells",
                f"{total} readings not read ({why}; the block settling before the ramp); "
                f"e.g. well {well} lines {rs[0].line}-{rs[-1].line} at {temps} °C after "
                f"{start.temp:g} °C (line {start.line})",
            )
        )
