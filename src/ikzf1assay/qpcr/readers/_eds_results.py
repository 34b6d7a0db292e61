"""``apldbio/sds/analysis_result.txt`` of an ``.eds`` run file: Ct, Rn and Delta Rn per well.

The layout, as the 7500 / StepOne software writes it (tab-separated)::

    Session Name<TAB>...                       key/value lines before the table: settings
    Well  Sample Name  Detector  Task  Ct  Avg Ct  Ct SD  Delta Ct  Qty  Avg Qty  Qty SD
    24    ControlPos   ORF1ab    Target 27.42 ...  one row per well x detector; wells from 0
    Rn values        5.59  5.60 ...              that row's Rn per cycle (cycle 1 first)
    Delta Rn values  -0.01 0.00 ...              its baseline-corrected Delta Rn
    DDCT Values      24  ...                     the ddCt module's copy of the row (not read)

Columns are found by their header name. ``Threshold``, ``Auto Threshold``, ``Baseline
Start`` and ``Baseline End`` columns are read where a file has them (the trimmed public file
has none). ``Avg Ct``, ``Ct SD``, ``Delta Ct``, ``Avg Qty`` and ``Qty SD`` are the
software's summaries over replicates and are not read (listed in ``skipped``).

**Undetermined.** The software writes Ct = the last cycle (40.0 in a 40-cycle run) for a
reaction whose Delta Rn never crosses the threshold. A Ct equal to the reaction's number of
cycles is read as Undetermined (NaN) when its Delta Rn stays below the detector's threshold:
the exported one, else the threshold implied by the file's own Cts (the median over the
detector's other reactions of Delta Rn at their Ct, linearly interpolated). A reaction whose
Delta Rn does reach that threshold is a doubt: its result is not taken (neither Ct nor
Undetermined; the curve analysis decides) and ``skipped`` says so. Without any threshold for
the detector (all its reactions at the last cycle), the file's convention is taken as it is
and ``RunInfo.settings`` says the check could not be made.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import numpy as np

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Skipped

__all__ = ["ResultRow", "Results", "parse_results", "settle_undetermined"]

_COLUMNS = {  # our name -> header names seen (lower case)
    "well": ("well",),
    "sample": ("sample name", "sample"),
    "detector": ("detector", "detector name", "target name", "target"),
    "task": ("task",),
    "ct": ("ct", "cт", "cq"),
    "quantity": ("qty", "quantity"),
    "threshold": ("threshold", "ct threshold"),
    "auto_threshold": ("auto threshold", "automatic ct threshold"),
    "baseline_start": ("baseline start", "start baseline", "automatic baseline start"),
    "baseline_end": ("baseline end", "end baseline", "baseline stop"),
}
_SUMMARIES = ("avg ct", "ct sd", "delta ct", "avg qty", "qty sd")
_CURVE_ROWS = {"rn values": "rn", "delta rn values": "drn"}


@dataclass
class ResultRow:
    """One well x detector row of the table and its curve rows."""

    index: int
    line: int
    sample: str = ""
    detector: str = ""
    task: str = ""
    ct: float = math.nan
    has_result: bool = False
    quantity: float = math.nan
    threshold: float = math.nan
    auto_threshold: bool | None = None
    baseline_start: float = math.nan
    baseline_end: float = math.nan
    rn: list[float] = field(default_factory=list)
    drn: list[float] = field(default_factory=list)
    rn_line: int = 0


@dataclass
class Results:
    """What ``analysis_result.txt`` holds."""

    rows: list[ResultRow]
    settings: dict[str, str]
    skipped: list[Skipped]


def _number(text: str, where: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputFormatError(
            f"{what} {text!r} is not a number; expected a decimal number such as 27.42",
            source=where,
            line=line,
        )
    return value


def _header(fields: list[str], where: str, line: int) -> dict[str, int]:
    names = [f.strip().lower() for f in fields]
    cols = {}
    for ours, aliases in _COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                cols[ours] = i
                break
    missing = [c for c in ("well", "detector", "ct") if c not in cols]
    if missing:
        raise InputFormatError(
            f"the table header has no {', '.join(missing)} column; expected Well, Sample "
            "Name, Detector, Task, Ct, ...",
            source=where,
            line=line,
        )
    return cols


def _row(fields: list[str], cols: dict[str, int], where: str, line: int) -> ResultRow:
    def cell(name: str) -> str:
        i = cols.get(name)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    row = ResultRow(index=int(cell("well")), line=line, sample=cell("sample"))
    row.detector, row.task = cell("detector"), cell("task")
    ct = cell("ct")
    if ct.lower() in ("undetermined", "undet", "no ct"):
        row.has_result = True
    elif ct:
        row.ct, row.has_result = _number(ct, where, line, "Ct"), True
    for name in ("quantity", "threshold", "baseline_start", "baseline_end"):
        if cell(name):
            setattr(row, name, _number(cell(name), where, line, name.replace("_", " ")))
    if cell("auto_threshold"):
        row.auto_threshold = cell("auto_threshold").lower() in ("true", "yes", "1", "auto")
    return row


def _curve(row: ResultRow | None, kind: str, fields: list[str], where: str, line: int) -> None:
    if row is None:
        raise InputFormatError(
            f"a {fields[0].strip()!r} row before any well row; expected it after its well's "
            "row (Well, Sample Name, Detector, ...)",
            source=where,
            line=line,
        )
    values = [_number(v, where, line, f"{fields[0].strip()} reading") for v in fields[1:] if v]
    if getattr(row, kind):
        raise InputFormatError(
            f"a second {fields[0].strip()!r} row for well {row.index} detector "
            f"{row.detector!r} (row at line {row.line})",
            source=where,
            line=line,
        )
    setattr(row, kind, values)
    row.rn_line = row.rn_line or line
    if row.rn and row.drn and len(row.rn) != len(row.drn):
        raise InputFormatError(
            f"well {row.index} detector {row.detector!r} has {len(row.rn)} Rn values but "
            f"{len(row.drn)} Delta Rn values; expected one of each per cycle",
            source=where,
            line=line,
        )


def parse_results(text: str, where: str) -> Results:
    """Parse ``analysis_result.txt`` (``where`` names the member in errors).

    Raises
    ------
    InputFormatError
        No table header; a bad well number or number; a well and detector listed twice; a
        curve row without its well row, or with a length different from its partner's.
    """
    settings: dict[str, str] = {}
    skipped: list[Skipped] = []
    rows: list[ResultRow] = []
    seen: dict[tuple[int, str], int] = {}
    cols: dict[str, int] | None = None
    ddct: list[int] = []
    current: ResultRow | None = None
    for line, raw_line in enumerate(text.split("\n"), start=1):
        fields = raw_line.rstrip("\r").split("\t")
        first = fields[0].strip()
        if not "".join(fields).strip():
            continue
        if cols is None:
            if first.lower() == "well":
                cols = _header(fields, where, line)
                unread = [f.strip() for f in fields if f.strip().lower() in _SUMMARIES]
                if unread:
                    skipped.append(
                        Skipped(
                            f"{where}, line {line}",
                            "columns "
                            + ", ".join(unread)
                            + ": the software's summaries over replicates; not read",
                        )
                    )
            else:  # key/value lines before the table
                settings[first] = "\t".join(f.strip() for f in fields[1:]).strip()
            continue
        if first.lower() in _CURVE_ROWS:
            _curve(current, _CURVE_ROWS[first.lower()], fields, where, line)
        elif first.lower() == "ddct values":
            ddct.append(line)
        elif first.isdigit():
            current = _row(fields, cols, where, line)
            key = (current.index, current.detector)
            if key in seen:
                raise InputFormatError(
                    f"well {current.index} detector {current.detector!r} is listed twice "
                    f"(first at line {seen[key]}); expected one row per well and detector",
                    source=where,
                    line=line,
                )
            seen[key] = line
            rows.append(current)
        else:
            current = None
            why = f"row {first!r} is not a well, Rn values, Delta Rn values or DDCT Values row"
            skipped.append(Skipped(f"{where}, line {line}", why + "; not read"))
    if cols is None:
        raise InputFormatError(
            "no table header (a line starting with 'Well'); expected Well, Sample Name, "
            "Detector, Task, Ct, ... followed by a row per well and detector",
            source=where,
        )
    if ddct:
        why = f"{len(ddct)} 'DDCT Values' rows: the ddCt module's copy of each well row"
        skipped.append(Skipped(f"{where}, lines {ddct[0]}-{ddct[-1]}", why + "; not read"))
    return Results(rows=rows, settings=settings, skipped=skipped)


def _implied_thresholds(rows: list[ResultRow]) -> dict[str, float]:
    """Detector -> threshold: exported, else the median Delta Rn at the file's own Cts."""
    values: dict[str, list[float]] = {}
    exported: dict[str, float] = {}
    for r in rows:
        if math.isfinite(r.threshold):
            exported.setdefault(r.detector, r.threshold)
        n = len(r.drn)
        if r.drn and math.isfinite(r.ct) and 1 < r.ct < n:
            at_ct = float(np.interp(r.ct, np.arange(1, n + 1), r.drn))
            values.setdefault(r.detector, []).append(at_ct)
    implied = {d: statistics.median(v) for d, v in values.items()}
    return {**implied, **exported}


