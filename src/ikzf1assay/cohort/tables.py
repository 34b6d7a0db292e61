"""Baseline tables (the studies' Tables 1 and 2) and the tests behind them.

Every P value names its test, chosen as SPSS users and the studies expect and computed as R
does (checked against R 4.2.2 in the tests):

- categorical rows: n (%) per group; **Pearson chi-square without continuity correction**
  (SPSS's "Pearson Chi-Square", R's ``chisq.test(correct=FALSE)``; ``correct=True`` for Yates'
  on 2 x 2); **Fisher's exact test** instead when an expected count is below 5 (R's
  ``fisher.test``, r x c by :func:`fisher_exact`, or simulated as R's ``simulate.p.value``);
- numeric rows: mean ± SD with one-way ANOVA (``oneway.test(var.equal=TRUE)``; Welch's t or
  ANOVA with ``var_equal=False``), or median (P25, P75) (R's ``quantile`` type 7, or any type:
  6 is SPSS's) / median (range) with Kruskal-Wallis (``kruskal.test``) or, for two groups,
  Mann-Whitney (``wilcox.test``: exact below 50 per group without ties, otherwise the normal
  approximation with continuity correction, as R);
- before/after values: paired t-test (``t.test(paired=TRUE)``) and Wilcoxon signed-rank
  (``wilcox.test(paired=TRUE)``, same exact/approximate rule).

A table can be built from patient rows (:func:`baseline_table`) or from counts alone
(:func:`table_from_counts`) to recompute a published table; :func:`check_published` says where
published values do not follow from their own counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.cohort._fisher import fisher_exact
from ikzf1assay.errors import ParameterError

__all__ = [
    "TestResult",
    "baseline_table",
    "check_published",
    "compare_categorical",
    "compare_numeric",
    "fisher_exact",
    "fisher_exact_rxc",
    "paired_comparison",
    "quantile",
    "table_from_counts",
]

FISHER_BELOW = 5.0
QUANTILE_TYPES = {
    1: "inverted_cdf", 2: "averaged_inverted_cdf", 3: "closest_observation",
    4: "interpolated_inverted_cdf", 5: "hazen", 6: "weibull", 7: "linear",
    8: "median_unbiased", 9: "normal_unbiased",
}  # fmt: skip


@dataclass(frozen=True)
class TestResult:
    """One test: its name, statistic (NaN for Fisher), df (NaN where none) and P."""

    test: str
    statistic: float
    df: float
    p: float


fisher_exact_rxc = fisher_exact  # the former name, kept working


def compare_categorical(
    counts: np.ndarray,
    test: str = "auto",
    *,
    correct: bool = False,
    simulate: bool = False,
    B: int = 2000,  # noqa: N803 (R's name)
    seed: int | None = None,
) -> TestResult:
    """Test of a contingency table.

    Parameters
    ----------
    counts
        Rows: levels, columns: groups (empty rows and columns are dropped).
    test
        ``auto`` (chi-square unless an expected count is below 5, then Fisher), ``chisq`` or
        ``fisher``.
    correct
        Yates' continuity correction of the chi-square of a 2 x 2 table (R's
        ``chisq.test(correct=TRUE)``; ignored for larger tables, as R).
    simulate, B, seed
        Fisher's P from ``B`` random tables (R's ``simulate.p.value``), see
        :func:`fisher_exact`.

    Returns
    -------
    TestResult
        The test used, statistic, df and P.
    """
    if test not in ("auto", "chisq", "fisher"):
        raise ParameterError(f"test {test!r}: choose auto, chisq or fisher")
    c = np.asarray(counts, dtype=float)
    c = c[c.sum(axis=1) > 0][:, c.sum(axis=0) > 0]
    if c.shape[0] < 2 or c.shape[1] < 2:
        return TestResult("none (a single level or group)", math.nan, math.nan, math.nan)
    expected = np.outer(c.sum(axis=1), c.sum(axis=0)) / c.sum()
    if test == "fisher" or (test == "auto" and expected.min() < FISHER_BELOW):
        if c.shape == (2, 2) and not simulate:
            p = float(stats.fisher_exact(c.astype(int)).pvalue)
        else:
            p = fisher_exact(c.astype(int), simulate=simulate, B=B, seed=seed)
        name = "Fisher's exact (simulated P)" if simulate else "Fisher's exact"
        return TestResult(name, math.nan, math.nan, p)
    yates = correct and c.shape == (2, 2)
    chi = stats.chi2_contingency(c, correction=yates)
    name = "Pearson chi-square with Yates' correction" if yates else "Pearson chi-square"
    return TestResult(name, float(chi.statistic), float(chi.dof), float(chi.pvalue))


def _mw_exact(x: np.ndarray, y: np.ndarray) -> bool:
    both = np.concatenate([x, y])
    return len(x) < 50 and len(y) < 50 and len(np.unique(both)) == len(both)


def _welch(groups: list[np.ndarray]) -> TestResult:
    """Welch's t (two groups, R's ``t.test``) or Welch's ANOVA (``oneway.test``)."""
    if any(len(g) < 2 for g in groups):
        raise ParameterError("Welch's test needs at least 2 values in every group")
    if len(groups) == 2:
        r = stats.ttest_ind(groups[0], groups[1], equal_var=False)
        df = float(r.df) if hasattr(r, "df") else math.nan
        return TestResult("Welch's t-test", float(r.statistic), df, float(r.pvalue))
    n = np.array([len(g) for g in groups], dtype=float)
    m = np.array([g.mean() for g in groups])
    w = n / np.array([g.var(ddof=1) for g in groups])
    k, mw = len(groups), float((w * m).sum() / w.sum())
    tmp = float((((1 - w / w.sum()) ** 2) / (n - 1)).sum()) / (k**2 - 1)
    f = float((w * (m - mw) ** 2).sum()) / ((k - 1) * (1 + 2 * (k - 2) * tmp))
    df2 = 1 / (3 * tmp)
    return TestResult("Welch's ANOVA", f, float(k - 1), float(stats.f.sf(f, k - 1, df2)))


