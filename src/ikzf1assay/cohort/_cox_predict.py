"""Predicted survival from a Cox model, as ``summary(survfit(fit, newdata), times)``.

The baseline cumulative hazard carries Efron's tie correction when the fit does (survfit's
default ctype follows the ties), S = exp(-H), and the variance of H for a profile z is
r^2 [sum 1 / a0^2 + d' V d] with d the sum of (xbar - z) / a0 over the event times
(Therneau & Grambsch 2000, section 10.2); the CI is the log one, survfit.coxph's default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ikzf1assay.cohort import _cox_fit as cf
from ikzf1assay.cohort.nelson_aalen import AtRisk
from ikzf1assay.errors import ParameterError

if TYPE_CHECKING:
    from ikzf1assay.cohort._cox_extras import CoxModel


@dataclass(frozen=True)
class PredictedSurvival(AtRisk):
    """Survival of patient profiles from a Cox model, as ``summary(survfit(fit, newdata))``.

    ``table``: profile (row of ``newdata``, from 0), time, n_risk, surv, se, lower, upper (the
    log CI at ``conf_level``, survfit.coxph's default); ``newdata`` the profiles; ``exits``
    (group = profile, time, n) the follow-up of each profile's stratum, for the numbers at
    risk; ``time_unit`` the unit of the times.
    """

    table: pd.DataFrame
    newdata: pd.DataFrame
    exits: pd.DataFrame
    time_unit: str = "days"
    conf_level: float = 0.95

    def _exits(self) -> pd.DataFrame:
        return self.exits

    def _groups(self) -> list[object]:
        return list(range(len(self.newdata)))


def predicted_survival(
    model: CoxModel, newdata: pd.DataFrame, times: Sequence[float] | None, time_unit: str
) -> PredictedSurvival:
    """:class:`PredictedSurvival` at ``times``, or at every event time when None."""
    r = model.risk
    if times is None:
        times = [0.0, *np.unique(r.time[r.event > 0])]
    table = predict_survival(model, newdata, list(times))
    parts = []
    for i, s in enumerate(_profile_strata(model, newdata)):
        t_s = r.time[r.bounds[s] : r.bounds[s + 1]]
        ts, n = np.unique(t_s, return_counts=True)
        parts.append(pd.DataFrame({"group": i, "time": ts, "n": n}))
    return PredictedSurvival(
        table=table,
        newdata=newdata.reset_index(drop=True),
        exits=pd.concat(parts, ignore_index=True),
        time_unit=time_unit,
    )


def _baseline(model: CoxModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per tie block: hazard increment, its variance increment, and the xbar increment."""
    r = model.risk
    m = cf.moments(r, model.beta)
    a0 = m.a0 * np.exp(m.shift)  # risk-set sums on the centred scale, unshifted
    nb = len(r.deaths)
    haz = np.bincount(r.ev_block, weights=1 / a0, minlength=nb)
    var = np.bincount(r.ev_block, weights=1 / a0**2, minlength=nb)
    p = r.x.shape[1]
    cols = [np.bincount(r.ev_block, weights=m.mean[:, k] / a0, minlength=nb) for k in range(p)]
    return haz, var, np.stack(cols, axis=1).reshape(nb, p)


def predict_survival(model: CoxModel, newdata: pd.DataFrame, times: list[float]) -> pd.DataFrame:
    """profile, time, n_risk, surv, se, lower, upper for each row of ``newdata``."""
    if not np.all(np.isfinite(model.beta)):
        raise ParameterError("the model has no finite coefficients: nothing to predict")
    z = model.newdata_design(newdata)
    strata = _profile_strata(model, newdata)
    haz, var, xbar = _baseline(model)
    r = model.risk
    block_time = r.time[r.starts]
    rows = []
    for i, s in enumerate(strata):
        a, b = r.block_bounds[s], r.block_bounds[s + 1]
        h, v, xb = np.cumsum(haz[a:b]), np.cumsum(var[a:b]), np.cumsum(xbar[a:b], axis=0)
        risk = float(np.exp(z[i] @ model.beta))
        t_s = r.time[r.bounds[s] : r.bounds[s + 1]]
        for t in times:
            k = int(np.searchsorted(block_time[a:b], t, side="right")) - 1
            if k < 0:
                cum, vh = 0.0, 0.0
            else:
                d = xb[k] - z[i] * h[k]
                cum = risk * h[k]
                vh = risk**2 * (v[k] + float(d @ model.var @ d))
            rows.append((i, t, int((t_s >= t).sum()), cum, vh))
    out = pd.DataFrame(rows, columns=["profile", "time", "n_risk", "cumhaz", "var"])
    out = out[out["n_risk"] > 0].reset_index(drop=True)  # R stops at the last follow-up
    surv = np.exp(-out["cumhaz"].to_numpy())
    sd = np.sqrt(out["var"].to_numpy())
    out["surv"] = surv
    out["se"] = surv * sd
    out["lower"] = surv * np.exp(-1.959963984540054 * sd)
    out["upper"] = np.minimum(surv * np.exp(1.959963984540054 * sd), 1.0)
    return out.drop(columns=["cumhaz", "var"])


def _profile_strata(model: CoxModel, newdata: pd.DataFrame) -> list[int]:
    """The stratum of each profile: newdata's strata column, a level of the fit."""
    if model.strata_levels is None:
        return [0] * len(newdata)
    name = model.strata_name
    if name not in newdata.columns:
        raise ParameterError(f"a stratified model predicts per stratum: newdata needs {name!r}")
    out = []
    for value in newdata[name]:
        if value not in model.strata_levels:
            raise ParameterError(f"stratum {value!r} of {name!r} is not in the fit")
        out.append(model.strata_levels.index(value))
    return out
