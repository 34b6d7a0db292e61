"""Kaplan-Meier, log-rank (plain and stratified), RMST and Nelson-Aalen against R on R's data.

Witness: R 4.2.2, survival 3.5-3: ``survfit`` (``summary(fit)``, ``summary(fit)$table`` for the
median and its limits with conf.type log and log-log, ``print(fit, rmean = tau)``'s ``rmean``
and ``se(rmean)``, ``$cumhaz`` and ``$std.chaz``), ``survdiff`` (rho 0 and 1, with and
without ``strata()``), on R's own data sets exported by R at run time (aml; ovarian by rx,
strata ecog.ps; pbc deaths by trt, 106 missing, strata sex; colon deaths by rx, strata sex)
and on small edge cases (no events, one event, all tied, all tied deaths (R stops), time-0 events, a group without
events or without expected events, a single patient, a median whose lower limit is NA).
Everything to 1e-6 relative (1e-10 absolute near zero).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.nelson_aalen import nelson_aalen
from ikzf1assay.cohort.rmst import rmst
from ikzf1assay.cohort.survival import kaplan_meier, logrank
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
library(survival)
lab <- function(x) if (is.null(x)) "all" else sub(".*=", "", as.character(x))
tab <- function(fit, tau) {
  tb <- summary(fit, rmean = tau)$table
  if (is.null(dim(tb))) tb <- t(as.matrix(tb))
  data.frame(group = if (is.null(fit$strata)) "all" else sub(".*=", "", rownames(tb)),
             n = tb[, "records"], events = tb[, "events"], rmean = tb[, "rmean"],
             se = tb[, "se(rmean)"], median = tb[, "median"], lower = tb[, "0.95LCL"],
             upper = tb[, "0.95UCL"])
}
survival_all <- function(d, name, tau, grouped, strata = NULL) {
  f <- if (grouped) Surv(time, event) ~ g else Surv(time, event) ~ 1
  for (ct in c("log", "log-log")) {
    fit <- survfit(f, data = d, conf.type = ct)
    write.csv(tab(fit, tau), paste0(name, "__table_", gsub("-", "", ct), ".csv"), row.names = FALSE)
    s <- summary(fit)
    if (length(s$time) > 0)
      write.csv(data.frame(group = lab(s$strata), time = s$time, n_risk = s$n.risk,
                           n_event = s$n.event, survival = s$surv, std_err = s$std.err,
                           lower = s$lower, upper = s$upper),
                paste0(name, "__km_", gsub("-", "", ct), ".csv"), row.names = FALSE)
  }
  group <- if (is.null(fit$strata)) rep("all", length(fit$time)) else
    sub(".*=", "", rep(names(fit$strata), fit$strata))
  write.csv(data.frame(group = group, time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                       cumhaz = fit$cumhaz, std_err = fit$std.chaz,
                       dropped = length(fit$na.action)),
            paste0(name, "__na.csv"), row.names = FALSE)
  if (!grouped) return(invisible())
  for (rho in c(0, 1)) {
    sd <- try(survdiff(Surv(time, event) ~ g, data = d, rho = rho), silent = TRUE)
    if (inherits(sd, "try-error")) {
      write.csv(data.frame(error = as.character(sd)), paste0(name, "__lr", rho, ".csv"), row.names = FALSE)
      next
    }
    write.csv(data.frame(group = sub(".*=", "", names(sd$n)), n = as.vector(sd$n), observed = sd$obs,
                         expected = sd$exp, chisq = sd$chisq, df = sum(sd$exp > 0) - 1, p = sd$pvalue),
              paste0(name, "__lr", rho, ".csv"), row.names = FALSE)
    if (!is.null(strata)) {
      d$s <- d[[strata]]
      sd <- survdiff(Surv(time, event) ~ g + strata(s), data = d, rho = rho)
      o <- rowSums(sd$obs); e <- rowSums(sd$exp)
      write.csv(data.frame(group = sub(".*=", "", names(sd$n)), observed = o, expected = e,
                           chisq = sd$chisq, df = sum(e > 0) - 1, p = sd$pvalue),
                paste0(name, "__strat", rho, ".csv"), row.names = FALSE)
    }
  }
}
aml2 <- data.frame(time = aml$time, event = aml$status, g = as.character(aml$x))
ov <- data.frame(time = ovarian$futime, event = ovarian$fustat, g = ovarian$rx, ecog = ovarian$ecog.ps)
pb <- data.frame(time = pbc$time, event = as.integer(pbc$status == 2), g = pbc$trt, sex = as.character(pbc$sex))
co <- subset(colon, etype == 2)
co <- data.frame(time = co$time, event = co$status, g = as.character(co$rx), sex = co$sex)
sets <- list(aml = list(aml2, 40, NULL), ovarian = list(ov, 1000, "ecog"),
             pbc = list(pb, 3000, "sex"), colon = list(co, 2000, "sex"))
for (nm in names(sets)) {
  x <- sets[[nm]]
  write.csv(x[[1]], paste0("dataset_", nm, ".csv"), row.names = FALSE)
  survival_all(x[[1]], nm, x[[2]], TRUE, x[[3]])
}
e <- read.csv("data.csv", stringsAsFactors = FALSE)
for (cs in unique(e$case)) {
  d <- e[e$case == cs, ]
  survival_all(d, cs, 5, length(unique(d$g)) > 1)
}
"""

