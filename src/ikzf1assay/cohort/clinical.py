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

Categorical values are read through :mod:`ikzf1assay.cohort.vocabulary` (``M``, ``male`` and
``MALE`` are one level; the rewrites are in ``recoded``, levels outside the vocabulary in
``comments``), which also chooses each factor's reference level (``reference`` overrides it).
A measurement column (age, wbc...) without numbers is an error. Dates in the future, and after
``close_date`` when given, are noted in ``comments``; a close date before a diagnosis is an
error naming the count and the first patients.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ikzf1assay.cohort._table import RawTable, read_table
from ikzf1assay.cohort._units import TIME_UNITS
from ikzf1assay.cohort.clinical_dates import (
    DATE_COLUMNS,
    check_dates,
    close_date_problems,
    decide_date_order,
    parse_date,
    parse_date_columns,
)
from ikzf1assay.cohort.vocabulary import ALIASES, NUMERIC_NAMES, apply_vocabulary
from ikzf1assay.errors import ClinicalDataError, ParameterError

__all__ = [
    "DATE_COLUMNS",
    "ClinicalTable",
    "Problem",
    "clinical_from_frame",
    "decide_date_order",
    "parse_date",
    "read_clinical",
]

READY_MADE = {
    "os": "event",
    "efs": "event",
    "dfs": "event",
    "cir": "status",
    "nrm": "status",
}
MISSING = {"", "na", "n/a", "nan", "none", "null"}
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


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
    ``comments``: the file's own comment lines, then notes on levels outside the vocabulary
    and on dates after the close date or in the future. ``recoded``: column, raw, value, n
    for every categorical value the vocabulary (:mod:`ikzf1assay.cohort.vocabulary`)
    rewrote. ``reference``: the reference level of each categorical covariate.
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
    recoded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["column", "raw", "value", "n"])
    )
    reference: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Options:
    """What :func:`read_clinical` was asked, beyond the file."""

    strict: bool
    date_order: str
    time_unit: str
    require_sample: bool
    reference: Mapping[str, str] | None = None
    close_date: dt.date | None = None


def _normalise(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


def _missing(value: str) -> bool:
    return value.strip().lower() in MISSING


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
    reference: Mapping[str, str] | None = None,
    close_date: dt.date | None = None,
) -> ClinicalTable:
    """Read and validate a clinical table (CSV, TSV or XLSX); see the module for the schema.

    Parameters
    ----------
    path
        The file.
    strict
        Reject the table when any row has a problem (default: leave those rows out).
    date_order
        ``auto`` (as the dates prove it), ``day-first`` or ``month-first``.
    time_unit
        Unit of ready-made times: days, weeks, months or years (converted to days).
    require_sample
        Whether the table must have ``sample_id`` (needed to link calls).
    reference
        ``{column: level}``: reference levels of categorical covariates instead of the
        vocabulary's rule (see :mod:`ikzf1assay.cohort.vocabulary`).
    close_date
        Follow-up closure: dates after it are noted in ``comments``; a close date before a
        diagnosis is an error.

    Returns
    -------
    ClinicalTable
        The rows kept, the rows excluded with their reasons, every problem.

    Raises
    ------
    ClinicalDataError
        Missing required columns, undecidable date order, a measurement column (age, wbc...)
        without numbers, a close date before a diagnosis, or (with ``strict``) any problem
        in any row; the message lists each with its line.
    """
    raw = read_table(Path(path), "clinical table")
    options = _Options(strict, date_order, time_unit, require_sample, reference, close_date)
    return _validate(raw, options)


