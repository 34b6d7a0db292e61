"""Cox proportional-hazards regression, numerically equal to R's ``coxph``.

The partial likelihood (Efron or Breslow ties, optional strata) is maximised by Newton-Raphson
in :mod:`ikzf1assay.cohort._cox_fit` (vectorised: no loop over event times); robust variance,
global tests, concordance and predicted survival live in ``_cox_extras`` and its helpers.
Categorical covariates are coded as R's treatment contrasts: the first level (sorted, or as
given by a pandas Categorical) is the reference and each other level is a term named
``<column><level>`` (``groupB``), so terms read as in ``summary(coxph(...))``. Checked against
R 4.2.2 / survival 3.5-3 in the tests (test_cohort_cox.py, test_cohort_cox_r.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.cohort._cox_design import (
    coefficient_table,
    design_matrix,
    term_labels,
)
from ikzf1assay.cohort._cox_design import design as _design
from ikzf1assay.cohort._cox_extras import Columns, CoxModel, fit_columns
from ikzf1assay.cohort._cox_predict import PredictedSurvival, predicted_survival
from ikzf1assay.cohort._units import check_time_unit
from ikzf1assay.errors import ParameterError

__all__ = [
    "CoxModel",
    "CoxResult",
    "PHTest",
    "PredictedSurvival",
    "Screen",
    "coefficient_table",
    "cox",
    "design_matrix",
    "ph_test",
    "screen_and_fit",
]

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model, as ``summary(coxph(...))``.

    ``table``: term, coef, se, hr, lower, upper, p (Wald), label (``age``, ``ph positive vs
    negative``: a factor's level against its reference level); with ``cluster`` also
    robust_se, and then z, P and the CI use the robust SE, as R. ``loglik`` at the estimate; ``n``
    patients used and ``events``. ``converged`` is False when Newton-Raphson ran out of
    iterations or a coefficient may be infinite (a separated model); ``warnings`` then holds
    R's wording. ``n_dropped``: rows left out for a missing value in a used column.
    ``tests``: rows lr, wald, score (and robust_score when clustered) with statistic, df, p.
    ``concordance`` (Harrell's C and its SE) is computed on first access. ``time_unit``: the
    unit of the times, carried to the predicted survival curves.
    """

    table: pd.DataFrame
    loglik: float
    n: int
    events: int
    ties: str
    terms: dict[str, list[str]] = field(default_factory=dict)  # covariate -> its columns
    vcov: np.ndarray | None = field(default=None, repr=False)
    converged: bool = True
    warnings: tuple[str, ...] = ()
    n_dropped: int = 0
    tests: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    strata: str | None = None
    cluster: str | None = None
    model: CoxModel | None = field(default=None, repr=False, compare=False)
    time_unit: str = "days"

    def term_p(self, covariate: str) -> float:
        """Wald P of a covariate as a whole (all its levels: chi-square with levels-1 df)."""
        cols = self.terms[covariate]
        idx = [list(self.table["term"]).index(c) for c in cols]
        b = self.table["coef"].to_numpy(float)[idx]
        if self.vcov is None:
            raise ParameterError("no covariance matrix stored for this fit")
        v = self.vcov[np.ix_(idx, idx)]
        if not np.all(np.isfinite(b)) or not np.all(np.isfinite(v)):
            return float("nan")
        stat = float(b @ np.linalg.solve(v, b))
        return float(chi2.sf(stat, len(idx)))

    @property
    def concordance(self) -> pd.Series:
        """Harrell's C with its SE (``value``, ``se``), as ``summary(coxph)$concordance``."""
        if self.model is None:
            raise ParameterError("this fit keeps no data for the concordance")
        return self.model.concordance()

    def predict_survival(
        self, newdata: pd.DataFrame, times: list[float] | None = None
    ) -> PredictedSurvival:
        """Survival of each patient profile in ``newdata``, with a 95 % log CI.

        As ``summary(survfit(fit, newdata), times)``; ``plot(result)`` draws the curves.

        Parameters
        ----------
        newdata
            One row per profile: the covariates (and the strata column for a stratified
            model).
        times
            Times at which to predict; None for every event time (the whole curve, from 0).

        Returns
        -------
        PredictedSurvival
            ``table``: profile (row of newdata), time, n_risk, surv, se, lower, upper; the
            follow-up of each profile's stratum for numbers at risk; the time unit.
        """
        if self.model is None:
            raise ParameterError("this fit keeps no data for predictions")
        return predicted_survival(self.model, newdata, times, self.time_unit)


