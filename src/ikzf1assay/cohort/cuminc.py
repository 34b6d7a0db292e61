"""Cumulative incidence and Gray's test, numerically equal to R's ``cmprsk::cuminc``.

Computed with comprisk (Aalen-Johansen estimate with the Aalen-type variance that
``cmprsk::cuminc`` reports, and Gray's K-sample test), checked against R 4.2.2 / cmprsk 2.2-11
in the tests. Status coding as cmprsk: 0 censored, 1, 2, ... the causes (e.g. 1 relapse,
2 death without relapse). Rows with a missing time, status, group or stratum are left out
and counted (``n_dropped``), as ``cuminc`` omits them. Gray's test with ``strata`` sums the
per-stratum score vectors and their variances, as ``cuminc(..., strata=)``; a stratum that
lacks one of the groups is refused with its name (cmprsk's statistic for such a table differs
from the sum of the per-stratum scores and is not reproduced here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from comprisk import CumulativeIncidence
from comprisk import gray_test as _gray
from scipy.stats import chi2

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.errors import ParameterError

__all__ = [
    "CumulativeIncidenceResult",
    "GrayResult",
    "cumulative_incidence",
    "gray_test",
]

COLUMNS = ["group", "cause", "time", "estimate", "variance"]


@dataclass(frozen=True)
class CumulativeIncidenceResult:
    """``table``: group, cause, time, estimate, variance at every jump; ``at``: the same at the
    requested times (step function, as ``cmprsk::timepoints``); ``n_dropped``: rows left out
    for a missing time, status or group."""

    table: pd.DataFrame
    at: pd.DataFrame
    n_dropped: int = 0


@dataclass(frozen=True)
class GrayResult:
    """``table``: cause, statistic, df, p (as ``cuminc(...)$Tests``); ``n_dropped``: rows left
    out for a missing time, status, group or stratum."""

    table: pd.DataFrame
    n_dropped: int = 0


def check_status(df: pd.DataFrame, status: str) -> None:
    """Status must be 0 (censored) or a positive whole number (the cause); NA is dropped later."""
    values = pd.to_numeric(df[status], errors="coerce")
    bad = df[status].notna() & (values.isna() | (values < 0) | (np.mod(values, 1) != 0))
    if bad.any():
        raise ParameterError(f"{status}: 0 for censored, 1, 2, ... for the causes")


def usable_rows(df: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, int]:
    """The rows without a missing value in ``names``, and how many were left out."""
    require_columns(df, names)
    check_status(df, names[1])
    used = df[names].dropna()
    return used, len(df) - len(used)


def labels(values: pd.Series) -> np.ndarray:
    """Group labels as text; whole numbers stored as floats read ``1``, not ``1.0``."""
    if pd.api.types.is_float_dtype(values) and np.equal(np.mod(values, 1), 0).all():
        values = values.astype(np.int64)
    return values.astype(str).to_numpy()


def cumulative_incidence(
    df: pd.DataFrame,
    time: str,
    status: str,
    group: str | None = None,
    times: list[float] | None = None,
) -> CumulativeIncidenceResult:
    """Cumulative incidence per cause (and group), as ``cmprsk::cuminc(time, status, group)``.

    Parameters
    ----------
    df
        One row per patient; rows with a missing time, status or group are left out.
    time, status
        Column names: follow-up time, and status (0 censored, 1, 2, ... the causes).
    group
        Optional column name; one curve per value and cause.
    times
        Times at which to report the estimates (``at``).

    Returns
    -------
    CumulativeIncidenceResult
        Estimate and variance at every jump, and at ``times``; rows left out.

    Raises
    ------
    ParameterError
        If the status is not coded 0, 1, 2, ..., or no patient has an event (R's cuminc
        cannot estimate anything then either).
    """
    used, dropped = usable_rows(df, [time, status] + ([group] if group else []))
    if not (used[status] > 0).any():
        raise ParameterError(
            f"no events of any cause in {status} ({len(used)} patients used); "
            "no cumulative incidence to estimate"
        )
    g = labels(used[group]) if group else None
    fit = CumulativeIncidence().fit(used[time].to_numpy(float), used[status].to_numpy(int), group=g)
    rows, at_rows = [], []
    for (grp, cause), curve in sorted(
        fit.curves_.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
    ):
        label = "all" if grp is None else grp
        jumps = {"time": curve.times, "estimate": curve.cif, "variance": curve.var}
        rows.append(pd.DataFrame({"group": label, "cause": cause, **jumps}))
        for at in times or []:
            k = np.searchsorted(np.asarray(curve.times), at, side="right") - 1
            est = 0.0 if k < 0 else float(curve.cif[k])
            var = 0.0 if k < 0 else float(curve.var[k])
            at_rows.append(
                {"group": label, "cause": cause, "time": at, "estimate": est, "variance": var}
            )
    return CumulativeIncidenceResult(
        table=pd.concat(rows, ignore_index=True),
        at=pd.DataFrame(at_rows, columns=COLUMNS),
        n_dropped=dropped,
    )


def _stratum_score(
    t: np.ndarray, s: np.ndarray, g: np.ndarray, levels: list[str], cause: int
) -> tuple[np.ndarray, np.ndarray]:
    """Score of every group but the first of ``levels`` and its variance, in one stratum."""
    k = len(levels)
    if not (s == cause).any():
        return np.zeros(k - 1), np.zeros((k - 1, k - 1))
    r = _gray(t, s, g, cause=cause)
    return np.asarray(r.score, float), np.asarray(r.var, float)


def _check_strata(g: np.ndarray, st: np.ndarray, levels: list[str]) -> None:
    for stratum in sorted(set(st.tolist())):
        absent = sorted(set(levels) - set(g[st == stratum].tolist()))
        if absent:
            raise ParameterError(
                f"Gray's test with strata: stratum {stratum!r} has no patient in group(s) "
                f"{', '.join(absent)}; cmprsk's stratified statistic for such a table is not "
                "reproduced here: merge the strata or leave the group out"
            )


def _gray_row(
    used: pd.DataFrame, names: list[str], strata: str | None, cause: int
) -> dict[str, float]:
    time, status, group = names
    g = labels(used[group])
    levels = sorted(set(g.tolist()))
    st = labels(used[strata]) if strata else np.zeros(len(used), dtype=str)
    _check_strata(g, st, levels)
    score, var = np.zeros(len(levels) - 1), np.zeros((len(levels) - 1,) * 2)
    for stratum in sorted(set(st.tolist())):
        keep = st == stratum
        s_k, v_k = _stratum_score(
            used[time].to_numpy(float)[keep],
            used[status].to_numpy(int)[keep],
            g[keep],
            levels,
            cause,
        )
        score, var = score + s_k, var + v_k
    stat = float(score @ np.linalg.pinv(var) @ score)
    df = int(np.linalg.matrix_rank(var))
    return {"cause": cause, "statistic": stat, "df": df, "p": float(chi2.sf(stat, df))}


def gray_test(
    df: pd.DataFrame, time: str, status: str, group: str, strata: str | None = None
) -> GrayResult:
    """Gray's test of equal cumulative incidence across groups, per cause (cmprsk's Tests).

    Parameters
    ----------
    df
        One row per patient; rows with a missing time, status, group or stratum are left out.
    time, status
        Column names: follow-up time, and status (0 censored, 1, 2, ... the causes).
    group
        Column name of the groups compared.
    strata
        Optional column name: the test stratified by it, as ``cuminc(..., strata=)``.

    Returns
    -------
    GrayResult
        cause, statistic, df, p for every cause present; rows left out.

    Raises
    ------
    ParameterError
        If fewer than two groups remain, or no patient has an event.
    """
    used, dropped = usable_rows(df, [time, status, group] + ([strata] if strata else []))
    n_groups = used[group].nunique()
    if n_groups < 2:
        raise ParameterError(
            f"Gray's test needs two groups or more in {group}; {n_groups} with data "
            f"({dropped} rows with missing values left out)"
        )
    causes = sorted(int(c) for c in used[status].unique() if c > 0)
    if not causes:
        raise ParameterError(f"no events of any cause in {status}; nothing to test")
    rows = [_gray_row(used, [time, status, group], strata, c) for c in causes]
    return GrayResult(table=pd.DataFrame(rows), n_dropped=dropped)