DATASETS = {"aml": None, "ovarian": "ecog", "pbc": "sex", "colon": "sex"}

EDGE = {
    "no_events": ([1, 2, 3, 4], [0, 0, 0, 0], "abab"),
    "one_event": ([1, 2, 3, 4, 5], [0, 0, 1, 0, 0], "ababa"),
    "all_tied": ([2, 2, 2, 2, 2, 2], [1, 1, 0, 1, 0, 1], "ababab"),
    "time_zero": ([0, 0, 0, 1, 3, 4, 6, 7], [1, 1, 0, 1, 1, 0, 1, 0], "abababab"),
    "silent_group": ([1, 2, 3, 4, 5, 6, 7], [1, 0, 1, 0, 0, 1, 0], "abcabca"),
    "gone_early": ([1, 2, 3, 4, 5, 6], [0, 0, 1, 1, 0, 1], "ccabab"),
    "single": ([3], [1], "a"),
    "tied_deaths": ([1, 1], [1, 1], "ab"),
    "crossing_na": ([1, 2, 2, 2, 2], [1, 1, 1, 1, 1], "aaaaa"),
    "late_start": ([1, 2, 3, 4, 5, 6, 7], [0, 0, 1, 1, 1, 1, 0], "aaaaaaa"),
}


def edge_cases() -> pd.DataFrame:
    rows = [
        {"case": name, "time": t, "event": e, "g": g}
        for name, (times, events, groups) in EDGE.items()
        for t, e, g in zip(times, events, groups, strict=True)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, edge_cases(), tmp_path_factory.mktemp("r"))


