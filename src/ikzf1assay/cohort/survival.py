"""Kaplan-Meier estimates and log-rank tests, numerically equal to R's survival package.

Written here on the risk sets of :mod:`ikzf1assay.cohort.nelson_aalen` (Kaplan-Meier with
Greenwood's variance; the log-rank family with its hypergeometric variance, stratified as
``survdiff(... + strata(s))``) and checked against R 4.2.2 / survival 3.5-3 in the tests:

- rows with a missing time, event, group or stratum are dropped and counted (``n_dropped``),
  as R's ``na.omit``;
- confidence intervals as ``survfit(conf.type=...)``: ``log`` (R's default), ``log-log`` (what
  the studies' software used, and this package's default) and ``plain``; none where survival
  is 0 or 1 for ``log-log``, none where it is 0 for ``log``;
- the median as ``print.survfit``/``quantile.survfit``: the first time survival is at or below
  0.5, or, when the curve sits exactly at 0.5, the midpoint to the next event time; its CI from
  the confidence curves by the same rule, where a limit that is NA (survival 0) never crosses;
- the log-rank test as ``survdiff``: groups with no expected events leave the test and its
  degrees of freedom; with no events at all the statistic is 0 and the P value NA;
- ``std_err`` is the standard error of the survival probability (as ``summary.survfit``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from ikzf1assay.cohort._units import check_time_unit
from ikzf1assay.cohort.nelson_aalen import AtRisk, groups_of, prepare, steps
from ikzf1assay.errors import ParameterError

__all__ = ["KaplanMeier", "LogRank", "kaplan_meier", "logrank"]

CONF_TYPES = ("log-log", "log", "plain")
CENSORED_COLUMNS = ["group", "time", "n_censor"]


def _no_censoring() -> pd.DataFrame:
    return pd.DataFrame(columns=CENSORED_COLUMNS)


@dataclass(frozen=True)
class KaplanMeier(AtRisk):
    """Kaplan-Meier result: ``table`` (group, time, n_risk, n_event, survival, std_err, lower,
    upper) at every event time, ``median`` (group, median, lower, upper) and ``at`` (the
    survival at the requested ``times``, with ``text`` as the studies print it: "37.1 ± 7.3 %").
    ``censored`` (group, time, n_censor) holds the censoring times, as R's ``n.censor``: with
    ``table`` they give the numbers at risk at any time and the end of each curve, which the
    figures need. ``n_dropped`` rows were left out for a missing time, event or group;
    ``time_unit`` is the unit of the times."""

    table: pd.DataFrame
    median: pd.DataFrame
    at: pd.DataFrame
    conf_type: str
    conf_level: float
    censored: pd.DataFrame = field(default_factory=_no_censoring)
    n_dropped: int = 0
    time_unit: str = "days"

    def _exits(self) -> pd.DataFrame:
        """group, time, n: patients leaving follow-up (event or censoring) at each time."""
        ev = self.table[["group", "time", "n_event"]].rename(columns={"n_event": "n"})
        ce = self.censored.rename(columns={"n_censor": "n"})
        parts = [p for p in (ev, ce) if len(p)]
        if not parts:
            return pd.DataFrame(columns=["group", "time", "n"])
        return pd.concat(parts, ignore_index=True)

    def _groups(self) -> list[object]:
        return list(self.median["group"])

    def end_of_follow_up(self) -> pd.Series:
        """The last time (event or censoring) of each group: where its curve ends.

        Returns
        -------
        pandas.Series
            Indexed by group, in the order of ``median``; NaN for a group without patients.
        """
        last = self._exits().groupby("group")["time"].max()
        return last.reindex(list(self.median["group"])).astype(float)


@dataclass(frozen=True)
class LogRank:
    """Log-rank (rho=0) or Fleming-Harrington rho test as R's ``survdiff``.

    ``table`` holds chisq, df, p, rho; ``groups`` (group, n, observed, expected) the counts
    per group summed over strata (weighted when rho != 0, as R's ``obs`` and ``exp``);
    ``n_dropped`` the rows left out for a missing value; ``note`` says why there is no P value
    when there is none (no events in any group), else empty.
    """

    table: pd.DataFrame
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_dropped: int = 0
    note: str = ""

    @property
    def p(self) -> float:
        """The P value."""
        return float(self.table["p"].iloc[0])


def _ci(
    s: np.ndarray, sigma: np.ndarray, conf_type: str, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """R's survfit confidence limits from S and sigma = SE(log S) (Greenwood)."""
    with np.errstate(all="ignore"):
        if conf_type == "log":
            lower = np.where(s > 0, s * np.exp(-z * sigma), np.nan)
            upper = np.where(s > 0, np.minimum(s * np.exp(z * sigma), 1.0), np.nan)
        elif conf_type == "log-log":
            ok = (s > 0) & (s < 1)
            xx = np.where(ok, s, np.nan)
            a = np.exp(-np.exp(np.log(-np.log(xx)) + z * sigma / np.log(xx)))
            b = np.exp(-np.exp(np.log(-np.log(xx)) - z * sigma / np.log(xx)))
            lower, upper = np.minimum(a, b), np.maximum(a, b)
        else:
            lower = np.clip(s - z * s * sigma, 0, 1)
            upper = np.clip(s + z * s * sigma, 0, 1)
    return lower, upper


def _quantile(times: np.ndarray, curve: np.ndarray, p: float = 0.5) -> float:
    """R's rule: first time the curve is <= p; exactly at p, the midpoint to the next time."""
    tol = 1e-12  # R compares with a small tolerance too
    below = np.where(curve <= p + tol)[0]
    if below.size == 0:
        return math.nan
    i = int(below[0])
    if abs(curve[i] - p) < tol:
        later = np.where(curve < p - tol)[0]
        nxt = (
            times[int(later[0])]
            if later.size
            else (times[i + 1] if i + 1 < len(times) else math.nan)
        )
        return float((times[i] + nxt) / 2) if np.isfinite(nxt) else float(times[i])
    return float(times[i])


def _km_curve(
    t: np.ndarray, e: np.ndarray, label: object, conf_type: str, z: float
) -> pd.DataFrame:
    """The Kaplan-Meier table of one group at its event times (Greenwood's variance)."""
    st = steps(t, e)
    ev = st.n_event > 0
    n, d = st.n_risk[ev], st.n_event[ev]
    s = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(np.cumsum(d / (n * (n - d))))  # SE of log S; inf once S = 0
        se = np.where(s > 0, s * sigma, np.nan)
        sigma = np.where(s > 0, sigma, np.nan)
    lower, upper = _ci(s, sigma, conf_type, z)
    return pd.DataFrame(
        {"group": label, "time": st.time[ev], "n_risk": n.astype(int), "n_event": d.astype(int),
         "survival": s, "std_err": se, "lower": lower, "upper": upper}
    )  # fmt: skip


def _rates(curve: pd.DataFrame, label: object, times: Sequence[float]) -> list[dict[str, Any]]:
    """Survival at ``times`` as R's ``summary(fit, times=)``: 1 (SE 0) before the first event."""
    ts = curve["time"].to_numpy(float)
    rows = []
    for at in times:
        k = int(np.searchsorted(ts, at, side="right")) - 1
        rec = curve.iloc[k] if k >= 0 else None
        est = 1.0 if rec is None else float(rec["survival"])
        err = 0.0 if rec is None else float(rec["std_err"])
        lo = 1.0 if rec is None else float(rec["lower"])
        hi = 1.0 if rec is None else float(rec["upper"])
        # R gives no standard error where survival is 0
        text = f"{100 * est:.1f} %" if np.isnan(err) else f"{100 * est:.1f} ± {100 * err:.1f} %"
        rows.append({"group": label, "time": at, "survival": est, "std_err": err,
                     "lower": lo, "upper": hi, "text": text})  # fmt: skip
    return rows


def kaplan_meier(
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    times: list[float] | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    *,
    time_unit: str = "days",
) -> KaplanMeier:
    """Kaplan-Meier survival per group, as R's ``survfit(Surv(time, event) ~ group)``.

    Parameters
    ----------
    df
        One row per patient. Rows with a missing time, event or group are dropped and counted
        in ``n_dropped``, as R's ``na.omit``.
    time, event
        Column names: follow-up time (any unit) and event indicator (1 event, 0 censored).
    group
        Optional column name; one curve per value.
    times
        Times at which to report survival (e.g. ``[3 * 365.25]`` for 3 years in days).
    conf_type
        ``log-log`` (default; the studies' software), ``log`` (R's default) or ``plain``.
    conf_level
        Level of the confidence intervals.
    time_unit
        Unit of the times (days, weeks, months, years), carried on the result: its figure
        labels the axis with it.

    Returns
    -------
    KaplanMeier
        Estimates at every event time, medians, survival at ``times``, the censoring times
        and the number of rows dropped.
    """
    if conf_type not in CONF_TYPES:
        raise ParameterError(f"conf_type {conf_type!r}: choose one of {', '.join(CONF_TYPES)}")
    check_time_unit(time_unit)
    data, n_dropped = prepare(df, time, event, [group] if group else [])
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    tables, medians, rates = [], [], []
    censored: dict[str, list[Any]] = {"group": [], "time": [], "n_censor": []}
    for label, g in groups_of(data, group):
        t, e = g[time].to_numpy(float), g[event].to_numpy(float)
        curve = _km_curve(t, e, label, conf_type, z)
        tables.append(curve)
        cens_times, n_censor = np.unique(t[e == 0], return_counts=True)
        censored["group"] += [label] * len(cens_times)
        censored["time"] += [float(x) for x in cens_times]
        censored["n_censor"] += [int(x) for x in n_censor]
        ts = curve["time"].to_numpy(float)
        medians.append(
            {"group": label, "n": len(t), "events": int(e.sum()),
             "median": _quantile(ts, curve["survival"].to_numpy(float)),
             "lower": _quantile(ts, curve["lower"].to_numpy(float)),
             "upper": _quantile(ts, curve["upper"].to_numpy(float))}
        )  # fmt: skip
        rates += _rates(curve, label, times or [])
    return KaplanMeier(
        table=pd.concat(tables, ignore_index=True),
        median=pd.DataFrame(medians),
        at=pd.DataFrame(
            rates, columns=["group", "time", "survival", "std_err", "lower", "upper", "text"]
        ),
        conf_type=conf_type,
        conf_level=conf_level,
        censored=pd.DataFrame(censored, columns=CENSORED_COLUMNS),
        n_dropped=n_dropped,
        time_unit=time_unit,
    )


def _logrank_stratum(
    t: np.ndarray, e: np.ndarray, codes: np.ndarray, k: int, rho: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected and their covariance for the k groups of one stratum."""
    times, inverse = np.unique(t, return_inverse=True)
    cell = inverse * k + codes
    d = np.bincount(cell, weights=e, minlength=len(times) * k).reshape(len(times), k)
    c = np.bincount(cell, minlength=len(times) * k).reshape(len(times), k).astype(float)
    at_risk = np.cumsum(c[::-1], axis=0)[::-1]
    ev = d.sum(axis=1) > 0
    d, at_risk = d[ev], at_risk[ev]
    n_all, d_all = at_risk.sum(axis=1), d.sum(axis=1)
    # weight S(t-)**rho with the Kaplan-Meier of the pooled stratum
    s_before = np.concatenate([[1.0], np.cumprod(1 - d_all / n_all)[:-1]])
    w = s_before**rho if rho != 0 else np.ones_like(n_all)
    share = at_risk / n_all[:, None]
    observed = (w[:, None] * d).sum(axis=0)
    expected = (w[:, None] * d_all[:, None] * share).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(n_all > 1, d_all * (n_all - d_all) / (n_all - 1), 0.0)
    f = w**2 * spread
    var = np.diag((f[:, None] * share).sum(axis=0)) - (share * f[:, None]).T @ share
    return observed, expected, var


def _chisq(o: np.ndarray, ex: np.ndarray, v: np.ndarray, group: str) -> tuple[float, int]:
    """R's survdiff statistic over the groups with expected events, and its df."""
    keep = ex > 0
    dof = int(keep.sum()) - 1
    if dof < 1:
        return 0.0, max(dof, 0)
    diff = (o - ex)[keep][1:]
    vv = v[np.ix_(keep, keep)][1:, 1:]
    if np.linalg.matrix_rank(vv) < len(diff):
        raise ParameterError(
            f"{group}: the log-rank variance is singular (at every event time all patients at"
            " risk have the event, e.g. all tied times); R's survdiff stops here too"
        )
    return float(diff @ np.linalg.solve(vv, diff)), dof


def logrank(
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str,
    rho: float = 0.0,
    strata: str | None = None,
) -> LogRank:
    """Log-rank test for 2 or more groups, as R's ``survdiff(..., rho=rho)``.

    Parameters
    ----------
    df
        One row per patient. Rows with a missing time, event, group or stratum are dropped and
        counted in ``n_dropped``, as R's ``na.omit``.
    time, event
        Column names: follow-up time and event indicator (1 event, 0 censored).
    group
        Column name of the groups compared (at least 2; numbers or text).
    rho
        0 for the log-rank test; 1 for the Peto-Peto modification of the Gehan-Wilcoxon test
        (Fleming-Harrington weights S(t-)**rho with the pooled Kaplan-Meier).
    strata
        Optional column name: the stratified test, as
        ``survdiff(Surv(time, event) ~ group + strata(s))`` (observed, expected and variance
        summed over the strata, weights from each stratum's own Kaplan-Meier).

    Returns
    -------
    LogRank
        chisq, df, p, rho; observed and expected per group; rows dropped.

    Raises
    ------
    ParameterError
        Fewer than 2 groups, or a singular variance where R's survdiff stops too.
    """
    data, n_dropped = prepare(df, time, event, [group] + ([strata] if strata else []))
    codes, labels = pd.factorize(data[group], sort=True)
    k = len(labels)
    if k < 2:
        raise ParameterError(f"{group}: a log-rank test needs at least 2 groups, found {k}")
    t, e = data[time].to_numpy(float), data[event].to_numpy(float)
    layers = pd.factorize(data[strata])[0] if strata else np.zeros(len(data), dtype=int)
    o, ex, v = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for layer in np.unique(layers):
        at = layers == layer
        parts = _logrank_stratum(t[at], e[at], codes[at], k, rho)
        o, ex, v = o + parts[0], ex + parts[1], v + parts[2]
    stat, dof = _chisq(o, ex, v, group)
    note = "" if e.sum() > 0 else "no events in any group: no test (R's survdiff: chisq 0, p NA)"
    p = float(chi2.sf(stat, dof)) if dof > 0 else math.nan
    counts = np.bincount(codes, minlength=k)
    return LogRank(
        table=pd.DataFrame([{"chisq": stat, "df": dof, "p": p, "rho": rho}]),
        groups=pd.DataFrame({"group": list(labels), "n": counts, "observed": o, "expected": ex}),
        n_dropped=n_dropped,
        note=note,
    )
