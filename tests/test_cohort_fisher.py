"""Fisher's exact test for r x c tables and the tables' options (Yates, Welch, quantile type)
against R 4.2.2's fisher.test, chisq.test(correct=TRUE), t.test, oneway.test and quantile, on
SYNTHETIC tables and values, to 1e-6 relative."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.tables import (
    baseline_table,
    compare_categorical,
    compare_numeric,
    fisher_exact,
    fisher_exact_rxc,
    quantile,
)
from ikzf1assay.errors import ParameterError
from r_witness import run_r

TABLES = {
    "t22": [[3, 1], [1, 6]],
    "t23": [[3, 1, 2], [1, 5, 0]],
    "t33": [[2, 1, 0], [0, 4, 2], [3, 0, 3]],
    "t44a": [[10, 5, 4, 5], [4, 8, 7, 5], [6, 5, 9, 4], [5, 7, 4, 8]],
    "t44b": [[7, 6, 5, 6], [5, 7, 6, 6], [6, 5, 7, 6], [6, 6, 6, 6]],
    "t44c": [[9, 4, 6, 5], [6, 7, 5, 6], [4, 6, 8, 6], [5, 7, 5, 7]],
    "t54": [[3, 0, 1, 0], [0, 2, 0, 1], [1, 0, 0, 4], [0, 1, 2, 0], [2, 0, 0, 1]],
    "t36": [[1, 0, 2, 0, 3, 1], [0, 2, 0, 1, 0, 2], [2, 1, 0, 0, 1, 0]],
    "t26": [[5, 0, 3, 2, 1, 4], [1, 4, 2, 0, 3, 1]],
    "t55": [[4, 1, 0, 2, 1], [1, 3, 2, 0, 0], [0, 1, 5, 1, 2], [2, 0, 1, 4, 1], [1, 2, 0, 1, 3]],
}


def _random_tables(seed: int = 11, k: int = 24) -> dict[str, list[list[int]]]:
    """Sparse tables of clinical size, 2 to 5 rows and columns, 8 to 45 patients."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(k):
        r, c = rng.integers(2, 6, size=2)
        t = rng.poisson(rng.gamma(1.0, 2.0, size=(r, c)))
        t[0, 0] += 1
        t[-1, -1] += 1  # at least two rows and columns with counts
        out[f"random{i}"] = t.tolist()
    return out


TABLES.update(_random_tables())

R_SCRIPT = r"""
d <- read.csv("data.csv")
tabs <- split(d, d$name)
out <- do.call(rbind, lapply(names(tabs), function(n) {
  t <- tabs[[n]]; m <- matrix(0, max(t$i), max(t$j)); m[cbind(t$i, t$j)] <- t$x
  data.frame(name = n, p = fisher.test(m, workspace = 2e8)$p.value)
}))
write.csv(out, "fisher.csv", row.names = FALSE)
x <- c(3.1, 4.7, 5.2, 6.8, 2.9, 8.4, 5.5); y <- c(7.9, 6.1, 9.4, 12.2, 8.8, 10.3, 7.7, 11.9, 9.1)
z <- c(4.2, 5.9, 3.3, 6.6, 5.1)
yates <- chisq.test(matrix(c(26, 24, 26, 66), 2), correct = TRUE)
welch <- t.test(x, y)
g <- data.frame(v = c(x, y, z), k = rep(c("a", "b", "c"), c(7, 9, 5)))
wa <- oneway.test(v ~ k, data = g)
opt <- data.frame(
  name = c("yates", "welch", "welch_anova"),
  statistic = c(unname(yates$statistic), unname(welch$statistic), unname(wa$statistic)),
  df = c(1, unname(welch$parameter), unname(wa$parameter)[1]),
  p = c(yates$p.value, welch$p.value, wa$p.value))
write.csv(opt, "options.csv", row.names = FALSE)
q <- do.call(rbind, lapply(1:9, function(ty) data.frame(type = ty,
  q1 = quantile(y, 0.25, type = ty), q3 = quantile(y, 0.75, type = ty),
  e1 = quantile(x, 0.1, type = ty))))
write.csv(q, "quantiles.csv", row.names = FALSE)
"""
X = [3.1, 4.7, 5.2, 6.8, 2.9, 8.4, 5.5]
Y = [7.9, 6.1, 9.4, 12.2, 8.8, 10.3, 7.7, 11.9, 9.1]
Z = [4.2, 5.9, 3.3, 6.6, 5.1]


def _cells() -> pd.DataFrame:
    rows = []
    for name, t in TABLES.items():
        for i, row in enumerate(t):
            for j, x in enumerate(row):
                rows.append({"name": name, "i": i + 1, "j": j + 1, "x": x})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, _cells(), tmp_path_factory.mktemp("r"))


