"""Restricted mean survival time, numerically equal to R's ``print(survfit(...), rmean = tau)``.

The RMST up to ``tau`` is the area under the Kaplan-Meier curve from 0 to ``tau`` (the last
value carried on to ``tau`` when follow-up ends earlier). Its variance is the Greenwood-type sum
over the event times t_i <= tau of A_i**2 d_i / (n_i (n_i - d_i)), A_i the area under the curve
from t_i to tau (Klein & Moeschberger, Survival Analysis, section 4.5), which is R's
``se(rmean)``; the confidence interval is rmst +- z se. Checked against R 4.2.2 / survival 3.5-3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ikzf1assay.cohort._units import check_time_unit
from ikzf1assay.cohort.nelson_aalen import groups_of, prepare, steps
from ikzf1assay.errors import ParameterError

__all__ = ["RMST", "rmst"]

RMST_COLUMNS = ["group", "n", "events", "rmst", "se", "lower", "upper"]


@dataclass(frozen=True)
class RMST:
    """Restricted mean survival time: ``table`` (group, n, events, rmst, se, lower, upper) as
    R's ``rmean`` and ``se(rmean)``, up to ``tau``; ``n_dropped`` rows left out for a missing
    time, event or group; ``time_unit`` the unit of the times (and of rmst, se, tau)."""

    table: pd.DataFrame
    tau: float
    conf_level: float
    n_dropped: int = 0
    time_unit: str = "days"


def _area(t: np.ndarray, e: np.ndarray, tau: float) -> tuple[float, float]:
    """RMST and its standard error for one group."""
    st = steps(t, e)
    ev = (st.n_event > 0) & (st.time <= tau)
    times, n, d = st.time[ev], st.n_risk[ev], st.n_event[ev]
    s = np.cumprod(1 - d / n)
    # the curve is 1 from 0 to the first event, then s_i from t_i to t_(i+1) (or tau)
    width = np.diff(np.concatenate([times, [tau]]))
    piece = s * width  # area of each step after an event time
    first = times[0] if len(times) else tau
    after = np.cumsum(piece[::-1])[::-1]  # A_i: area from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > d, after**2 * d / (n * (n - d)), 0.0)
    return float(first + piece.sum()), float(math.sqrt(term.sum()))


def rmst(
    df: pd.DataFrame,
    time: str,
    event: str,
    tau: float,
    group: str | None = None,
    conf_level: float = 0.95,
    *,
    time_unit: str = "days",
) -> RMST:
    """Restricted mean survival time up to ``tau`` per group, as R's
    ``print(survfit(Surv(time, event) ~ group), rmean = tau)``.

    Parameters
    ----------
    df
        One row per patient. Rows with a missing time, event or group are dropped and counted
        in ``n_dropped``, as R's ``na.omit``.
    time, event
        Column names: follow-up time and event indicator (1 event, 0 censored).
    tau
        The horizon, in the unit of ``time`` (> 0).
    group
        Optional column name; one row per value (sorted), else one row labelled ``all``.
    conf_level
        Level of the confidence interval rmst +- z se.
    time_unit
        Unit of the times (days, weeks, months, years), carried on the result.

    Returns
    -------
    RMST
        rmst, se, lower, upper per group.

    Raises
    ------
    ParameterError
        ``tau`` is not a positive number, or the columns are missing or invalid.
    """
    if not (isinstance(tau, int | float) and math.isfinite(tau) and tau > 0):
        raise ParameterError(f"tau {tau!r}: the RMST horizon must be a positive number")
    check_time_unit(time_unit)
    data, n_dropped = prepare(df, time, event, [group] if group else [])
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    rows = []
    for label, g in groups_of(data, group):
        e = g[event].to_numpy(float)
        area, se = _area(g[time].to_numpy(float), e, float(tau))
        rows.append(
            {"group": label, "n": len(g), "events": int(e.sum()), "rmst": area, "se": se,
             "lower": area - z * se, "upper": area + z * se}
        )  # fmt: skip
    return RMST(
        table=pd.DataFrame(rows, columns=RMST_COLUMNS),
        tau=float(tau),
        conf_level=conf_level,
        n_dropped=n_dropped,
        time_unit=time_unit,
    )
