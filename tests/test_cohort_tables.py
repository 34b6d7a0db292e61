"""Baseline tables: the study's published chi-square values from their counts, and every test
against R 4.2.2 (stats: chisq.test(correct=FALSE), fisher.test, oneway.test(var.equal=TRUE),
kruskal.test, wilcox.test, t.test(paired=TRUE)) on SYNTHETIC values, to 1e-6 relative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.tables import (
    baseline_table,
    check_published,
    compare_categorical,
    compare_numeric,
    paired_comparison,
    table_from_counts,
)
from r_witness import run_r

# ASSAY.md section 4, Table 1: deleted (50) vs not deleted (92)
TABLE1 = {
    "WBC >= 30": {"yes": [26, 26], "no": [24, 66]},
    "MRD day 14 > 1 %": {"yes": [30, 27], "no": [20, 65]},
    "Ph+": {"yes": [26, 20], "no": [24, 72]},
    "male": {"yes": [26, 47], "no": [24, 45]},
    "CR after course 1": {"yes": [35, 74], "no": [15, 18]},
}
PUBLISHED = {
    "WBC >= 30": {"statistic": 7.866, "p": 0.005},
    "MRD day 14 > 1 %": {"statistic": 12.667, "p": 0.001},
    "Ph+": {"statistic": 13.545, "p": 0.001},
    "male": {"statistic": 0.011},
    "CR after course 1": {"statistic": 1.977, "p": 0.160},
}


def test_published_table1_recomputed_from_counts() -> None:
    """Pearson chi-square without continuity correction (SPSS's default) reproduces every
    published value; with Yates' correction WBC would be 6.93, not 7.866."""
    table = table_from_counts(TABLE1, ["deleted", "not deleted"])
    check = check_published(table, PUBLISHED)
    assert check["agrees"].all(), check
    first = table[table["test"] != ""].set_index("variable")
    assert first.loc["WBC >= 30", "statistic"] == pytest.approx(7.8656, abs=1e-4)
    assert set(first["test"]) == {"Pearson chi-square"}
    assert first.loc["WBC >= 30", "deleted"] == "26 (52.0)"


def test_an_inconsistent_published_cell_is_flagged() -> None:
    """A P printed beside a chi-square it cannot come from (as two cells of the paper)."""
    table = table_from_counts({"LDH high": {"yes": [30, 40], "no": [20, 52]}}, ["d", "n"])
    check = check_published(table, {"LDH high": {"statistic": 3.1, "p": 0.001}})
    assert check["agrees"].tolist() == [False, False]


R_SCRIPT = r"""
d <- read.csv("data.csv")
out <- list()
add <- function(name, t) {
  s <- if (is.null(t$statistic)) NA else unname(t$statistic)[1]
  out[[name]] <<- data.frame(name = name, statistic = s, p = t$p.value)
}
m22 <- matrix(c(12, 5, 7, 19), 2); m32 <- matrix(c(12, 5, 9, 7, 19, 11), 3)
add("chisq22", chisq.test(m22, correct = FALSE)); add("chisq32", chisq.test(m32, correct = FALSE))
add("fisher22", fisher.test(matrix(c(3, 1, 1, 6), 2)))
add("fisher23", fisher.test(matrix(c(3, 1, 1, 5, 2, 0), 2)))
add("fisher33", fisher.test(matrix(c(2, 0, 3, 1, 4, 0, 0, 2, 3), 3)))
add("anova", oneway.test(x ~ g, data = d, var.equal = TRUE))
add("kruskal", kruskal.test(x ~ g, data = d))
two <- subset(d, g != "c")
add("mw_approx", wilcox.test(x ~ g, data = two))
small <- data.frame(v = c(1.1, 2.3, 3.8, 4.2, 5.9, 0.7, 6.6, 7.1), k = rep(c("a", "b"), 4))
add("mw_exact", wilcox.test(v ~ k, data = small))
add("t_paired", t.test(d$after, d$before, paired = TRUE))
add("w_paired", wilcox.test(d$after, d$before, paired = TRUE))
sm <- d[1:12, ]
add("w_paired_exact", wilcox.test(sm$after2, sm$before, paired = TRUE))
write.csv(do.call(rbind, out), "tests.csv", row.names = FALSE)
"""


def values(seed: int = 8, n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(["a", "b", "c"], n // 3)
    x = np.round(rng.normal(np.select([g == "a", g == "b"], [10.0, 11.0], 12.5), 2.5), 0)
    before = np.round(rng.normal(100, 15, n), 0)
    after = before + np.round(rng.normal(4, 8, n), 0)  # ties and zeros: R's normal approximation
    after2 = before + rng.normal(4, 8, n).round(3) + np.arange(n) * 1e-3  # distinct, no zeros
    return pd.DataFrame({"g": g, "x": x, "before": before, "after": after, "after2": after2})


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run_r(R_SCRIPT, values(), tmp_path_factory.mktemp("r"))["tests"].set_index("name")


def test_categorical_tests_equal_r(r: pd.DataFrame) -> None:
    cases = {
        "chisq22": np.array([[12, 7], [5, 19]]),
        "chisq32": np.array([[12, 7], [5, 19], [9, 11]]),
        "fisher22": np.array([[3, 1], [1, 6]]),
        "fisher23": np.array([[3, 1, 2], [1, 5, 0]]),
        "fisher33": np.array([[2, 1, 0], [0, 4, 2], [3, 0, 3]]),
    }
    for name, counts in cases.items():
        res = compare_categorical(counts)
        assert res.test == ("Pearson chi-square" if name.startswith("chisq") else "Fisher's exact")
        assert res.p == pytest.approx(r.loc[name, "p"], rel=1e-6), name
        if name.startswith("chisq"):
            assert res.statistic == pytest.approx(r.loc[name, "statistic"], rel=1e-6)


def test_numeric_and_paired_tests_equal_r(r: pd.DataFrame) -> None:
    d = values()
    groups = [d.loc[d["g"] == k, "x"].to_numpy() for k in "abc"]
    for name, res in {
        "anova": compare_numeric(groups, "mean_sd"),
        "kruskal": compare_numeric(groups, "median_iqr"),
        "mw_approx": compare_numeric(groups[:2], "median_iqr"),
        "mw_exact": compare_numeric([np.array([1.1, 3.8, 5.9, 6.6]),
                                     np.array([2.3, 4.2, 0.7, 7.1])], "median_iqr"),
    }.items():  # fmt: skip
        assert res.p == pytest.approx(r.loc[name, "p"], rel=1e-6), name
        assert res.statistic == pytest.approx(r.loc[name, "statistic"], rel=1e-6), name
    paired = paired_comparison(d, "before", "after").set_index("test")
    assert paired.loc["paired t-test", "p"] == pytest.approx(r.loc["t_paired", "p"], rel=1e-6)
    assert paired.loc["paired t-test", "statistic"] == pytest.approx(
        r.loc["t_paired", "statistic"], rel=1e-6
    )
    w = paired.loc["Wilcoxon signed-rank"]
    assert w["p"] == pytest.approx(r.loc["w_paired", "p"], rel=1e-6)
    assert w["statistic"] == pytest.approx(r.loc["w_paired", "statistic"], rel=1e-6)
    exact = paired_comparison(d.iloc[:12], "before", "after2").set_index("test")
    assert exact.loc["Wilcoxon signed-rank", "p"] == pytest.approx(
        r.loc["w_paired_exact", "p"], rel=1e-6
    )


def test_baseline_table_from_patient_rows_names_its_tests() -> None:
    rng = np.random.default_rng(3)
    d = pd.DataFrame(
        {
            "deletion": np.repeat(["deleted", "not deleted"], [20, 40]),
            "age": rng.normal(35, 10, 60).round(0),
            "sex": rng.choice(["female", "male"], 60),
            "rare": ["yes"] * 3 + ["no"] * 57,
        }
    )
    d.loc[5, "sex"] = None
    t = baseline_table(d, "deletion", ["age", "sex", "rare"], numeric_summary="median_iqr")
    tests = t[t["test"] != ""].set_index("variable")["test"].to_dict()
    assert tests == {"age": "Mann-Whitney U", "sex": "Pearson chi-square", "rare": "Fisher's exact"}
    assert t.set_index("variable").loc["age", "missing"] == 0
    assert t[t["variable"] == "sex"]["missing"].iloc[0] == 1
    mean = baseline_table(d, "deletion", ["age"])
    assert mean["test"].iloc[0] == "one-way ANOVA"
    assert "±" in mean["deleted"].iloc[0]
