"""Risk sets and the Nelson-Aalen cumulative hazard, numerically equal to R's survival package.

The counting shared by the survival statistics lives here: :func:`prepare` drops the rows with
a missing time, event, group or stratum (as R's ``na.omit``, counting them) and checks the rest;
:func:`steps` gives the numbers at risk, events and censorings at every distinct time. On them
:func:`nelson_aalen` is R's ``survfit(Surv(time, event) ~ group)$cumhaz`` (``ctype = 1``: the sum
of d/n) with ``$std.chaz``, the square root of the Nelson-Aalen variance, the sum of d/n**2
(Aalen 1978), checked against R 4.2.2 / survival 3.5-3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.cohort._units import check_time_unit
from ikzf1assay.errors import ParameterError

__all__ = [
    "AtRisk",
    "NelsonAalen",
    "Steps",
    "at_risk_table",
    "nelson_aalen",
    "prepare",
    "steps",
]

NA_COLUMNS = ["group", "time", "n_risk", "n_event", "cumhaz", "std_err"]


@dataclass(frozen=True)
class Steps:
    """Every distinct time of one sample with ``n_risk`` (time >= t), ``n_event`` and
    ``n_censor`` there."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray


def prepare(
    df: pd.DataFrame, time: str, event: str, others: Sequence[str] = ()
) -> tuple[pd.DataFrame, int]:
    """Rows with every used column present, times as floats and events as 0/1.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time (>= 0) and event indicator (1 event, 0 censored).
    others
        Further columns used (group, strata); their values are kept as they are.

    Returns
    -------
    tuple of pandas.DataFrame and int
        The complete rows (columns ``time``, ``event`` and ``others`` under their own names)
        and how many rows were dropped for a missing value, as R's ``na.omit``. A number
        column of ``others`` holding whole numbers only comes back as integers.

    Raises
    ------
    ParameterError
        A column is missing, a time or event is not a number, a time is negative or infinite,
        an event is not 0 or 1, or no complete row is left.
    """
    used = list(dict.fromkeys([time, event, *others]))
    require_columns(df, used)
    sub = df[used]
    keep = ~sub.isna().any(axis=1).to_numpy()
    sub = sub[keep].copy()
    n_dropped = int((~keep).sum())
    msg = f"{time}/{event}: times must be >= 0 and events 0 or 1, without gaps"
    try:
        t = pd.to_numeric(sub[time]).to_numpy(dtype=float)
        e = pd.to_numeric(sub[event]).to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise ParameterError(f"{msg}: found text that is not a number") from None
    if not np.isin(e, [0, 1]).all() or not np.isfinite(t).all() or (t < 0).any():
        raise ParameterError(msg)
    if len(sub) == 0:
        raise ParameterError(
            f"no patient has {', '.join(used)} all present ({n_dropped} rows with a gap dropped)"
        )
    sub[time], sub[event] = t, e
    for col in others:  # a number column with gaps came as floats: label 1, not 1.0, as R
        values = sub[col]
        if values.dtype.kind == "f" and bool((values == values.round()).all()):
            sub[col] = values.astype("int64")
    return sub, n_dropped


def steps(t: np.ndarray, e: np.ndarray) -> Steps:
    """Numbers at risk, events and censorings at each distinct time of ``t`` (sorted)."""
    times, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=len(times))
    n_all = np.bincount(inverse, minlength=len(times)).astype(float)
    n_risk = np.cumsum(n_all[::-1])[::-1]
    return Steps(times, n_risk, n_event, n_all - n_event)


