"""Design matrices of the hazard models: numeric columns as they are, factors as R's
treatment contrasts (first level the reference), and the coefficient table they share."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.errors import ParameterError


def _is_numeric(values: pd.Series) -> bool:
    return bool(pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values))


def design_matrix(df: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric columns as they are; categorical ones as R's treatment contrasts."""
    return design(df, covariates)[0]


def factor_levels(df: pd.DataFrame, covariates: list[str]) -> dict[str, list[object]]:
    """The levels of each categorical covariate (reference first), as ``design`` codes them."""
    return {
        col: list(df[col].astype("category").cat.categories)
        for col in covariates
        if not _is_numeric(df[col])
    }


def term_labels(terms: dict[str, list[str]], levels: dict[str, list[object]]) -> list[str]:
    """A reader's label per design column: ``ph positive vs negative`` for a factor level
    (level vs the reference level), the column name for a numeric covariate.

    Parameters
    ----------
    terms
        Each covariate's design columns, as :func:`design` returns them.
    levels
        Each factor's levels, reference first (:func:`factor_levels`).

    Returns
    -------
    list of str
        One label per design column, in design order.
    """
    out = []
    for cov, cols in terms.items():
        lv = levels.get(cov)
        if lv is None:
            out += [cov] * len(cols)
        else:
            out += [f"{cov} {level} vs {lv[0]}" for level in lv[1 : len(cols) + 1]]
    return out


def design(
    df: pd.DataFrame, covariates: list[str], levels: dict[str, list[object]] | None = None
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The design matrix and each covariate's columns; ``levels`` fixes a factor's levels
    (reference first), as for new data predicted from a fit."""
    require_columns(df, covariates, label="covariate", quote=True)
    parts = []
    terms: dict[str, list[str]] = {}
    for col in covariates:
        values = df[col]
        if levels is not None and col in levels:
            cat = pd.Categorical(values, categories=levels[col])
        elif _is_numeric(values):
            parts.append(values.astype(float).rename(col))
            terms[col] = [col]
            continue
        else:
            cat = pd.Categorical(values)
        lv = list(cat.categories)
        if len(lv) < 2:
            raise ParameterError(f"covariate {col!r} has a single level ({lv}); nothing to compare")
        unknown = set(values[(cat.codes < 0) & values.notna().to_numpy()])
        if unknown:
            raise ParameterError(
                f"covariate {col!r}: level(s) {sorted(map(str, unknown))} not among the fit's {lv}"
            )
        terms[col] = []
        for code, level in enumerate(lv[1:], start=1):
            name = f"{col}{level}"
            parts.append(pd.Series((cat.codes == code).astype(float), index=df.index, name=name))
            terms[col].append(name)
    return pd.concat(parts, axis=1), terms


def coefficient_table(
    terms: list[str], coef: np.ndarray, se: np.ndarray, conf_level: float = 0.95
) -> pd.DataFrame:
    """term, coef, se, hr, lower, upper, p (Wald): the table of every hazard model here."""
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return pd.DataFrame(
            {
                "term": terms,
                "coef": coef,
                "se": se,
                "hr": np.exp(coef),
                "lower": np.exp(coef - z * se),
                "upper": np.exp(coef + z * se),
                "p": 2 * norm.sf(np.abs(coef / se)),
            }
        )
