"""Kaplan-Meier estimates and log-rank tests, numerically equal to R's survival package.

The estimates come from statsmodels (``SurvfuncRight``: survival and its Greenwood standard
error; ``survdiff``: the log-rank family); what R adds on top is reproduced here and checked
against R 4.2.2 / survival 3.5-3 in the tests:

- confidence intervals as ``survfit(conf.type=...)``: ``log`` (R's default), ``log-log`` (what
  the studies' software used, and this package's default) and ``plain``; none where survival
  is 0 or 1 for ``log-log``, none where it is 0 for ``log``;
- the median as ``print.survfit``/``quantile.survfit``: the first time survival is at or below
  0.5, or, when the curve sits exactly at 0.5, the midpoint to the next event time; its CI from
  the confidence curves by the same rule;
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
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.errors import ParameterError

__all__ = ["KaplanMeier", "LogRank", "kaplan_meier", "logrank"]

CONF_TYPES = ("log-log", "log", "plain")
CENSORED_COLUMNS = ["group", "time", "n_censor"]


def _no_censoring() -> pd.DataFrame:
    return pd.DataFrame(columns=CENSORED_COLUMNS)


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier result: ``table`` (group, time, n_risk, n_event, survival, std_err, lower,
    upper) at every event time, ``median`` (group, median, lower, upper) and ``at`` (the
    survival at the requested ``times``, with ``text`` as the studies print it: "37.1 ± 7.3 %").
    ``censored`` (group, time, n_censor) holds the censoring times, as R's ``n.censor``: with
    ``table`` they give the numbers at risk at any time and the end of each curve, which the
    figures need."""

    table: pd.DataFrame
    median: pd.DataFrame
    at: pd.DataFrame
    conf_type: str
    conf_level: float
    censored: pd.DataFrame = field(default_factory=_no_censoring)

    def _times(self, name: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Event times and counts, censoring times and counts of one group."""
        ev = self.table[self.table["group"] == name]
        ce = self.censored[self.censored["group"] == name]
        return (
            ev["time"].to_numpy(float),
            ev["n_event"].to_numpy(float),
            ce["time"].to_numpy(float),
            ce["n_censor"].to_numpy(float),
        )

    def at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """Patients still followed (time >= t) per group at each of ``times``.

        Parameters
        ----------
        times
            Times in the unit of the data.

        Returns
        -------
        pandas.DataFrame
            group, time, n_risk; groups in the order of ``median``.
        """
        rows = []
        for name in self.median["group"]:
            t_ev, n_ev, t_ce, n_ce = self._times(name)
            for x in times:
                n = n_ev[t_ev >= x].sum() + n_ce[t_ce >= x].sum()
                rows.append({"group": name, "time": x, "n_risk": int(n)})
        return pd.DataFrame(rows, columns=["group", "time", "n_risk"])

    def end_of_follow_up(self) -> pd.Series:
        """The last time (event or censoring) of each group: where its curve ends.

        Returns
        -------
        pandas.Series
            Indexed by group, in the order of ``median``; NaN for a group without patients.
        """
        ends = []
        for name in self.median["group"]:
            t_ev, _, t_ce, _ = self._times(name)
            both = np.concatenate([t_ev, t_ce])
            ends.append(float(both.max()) if both.size else math.nan)
        return pd.Series(ends, index=list(self.median["group"]), dtype=float)


@dataclass(frozen=True)
class LogRank:
    """Log-rank (rho=0) or Peto-Peto / Fleming-Harrington rho=1 test as R's ``survdiff``."""

    table: pd.DataFrame  # chisq, df, p, rho

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


def kaplan_meier(
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    times: list[float] | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
) -> KaplanMeier:
    """Kaplan-Meier survival per group, as R's ``survfit(Surv(time, event) ~ group)``.

    Parameters
    ----------
    df
        One row per patient.
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

    Returns
    -------
    KaplanMeier
        Estimates at every event time, medians, survival at ``times`` and the censoring
        times.
    """
    if conf_type not in CONF_TYPES:
        raise ParameterError(f"conf_type {conf_type!r}: choose one of {', '.join(CONF_TYPES)}")
    require_columns(df, [time, event] + ([group] if group else []))
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=True))
    tables, medians, rates = [], [], []
    censored: dict[str, list[Any]] = {"group": [], "time": [], "n_censor": []}
    for name, g in groups:
        t = g[time].to_numpy(dtype=float)
        e = g[event].to_numpy(dtype=float)
        if np.isnan(t).any() or np.isnan(e).any() or not np.isin(e, [0, 1]).all() or (t < 0).any():
            raise ParameterError(
                f"{time}/{event}: times must be >= 0 and events 0 or 1, without gaps"
            )
        sf = SurvfuncRight(t, e)
        s = np.asarray(sf.surv_prob, dtype=float)
        se = np.asarray(sf.surv_prob_se, dtype=float)
        with np.errstate(all="ignore"):
            sigma = np.where(s > 0, se / s, np.nan)
        lower, upper = _ci(s, sigma, conf_type, z)
        label = "all" if name is None else name
        tables.append(
            pd.DataFrame(
                {
                    "group": label,
                    "time": sf.surv_times,
                    "n_risk": sf.n_risk,
                    "n_event": sf.n_events,
                    "survival": s,
                    "std_err": np.where(s > 0, se, np.nan),
                    "lower": lower,
                    "upper": upper,
                }
            )
        )
        cens_times, n_censor = np.unique(t[e == 0], return_counts=True)
        censored["group"] += [label] * len(cens_times)
        censored["time"] += [float(x) for x in cens_times]
        censored["n_censor"] += [int(x) for x in n_censor]
        ts = np.asarray(sf.surv_times, dtype=float)
        medians.append(
            {"group": label, "n": len(t), "events": int(e.sum()), "median": _quantile(ts, s),
             "lower": _quantile(ts, np.where(np.isnan(lower), 0, lower)) if len(ts) else math.nan,
             "upper": _quantile(ts, np.where(np.isnan(upper), 1, upper)) if len(ts) else math.nan}
        )  # fmt: skip
        for at in times or []:
            k = np.searchsorted(ts, at, side="right") - 1
            est = 1.0 if k < 0 else float(s[k])
            err = 0.0 if k < 0 else float(se[k])
            lo = 1.0 if k < 0 else float(lower[k])
            hi = 1.0 if k < 0 else float(upper[k])
            # R gives no standard error where survival is 0
            text = f"{100 * est:.1f} %" if np.isnan(err) else f"{100 * est:.1f} ± {100 * err:.1f} %"
            rates.append(
                {
                    "group": label,
                    "time": at,
                    "survival": est,
                    "std_err": err,
                    "lower": lo,
                    "upper": hi,
                    "text": text,
                }
            )
    return KaplanMeier(
        table=pd.concat(tables, ignore_index=True),
        median=pd.DataFrame(medians),
        at=pd.DataFrame(
            rates, columns=["group", "time", "survival", "std_err", "lower", "upper", "text"]
        ),
        conf_type=conf_type,
        conf_level=conf_level,
        censored=pd.DataFrame(censored, columns=CENSORED_COLUMNS),
    )


def logrank(df: pd.DataFrame, time: str, event: str, group: str, rho: float = 0.0) -> LogRank:
    """Log-rank test for 2 or more groups, as R's ``survdiff(..., rho=rho)``.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator (1 event, 0 censored).
    group
        Column name of the groups compared (at least 2).
    rho
        0 for the log-rank test; 1 for the Peto-Peto modification of the Gehan-Wilcoxon test
        (Fleming-Harrington weights S(t-)**rho with the pooled Kaplan-Meier).

    Returns
    -------
    LogRank
        chisq, df, p, rho.
    """
    require_columns(df, [time, event, group])
    k = df[group].nunique()
    if k < 2:
        raise ParameterError(f"{group}: a log-rank test needs at least 2 groups, found {k}")
    kwargs: dict[str, Any] = {} if rho == 0 else {"weight_type": "fh", "fh_p": rho}
    stat, _ = survdiff(
        df[time].to_numpy(dtype=float),
        df[event].to_numpy(dtype=float),
        df[group].to_numpy(),
        **kwargs,
    )
    dof = k - 1
    p_check = float(chi2.sf(stat, dof))
    return LogRank(
        table=pd.DataFrame([{"chisq": float(stat), "df": dof, "p": p_check, "rho": rho}])
    )
