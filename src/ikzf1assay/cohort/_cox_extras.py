"""A fitted Cox model: its variance, global tests, concordance and predicted survival.

Formulas: Therneau & Grambsch (2000) sections 3.4 (likelihood-ratio, Wald and score tests),
7.2 (robust variance from score residuals summed by cluster) and 10.2 (the baseline hazard
with Efron's correction and the variance of a predicted cumulative hazard); Harrell's C
with the infinitesimal-jackknife variance as described in survival's concordance vignette.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from ikzf1assay.cohort import _cox_fit as cf
from ikzf1assay.cohort._cox_design import coefficient_table, design
from ikzf1assay.errors import ParameterError

NO_EVENTS = "no events: the coefficients are NA (not estimable), as coxph gives them"
RAN_OUT = "Ran out of iterations and did not converge"


@dataclass(frozen=True)
class CoxModel:
    """What a fit keeps to answer later questions (tests, concordance, predictions)."""

    risk: cf.Risk
    names: list[str]
    beta: np.ndarray
    var: np.ndarray
    naive_var: np.ndarray
    loglik: float
    loglik0: float
    score_stat: float
    robust_score: float | None
    warnings: tuple[str, ...]
    converged: bool
    covariates: list[str]
    levels: dict[str, list[object]]
    strata_levels: list[object] | None
    strata_name: str | None = None
    cluster_ids: np.ndarray | None = field(default=None, repr=False)
    cache: dict[str, pd.Series] = field(default_factory=dict, compare=False)

    def table(self, conf_level: float = 0.95) -> pd.DataFrame:
        """The coefficient table; with a cluster the robust SE gives z, P and the CI."""
        se = np.sqrt(np.diag(self.naive_var))
        if self.robust_score is None:
            return coefficient_table(self.names, self.beta, se, conf_level)
        robust = np.sqrt(np.diag(self.var))
        t = coefficient_table(self.names, self.beta, robust, conf_level)
        t.insert(2, "se", se, allow_duplicates=True)
        t = t.loc[:, ~t.columns.duplicated(keep="first")]
        t.insert(3, "robust_se", robust)
        return t

    def tests(self) -> pd.DataFrame:
        """lr, wald, score (and robust_score) rows: statistic, df, p, as summary(coxph)."""
        p = len(self.beta) if np.all(np.isfinite(self.beta)) else 0
        if p:
            wald = float(self.beta @ np.linalg.solve(self.var, self.beta))
            rows = [("lr", 2 * (self.loglik - self.loglik0)), ("wald", wald)]
            rows.append(("score", self.score_stat))
        else:  # no estimate: R reports 0 on 0 df, P 1
            rows = [("lr", 0.0), ("wald", 0.0), ("score", 0.0)]
        if self.robust_score is not None:
            rows.append(("robust_score", self.robust_score if p else 0.0))
        return pd.DataFrame(
            {
                "test": [r[0] for r in rows],
                "statistic": [r[1] for r in rows],
                "df": p,
                "p": [float(chi2.sf(r[1], p)) if p else 1.0 for r in rows],
            }
        )

    def concordance(self) -> pd.Series:
        """Harrell's C (value) and its SE, as ``summary(coxph)$concordance``."""
        if "c" not in self.cache:
            from ikzf1assay.cohort._cox_concordance import concordance

            lp = self.risk.x @ np.nan_to_num(self.beta)
            value, se = concordance(self.risk, lp, self.cluster_ids)
            self.cache["c"] = pd.Series({"value": value, "se": se})
        return self.cache["c"]

    def predict(self, newdata: pd.DataFrame, times: list[float]) -> pd.DataFrame:
        """summary(survfit(fit, newdata), times) with the log CI."""
        from ikzf1assay.cohort._cox_predict import predict_survival

        return predict_survival(self, newdata, times)

    def newdata_design(self, newdata: pd.DataFrame) -> np.ndarray:
        """The design matrix of ``newdata``, centred as the fit's."""
        x, _ = design(newdata, self.covariates, self.levels)
        return np.asarray(x.to_numpy(float) - self.risk.center)


