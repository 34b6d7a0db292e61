"""The clinical table: schema, reading, validation.

One row per patient. Column names are matched without regard to case, spaces or hyphens
(``Diagnosis date`` is ``diagnosis_date``); the aliases below are accepted too.

==================== ========================================================================
column               meaning
==================== ========================================================================
patient_id           required; unique
sample_id            the sample(s) whose assay calls belong to this patient (``;`` between
                     several); required for linking to calls
diagnosis_date       required when dates are given: the time origin of OS and EFS
cr_date              first complete remission; empty if never in CR
relapse_date         first relapse
death_date           death from any cause
transplant_date      allogeneic HSCT (the first)
last_followup_date   last contact alive (or the death date); follow-up ends here
``<ep>_time``,       ready-made times instead of dates, for ``ep`` in os, efs, dfs (events 0/1)
``<ep>_event``       and cir, nrm (``_status``: 0 censored, 1 the event, 2 the competing event);
                     in days unless another ``time_unit`` is given
anything else        a covariate: numeric when the column holds numbers (age, wbc, ldh...),
                     otherwise categorical (sex, ph, mrd_d14 > 1 %...)
==================== ========================================================================

Dates: ISO ``2019-03-28`` (also ``2019/03/28``) always; day-first (``28/03/2019``,
``28.03.2019``) or month-first (``03/28/2019``) only when the file shows which: a value whose
first part exceeds 12 proves day-first, one whose second part does proves month-first. A file
whose dates could be read both ways needs ``date_order``. Spreadsheet date cells are read as
dates.

Problems found in a row (unparseable date, an event before diagnosis, death recorded before
relapse, follow-up ending before an event, a duplicate patient, a number that is not one) are
each reported with the row's line; by default the row is left out and counted, with
``strict=True`` the table is rejected with every problem listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ikzf1assay.cohort._table import RawTable, read_table
from ikzf1assay.errors import ClinicalDataError, ParameterError

__all__ = [
    "DATE_COLUMNS",
    "ClinicalTable",
    "Problem",
    "clinical_from_frame",
    "read_clinical",
]

DATE_COLUMNS = (
    "diagnosis_date",
    "cr_date",
    "relapse_date",
    "death_date",
    "transplant_date",
    "last_followup_date",
)
READY_MADE = {
    "os": "event",
    "efs": "event",
    "dfs": "event",
    "cir": "status",
    "nrm": "status",
}
ALIASES = {
    "patient": "patient_id",
    "patient_no": "patient_id",
    "sample": "sample_id",
    "samples": "sample_id",
    "diagnosis": "diagnosis_date",
    "date_of_diagnosis": "diagnosis_date",
    "dx_date": "diagnosis_date",
    "remission_date": "cr_date",
    "complete_remission_date": "cr_date",
    "relapse": "relapse_date",
    "death": "death_date",
    "date_of_death": "death_date",
    "hsct_date": "transplant_date",
    "allo_hsct_date": "transplant_date",
    "transplant": "transplant_date",
    "last_follow_up_date": "last_followup_date",
    "last_follow_up": "last_followup_date",
    "last_followup": "last_followup_date",
    "followup_date": "last_followup_date",
    "last_contact": "last_followup_date",
}
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
DATE_ORDERS = ("auto", "day-first", "month-first")
MISSING = {"", "na", "n/a", "nan", "none", "null"}
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
DATE_HELP = "expected YYYY-MM-DD, or DD/MM/YYYY or MM/DD/YYYY when the file shows which"


@dataclass(frozen=True)
class Problem:
    """One problem in one row (``line`` 0: the whole table)."""

    line: int
    patient_id: str
    column: str
    message: str

    def __str__(self) -> str:
        who = f" (patient {self.patient_id})" if self.patient_id else ""
        col = f"{self.column}: " if self.column else ""
        return f"line {self.line}{who}: {col}{self.message}"


@dataclass(frozen=True)
class ClinicalTable:
    """A validated clinical table.

    ``data``: one row per kept patient, ``line`` (where it came from), ``patient_id``,
    ``sample_id``, the date columns as ``datetime64`` (NaT when empty), ready-made times in days,
    and the covariates. ``excluded``: line, patient_id, reason for every row left out.
    ``problems``: everything found. ``covariates``: the covariate column names, ``numeric``
    those read as numbers. ``date_order``: how ambiguous-looking dates were read.
    """

    source: str
    data: pd.DataFrame
    excluded: pd.DataFrame
    problems: tuple[Problem, ...]
    covariates: tuple[str, ...]
    numeric: tuple[str, ...]
    date_order: str
    has_dates: bool
    date_columns: tuple[str, ...] = field(default=())
    comments: tuple[str, ...] = field(default=())
    ready_made: tuple[str, ...] = field(default=())


def _normalise(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


def _missing(value: str) -> bool:
    return value.strip().lower() in MISSING


def decide_date_order(values: list[str], date_order: str, source: str) -> str:
    """``iso`` if every date is ISO, else day-first / month-first as the values prove it."""
    if date_order not in DATE_ORDERS:
        raise ParameterError(f"date order {date_order!r}: choose {', '.join(DATE_ORDERS)}")
    if date_order != "auto":
        return date_order
    first = second = 0
    ambiguous = None
    for v in values:
        m = _DMY.match(v)
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        first += a > 12
        second += b > 12
        if a <= 12 and b <= 12 and a != b and ambiguous is None:
            ambiguous = v
    if first and second:
        raise ClinicalDataError(
            f"dates are written both day-first ({first} with a day > 12 first) and month-first "
            f"({second} with a day > 12 second); write them as YYYY-MM-DD",
            source=source,
        )
    if first:
        return "day-first"
    if second:
        return "month-first"
    if ambiguous is not None:
        raise ClinicalDataError(
            f"dates such as {ambiguous!r} read as day-first and as month-first and no date in "
            "the file decides; write them as YYYY-MM-DD or give the order (--date-order "
            "day-first or month-first)",
            source=source,
        )
    return "iso"


def parse_date(value: str, order: str) -> dt.date:
    """One date by the file's ``order``; ValueError with what was expected."""
    m = _ISO.match(value)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DMY.match(value)
        if not m:
            raise ValueError(f"{value!r} is not a date ({DATE_HELP})")
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d, mo = (b, a) if order == "month-first" else (a, b)
    try:
        return dt.date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date ({exc})") from None