def at_risk_table(
    exits: pd.DataFrame, groups: Sequence[object], times: Sequence[float]
) -> pd.DataFrame:
    """Patients still followed (time >= t) per group at each of ``times``.

    Parameters
    ----------
    exits
        group, time, n: how many patients leave follow-up (event or censoring) at each time.
    groups
        The groups, in the order wanted.
    times
        Times in the unit of the data.

    Returns
    -------
    pandas.DataFrame
        group, time, n_risk.
    """
    at = np.asarray(times, dtype=float)
    parts = []
    for name in groups:
        g = exits[exits["group"] == name].sort_values("time")
        # patients leaving at or after t: the total minus those leaving before t
        left = np.concatenate([[0], np.cumsum(g["n"].to_numpy(int))])
        before = left[np.searchsorted(g["time"].to_numpy(float), at, side="left")]
        parts.append(pd.DataFrame({"group": name, "time": at, "n_risk": left[-1] - before}))
    if not parts:
        return pd.DataFrame(columns=["group", "time", "n_risk"])
    return pd.concat(parts, ignore_index=True)


class AtRisk:
    """``at_risk(times)`` for a result that knows who left follow-up when (``_exits``: group,
    time, n) and the order of its groups (``_groups``)."""

    def _exits(self) -> pd.DataFrame:
        raise NotImplementedError

    def _groups(self) -> list[object]:
        raise NotImplementedError

    def at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """Patients still followed (time >= t) per group at each of ``times``.

        Parameters
        ----------
        times
            Times in the result's ``time_unit``.

        Returns
        -------
        pandas.DataFrame
            group, time, n_risk; groups in the result's order.
        """
        return at_risk_table(self._exits(), self._groups(), times)


def groups_of(data: pd.DataFrame, group: str | None) -> list[tuple[object, pd.DataFrame]]:
    """(label, rows) per group, sorted as R sorts factor levels; one ``"all"`` without."""
    if group is None:
        return [("all", data)]
    return [(name, g) for name, g in data.groupby(group, sort=True)]


@dataclass(frozen=True)
class NelsonAalen(AtRisk):
    """Nelson-Aalen result: ``table`` (group, time, n_risk, n_event, cumhaz, std_err) at every
    distinct time, as R's ``survfit`` (``time``, ``n.risk``, ``n.event``, ``cumhaz``,
    ``std.chaz``), ``n_dropped`` rows left out for a missing value and ``time_unit``, the
    unit of the times."""

    table: pd.DataFrame
    n_dropped: int = 0
    time_unit: str = "days"

    def _exits(self) -> pd.DataFrame:
        t = self.table
        exits = t.assign(n=t["n_risk"] - t.groupby("group", sort=False)["n_risk"].shift(-1))
        exits["n"] = exits["n"].fillna(exits["n_risk"]).astype(int)
        return exits

    def _groups(self) -> list[object]:
        return list(dict.fromkeys(self.table["group"]))


def nelson_aalen(
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    *,
    time_unit: str = "days",
) -> NelsonAalen:
    """Nelson-Aalen cumulative hazard per group, as R's ``survfit(Surv(time, event) ~ group)``.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator (1 event, 0 censored).
    group
        Optional column name; one curve per value (sorted), else one curve labelled ``all``.
    time_unit
        Unit of the times (days, weeks, months, years), carried on the result for its figure.

    Returns
    -------
    NelsonAalen
        ``cumhaz`` = sum of d/n and ``std_err`` = sqrt(sum of d/n**2) at every distinct time
        (event or censoring), as R's ``$cumhaz`` and ``$std.chaz``.
    """
    check_time_unit(time_unit)
    data, n_dropped = prepare(df, time, event, [group] if group else [])
    parts = []
    for label, g in groups_of(data, group):
        st = steps(g[time].to_numpy(float), g[event].to_numpy(float))
        part = pd.DataFrame(
            {
                "group": label,
                "time": st.time,
                "n_risk": st.n_risk.astype(int),
                "n_event": st.n_event.astype(int),
                "cumhaz": np.cumsum(st.n_event / st.n_risk),
                "std_err": np.sqrt(np.cumsum(st.n_event / st.n_risk**2)),
            }
        )
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)[NA_COLUMNS]
    return NelsonAalen(table=table, n_dropped=n_dropped, time_unit=time_unit)