def fit_model(
    x: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    ties: str,
    *,
    strata: pd.Series | None,
    cluster: pd.Series | None,
    levels: dict[str, list[object]],
    covariates: list[str],
) -> CoxModel:
    """Fit and keep what the result needs."""
    codes, strata_levels = _codes(strata, len(time))
    xm = x.to_numpy(float)
    if np.any(time < 0):
        raise ParameterError("negative follow-up times: a time must be 0 or more")
    risk = cf.build_risk(xm, time, event, codes, ties)
    _check_rank(risk, list(x.columns))
    p = xm.shape[1]
    nan, nan_m = np.full(p, np.nan), np.full((p, p), np.nan)
    base = CoxModel(
        risk=risk, names=list(x.columns), beta=nan, var=nan_m, naive_var=nan_m, loglik=0.0,
        loglik0=0.0, score_stat=float("nan"),
        robust_score=None if cluster is None else float("nan"), warnings=(NO_EVENTS,),
        converged=False, covariates=covariates, levels=levels, strata_levels=strata_levels,
        strata_name=None if strata is None else str(strata.name),
    )  # fmt: skip
    if event.sum() == 0:
        return base
    try:
        fit = cf.newton(risk)
        var = np.linalg.inv(fit.info)
    except (ParameterError, np.linalg.LinAlgError) as err:
        why = err.message if isinstance(err, ParameterError) else "singular information matrix"
        return replace(base, loglik=float("nan"), loglik0=float("nan"), warnings=(RAN_OUT, why))
    warnings = _warnings(fit, var)
    model = replace(
        base, beta=fit.beta, var=var, naive_var=var, loglik=fit.loglik, loglik0=fit.loglik0,
        score_stat=float(fit.score0 @ np.linalg.solve(fit.info0, fit.score0)),
        warnings=warnings, converged=not warnings,
    )  # fmt: skip
    return model if cluster is None else _robust(model, fit, cluster)


def _robust(model: CoxModel, fit: cf.Newton, cluster: pd.Series) -> CoxModel:
    """The sandwich variance from score residuals summed by cluster, and the robust score
    test from the residuals at beta = 0."""
    ids = pd.factorize(cluster.to_numpy())[0]
    dfbeta = _by_cluster(cf.score_residuals(model.risk, fit.beta), ids) @ model.naive_var
    r0 = _by_cluster(cf.score_residuals(model.risk, np.zeros(len(fit.beta))), ids)
    try:
        robust_score = float(fit.score0 @ np.linalg.solve(r0.T @ r0, fit.score0))
    except np.linalg.LinAlgError:
        robust_score = float("nan")
    return replace(model, var=dfbeta.T @ dfbeta, robust_score=robust_score, cluster_ids=ids)


def _codes(strata: pd.Series | None, n: int) -> tuple[np.ndarray, list[object] | None]:
    if strata is None:
        return np.zeros(n, dtype=np.int64), None
    codes, uniques = pd.factorize(strata, sort=True)
    return codes.astype(np.int64), list(uniques)


def _check_rank(risk: cf.Risk, names: list[str]) -> None:
    """R marks aliased columns NA; here they are an error naming them (pivot-free QR: a
    column whose residual on the earlier ones is ~0 is constant or collinear)."""
    if risk.x.shape[0] == 0:
        return
    rr = np.asarray(np.linalg.qr(risk.x, mode="r"))
    scale = np.sqrt((risk.x**2).sum(axis=0))
    for j in range(risk.x.shape[1]):
        if abs(rr[j, j]) <= 1e-9 * max(scale[j], 1e-300) or scale[j] == 0:
            raise ParameterError(
                f"covariate column {names[j]!r} is constant or collinear with {names[:j]} among "
                "the patients used; leave it out (R gives it an NA coefficient)"
            )


def _warnings(fit: cf.Newton, var: np.ndarray) -> tuple[str, ...]:
    if fit.ran_out:
        return (RAN_OUT,)
    inf = cf.infinite_terms(fit, var)
    if inf:
        idx = ",".join(str(i) for i in inf)
        return (f"Loglik converged before variable  {idx} ; coefficient may be infinite.",)
    return ()


def _by_cluster(resid: np.ndarray, ids: np.ndarray) -> np.ndarray:
    k = int(ids.max()) + 1
    cols = [np.bincount(ids, weights=resid[:, j], minlength=k) for j in range(resid.shape[1])]
    return np.stack(cols, axis=1).reshape(k, resid.shape[1])


def normal_quantile(conf_level: float) -> float:
    """Two-sided normal quantile of a confidence level."""
    return float(norm.ppf(1 - (1 - conf_level) / 2))
