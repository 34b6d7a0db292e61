"""Competing risks: cumulative incidence and Gray's test, numerically equal to R's cmprsk.

Computed with comprisk (Aalen-Johansen estimate with the Aalen-type variance that
``cmprsk::cuminc`` reports, and Gray's K-sample test), checked against R 4.2.2 / cmprsk 2.2-11
in the tests. Status coding as cmprsk: 0 censored, 1, 2, ... the causes (e.g. 1 relapse,
2 death without relapse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from comprisk import CumulativeIncidence
from comprisk import gray_test as _gray

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.errors import ParameterError

__all__ = ["CumulativeIncidenceResult", "GrayResult", "cumulative_incidence", "gray_test"]


@dataclass(frozen=True)
class CumulativeIncidenceResult:
    """``table``: group, cause, time, estimate, variance at every jump; ``at``: the same at the
    requested times (step function, as ``cmprsk::timepoints``)."""

    table: pd.DataFrame
    at: pd.DataFrame


@dataclass(frozen=True)
class GrayResult:
    """``table``: cause, statistic, df, p (as ``cuminc(...)$Tests``)."""

    table: pd.DataFrame


def _columns(df: pd.DataFrame, names: list[str]) -> None:
    require_columns(df, names)
    status = df[names[1]]
    if status.isna().any() or (status < 0).any() or not np.equal(np.mod(status, 1), 0).all():
        raise ParameterError(f"{names[1]}: 0 for censored, 1, 2, ... for the causes")


def cumulative_incidence(
    df: pd.DataFrame,
    time: str,
    status: str,
    group: str | None = None,
    times: list[float] | None = None,
) -> CumulativeIncidenceResult:
    """Cumulative incidence per cause (and group), as ``cmprsk::cuminc(time, status, group)``."""
    _columns(df, [time, status] + ([group] if group else []))
    t = df[time].to_numpy(float)
    e = df[status].to_numpy(int)
    g = df[group].astype(str).to_numpy() if group else None
    fit = CumulativeIncidence().fit(t, e, group=g)
    rows, at_rows = [], []
    for (grp, cause), curve in sorted(
        fit.curves_.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
    ):
        label = "all" if grp is None else grp
        rows.append(
            pd.DataFrame(
                {
                    "group": label,
                    "cause": cause,
                    "time": curve.times,
                    "estimate": curve.cif,
                    "variance": curve.var,
                }
            )
        )
        for at in times or []:
            k = np.searchsorted(np.asarray(curve.times), at, side="right") - 1
            est = 0.0 if k < 0 else float(curve.cif[k])
            var = 0.0 if k < 0 else float(curve.var[k])
            at_rows.append(
                {"group": label, "cause": cause, "time": at, "estimate": est, "variance": var}
            )
    return CumulativeIncidenceResult(
        table=pd.concat(rows, ignore_index=True),
        at=pd.DataFrame(at_rows, columns=["group", "cause", "time", "estimate", "variance"]),
    )


def gray_test(df: pd.DataFrame, time: str, status: str, group: str) -> GrayResult:
    """Gray's test of equal cumulative incidence across groups, per cause (cmprsk's Tests)."""
    _columns(df, [time, status, group])
    causes = sorted(int(c) for c in df[status].unique() if c > 0)
    rows = []
    for cause in causes:
        r = _gray(
            df[time].to_numpy(float),
            df[status].to_numpy(int),
            df[group].astype(str).to_numpy(),
            cause=cause,
        )
        rows.append(
            {"cause": cause, "statistic": float(r.stat), "df": int(r.df), "p": float(r.pvalue)}
        )
    return GrayResult(table=pd.DataFrame(rows))