def test_fisher_exact_equals_r_on_tables_of_every_shape(r: dict[str, pd.DataFrame]) -> None:
    expected = r["fisher"].set_index("name")["p"]
    for name, t in TABLES.items():
        a = np.array(t)
        assert fisher_exact(a) == pytest.approx(expected[name], rel=1e-6), name
        assert fisher_exact(a.T) == pytest.approx(expected[name], rel=1e-6), name
    assert fisher_exact_rxc(np.array(TABLES["t33"])) == fisher_exact(np.array(TABLES["t33"]))


def test_fisher_4x4_with_96_patients_is_fast() -> None:
    start = time.perf_counter()
    fisher_exact(np.array(TABLES["t44a"]))
    assert time.perf_counter() - start < 2.0  # about 0.3 s on one core


def test_simulated_fisher_is_seeded_and_near_the_exact_p(r: dict[str, pd.DataFrame]) -> None:
    a = np.array(TABLES["t36"])
    exact = float(r["fisher"].set_index("name")["p"]["t36"])
    p1 = fisher_exact(a, simulate=True, B=20000, seed=5)
    assert p1 == fisher_exact(a, simulate=True, B=20000, seed=5)
    assert abs(p1 - exact) < 4 * np.sqrt(exact * (1 - exact) / 20000)
    res = compare_categorical(a, "fisher", simulate=True, B=500, seed=1)
    assert res.test == "Fisher's exact (simulated P)"
    assert (res.p * 501) == pytest.approx(round(res.p * 501))


def test_fisher_refuses_what_r_refuses() -> None:
    with pytest.raises(ParameterError, match="at least 2 rows and 2 columns"):
        fisher_exact(np.array([[3, 0], [4, 0]]))
    with pytest.raises(ParameterError, match="non-negative integer"):
        fisher_exact(np.array([[3, -1], [4, 2]]))
    with pytest.raises(ParameterError, match="use simulate=True"):
        fisher_exact(np.full((8, 8), 30))  # R: FEXACT's workspace error
    with pytest.raises(ParameterError, match="B = 0"):
        fisher_exact(np.array([[3, 1], [4, 2]]), simulate=True, B=0)


def test_yates_and_welch_equal_r(r: dict[str, pd.DataFrame]) -> None:
    opt = r["options"].set_index("name")
    yates = compare_categorical(np.array([[26, 26], [24, 66]]), correct=True)
    assert yates.test == "Pearson chi-square with Yates' correction"
    assert yates.statistic == pytest.approx(opt.loc["yates", "statistic"], rel=1e-6)
    assert yates.p == pytest.approx(opt.loc["yates", "p"], rel=1e-6)
    welch = compare_numeric([np.array(X), np.array(Y)], var_equal=False)
    anova = compare_numeric([np.array(X), np.array(Y), np.array(Z)], var_equal=False)
    for name, res in (("welch", welch), ("welch_anova", anova)):
        for what in ("statistic", "df", "p"):
            assert getattr(res, what) == pytest.approx(opt.loc[name, what], rel=1e-6), name


def test_quantile_types_equal_r(r: dict[str, pd.DataFrame]) -> None:
    for _, row in r["quantiles"].iterrows():
        ty = int(row["type"])
        q1, q3 = quantile(np.array(Y), [0.25, 0.75], ty)
        assert (q1, q3) == pytest.approx((row["q1"], row["q3"]), rel=1e-6), ty
        assert quantile(np.array(X), [0.1], ty)[0] == pytest.approx(row["e1"], rel=1e-6), ty
    d = pd.DataFrame({"g": ["a"] * 7 + ["b"] * 9, "v": X + Y})
    spss = baseline_table(d, "g", ["v"], "median_iqr", quantile_type=6)
    q1, q3 = quantile(np.array(Y), [0.25, 0.75], 6)
    assert spss["b"].iloc[0] == f"{np.median(Y):.1f} ({q1:.1f}, {q3:.1f})"
    with pytest.raises(ParameterError, match="quantile type"):
        baseline_table(d, "g", ["v"], "median_iqr", quantile_type=10)


def test_a_group_of_one_has_no_standard_deviation() -> None:
    d = pd.DataFrame({"g": ["a", "b", "b", "b"], "age": [45.0, 30.0, 41.0, 52.0]})
    t = baseline_table(d, "g", ["age"])
    assert t["a"].iloc[0] == "45.0 ± -"
    assert t["b"].iloc[0] == "41.0 ± 11.0"
