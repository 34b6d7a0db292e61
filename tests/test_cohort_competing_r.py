"""Fine-Gray, cumulative incidence and Gray's test against R on R's data and on edge cases.

Witness: R 4.2.2, cmprsk 2.2-11: ``crr(ftime, fstatus, cov1, failcode, cencode = 0)``
(coefficients, ``sqrt(diag(var))``, ``n.missing``, ``converged``), ``cuminc`` (with and
without ``strata=``: ``$Tests``; ``timepoints``), on R's own data sets exported by R at run
time from survival 3.5-3 (mgus2: time to the first of progression or death, as cmprsk's
examples, age + male + hgb, 13 with missing values; pbc: 1 transplant, 2 death, age + edema,
trt with 106 missing, strata sex) and on SYNTHETIC edge cases: tied times with a three-level
factor and missing covariates, a stratum lacking a group (cuminc's statistic), one patient, a separated table
(crr: not converged), collinear covariates (crr: singular system). Everything to 1e-6
relative (1e-10 absolute near zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.competing import cumulative_incidence, fine_gray, gray_test
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
library(survival); library(cmprsk)
fg <- function(d, covs, name, cause, gtol = 1e-6, maxiter = 10) {
  X <- model.matrix(as.formula(paste("~", paste(covs, collapse = "+"))),
                    model.frame(d, na.action = na.pass))[, -1, drop = FALSE]
  f <- crr(d$ftime, d$fstatus, X, failcode = cause, cencode = 0, gtol = gtol, maxiter = maxiter)
  write.csv(data.frame(term = names(f$coef), coef = f$coef, se = sqrt(diag(f$var)),
                       n = f$n, nmiss = f$n.missing, converged = f$converged),
            paste0("crr_", name, "_", cause, ".csv"), row.names = FALSE)
}
gray <- function(d, name, strata = NULL) {
  f <- if (is.null(strata)) cuminc(d$ftime, d$fstatus, d$g) else cuminc(d$ftime, d$fstatus, d$g, strata = d[[strata]])
  write.csv(data.frame(cause = as.integer(rownames(f$Tests)), statistic = f$Tests[, "stat"],
                       df = f$Tests[, "df"], p = f$Tests[, "pv"]), paste0("gray_", name, ".csv"), row.names = FALSE)
}
d <- mgus2
mg <- data.frame(ftime = ifelse(d$pstat == 0, d$futime, d$ptime),
                 fstatus = ifelse(d$pstat == 0, 2 * d$death, 1),
                 age = d$age, male = as.integer(d$sex == "M"), hgb = d$hgb)
write.csv(mg, "dataset_mgus2.csv", row.names = FALSE)
for (cause in 1:2) fg(mg, c("age", "male", "hgb"), "mgus2", cause)
pb <- data.frame(ftime = pbc$time, fstatus = pbc$status, age = pbc$age, edema = pbc$edema,
                 g = pbc$trt, sex = as.character(pbc$sex))
write.csv(pb, "dataset_pbc.csv", row.names = FALSE)
for (cause in 1:2) fg(pb, c("age", "edema"), "pbc", cause)
gray(pb, "pbc"); gray(pb, "pbc_sex", "sex")
ci <- cuminc(pb$ftime, pb$fstatus, pb$g)
tp <- timepoints(ci, c(1000, 2000, 3000))
write.csv(data.frame(name = rownames(tp$est), est = tp$est, var = tp$var), "cif_pbc.csv", row.names = FALSE)
e <- read.csv("data.csv", stringsAsFactors = FALSE)
ties <- e[e$case == "ties", ]
for (cause in 1:2) fg(ties, c("grp", "x"), "ties", cause)
gray(ties, "ties_s2", "s2"); gray(ties, "ties_s", "s")
sep <- e[e$case == "separated", ]
fg(sep, c("x"), "separated", 1, 1e-6, 10)
r <- tryCatch(crr(sep$ftime, sep$fstatus, cbind(x = sep$x, y = 2 * sep$x)), error = function(e) conditionMessage(e))
write.csv(data.frame(message = r), "singular.csv", row.names = FALSE)
one <- cuminc(5, 1)
write.csv(data.frame(time = one[[1]]$time, est = one[[1]]$est, var = one[[1]]$var), "one.csv", row.names = FALSE)
r <- tryCatch(cuminc(5, 0), error = function(e) conditionMessage(e))
write.csv(data.frame(message = r), "one_censored.csv", row.names = FALSE)
"""


