"""Time units of the survival results: the analysis functions take ``time_unit`` (the unit of
the time column, default days), carry it on their result, and the figures label (and, when
asked, convert) their time axis with it. A month is 365.25 / 12 days, a year 365.25 days."""

from __future__ import annotations

from ikzf1assay.errors import ParameterError

__all__ = ["TIME_UNITS", "check_time_unit", "unit_factor"]

TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}


def check_time_unit(unit: str) -> str:
    """``unit`` when it is one of :data:`TIME_UNITS`, else a ParameterError naming them."""
    if unit not in TIME_UNITS:
        raise ParameterError(f"time unit {unit!r}: choose one of {', '.join(TIME_UNITS)}")
    return unit


def unit_factor(unit: str, shown_in: str) -> float:
    """How many ``shown_in`` one ``unit`` is (days -> months: 1 / 30.4375)."""
    return TIME_UNITS[check_time_unit(unit)] / TIME_UNITS[check_time_unit(shown_in)]