def data_of(r: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if name in EDGE:
        d = edge_cases()
        return d[d["case"] == name].reset_index(drop=True)
    return r[f"dataset_{name}"]


def label(x: object) -> str:
    """R's label of a group: 1 rather than 1.0."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def close(mine: pd.Series | np.ndarray, theirs: pd.Series | np.ndarray) -> None:
    np.testing.assert_allclose(
        np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float), rtol=1e-6, atol=1e-10
    )


def by_group(mine: pd.DataFrame, theirs: pd.DataFrame, cols: list[str]) -> None:
    """Compare the rows of two tables keyed by group label (and order within a group)."""
    left = mine.assign(group=mine["group"].map(label)).sort_values("group", kind="stable")
    right = theirs.assign(group=theirs["group"].map(label)).sort_values("group", kind="stable")
    assert list(left["group"]) == list(right["group"])
    for c in cols:
        close(left[c], right[c])


GROUPED = [*DATASETS, *[n for n, v in EDGE.items() if len(set(v[2])) > 1]]
ALL = [*DATASETS, *EDGE]


def group_of(name: str) -> str | None:
    return "g" if name in GROUPED else None


@pytest.mark.parametrize("ct", ["log", "loglog"])
@pytest.mark.parametrize("name", ALL)
def test_kaplan_meier_equals_survfit(r: dict[str, pd.DataFrame], name: str, ct: str) -> None:
    """summary(survfit(Surv(time, event) ~ g, conf.type=ct)): every event-time row, and
    summary(fit)$table: n, events, median with its limits (NA where R has NA)."""
    conf = "log" if ct == "log" else "log-log"
    km = kaplan_meier(data_of(r, name), "time", "event", group=group_of(name), conf_type=conf)
    if f"{name}__km_{ct}" in r:
        cols = ["time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"]
        by_group(km.table, r[f"{name}__km_{ct}"], cols)
    else:
        assert km.table.empty
    by_group(km.median, r[f"{name}__table_{ct}"], ["n", "events", "median", "lower", "upper"])
    assert km.n_dropped == r[f"{name}__na"]["dropped"].iloc[0]


def test_pbc_drops_the_missing_treatment(r: dict[str, pd.DataFrame]) -> None:
    """pbc: 106 patients without trt, dropped by every function, as R's na.omit."""
    d = data_of(r, "pbc")
    assert kaplan_meier(d, "time", "event", group="g").n_dropped == 106
    assert logrank(d, "time", "event", "g").n_dropped == 106
    assert rmst(d, "time", "event", 3000, group="g").n_dropped == 106
    assert nelson_aalen(d, "time", "event", group="g").n_dropped == 106
    assert logrank(d, "time", "event", "g", strata="sex").n_dropped == 106


@pytest.mark.parametrize("rho", [0, 1])
@pytest.mark.parametrize("name", GROUPED)
def test_logrank_equals_survdiff(r: dict[str, pd.DataFrame], name: str, rho: int) -> None:
    """survdiff(Surv(time, event) ~ g, rho=rho): chisq, df (groups with expected > 0, less
    one), p ($pvalue; NA with no events), observed and expected per group; R's error where
    survdiff stops (a singular variance)."""
    theirs = r[f"{name}__lr{rho}"]
    d = data_of(r, name)
    if "error" in theirs:
        assert "singular" in theirs["error"].iloc[0]
        with pytest.raises(ParameterError, match="singular"):
            logrank(d, "time", "event", "g", rho=rho)
        return
    mine = logrank(d, "time", "event", "g", rho=rho)
    by_group(mine.groups, theirs, ["n", "observed", "expected"])
    close(mine.table["chisq"], theirs["chisq"].iloc[:1])
    assert mine.table["df"].iloc[0] == max(int(theirs["df"].iloc[0]), 0)
    close(mine.table["p"], theirs["p"].iloc[:1])  # both NaN with no events
    assert (mine.note != "") == (name == "no_events")


@pytest.mark.parametrize("rho", [0, 1])
@pytest.mark.parametrize("name", [n for n, s in DATASETS.items() if s])
def test_stratified_logrank_equals_survdiff(
    r: dict[str, pd.DataFrame], name: str, rho: int
) -> None:
    """survdiff(Surv(time, event) ~ g + strata(s), rho=rho): chisq, df, p, and observed and
    expected per group summed over the strata."""
    theirs = r[f"{name}__strat{rho}"]
    mine = logrank(data_of(r, name), "time", "event", "g", rho=rho, strata=DATASETS[name])
    by_group(mine.groups, theirs, ["observed", "expected"])
    close(mine.table["chisq"], theirs["chisq"].iloc[:1])
    assert mine.table["df"].iloc[0] == theirs["df"].iloc[0]
    close(mine.table["p"], theirs["p"].iloc[:1])


TAU = {"aml": 40, "ovarian": 1000, "pbc": 3000, "colon": 2000}


@pytest.mark.parametrize("name", ALL)
def test_rmst_equals_print_survfit_rmean(r: dict[str, pd.DataFrame], name: str) -> None:
    """print(survfit(Surv(time, event) ~ g), rmean = tau): rmean and se(rmean); the limits
    are rmean -+ 1.96 se."""
    mine = rmst(data_of(r, name), "time", "event", TAU.get(name, 5), group=group_of(name))
    theirs = r[f"{name}__table_log"].rename(columns={"rmean": "rmst"})
    by_group(mine.table, theirs, ["n", "events", "rmst", "se"])
    close(mine.table["upper"] - mine.table["rmst"], 1.959963984540054 * mine.table["se"])


@pytest.mark.parametrize("name", ALL)
def test_nelson_aalen_equals_survfit_cumhaz(r: dict[str, pd.DataFrame], name: str) -> None:
    """survfit(Surv(time, event) ~ g): $time, $n.risk, $n.event, $cumhaz and $std.chaz at
    every distinct time (ctype 1: the variance is the sum of d/n**2)."""
    mine = nelson_aalen(data_of(r, name), "time", "event", group=group_of(name))
    cols = ["time", "n_risk", "n_event", "cumhaz", "std_err"]
    by_group(mine.table, r[f"{name}__na"], cols)


def test_text_group_and_gaps_without_traceback() -> None:
    """A text group with gaps works; bad values and too few groups are ParameterErrors."""
    d = pd.DataFrame(
        {"t": [1, 2, 3, 4, None, 6], "e": [1, 0, 1, 1, 1, 0], "g": ["x", "y", None, "y", "x", "x"]}
    )
    assert logrank(d, "t", "e", "g").n_dropped == 2
    with pytest.raises(ParameterError, match="at least 2 groups"):
        logrank(d[d["g"] == "x"], "t", "e", "g")
    with pytest.raises(ParameterError, match="no patient has"):
        kaplan_meier(d.assign(t=None), "t", "e")
    with pytest.raises(ParameterError, match="not a number"):
        kaplan_meier(d.assign(t="soon"), "t", "e")
    with pytest.raises(ParameterError, match="positive number"):
        rmst(d, "t", "e", 0)


def test_single_patient_and_no_events() -> None:
    """One patient and no events give R's answers, no traceback."""
    one = pd.DataFrame({"t": [3.0], "e": [1]})
    assert kaplan_meier(one, "t", "e").median["median"].iloc[0] == 3
    none = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0] * 4, "g": list("abab")})
    lr = logrank(none, "t", "e", "g")
    assert lr.table["chisq"].iloc[0] == 0
    assert np.isnan(lr.p)
    assert "no events" in lr.note
