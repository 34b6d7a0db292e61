"""Cox proportional-hazards regression, numerically equal to R's ``coxph``.

Fitted with statsmodels' ``PHReg`` (Efron or Breslow ties). Categorical covariates are coded as
R's treatment contrasts: the first level (sorted, or as given by a pandas Categorical) is the
reference and each other level is a term named ``<column><level>`` (``groupB``), so terms read
as in ``summary(coxph(...))``. Checked against R 4.2.2 / survival 3.5-3 in the tests: coef, SE,
HR, 95 % CI, Wald P and the log-likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.duration.hazard_regression import PHReg

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.errors import ParameterError

__all__ = ["CoxResult", "cox", "design_matrix"]

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class CoxResult:
    """``table``: term, coef, se, hr, lower, upper, p (Wald); ``loglik`` at the estimate;
    ``n`` patients and ``events``."""

    table: pd.DataFrame
    loglik: float
    n: int
    events: int
    ties: str


def design_matrix(df: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric columns as they are; categorical ones as R's treatment contrasts."""
    require_columns(df, covariates, label="covariate", quote=True)
    parts = []
    for col in covariates:
        values = df[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(values.astype(float).rename(col))
        else:
            cat = values.astype("category")
            levels = list(cat.cat.categories)
            if len(levels) < 2:
                raise ParameterError(
                    f"covariate {col!r} has a single level ({levels}); nothing to compare"
                )
            for level in levels[1:]:
                parts.append((cat == level).astype(float).rename(f"{col}{level}"))
    return pd.concat(parts, axis=1)


def cox(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: list[str],
    ties: str = "efron",
    conf_level: float = 0.95,
) -> CoxResult:
    """Fit ``coxph(Surv(time, event) ~ covariates, ties=ties)``.

    Rows with a missing value in any used column are left out (as R's default
    ``na.action = na.omit``); the result says how many patients were used.
    """
    if ties not in TIES:
        raise ParameterError(f"ties {ties!r}: choose efron or breslow")
    require_columns(df, [time, event, *covariates], label="covariate", quote=True)
    used = df[[time, event, *covariates]].dropna()
    if used.empty:
        raise ParameterError("no complete rows for the Cox model")
    x = design_matrix(used, covariates)
    model = PHReg(
        used[time].to_numpy(float), x.to_numpy(float), status=used[event].to_numpy(float), ties=ties
    )
    fit = model.fit()
    coef = np.asarray(fit.params, dtype=float)
    se = np.asarray(fit.bse, dtype=float)
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    table = pd.DataFrame(
        {
            "term": list(x.columns),
            "coef": coef,
            "se": se,
            "hr": np.exp(coef),
            "lower": np.exp(coef - z * se),
            "upper": np.exp(coef + z * se),
            "p": 2 * norm.sf(np.abs(coef / se)),
        }
    )
    return CoxResult(
        table=table,
        loglik=float(model.loglike(coef)),
        n=len(used),
        events=int(used[event].sum()),
        ties=ties,
    )