def synthetic() -> pd.DataFrame:
    """SYNTHETIC: 120 patients, month-rounded times (many ties), 3-level factor, 4 missing x;
    stratum s = "b" has no patient of group "C"; and a separated 12-patient table."""
    rng = np.random.default_rng(15)
    n = 120
    grp = rng.choice(["A", "B", "C"], n)
    x = rng.normal(0, 1, n).round(1)
    rate = np.exp(0.4 * x + np.where(grp == "B", 0.5, 0.0)) / 20
    t1, t2 = rng.exponential(1 / rate), rng.exponential(40.0, n)
    c = rng.uniform(5, 60, n)
    ftime = np.ceil(np.minimum.reduce([t1, t2, c]) / 3)
    fstatus = np.select([t1 <= np.minimum(t2, c), t2 <= c], [1, 2], 0)
    s = np.where(rng.random(n) < 0.5, "a", "b")
    grp[(s == "b") & (grp == "C")] = "B"
    x[[3, 17, 40, 77]] = np.nan
    ties = pd.DataFrame({"case": "ties", "ftime": ftime, "fstatus": fstatus, "grp": grp, "x": x})
    ties = ties.assign(g=grp, s=s, s2=np.where(rng.random(n) < 0.4, "u", "v"))
    sep = pd.DataFrame(
        {
            "case": "separated",
            "ftime": np.arange(1.0, 13.0),
            "fstatus": [1, 1, 1, 1, 2, 2, 0, 0, 2, 0, 0, 2],
            "x": [1.0] * 4 + [0.0] * 8,
        }
    )
    return pd.concat([ties, sep], ignore_index=True)


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, synthetic(), tmp_path_factory.mktemp("r"))


def data_of(r: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if f"dataset_{name}" in r:
        return r[f"dataset_{name}"]
    d = synthetic()
    return d[d["case"] == name].reset_index(drop=True)


COVARIATES = {"mgus2": ["age", "male", "hgb"], "pbc": ["age", "edema"], "ties": ["grp", "x"]}


@pytest.mark.parametrize("cause", [1, 2])
@pytest.mark.parametrize("name", ["mgus2", "pbc", "ties"])
def test_fine_gray_equals_crr(r: dict[str, pd.DataFrame], name: str, cause: int) -> None:
    """crr's coefficients and standard errors (with the censoring term) to 1e-6."""
    ours = fine_gray(data_of(r, name), "ftime", "fstatus", COVARIATES[name], cause=cause)
    theirs = r[f"crr_{name}_{cause}"]
    assert ours.table["term"].tolist() == theirs["term"].tolist()
    np.testing.assert_allclose(ours.table["coef"], theirs["coef"], rtol=1e-6)
    np.testing.assert_allclose(ours.table["se"], theirs["se"], rtol=1e-6)
    assert ours.n == int(theirs["n"].iloc[0])
    assert ours.n_dropped == int(theirs["nmiss"].iloc[0])
    assert ours.converged
    assert bool(theirs["converged"].iloc[0])
    assert ours.warnings == ()


def test_mgus2_drops_thirteen(r: dict[str, pd.DataFrame]) -> None:
    """mgus2: 13 patients without hgb, left out and counted as crr's n.missing."""
    ours = fine_gray(data_of(r, "mgus2"), "ftime", "fstatus", COVARIATES["mgus2"])
    assert (ours.n, ours.n_dropped) == (1371, 13)


def test_separated_fit_is_not_a_number(r: dict[str, pd.DataFrame]) -> None:
    """crr does not converge on a separated table; ours says the coefficient may be infinite."""
    assert not bool(r["crr_separated_1"]["converged"].iloc[0])
    ours = fine_gray(data_of(r, "separated"), "ftime", "fstatus", ["x"])
    assert not ours.converged
    assert any("coefficient may be infinite" in w for w in ours.warnings)


def test_singular_information_is_named(r: dict[str, pd.DataFrame]) -> None:
    """crr stops on collinear covariates (a singular system); ours names why."""
    assert "singular" in r["singular"]["message"].iloc[0]
    d = data_of(r, "separated").assign(y=lambda f: 2 * f["x"])
    with pytest.raises(ParameterError, match="information matrix is singular"):
        fine_gray(d, "ftime", "fstatus", ["x", "y"])


def test_fine_gray_without_events_of_the_cause() -> None:
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "s": [2, 0, 2, 0], "x": [0.0, 1, 0, 1]})
    with pytest.raises(ParameterError, match="no events of cause 1"):
        fine_gray(d, "t", "s", ["x"])