def settle_undetermined(results: Results, where: str) -> None:
    """Read Ct = last cycle as Undetermined where Delta Rn stays below the threshold.

    Sets ``ct`` to NaN (Undetermined) or, for a doubt, ``has_result`` to False; records what
    was decided in ``results.settings`` and the doubts in ``results.skipped``.
    """
    thresholds = _implied_thresholds(results.rows)
    undetermined = unchecked = 0
    for r in results.rows:
        n = len(r.drn) or len(r.rn)
        if not (r.has_result and n and r.ct == float(n)):
            continue
        thr = thresholds.get(r.detector, math.nan)
        peak = max(r.drn) if r.drn else math.nan
        if math.isfinite(thr) and math.isfinite(peak) and peak >= thr:
            r.ct, r.has_result = math.nan, False
            results.skipped.append(Skipped(
                f"{where}, line {r.line}",
                f"well {r.index} detector {r.detector!r}: Ct {n}.0 (the last cycle, written "
                f"for Undetermined) but Delta Rn reaches {peak:.4g} >= threshold {thr:.4g}: "
                "a doubt, the instrument result is not taken (the curve analysis decides)",
            ))  # fmt: skip
            continue
        r.ct = math.nan
        undetermined += 1
        unchecked += not (math.isfinite(thr) and math.isfinite(peak))
    for det, thr in sorted(thresholds.items()):
        results.settings[f"threshold {det} (implied by the Cts, or exported)"] = f"{thr:.6g}"
    results.settings["undetermined rule"] = (
        "Ct equal to the number of cycles read as Undetermined when Delta Rn stays below the "
        f"detector's threshold: {undetermined} reactions"
        + (f", {unchecked} of them unchecked (no threshold for the detector)" if unchecked else "")
    )