def clinical_from_frame(
    df: pd.DataFrame,
    *,
    strict: bool = False,
    date_order: str = "auto",
    time_unit: str = "days",
    require_sample: bool = False,
    source: str = "<table>",
    reference: Mapping[str, str] | None = None,
    close_date: dt.date | None = None,
) -> ClinicalTable:
    """Validate a clinical table held in a DataFrame (rows numbered as lines 2, 3, ...).

    Parameters
    ----------
    df
        The table, one row per patient, columns as in the module text.
    strict, date_order, time_unit, require_sample, reference, close_date
        As :func:`read_clinical`.
    source
        Name of the table in messages.

    Returns
    -------
    ClinicalTable
        As :func:`read_clinical`.
    """
    rows = [[_cell_text(v) for v in row] for row in df.itertuples(index=False)]
    raw = RawTable(
        source=source,
        header=[str(c) for c in df.columns],
        rows=rows,
        lines=list(range(2, len(rows) + 2)),
    )
    options = _Options(strict, date_order, time_unit, require_sample, reference, close_date)
    return _validate(raw, options)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class _Problems:
    """The problems found so far; called as ``problems(row index, column, message)``."""

    lines: list[int]
    ids: list[str]
    found: list[Problem] = field(default_factory=list)

    def __call__(self, i: int, column: str, message: str) -> None:
        self.found.append(Problem(self.lines[i], self.ids[i], column, message))


@dataclass(frozen=True)
class _Columns:
    """The table's cells by normalised column name, and what its columns provide."""

    names: list[str]
    cells: dict[str, list[str]]
    ready: tuple[str, ...]  # endpoints with ready-made times
    has_dates: bool


def _validate(raw: RawTable, o: _Options) -> ClinicalTable:
    """Every check of the module text, in order; problems are collected, then acted on."""
    if o.time_unit not in TIME_UNITS:
        raise ParameterError(f"time unit {o.time_unit!r}: choose {', '.join(TIME_UNITS)}")
    cols = _required_columns(raw, o.require_sample)
    dates_present = [c for c in DATE_COLUMNS if c in cols.cells]
    order = decide_date_order(
        [v.strip() for c in dates_present for v in cols.cells[c]], o.date_order, raw.source
    )
    ids = [v.strip() for v in cols.cells["patient_id"]]
    problems = _Problems(raw.lines, ids)
    _check_ids(ids, raw.lines, problems)
    parsed, unreadable = parse_date_columns(cols.cells, dates_present, order, _missing, problems)
    if cols.has_dates:
        check_dates(parsed, [i not in unreadable for i in range(len(ids))], problems)
    notes = close_date_problems(parsed, ids, o.close_date, dt.date.today(), raw.source)
    ready_values = _ready_made(cols, TIME_UNITS[o.time_unit], problems)
    covariates, numeric, cov_values = _covariates(cols, ready_values, raw, problems)
    categorical = [c for c in covariates if c not in numeric]
    vocab = apply_vocabulary(
        {c: [None if v is None else str(v) for v in cov_values[c]] for c in categorical},
        o.reference,
    )
    for c, recoded in vocab.values.items():
        cov_values[c] = [*recoded]
    found = sorted(problems.found, key=lambda p: p.line)
    if o.strict and found:
        listing = "\n  ".join(str(p) for p in found)
        raise ClinicalDataError(
            f"{len(found)} problem(s); fix them or run without --strict to leave those "
            f"rows out:\n  {listing}",
            source=raw.source,
        )
    frame: dict[str, object] = {"line": raw.lines, "patient_id": ids}
    if "sample_id" in cols.cells:
        frame["sample_id"] = [v.strip() for v in cols.cells["sample_id"]]
    for c in DATE_COLUMNS:
        frame[c] = pd.to_datetime(
            pd.Series(parsed.get(c, [None] * len(ids)), dtype="object"), errors="raise"
        )
    frame.update(ready_values)
    frame.update(cov_values)
    data, excluded = _keep_and_exclude(pd.DataFrame(frame), found, raw.lines, ids)
    return ClinicalTable(
        source=raw.source,
        data=data,
        excluded=excluded,
        problems=tuple(found),
        covariates=tuple(covariates),
        numeric=tuple(numeric),
        date_order=order,
        has_dates=cols.has_dates,
        date_columns=tuple(dates_present),
        comments=(*raw.comments, *vocab.notes, *notes),
        ready_made=cols.ready,
        recoded=pd.DataFrame(vocab.recoded, columns=["column", "raw", "value", "n"]),
        reference=vocab.reference,
    )