def cox(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: list[str],
    ties: str = "efron",
    conf_level: float = 0.95,
    *,
    strata: str | None = None,
    cluster: str | None = None,
    time_unit: str = "days",
) -> CoxResult:
    """Fit ``coxph(Surv(time, event) ~ covariates + strata(s) + cluster(id), ties=ties)``.

    Rows with a missing value in any used column are left out (as R's default
    ``na.action = na.omit``) and counted in ``n_dropped``. With no events the coefficients
    are NA (NaN), as R's. Efron or Breslow likelihood, maximised by Newton-Raphson with step
    halving and R's stopping rule; a separated model is reported with ``converged=False`` and
    R's warning "Loglik converged before variable ... ; coefficient may be infinite.".

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator (1 event, 0 censored).
    covariates
        Column names; numeric as they are, others as treatment contrasts.
    ties
        ``efron`` (R's default) or ``breslow``.
    conf_level
        Level of the confidence intervals.
    strata
        Column whose levels each get their own baseline hazard (``strata(s)``).
    cluster
        Column of cluster ids (``cluster(id)``): adds the robust sandwich SE, which then
        gives z, P, the CI and the Wald test, as R.
    time_unit
        Unit of the times (days, weeks, months, years), carried to predicted survival.

    Returns
    -------
    CoxResult
        The coefficient table, tests, convergence, log-likelihood, patients, events.
    """
    check_time_unit(time_unit)
    used, x, terms = _prepare(df, time, event, covariates, ties, strata=strata, cluster=cluster)
    fit = _fit(used, x, terms, time, event, ties, conf_level, strata=strata, cluster=cluster)
    return replace(fit, n_dropped=len(df) - len(used), time_unit=time_unit)