def compare_numeric(
    values: Sequence[np.ndarray], summary: str = "mean_sd", *, var_equal: bool = True
) -> TestResult:
    """ANOVA for ``mean_sd``; Mann-Whitney (2 groups) or Kruskal-Wallis for medians.

    Parameters
    ----------
    values
        One array per group (NaN ignored).
    summary
        ``mean_sd``, ``median_iqr`` or ``median_range``: how the table summarises them.
    var_equal
        For ``mean_sd``: one-way ANOVA assuming equal variances (SPSS's and
        ``oneway.test(var.equal=TRUE)``), or, when False, Welch's t-test for two groups
        (R's ``t.test`` default; its df is the Welch-Satterthwaite df) and Welch's ANOVA for
        more (``oneway.test``; the df reported is the numerator's).

    Returns
    -------
    TestResult
        The test used, statistic, df and P.
    """
    groups = [np.asarray(v, dtype=float) for v in values]
    groups = [g[np.isfinite(g)] for g in groups]
    groups = [g for g in groups if len(g)]
    if len(groups) < 2:
        return TestResult("none (a single group)", math.nan, math.nan, math.nan)
    if summary == "mean_sd":
        if not var_equal:
            return _welch(groups)
        r = stats.f_oneway(*groups)
        dfn = len(groups) - 1
        return TestResult("one-way ANOVA", float(r.statistic), float(dfn), float(r.pvalue))
    if len(groups) == 2:
        x, y = groups
        exact = _mw_exact(x, y)
        r2 = stats.mannwhitneyu(
            x, y, alternative="two-sided", method="exact" if exact else "asymptotic",
            use_continuity=True,
        )  # fmt: skip
        return TestResult("Mann-Whitney U", float(r2.statistic), math.nan, float(r2.pvalue))
    r3 = stats.kruskal(*groups)
    return TestResult(
        "Kruskal-Wallis", float(r3.statistic), float(len(groups) - 1), float(r3.pvalue)
    )


