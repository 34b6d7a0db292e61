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
from ikzf1assay.cohort._cox_design import coefficient_table, design, factor_levels
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
    # terms not defined because of singularities: beta 0 and var 0 there (as coxph keeps
    # them inside), NA in the table
    aliased: np.ndarray | None = field(default=None, repr=False)

    def _kept(self) -> np.ndarray:
        keep: np.ndarray = np.isfinite(self.beta)
        return keep if self.aliased is None else keep & ~self.aliased

    def table(self, conf_level: float = 0.95) -> pd.DataFrame:
        """The coefficient table; with a cluster the robust SE gives z, P and the CI.
        Aliased terms (not defined because of singularities) are NA rows."""
        na = np.zeros(len(self.beta), bool) if self.aliased is None else self.aliased
        beta = np.where(na, np.nan, self.beta)
        se = np.where(na, np.nan, np.sqrt(np.diag(self.naive_var)))
        if self.robust_score is None:
            return coefficient_table(self.names, beta, se, conf_level)
        robust = np.where(na, np.nan, np.sqrt(np.diag(self.var)))
        t = coefficient_table(self.names, beta, robust, conf_level)
        t.insert(2, "se", se, allow_duplicates=True)
        t = t.loc[:, ~t.columns.duplicated(keep="first")]
        t.insert(3, "robust_se", robust)
        return t

    def tests(self) -> pd.DataFrame:
        """lr, wald, score (and robust_score) rows: statistic, df, p, as summary(coxph)."""
        keep = self._kept()
        p = int(keep.sum())
        if p:
            b, v = self.beta[keep], self.var[np.ix_(keep, keep)]
            if np.all(v == 0):  # no information (a lone event): coxph gives NaN on 1 df
                wald = float("nan") if p == 1 else 0.0
            else:
                wald = float(b @ np.linalg.solve(v, b))
            rows = [("lr", 2 * (self.loglik - self.loglik0)), ("wald", wald)]
            rows.append(("score", self.score_stat))
        else:  # no estimate: R reports 0 on 0 df, P 1 (Wald NA when every term is aliased)
            aliased = self.aliased is not None and bool(self.aliased.any())
            rows = [("lr", 0.0), ("wald", float("nan") if aliased else 0.0), ("score", 0.0)]
        if self.robust_score is not None:
            rows.append(("robust_score", self.robust_score if p else 0.0))
        return pd.DataFrame(
            {
                "test": [r[0] for r in rows],
                "statistic": [r[1] for r in rows],
                "df": p,
                "p": [float(chi2.sf(r[1], p)) if p or np.isnan(r[1]) else 1.0 for r in rows],
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


@dataclass(frozen=True)
class Columns:
    """Which columns of the complete rows a Cox fit reads: ``time`` (the stop time of
    counting-process rows), ``event`` (0/1, or R's 1/2), optional ``start``, ``strata``,
    ``cluster``."""

    time: str
    event: str
    start: str | None = None
    strata: str | None = None
    cluster: str | None = None


def fit_columns(
    used: pd.DataFrame, x: pd.DataFrame, terms: dict[str, list[str]], cols: Columns, ties: str
) -> tuple[CoxModel, np.ndarray]:
    """:func:`fit_model` on the complete rows ``used``: the events checked (0/1, or R's Surv
    1/2 coding with 2 the event), factor levels from ``used``; the model and the 0/1 events."""
    ev = used[cols.event].to_numpy(float)
    if np.isin(ev, (1, 2)).all() and (ev == 2).any():
        ev = (ev == 2).astype(float)  # R's Surv: 1/2 coding (some 2s), 2 the event
    if not np.isin(ev, (0, 1)).all():
        raise ParameterError(
            f"event column {cols.event!r}: expected 0 (censored) or 1 (event), or R's 1/2 coding"
        )
    model = fit_model(
        x,
        used[cols.time].to_numpy(float),
        ev,
        ties,
        strata=None if cols.strata is None else used[cols.strata],
        cluster=None if cols.cluster is None else used[cols.cluster],
        levels=factor_levels(used, list(terms)),
        covariates=list(terms),
        start=None if cols.start is None else used[cols.start].to_numpy(float),
    )
    return model, ev


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
    start: np.ndarray | None = None,
) -> CoxModel:
    """Fit and keep what the result needs; ``start``: counting-process rows (start, time].

    Terms whose information is singular at beta = 0 (a constant covariate, or one collinear
    with earlier ones) are left out of the fit and reported NA with a warning, as coxph. When
    nothing carries information and the log-likelihood is 0 (a lone event in its risk set),
    coxph runs out of iterations at beta = 0 with variance 0; so does this.
    """
    codes, strata_levels = _codes(strata, len(time))
    xm = x.to_numpy(float)
    if start is None and np.any(time < 0):
        raise ParameterError("negative follow-up times: a time must be 0 or more")
    if start is not None and not np.all(start < time):
        raise ParameterError("a counting-process row with stop <= start: stop must be after start")
    risk = cf.build_risk(xm, time, event, codes, ties, start)
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
    first = cf.terms(risk, np.zeros(p))
    keep = cf.nonsingular(first[2])
    if not keep.any():
        return _no_information(base, first[0], cluster)
    reduced = risk if keep.all() else cf.subset(risk, keep)
    try:
        fit = cf.newton(reduced, first=first if keep.all() else None)
        var = np.linalg.inv(fit.info)
    except (ParameterError, np.linalg.LinAlgError) as err:
        why = err.message if isinstance(err, ParameterError) else "singular information matrix"
        return replace(base, loglik=float("nan"), loglik0=float("nan"), warnings=(RAN_OUT, why))
    warnings = _warnings(fit, var)
    full_beta, full_var = np.zeros(p), np.zeros((p, p))
    full_beta[keep] = fit.beta
    full_var[np.ix_(keep, keep)] = var
    aliased = None if keep.all() else ~keep
    singular = () if aliased is None else (_singular_warning(base.names, aliased),)
    model = replace(
        base, beta=full_beta, var=full_var, naive_var=full_var, loglik=fit.loglik,
        loglik0=fit.loglik0, score_stat=float(fit.score0 @ np.linalg.solve(fit.info0, fit.score0)),
        warnings=warnings + singular, converged=not warnings, aliased=aliased,
    )  # fmt: skip
    return model if cluster is None else _robust(model, fit, cluster, reduced, keep)


def _singular_warning(names: list[str], aliased: np.ndarray) -> str:
    which = ", ".join(n for n, a in zip(names, aliased, strict=True) if a)
    k = int(aliased.sum())
    return (
        f"{k} not defined because of singularities: {which} (constant, or collinear with other "
        "covariates, among the patients at risk); NA, as coxph"
    )


def _no_information(base: CoxModel, loglik0: float, cluster: pd.Series | None) -> CoxModel:
    """No term carries information at beta = 0. With a log-likelihood of 0 (every event alone
    in its risk set) coxph never meets its stopping rule: beta 0, variance 0, "Ran out of
    iterations"; otherwise it stops at once with every term NA."""
    p = len(base.beta)
    zero, zero_m = np.zeros(p), np.zeros((p, p))
    robust = None if cluster is None else 0.0
    if loglik0 == 0:
        return replace(
            base, beta=zero, var=zero_m, naive_var=zero_m, loglik=0.0, loglik0=0.0,
            score_stat=0.0, robust_score=robust, warnings=(RAN_OUT,), converged=False,
        )  # fmt: skip
    aliased = np.ones(p, bool)
    return replace(
        base, beta=zero, var=zero_m, naive_var=zero_m, loglik=loglik0, loglik0=loglik0,
        score_stat=0.0, robust_score=robust, warnings=(_singular_warning(base.names, aliased),),
        converged=True, aliased=aliased,
    )  # fmt: skip


def _robust(
    model: CoxModel, fit: cf.Newton, cluster: pd.Series, risk: cf.Risk, keep: np.ndarray
) -> CoxModel:
    """The sandwich variance from score residuals summed by cluster, and the robust score
    test from the residuals at beta = 0 (over the terms kept in the fit)."""
    ids = pd.factorize(cluster.to_numpy())[0]
    naive = model.naive_var[np.ix_(keep, keep)]
    dfbeta = _by_cluster(cf.score_residuals(risk, fit.beta), ids) @ naive
    r0 = _by_cluster(cf.score_residuals(risk, np.zeros(len(fit.beta))), ids)
    try:
        robust_score = float(fit.score0 @ np.linalg.solve(r0.T @ r0, fit.score0))
    except np.linalg.LinAlgError:
        robust_score = float("nan")
    var = np.zeros_like(model.var)
    var[np.ix_(keep, keep)] = dfbeta.T @ dfbeta
    return replace(model, var=var, robust_score=robust_score, cluster_ids=ids)


def _codes(strata: pd.Series | None, n: int) -> tuple[np.ndarray, list[object] | None]:
    if strata is None:
        return np.zeros(n, dtype=np.int64), None
    codes, uniques = pd.factorize(strata, sort=True)
    return codes.astype(np.int64), list(uniques)


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
