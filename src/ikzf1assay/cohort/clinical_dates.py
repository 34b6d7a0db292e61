"""Dates of the clinical table: the file's date order, parsing, and the order of events in each
patient's history (see :mod:`ikzf1assay.cohort.clinical` for the rules as users read them)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from ikzf1assay.errors import ClinicalDataError, ParameterError

__all__ = [
    "DATE_COLUMNS",
    "DATE_HELP",
    "DATE_ORDERS",
    "check_dates",
    "close_date_problems",
    "decide_date_order",
    "describe_ids",
    "parse_date",
    "parse_date_columns",
]

DATE_COLUMNS = (
    "diagnosis_date",
    "cr_date",
    "relapse_date",
    "death_date",
    "transplant_date",
    "last_followup_date",
)
DATE_ORDERS = ("auto", "day-first", "month-first")
DATE_HELP = "expected YYYY-MM-DD, or DD/MM/YYYY or MM/DD/YYYY when the file shows which"
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_LABELS = {
    "cr_date": "complete remission",
    "relapse_date": "relapse",
    "death_date": "death",
    "transplant_date": "transplant",
    "last_followup_date": "last follow-up",
}

# problem(row index, column, message): how the checks report, the caller adds line and patient
Report = Callable[[int, str, str], None]


def decide_date_order(values: list[str], date_order: str, source: str) -> str:
    """``iso`` if every date is ISO, else day-first / month-first as the values prove it.

    Parameters
    ----------
    values
        Every date cell of the file, stripped.
    date_order
        ``auto`` (decide from the values), ``day-first`` or ``month-first``.
    source
        The file, for the error message.

    Returns
    -------
    str
        ``iso``, ``day-first`` or ``month-first``.

    Raises
    ------
    ClinicalDataError
        The values prove both orders, or could be read either way with nothing to decide.
    """
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
    """One date by the file's ``order``; ValueError with what was expected.

    Parameters
    ----------
    value
        The cell, stripped.
    order
        As :func:`decide_date_order` returns it.

    Returns
    -------
    datetime.date
        The date.
    """
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


def parse_date_columns(
    columns: dict[str, list[str]],
    present: list[str],
    order: str,
    missing: Callable[[str], bool],
    problem: Report,
) -> tuple[dict[str, list[dt.date | None]], set[int]]:
    """Parse every date column; an unreadable date is a problem of its row.

    Returns
    -------
    tuple
        The dates by column (None where empty or unreadable) and the rows with an unreadable
        date (their order of events cannot be checked).
    """
    parsed: dict[str, list[dt.date | None]] = {}
    unreadable: set[int] = set()
    for c in present:
        out: list[dt.date | None] = []
        for i, v in enumerate(columns[c]):
            v = v.strip()
            if missing(v):
                out.append(None)
                continue
            try:
                out.append(parse_date(v, order))
            except ValueError as exc:
                problem(i, c, str(exc))
                unreadable.add(i)
                out.append(None)
        parsed[c] = out
    return parsed, unreadable


def check_dates(
    parsed: dict[str, list[dt.date | None]], check: list[bool], problem: Report
) -> None:
    """The order of events in each patient's history (rows where ``check`` is True)."""
    n = len(check)
    get = {c: parsed.get(c, [None] * n) for c in DATE_COLUMNS}
    for i in range(n):
        if check[i]:
            _check_history(i, {c: get[c][i] for c in DATE_COLUMNS}, problem)


def _check_history(i: int, d: dict[str, dt.date | None], problem: Report) -> None:
    dx = d["diagnosis_date"]
    if dx is None:
        problem(i, "diagnosis_date", f"empty; every patient needs a diagnosis date ({DATE_HELP})")
        return
    for c, label in _LABELS.items():
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
        problem(i, "transplant_date", f"transplant ({d['transplant_date']}) after death ({death})")
    if death is not None and cr is not None and cr > death:
        problem(i, "cr_date", f"complete remission ({cr}) after death ({death})")
    if fu is None and death is None:
        problem(i, "last_followup_date", "empty and no death date: where does follow-up end?")
    if fu is not None:
        for c in ("cr_date", "relapse_date", "transplant_date", "death_date"):
            x = d[c]
            if x is not None and fu < x:
                problem(i, "last_followup_date", f"last follow-up ({fu}) before {_LABELS[c]} ({x})")


def describe_ids(ids: list[str], first: int = 5) -> str:
    """``7 patient(s) (P01, P02, P03, P04, P05 and 2 more)``: a count and the first ids only.

    Parameters
    ----------
    ids
        The patient ids, in table order.
    first
        How many to name.

    Returns
    -------
    str
        The phrase.
    """
    named = ", ".join(ids[:first])
    more = f" and {len(ids) - first} more" if len(ids) > first else ""
    return f"{len(ids)} patient(s) ({named}{more})"


def close_date_problems(
    parsed: dict[str, list[dt.date | None]],
    ids: list[str],
    close_date: dt.date | None,
    today: dt.date,
    source: str,
) -> list[str]:
    """Notes on dates after the close date or in the future (one per column and kind).

    Parameters
    ----------
    parsed
        The dates by column, as :func:`parse_date_columns` returns them.
    ids
        The patient id of each row.
    close_date
        Follow-up closure, or None.
    today
        Dates after it are in the future.
    source
        The table, for the error message.

    Returns
    -------
    list of str
        The notes for the table's comments.

    Raises
    ------
    ClinicalDataError
        The close date is before some patients' diagnosis (named by count and first ids).
    """
    notes: list[str] = []
    dx = parsed.get("diagnosis_date", [])
    if close_date is not None:
        late = [ids[i] for i, d in enumerate(dx) if d is not None and d > close_date]
        if late:
            raise ClinicalDataError(
                f"the close date {close_date} is before the diagnosis of "
                f"{describe_ids(late)}; give a close date after every diagnosis",
                source=source,
            )
    for c in DATE_COLUMNS:
        values = parsed.get(c, [])
        for limit, what in ((today, f"in the future (after today, {today})"),
                            (close_date, f"after the close date {close_date}")):  # fmt: skip
            if limit is None:
                continue
            hits = [ids[i] for i, d in enumerate(values) if d is not None and d > limit]
            if hits:
                notes.append(f"{c}: {len(hits)} date(s) {what}: {describe_ids(hits)}")
    return notes