def _required_columns(raw: RawTable, require_sample: bool) -> _Columns:
    """The cells by column; the whole table is refused without its required columns or rows."""
    names = _rename(raw)
    cells = {n: [r[i] for r in raw.rows] for i, n in enumerate(names)}
    ready = tuple(
        ep for ep, kind in READY_MADE.items() if f"{ep}_time" in cells and f"{ep}_{kind}" in cells
    )
    has_dates = "diagnosis_date" in cells
    required = ["patient_id"] + (["sample_id"] if require_sample else [])
    if has_dates:
        required.append("last_followup_date")
    missing = [c for c in required if c not in cells]
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
    return _Columns(names=names, cells=cells, ready=ready, has_dates=has_dates)


def _check_ids(ids: list[str], lines: list[int], problem: _Problems) -> None:
    """Every row has a patient_id, each only once (both rows of a duplicate are reported)."""
    first_line: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not pid:
            problem(i, "patient_id", "empty; every row needs a patient_id")
        elif pid in first_line:
            problem(i, "patient_id", f"duplicate patient (also on line {first_line[pid]})")
            j = lines.index(first_line[pid])
            problem(j, "patient_id", f"duplicate patient (also on line {lines[i]})")
        else:
            first_line[pid] = lines[i]


def _ready_made(cols: _Columns, unit: float, problem: _Problems) -> dict[str, list[float]]:
    """Ready-made times (converted to days) and event / status codes, by column."""
    values: dict[str, list[float]] = {}
    for ep in cols.ready:
        kind = READY_MADE[ep]
        allowed = {0, 1} if kind == "event" else {0, 1, 2}
        for col, check in ((f"{ep}_time", "time"), (f"{ep}_{kind}", "code")):
            vals: list[float] = []
            for i, v in enumerate(cols.cells[col]):
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
            values[col] = vals
    return values


def _covariates(
    cols: _Columns, ready_values: dict[str, list[float]], raw: RawTable, problem: _Problems
) -> tuple[list[str], list[str], dict[str, list[object]]]:
    """Every other column: numeric when at least 80 % of its values are numbers.

    A numeric column's values that are not numbers are problems of their rows; a measurement
    column (:data:`~ikzf1assay.cohort.vocabulary.NUMERIC_NAMES`) that is not numeric is an
    error naming its first values that are not numbers.
    """
    n = len(raw.rows)
    structural = {"patient_id", "sample_id", "line", *DATE_COLUMNS, *ready_values}
    structural |= {f"{ep}_{k}" for ep, k in READY_MADE.items()} | {
        f"{ep}_time" for ep in READY_MADE
    }
    covariates = [c for c in cols.names if c not in structural]
    numeric: list[str] = []
    values: dict[str, list[object]] = {}
    for c in covariates:
        present = [(i, v.strip()) for i, v in enumerate(cols.cells[c]) if not _missing(v)]
        numbers = [i for i, v in present if _NUMBER.match(v.replace(",", "."))]
        if present and len(numbers) >= 0.8 * len(present):
            numeric.append(c)
            vals: list[object] = [np.nan] * n
            for i, v in present:
                if _NUMBER.match(v.replace(",", ".")):
                    vals[i] = float(v.replace(",", "."))
                else:
                    problem(i, c, f"{v!r} is not a number (the column holds numbers)")
            values[c] = vals
        elif present and c in NUMERIC_NAMES:
            bad = [f"line {raw.lines[i]} {v!r}" for i, v in present if not _NUMBER.match(v)]
            raise ClinicalDataError(
                f"column {c} holds measurements but {len(bad)} of its {len(present)} values "
                f"are not numbers ({'; '.join(bad[:5])}{'; ...' if len(bad) > 5 else ''})",
                source=raw.source,
            )
        else:
            values[c] = [None if _missing(v) else v.strip() for v in cols.cells[c]]
    return covariates, numeric, values


def _keep_and_exclude(
    data: pd.DataFrame, found: list[Problem], lines: list[int], ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows without a problem, and line, patient_id, reason of each row left out."""
    bad_lines = {p.line for p in found}
    keep = ~data["line"].isin(bad_lines)
    excluded = pd.DataFrame(
        [
            {"line": line, "patient_id": ids[lines.index(line)],
             "reason": "; ".join(
                 f"{p.column}: {p.message}" if p.column else p.message
                 for p in found if p.line == line)}
            for line in sorted(bad_lines)
        ],
        columns=["line", "patient_id", "reason"],
    )  # fmt: skip
    return data[keep].reset_index(drop=True), excluded