def _rename(raw: RawTable) -> list[str]:
    names = [_normalise(h) for h in raw.header]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if not n:
            raise ClinicalDataError(f"column {i + 1} has no name", source=raw.source)
        if n in seen:
            raise ClinicalDataError(
                f"columns {seen[n] + 1} ({raw.header[seen[n]]!r}) and {i + 1} "
                f"({raw.header[i]!r}) both mean {n!r}; keep one",
                source=raw.source,
            )
        seen[n] = i
    return names


def read_clinical(
    path: str | Path,
    *,
    strict: bool = False,
    date_order: str = "auto",
    time_unit: str = "days",
    require_sample: bool = True,
) -> ClinicalTable:
    """Read and validate a clinical table (CSV, TSV or XLSX); see the module for the schema.

    Raises
    ------
    ClinicalDataError
        Missing required columns, undecidable date order, or (with ``strict``) any problem
        in any row; the message lists each with its line.
    """
    raw = read_table(Path(path), "clinical table")
    return _validate(raw, strict, date_order, time_unit, require_sample)


def clinical_from_frame(
    df: pd.DataFrame,
    *,
    strict: bool = False,
    date_order: str = "auto",
    time_unit: str = "days",
    require_sample: bool = False,
    source: str = "<table>",
) -> ClinicalTable:
    """Validate a clinical table held in a DataFrame (rows numbered as lines 2, 3, ...)."""
    rows = [[_cell_text(v) for v in row] for row in df.itertuples(index=False)]
    raw = RawTable(
        source=source,
        header=[str(c) for c in df.columns],
        rows=rows,
        lines=list(range(2, len(rows) + 2)),
    )
    return _validate(raw, strict, date_order, time_unit, require_sample)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _validate(
    raw: RawTable, strict: bool, date_order: str, time_unit: str, require_sample: bool
) -> ClinicalTable:
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time unit {time_unit!r}: choose {', '.join(TIME_UNITS)}")
    names = _rename(raw)
    columns = {n: [r[i] for r in raw.rows] for i, n in enumerate(names)}
    ready = tuple(
        ep
        for ep, kind in READY_MADE.items()
        if f"{ep}_time" in columns and f"{ep}_{kind}" in columns
    )
    has_dates = "diagnosis_date" in columns
    required = ["patient_id"] + (["sample_id"] if require_sample else [])
    if has_dates:
        required.append("last_followup_date")
    missing = [c for c in required if c not in columns]
    if not has_dates and not ready:
        missing.append("diagnosis_date (or ready-made times such as os_time and os_event)")
    if missing:
        raise ClinicalDataError(
            f"missing required column(s): {', '.join(missing)}; columns found: "
            f"{', '.join(raw.header)}",
            source=raw.source,
        )
    if not raw.rows:
        raise ClinicalDataError("no patient rows under the header", source=raw.source)
    dates_present = [c for c in DATE_COLUMNS if c in columns]
    order = decide_date_order(
        [v.strip() for c in dates_present for v in columns[c]], date_order, raw.source
    )
    ids = [v.strip() for v in columns["patient_id"]]
    problems: list[Problem] = []

    def problem(i: int, column: str, message: str) -> None:
        problems.append(Problem(raw.lines[i], ids[i], column, message))

    first_line: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not pid:
            problem(i, "patient_id", "empty; every row needs a patient_id")
        elif pid in first_line:
            problem(i, "patient_id", f"duplicate patient (also on line {first_line[pid]})")
            j = raw.lines.index(first_line[pid])
            problem(j, "patient_id", f"duplicate patient (also on line {raw.lines[i]})")
        else:
            first_line[pid] = raw.lines[i]

    parsed: dict[str, list[dt.date | None]] = {}
    unreadable: set[int] = set()  # rows with a date that did not parse: no order checks
    for c in dates_present:
        out: list[dt.date | None] = []
        for i, v in enumerate(columns[c]):
            v = v.strip()
            if _missing(v):
                out.append(None)
                continue
            try:
                out.append(parse_date(v, order))
            except ValueError as exc:
                problem(i, c, str(exc))
                unreadable.add(i)
                out.append(None)
        parsed[c] = out
    if has_dates:
        _check_dates(parsed, [i not in unreadable for i in range(len(ids))], problem)

    unit = TIME_UNITS[time_unit]
    ready_values: dict[str, list[float]] = {}
    for ep in ready:
        kind = READY_MADE[ep]
        allowed = {0, 1} if kind == "event" else {0, 1, 2}
        t_col, e_col = f"{ep}_time", f"{ep}_{kind}"
        for col, check in ((t_col, "time"), (e_col, "code")):
            vals: list[float] = []
            for i, v in enumerate(columns[col]):
                v = v.strip()
                if _missing(v):
                    vals.append(np.nan)
                    continue
                if not _NUMBER.match(v):
                    problem(i, col, f"{v!r} is not a number")
                    vals.append(np.nan)
                    continue
                x = float(v)
                if check == "time" and x < 0:
                    problem(i, col, f"negative time {v}")
                elif check == "code" and x not in allowed:
                    problem(i, col, f"{v} is not one of {sorted(allowed)}")
                vals.append(x * unit if check == "time" else x)
            ready_values[col] = vals

    structural = {"patient_id", "sample_id", "line", *DATE_COLUMNS, *ready_values}
    structural |= {f"{ep}_{k}" for ep, k in READY_MADE.items()} | {
        f"{ep}_time" for ep in READY_MADE
    }
    covariates = [n for n in names if n not in structural]
    numeric: list[str] = []
    cov_values: dict[str, list[object]] = {}
    for c in covariates:
        present = [(i, v.strip()) for i, v in enumerate(columns[c]) if not _missing(v)]
        numbers = [i for i, v in present if _NUMBER.match(v.replace(",", "."))]
        if present and len(numbers) >= 0.8 * len(present):
            numeric.append(c)
            vals2: list[object] = [np.nan] * len(ids)
            for i, v in present:
                if _NUMBER.match(v.replace(",", ".")):
                    vals2[i] = float(v.replace(",", "."))
                else:
                    problem(i, c, f"{v!r} is not a number (the column holds numbers)")
            cov_values[c] = vals2
        else:
            cov_values[c] = [None if _missing(v) else v.strip() for v in columns[c]]

    if strict and problems:
        listing = "\n  ".join(str(p) for p in sorted(problems, key=lambda p: p.line))
        raise ClinicalDataError(
            f"{len(problems)} problem(s); fix them or run without --strict to leave those "
            f"rows out:\n  {listing}",
            source=raw.source,
        )
    bad_lines = {p.line for p in problems}
    frame: dict[str, object] = {"line": raw.lines, "patient_id": ids}
    if "sample_id" in columns:
        frame["sample_id"] = [v.strip() for v in columns["sample_id"]]
    for c in DATE_COLUMNS:
        frame[c] = pd.to_datetime(
            pd.Series(parsed.get(c, [None] * len(ids)), dtype="object"), errors="raise"
        )
    frame.update(ready_values)
    frame.update(cov_values)
    data = pd.DataFrame(frame)
    keep = ~data["line"].isin(bad_lines)
    excluded = pd.DataFrame(
        [
            {"line": line, "patient_id": ids[raw.lines.index(line)],
             "reason": "; ".join(
                 f"{p.column}: {p.message}" if p.column else p.message
                 for p in problems if p.line == line)}
            for line in sorted(bad_lines)
        ],
        columns=["line", "patient_id", "reason"],
    )  # fmt: skip
    return ClinicalTable(
        source=raw.source,
        data=data[keep].reset_index(drop=True),
        excluded=excluded,
        problems=tuple(sorted(problems, key=lambda p: p.line)),
        covariates=tuple(covariates),
        numeric=tuple(numeric),
        date_order=order,
        has_dates=has_dates,
        date_columns=tuple(dates_present),
        comments=raw.comments,
        ready_made=ready,
    )


