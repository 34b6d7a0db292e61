"""Cumulative incidence and Gray's test, numerically equal to R's ``cmprsk::cuminc``.

Computed with comprisk (Aalen-Johansen estimate with the Aalen-type variance that
``cmprsk::cuminc`` reports, and Gray's K-sample test), checked against R 4.2.2 / cmprsk 2.2-11
in the tests. Status coding as cmprsk: 0 censored, 1, 2, ... the causes (e.g. 1 relapse,
2 death without relapse). Rows with a missing time, status, group or stratum are left out
and counted (``n_dropped``), as ``cuminc`` omits them. Gray's test with ``strata`` sums the
per-stratum score vectors and their variances, as ``cuminc(..., strata=)``; a stratum that
lacks one of the groups contributes among the groups it has (the missing ones count as no one
at risk), as cuminc does; groups that never share a stratum with another group leave the
variance singular and are refused with their names (R prints statistic -1, P 1 there). A group
without an event of a cause gets a flat curve at 0 for that cause (one row at time 0), as
cuminc gives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from comprisk import CumulativeIncidence
from comprisk import gray_test as _gray
from scipy.stats import chi2, norm

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.cohort._units import check_time_unit
from ikzf1assay.cohort.nelson_aalen import AtRisk
from ikzf1assay.errors import ParameterError

__all__ = [
    "CumulativeIncidenceResult",
    "GrayResult",
    "cumulative_incidence",
    "gray_test",
]

COLUMNS = ["group", "cause", "time", "estimate", "variance", "lower", "upper"]


def _no_exits() -> pd.DataFrame:
    return pd.DataFrame(columns=["group", "time", "n"])


@dataclass(frozen=True)
class CumulativeIncidenceResult(AtRisk):
    """``table``: group, cause, time, estimate, variance, lower, upper at every jump; ``at``:
    the same at the requested times (step function, as ``cmprsk::timepoints``);
    ``n_dropped``: rows left out for a missing time, status or group; ``exits`` (group,
    time, n): patients leaving follow-up at each time, for the numbers at risk;
    ``time_unit``: the unit of the times.

    ``estimate`` and ``variance`` are cmprsk's; ``lower`` and ``upper`` are the pointwise
    ``conf_level`` interval on the log(-log) scale, F ** exp(+-z sqrt(var) / (F log F)) (cmprsk
    gives none; this is the transform of tidycmprsk and Stata's stcompet), 0 where F is 0."""

    table: pd.DataFrame
    at: pd.DataFrame
    n_dropped: int = 0
    exits: pd.DataFrame = field(default_factory=_no_exits, repr=False)
    time_unit: str = "days"
    conf_level: float = 0.95

    def _exits(self) -> pd.DataFrame:
        return self.exits

    def _groups(self) -> list[object]:
        return list(dict.fromkeys(self.table["group"]))


def confidence_limits(
    estimate: np.ndarray, variance: np.ndarray, conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) limits of a cumulative incidence F with variance ``variance``.

    Parameters
    ----------
    estimate, variance
        F and its variance at each time.
    conf_level
        Level of the interval.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits: F ** exp(+-z sqrt(var) / (F log F)); 0 and 0 where F is 0,
        1 and 1 where F is 1.
    """
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    f = np.asarray(estimate, dtype=float)
    inside = (f > 0) & (f < 1)
    ff = np.where(inside, f, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = z * np.sqrt(np.asarray(variance, dtype=float)) / (ff * np.log(ff))
        lower = np.where(inside, ff ** np.exp(spread), f)
        upper = np.where(inside, ff ** np.exp(-spread), f)
    return np.minimum(lower, upper), np.maximum(lower, upper)


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
    *,
    time_unit: str = "days",
    conf_level: float = 0.95,
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
    time_unit
        Unit of the times (days, weeks, months, years), carried on the result for its figure.
    conf_level
        Level of the pointwise confidence limits (``lower``, ``upper``).

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
    check_time_unit(time_unit)
    used, dropped = usable_rows(df, [time, status] + ([group] if group else []))
    if not (used[status] > 0).any():
        raise ParameterError(
            f"no events of any cause in {status} ({len(used)} patients used); "
            "no cumulative incidence to estimate"
        )
    g = labels(used[group]) if group else None
    fit = CumulativeIncidence().fit(used[time].to_numpy(float), used[status].to_numpy(int), group=g)
    rows, at_rows = [], []
    curves = {(str(grp), cause): c for (grp, cause), c in fit.curves_.items()}
    names = sorted({str(x) for x in g}) if g is not None else ["None"]
    for grp, cause in ((n, c) for n in names for c in sorted({c for _, c in curves})):
        label = "all" if g is None else grp
        curve = curves.get((grp, cause))
        if curve is None:  # no event of this cause in the group: flat at 0, as cuminc
            t_c, f_c, v_c = np.zeros(1), np.zeros(1), np.zeros(1)
        else:
            t_c, f_c, v_c = (
                np.asarray(a, dtype=float) for a in (curve.times, curve.cif, curve.var)
            )
        rows.append(
            pd.DataFrame(
                {"group": label, "cause": cause, "time": t_c, "estimate": f_c, "variance": v_c}
            )
        )
        for at in times or []:
            k = np.searchsorted(t_c, at, side="right") - 1
            est = 0.0 if k < 0 else float(f_c[k])
            var = 0.0 if k < 0 else float(v_c[k])
            at_rows.append(
                {"group": label, "cause": cause, "time": at, "estimate": est, "variance": var}
            )
    table = pd.concat(rows, ignore_index=True)
    at_times = pd.DataFrame(at_rows, columns=COLUMNS[:5])
    for frame in (table, at_times):
        lower, upper = confidence_limits(
            frame["estimate"].to_numpy(float), frame["variance"].to_numpy(float), conf_level
        )
        frame["lower"], frame["upper"] = lower, upper
    labelled = pd.DataFrame({"group": "all" if g is None else g, "time": used[time]})
    exits = labelled.groupby(["group", "time"]).size().rename("n").reset_index()
    return CumulativeIncidenceResult(
        table=table,
        at=at_times,
        n_dropped=dropped,
        exits=exits,
        time_unit=time_unit,
        conf_level=conf_level,
    )


def _stratum_score(
    t: np.ndarray, s: np.ndarray, g: np.ndarray, levels: list[str], cause: int
) -> tuple[np.ndarray, np.ndarray]:
    """Score of every group but the last of ``levels`` and its variance, in one stratum.

    Groups absent from the stratum score 0 with no variance: the stratum's own score (over
    the groups it has, the last of them as pivot) is completed to all its groups (the scores
    sum to 0), placed at those groups' positions in ``levels``, and the last level dropped.
    A stratum with one group, or without an event of ``cause``, contributes nothing.
    """
    k = len(levels)
    present = sorted(set(g.tolist()))
    if len(present) < 2 or not (s == cause).any():
        return np.zeros(k - 1), np.zeros((k - 1, k - 1))
    r = _gray(t, s, g, cause=cause)
    m = len(present)
    complete = np.vstack([np.eye(m - 1), -np.ones((1, m - 1))])
    at = [levels.index(p) for p in present]
    score, var = np.zeros(k), np.zeros((k, k))
    score[at] = complete @ np.asarray(r.score, float)
    var[np.ix_(at, at)] = complete @ np.asarray(r.var, float) @ complete.T
    return score[:-1], var[:-1, :-1]


def _check_strata(
    g: np.ndarray, st: np.ndarray, levels: list[str], var: np.ndarray, cause: int
) -> None:
    """Refuse a singular score variance, naming the groups never beside another in a stratum.

    R's cuminc returns the statistic -1 with P 1 then (its sign that the variance could not
    be inverted), which is not a test result.
    """
    if np.linalg.matrix_rank(var) == len(levels) - 1:
        return
    alone = [
        level
        for level in levels
        if all(len(set(g[st == s].tolist())) < 2 for s in set(st[g == level].tolist()))
    ]
    where = (
        f"group(s) {', '.join(alone)} never share a stratum with another group"
        if alone
        else "too few events of the cause where the groups share a stratum"
    )
    raise ParameterError(
        f"Gray's test of cause {cause}: the score variance is singular ({where}); "
        "R's cuminc reports the statistic -1 with P 1 here, which is no test result"
    )


def _gray_row(
    used: pd.DataFrame, names: list[str], strata: str | None, cause: int
) -> dict[str, float]:
    """Gray's statistic for ``cause``: the per-stratum scores and variances summed (Gray 1988,
    section 3), a stratum lacking some groups contributing only among the groups it has."""
    time, status, group = names
    g = labels(used[group])
    levels = sorted(set(g.tolist()))
    st = labels(used[strata]) if strata else np.zeros(len(used), dtype=str)
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
    _check_strata(g, st, levels, var, cause)
    stat = float(score @ np.linalg.solve(var, score))
    df = len(levels) - 1
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
        If fewer than two groups remain, no patient has an event, or (with ``strata``) the
        score variance of a cause is singular, e.g. a group never shares a stratum with
        another group (R's cuminc then reports the statistic -1 with P 1).

    Notes
    -----
    A stratum lacking some of the groups contributes its score and variance among the groups
    it has, as ``cuminc(..., strata=)``; a stratum with one group contributes nothing.
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