@pytest.mark.parametrize(("name", "strata"), [("pbc", None), ("pbc_sex", "sex"), ("ties_s2", "s2")])
def test_gray_test_equals_cuminc(r: dict[str, pd.DataFrame], name: str, strata: str | None) -> None:
    """Gray's test, plain and stratified (cuminc's strata=), with missing groups dropped."""
    data = data_of(r, name.split("_")[0])
    ours = gray_test(data, "ftime", "fstatus", "g", strata=strata)
    theirs = r[f"gray_{name}"].sort_values("cause")
    np.testing.assert_allclose(ours.table["statistic"], theirs["statistic"], rtol=1e-6)
    np.testing.assert_allclose(ours.table["p"], theirs["p"], rtol=1e-6)
    assert ours.table["df"].tolist() == theirs["df"].astype(int).tolist()
    assert ours.n_dropped == (106 if name.startswith("pbc") else 0)


def test_stratum_without_a_group_equals_cuminc(r: dict[str, pd.DataFrame]) -> None:
    """A stratum lacking a group (s = "b" has no "C"): cuminc's statistic, df and P."""
    ours = gray_test(data_of(r, "ties"), "ftime", "fstatus", "g", strata="s")
    theirs = r["gray_ties_s"].sort_values("cause")
    np.testing.assert_allclose(ours.table["statistic"], theirs["statistic"], rtol=1e-6)
    np.testing.assert_allclose(ours.table["p"], theirs["p"], rtol=1e-6)
    assert ours.table["df"].tolist() == theirs["df"].astype(int).tolist()


def test_pbc_gray_statistic_from_the_issue(r: dict[str, pd.DataFrame]) -> None:
    ours = gray_test(data_of(r, "pbc"), "ftime", "fstatus", "g").table.iloc[0]
    assert (round(ours["statistic"], 6), ours["df"], round(ours["p"], 3)) == (0.019427, 1, 0.889)


def test_cumulative_incidence_drops_missing_groups(r: dict[str, pd.DataFrame]) -> None:
    """pbc by trt: no group "nan"; estimates and variances equal timepoints(cuminc)."""
    ours = cumulative_incidence(data_of(r, "pbc"), "ftime", "fstatus", "g", [1000, 2000, 3000])
    assert ours.n_dropped == 106
    assert sorted(set(ours.table["group"])) == ["1", "2"]
    theirs = r["cif_pbc"]
    for _, row in theirs.iterrows():
        group, cause = row["name"].split()
        mine = ours.at[(ours.at["group"] == group) & (ours.at["cause"] == int(cause))]
        est = [row[f"est.{t}"] for t in (1000, 2000, 3000)]
        var = [row[f"var.{t}"] for t in (1000, 2000, 3000)]
        np.testing.assert_allclose(mine["estimate"], est, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(mine["variance"], var, rtol=1e-6, atol=1e-10)


def test_one_patient(r: dict[str, pd.DataFrame]) -> None:
    """cuminc(5, 1): 0 before day 5, then 1 with variance 1; R stops on cuminc(5, 0)."""
    one = r["one"]
    ours = cumulative_incidence(pd.DataFrame({"t": [5.0], "s": [1]}), "t", "s", times=[4, 5, 6])
    assert ours.at["estimate"].tolist() == [0.0, *one["est"].iloc[-2:]]
    assert ours.at["variance"].tolist() == [0.0, *one["var"].iloc[-2:]]
    assert "NA" in r["one_censored"]["message"].iloc[0]
    with pytest.raises(ParameterError, match="no events of any cause"):
        cumulative_incidence(pd.DataFrame({"t": [5.0], "s": [0]}), "t", "s")


def test_gray_test_needs_two_groups() -> None:
    d = pd.DataFrame({"t": [1.0, 2, 3], "s": [1, 0, 1], "g": ["a", None, "a"]})
    with pytest.raises(ParameterError, match="two groups or more"):
        gray_test(d, "t", "s", "g")