def _check_dates(
    parsed: dict[str, list[dt.date | None]],
    check: list[bool],
    problem: Callable[[int, str, str], None],
) -> None:
    """The order of events in one patient's history."""
    n = len(check)
    get = {c: parsed.get(c, [None] * n) for c in DATE_COLUMNS}
    labels = {
        "cr_date": "complete remission",
        "relapse_date": "relapse",
        "death_date": "death",
        "transplant_date": "transplant",
        "last_followup_date": "last follow-up",
    }
    for i in range(n):
        if not check[i]:
            continue
        d = {c: get[c][i] for c in DATE_COLUMNS}
        dx = d["diagnosis_date"]
        if dx is None:
            problem(
                i, "diagnosis_date", f"empty; every patient needs a diagnosis date ({DATE_HELP})"
            )
            continue
        for c, label in labels.items():
            x = d[c]
            if x is not None and x < dx:
                problem(i, c, f"{label} ({x}) before diagnosis ({dx})")
        death, relapse, cr, fu = (
            d["death_date"],
            d["relapse_date"],
            d["cr_date"],
            d["last_followup_date"],
        )
        if death is not None and relapse is not None and relapse > death:
            problem(
                i,
                "death_date",
                f"death ({death}) before relapse ({relapse}); are the dates swapped?",
            )
        if cr is not None and relapse is not None and cr > relapse:
            problem(i, "cr_date", f"complete remission ({cr}) after relapse ({relapse})")
        if death is not None and d["transplant_date"] is not None and d["transplant_date"] > death:
            problem(
                i, "transplant_date", f"transplant ({d['transplant_date']}) after death ({death})"
            )
        if death is not None and cr is not None and cr > death:
            problem(i, "cr_date", f"complete remission ({cr}) after death ({death})")
        if fu is None and death is None:
            problem(i, "last_followup_date", "empty and no death date: where does follow-up end?")
        if fu is not None:
            for c in ("cr_date", "relapse_date", "transplant_date", "death_date"):
                x = d[c]
                if x is not None and fu < x:
                    problem(
                        i, "last_followup_date", f"last follow-up ({fu}) before {labels[c]} ({x})"
                    )