def _prepare(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: list[str],
    ties: str,
    *,
    strata: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """The complete rows, their design matrix and the columns of each covariate."""
    if ties not in TIES:
        raise ParameterError(f"ties {ties!r}: choose efron or breslow")
    extra = [c for c in (strata, cluster) if c is not None]
    require_columns(df, [time, event, *covariates, *extra], label="covariate", quote=True)
    used = df[list(dict.fromkeys([time, event, *covariates, *extra]))].dropna()
    if used.empty:
        raise ParameterError("no complete rows for the Cox model")
    x, terms = _design(used, covariates)
    return used, x, terms


def _fit(
    used: pd.DataFrame,
    x: pd.DataFrame,
    terms: dict[str, list[str]],
    time: str,
    event: str,
    ties: str,
    conf_level: float = 0.95,
    *,
    strata: str | None = None,
    cluster: str | None = None,
) -> CoxResult:
    cols = Columns(time, event, strata=strata, cluster=cluster)
    model, ev = fit_columns(used, x, terms, cols, ties)
    table = model.table(conf_level)
    table["label"] = term_labels(terms, model.levels)
    return CoxResult(
        table=table,
        loglik=model.loglik,
        n=len(used),
        events=int(ev.sum()),
        ties=ties,
        terms=terms,
        vcov=model.var,
        converged=model.converged,
        warnings=model.warnings,
        tests=model.tests(),
        strata=strata,
        cluster=cluster,
        model=model,
    )


@dataclass(frozen=True)
class PHTest:
    """Proportional-hazards test as R's ``cox.zph(fit)`` (survival 3.x, transform "km"):
    ``table`` term, chisq, df, p with a final ``GLOBAL`` row."""

    table: pd.DataFrame


def ph_test(
    df: pd.DataFrame, time: str, event: str, covariates: list[str], ties: str = "efron"
) -> PHTest:
    """Score test of each coefficient against beta * g(t), g = 1 - KM(t-), as ``cox.zph``.

    At the fitted beta, the score of the added time-interaction terms and the information of
    the combined (beta, gamma) model are summed over event times (Efron or Breslow weights, as
    the fit); each term's statistic is u' I^-1 u over all of beta plus that term's gamma.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator.
    covariates
        Column names of the model's covariates.
    ties
        ``efron`` or ``breslow``, as the model.

    Returns
    -------
    PHTest
        term, chisq, df, p per covariate and a final ``GLOBAL`` row.
    """
    used, design, terms = _prepare(df, time, event, covariates, ties)
    return _zph(_fit(used, design, terms, time, event, ties), used, design, time, event, ties)


def _zph(
    fit: CoxResult, used: pd.DataFrame, design: pd.DataFrame, time: str, event: str, ties: str
) -> PHTest:
    """cox.zph's score test for a model already fitted on ``used`` / ``design``
    (vectorised in :mod:`ikzf1assay.cohort._cox_zph`)."""
    from ikzf1assay.cohort._cox_zph import zph_table

    if fit.model is None:
        raise ParameterError("this fit keeps no data for the proportional-hazards test")
    return PHTest(table=zph_table(fit.model, fit.terms))


@dataclass(frozen=True)
class Screen:
    """Univariable screen feeding a multivariable model, as the study did.

    ``univariable``: covariate, term, coef, se, hr, lower, upper, p, term_p (the covariate's
    own Wald P, all levels together), n, events. ``selected``: covariates with term_p below the
    threshold. ``multivariable``: the model on those (None when nothing entered).
    ``ph``: the proportional-hazards test of the multivariable model. ``not_screened``:
    each candidate that could not be fitted alone, with the reason (a single level, no
    complete rows). The univariable rows carry ``label`` (level vs reference) and
    ``n_dropped`` (patients left out for a missing value of that covariate).
    """

    univariable: pd.DataFrame
    selected: list[str]
    threshold: float
    multivariable: CoxResult | None
    ph: PHTest | None
    not_screened: list[str] = field(default_factory=list)


def screen_and_fit(
    df: pd.DataFrame,
    time: str,
    event: str,
    candidates: list[str],
    threshold: float = 0.05,
    ties: str = "efron",
    force: list[str] | None = None,
) -> Screen:
    """Fit each candidate alone; those with P < ``threshold`` (and ``force``) enter together.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator.
    candidates
        Covariates screened one at a time (a covariate with a single level is skipped).
    threshold
        Entry P value (the covariate's Wald P, all its levels together).
    ties
        ``efron`` or ``breslow``.
    force
        Covariates entered whatever their P.

    Returns
    -------
    Screen
        The univariable table, the covariates selected, the multivariable model and its
        proportional-hazards test.
    """
    if not 0 < threshold <= 1:
        raise ParameterError(f"entry threshold {threshold}: choose a P value in (0, 1]")
    parts, selected, not_screened = [], [], []
    for c in candidates:
        try:
            fit = cox(df, time, event, [c], ties=ties)
        except ParameterError as exc:  # a single level or no complete rows: nothing to screen
            not_screened.append(f"{c}: {exc}")
            continue
        tp = fit.term_p(c)
        parts.append(
            fit.table.assign(
                covariate=c, term_p=tp, n=fit.n, events=fit.events, n_dropped=fit.n_dropped
            )[
                ["covariate", "term", "label", "coef", "se", "hr", "lower", "upper", "p",
                 "term_p", "n", "events", "n_dropped"]
            ]
        )  # fmt: skip
        if tp < threshold:
            selected.append(c)
    for c in force or []:
        if c not in selected:
            selected.append(c)
    multi = ph = None
    if selected:
        used, design, terms = _prepare(df, time, event, selected, ties)
        multi = replace(_fit(used, design, terms, time, event, ties), n_dropped=len(df) - len(used))
        ph = _zph(multi, used, design, time, event, ties)
    uni = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return Screen(
        univariable=uni,
        selected=selected,
        threshold=threshold,
        multivariable=multi,
        ph=ph,
        not_screened=not_screened,
    )