def paired_comparison(df: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """Paired t-test and Wilcoxon signed-rank on patients with both values.

    Parameters
    ----------
    df
        One row per patient.
    before, after
        Column names of the two measurements.

    Returns
    -------
    pandas.DataFrame
        test, n, statistic, df, p (t's statistic is t with n-1 df; Wilcoxon's is R's V, the
        sum of positive ranks of after - before, as ``wilcox.test(after, before,
        paired=TRUE)``).
    """
    require_columns(df, [before, after])
    pair = df[[before, after]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(pair) < 2:
        raise ParameterError(f"{before}/{after}: fewer than 2 patients with both values")
    a, b = pair[after].to_numpy(float), pair[before].to_numpy(float)
    t = stats.ttest_rel(a, b)
    diff = a - b
    nz = diff[diff != 0]
    exact = len(nz) < 50 and len(np.unique(np.abs(nz))) == len(nz) and len(nz) == len(diff)
    w = stats.wilcoxon(
        nz, zero_method="wilcox", correction=not exact, method="exact" if exact else "approx"
    )
    ranks = stats.rankdata(np.abs(nz))
    v = float(ranks[nz > 0].sum())
    return pd.DataFrame(
        [
            {"test": "paired t-test", "n": len(pair), "statistic": float(t.statistic),
             "df": float(len(pair) - 1), "p": float(t.pvalue)},
            {"test": "Wilcoxon signed-rank", "n": len(pair), "statistic": v, "df": math.nan,
             "p": float(w.pvalue)},
        ]
    )  # fmt: skip


def _pct(k: float, n: float) -> str:
    return f"{int(k)} ({100 * k / n:.1f})" if n else f"{int(k)} (-)"


def _categorical_rows(
    variable: str, counts: pd.DataFrame, test: str = "auto", correct: bool = False
) -> list[dict[str, object]]:
    """counts: index levels, columns groups."""
    r = compare_categorical(counts.to_numpy(float), test, correct=correct)
    totals = counts.sum(axis=0)
    rows: list[dict[str, object]] = []
    for i, (level, row) in enumerate(counts.iterrows()):
        rec: dict[str, object] = {"variable": variable, "level": str(level)}
        for g in counts.columns:
            rec[str(g)] = _pct(row[g], totals[g])
        rec["total"] = _pct(row.sum(), totals.sum())
        rec.update(
            {"test": r.test, "statistic": r.statistic, "df": r.df, "p": r.p}
            if i == 0
            else {"test": "", "statistic": math.nan, "df": math.nan, "p": math.nan}
        )
        rows.append(rec)
    return rows


def baseline_table(
    df: pd.DataFrame,
    group: str,
    variables: Sequence[str],
    numeric_summary: str = "mean_sd",
    categorical_test: str = "auto",
    *,
    quantile_type: int = 7,
    correct: bool = False,
    var_equal: bool = True,
) -> pd.DataFrame:
    """Table of ``variables`` by ``group``: n (%) for categorical, mean ± SD (``mean_sd``),
    median (P25, P75) (``median_iqr``) or median (range) (``median_range``) for numeric.

    Parameters
    ----------
    df
        One row per patient.
    group
        Column name of the groups (the table's columns).
    variables
        Column names of the rows.
    numeric_summary
        ``mean_sd``, ``median_iqr`` or ``median_range``.
    categorical_test
        As :func:`compare_categorical`.
    quantile_type
        How P25 and P75 are computed, as R's ``quantile(type=)``: 7 (R's default), 6
        (SPSS's), or any of 1-9.
    correct, var_equal
        As :func:`compare_categorical` and :func:`compare_numeric`.

    Returns
    -------
    pandas.DataFrame
        variable, level, one column per group, total, test, statistic, df, p, missing.
    """
    if quantile_type not in QUANTILE_TYPES:
        raise ParameterError(f"quantile type {quantile_type!r}: choose 1 to 9 (R's types)")
    if numeric_summary not in ("mean_sd", "median_iqr", "median_range"):
        raise ParameterError(
            f"numeric summary {numeric_summary!r}: choose mean_sd, median_iqr or median_range"
        )
    require_columns(df, [group, *variables])
    d = df[df[group].notna()]
    groups = sorted(d[group].astype(str).unique())
    rows: list[dict[str, object]] = []
    for v in variables:
        col = d[v]
        missing = int(col.isna().sum())
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > 2:
            values = [col[d[group].astype(str) == g].dropna().to_numpy(float) for g in groups]
            rec: dict[str, object] = {"variable": v, "level": ""}
            for g, x in zip(
                [*groups, "total"], [*values, col.dropna().to_numpy(float)], strict=True
            ):
                rec[g] = _describe(x, numeric_summary, quantile_type)
            r = compare_numeric(values, numeric_summary, var_equal=var_equal)
            rec.update({"test": r.test, "statistic": r.statistic, "df": r.df, "p": r.p})
            rows.append({**rec, "missing": missing})
        else:
            counts = pd.crosstab(col.astype(str).where(col.notna()), d[group].astype(str))
            counts = counts.reindex(columns=groups, fill_value=0)
            for rec in _categorical_rows(v, counts, categorical_test, correct):
                rows.append({**rec, "missing": missing})
    return pd.DataFrame(rows)


def quantile(x: np.ndarray, probs: Sequence[float], type: int = 7) -> np.ndarray:
    """Sample quantiles as R's ``quantile(x, probs, type=)`` (Hyndman & Fan's 9 types).

    Parameters
    ----------
    x
        Values (NaN ignored).
    probs
        Probabilities in [0, 1].
    type
        R's type: 7 (R's default), 6 (SPSS's), or any of 1-9.

    Returns
    -------
    numpy.ndarray
        One quantile per probability.
    """
    if type not in QUANTILE_TYPES:
        raise ParameterError(f"quantile type {type!r}: choose 1 to 9 (R's types)")
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return np.full(len(probs), math.nan)
    method = QUANTILE_TYPES[type]
    return np.asarray(np.quantile(v, np.asarray(probs, dtype=float), method=method))  # type: ignore[call-overload]


def _describe(x: np.ndarray, how: str, quantile_type: int = 7) -> str:
    if len(x) == 0:
        return "-"
    if how == "mean_sd":
        sd = f"{float(np.std(x, ddof=1)):.1f}" if len(x) > 1 else "-"  # R's sd of one: NA
        return f"{x.mean():.1f} ± {sd}"
    med = float(np.median(x))
    if how == "median_iqr":
        q1, q3 = quantile(x, [0.25, 0.75], quantile_type)
        return f"{med:.1f} ({q1:.1f}, {q3:.1f})"
    return f"{med:.1f} ({x.min():.1f}-{x.max():.1f})"


def table_from_counts(
    counts: Mapping[str, Mapping[str, Sequence[int]]],
    groups: Sequence[str],
    test: str = "auto",
) -> pd.DataFrame:
    """A categorical table from counts alone (a published table, say).

    Parameters
    ----------
    counts
        ``{variable: {level: [n per group]}}``.
    groups
        The group names, in the order of the counts.
    test
        As :func:`compare_categorical`.

    Returns
    -------
    pandas.DataFrame
        As :func:`baseline_table` for categorical variables.
    """
    rows: list[dict[str, object]] = []
    for variable, levels in counts.items():
        frame = pd.DataFrame.from_dict(
            {k: list(v) for k, v in levels.items()}, orient="index", columns=list(groups)
        )
        if (frame.to_numpy() < 0).any():
            raise ParameterError(f"{variable}: negative counts")
        rows.extend(_categorical_rows(variable, frame, test))
    return pd.DataFrame(rows)


def check_published(
    table: pd.DataFrame,
    published: Mapping[str, Mapping[str, float]],
    statistic_digits: int = 3,
    p_digits: int = 3,
) -> pd.DataFrame:
    """Compare recomputed chi-square/P with published ones (rounded as printed).

    Parameters
    ----------
    table
        As :func:`baseline_table` or :func:`table_from_counts` return it.
    published
        ``{variable: {"statistic": 7.866, "p": 0.005}}`` (either key may be missing; a P
        printed as "< 0.001" is given as 0.001 and checked as an upper bound).
    statistic_digits, p_digits
        Decimals the publication printed.

    Returns
    -------
    pandas.DataFrame
        variable, what, published, recomputed, agrees.
    """
    first = table[table["test"] != ""].set_index("variable")
    out = []
    for variable, values in published.items():
        if variable not in first.index:
            raise ParameterError(f"{variable!r} is not in the recomputed table")
        row = first.loc[variable]
        for what, value in values.items():
            cell: object = row["statistic"] if what == "statistic" else row["p"]
            mine = float(cell)  # type: ignore[arg-type]  # one cell of a numeric column
            digits = statistic_digits if what == "statistic" else p_digits
            if what == "p" and value <= 10**-p_digits:
                agrees = mine < value
            else:
                agrees = round(mine, digits) == round(value, digits)
            out.append(
                {"variable": variable, "what": what, "published": value,
                 "recomputed": mine, "agrees": bool(agrees)}
            )  # fmt: skip
    return pd.DataFrame(out)
