"""Every statistic of ``ikzf1assay.cohort`` that R has, beside R's, on R's own data sets.

R 4.2.2 with survival 3.5-3 and cmprsk 2.2-11, in one ``Rscript`` call: it exports aml,
ovarian, colon (deaths), pbc, rotterdam, kidney, bladder and mgus2 from the survival package to
CSV files in a temporary folder, fits its own functions on them and writes their results
there; this script then runs ours on the exported CSVs and prints, per R function and ours,
how many values were compared, the largest relative difference (over values with
``|R| >= 1e-10``) and the largest absolute difference, each with where it was (data set /
column). A value NA on one side only, or a row one side has and the other lacks, is counted
in the ``NA/rows`` column. Last, an EDGE CASES markdown table: what R and ours return for
small degenerate data (no events, one event, ...), for KM, log-rank, Cox, cumulative
incidence, Gray's test and Fine-Gray.

    .venv/bin/python benchmarks/compare_r.py

Pairs: survfit ~ kaplan_meier (summary's surv, std.err, lower, upper; the median and its
limits, conf.type log and log-log); survdiff ~ logrank (rho 0 and 1, with and without
``strata()``); print(survfit, rmean = tau) ~ rmst; survfit(ctype = 1) $cumhaz, $std.chaz ~
nelson_aalen; coxph ~ cox (Efron and Breslow, strata, cluster); survfit.coxph ~
CoxResult.predict_survival; cox.zph ~ ph_test; cmprsk's cuminc / timepoints ~
cumulative_incidence; cuminc's $Tests ~ gray_test (with strata, also strata lacking a group);
crr ~ fine_gray; fisher.test ~ fisher_exact; chisq.test (correct TRUE and FALSE) and t.test
(Welch) ~ compare_categorical and compare_numeric; quantile (types 6 and 7) ~ tables.quantile.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.cohort import (
    compare_categorical,
    compare_numeric,
    cox,
    cumulative_incidence,
    fine_gray,
    fisher_exact,
    gray_test,
    kaplan_meier,
    logrank,
    nelson_aalen,
    ph_test,
    rmst,
)
from ikzf1assay.cohort.tables import quantile

NEAR_ZERO = 1e-10  # relative differences only where |R| is at least this

# ---------------------------------------------------------------- the specifications

# survival data sets: name -> (tau for the RMST, stratum for the stratified log-rank or None)
SURV_SETS: dict[str, tuple[float, str | None]] = {
    "aml": (40, None),
    "ovarian": (1000, "ecog.ps"),
    "colon": (2000, "sex"),
    "pbc": (3000, "sex"),
    "rotterdam": (4000, "meno"),
    "kidney": (300, "disease"),
    "bladder": (40, "multiple"),
    "mgus2": (300, None),
}

R_SURV_SETS = r"""
colon2 <- subset(colon, etype == 2)
b1 <- subset(bladder, enum == 1)
surv_sets <- list(
  aml = data.frame(time = aml$time, event = aml$status, g = as.character(aml$x)),
  ovarian = data.frame(time = ovarian$futime, event = ovarian$fustat, g = ovarian$rx,
                       ecog.ps = ovarian$ecog.ps, check.names = FALSE),
  colon = data.frame(time = colon2$time, event = colon2$status, g = as.character(colon2$rx),
                     sex = colon2$sex),
  pbc = data.frame(time = pbc$time, event = as.integer(pbc$status == 2), g = pbc$trt,
                   sex = as.character(pbc$sex)),
  rotterdam = data.frame(time = rotterdam$dtime, event = rotterdam$death, g = rotterdam$hormon,
                         meno = rotterdam$meno),
  kidney = data.frame(time = kidney$time, event = kidney$status, g = kidney$sex,
                      disease = as.character(kidney$disease)),
  bladder = data.frame(time = b1$stop, event = b1$event, g = b1$rx,
                       multiple = as.integer(b1$number > 1)),
  mgus2 = data.frame(time = mgus2$futime, event = mgus2$death, g = as.character(mgus2$sex))
)
"""


@dataclass(frozen=True)
class CoxSpec:
    """One Cox model, written once for both sides."""

    data: str
    time: str
    event: str
    covariates: list[str]
    ties: str = "efron"
    strata: str | None = None
    cluster: str | None = None
    profile: dict[str, Any] | None = None  # newdata for survfit.coxph / predict_survival
    times: tuple[float, ...] = ()

    def formula(self, extras: bool = True) -> str:
        terms = [f"`{c}`" for c in self.covariates]
        if extras and self.strata:
            terms.append(f"strata({self.strata})")
        if extras and self.cluster:
            terms.append(f"cluster({self.cluster})")
        return f"Surv({self.time}, {self.event}) ~ {' + '.join(terms)}"


ROTTERDAM = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon", "chemo"]
PBC = ["age", "edema", "lbili", "albumin", "trt"]
COX: dict[str, CoxSpec] = {
    "aml": CoxSpec("aml", "time", "status", ["x"]),
    "ovarian": CoxSpec("ovarian", "futime", "fustat", ["age", "ecog.ps", "rx"]),
    "colon_efron": CoxSpec(
        "colon", "time", "status", ["rx", "age", "nodes"], strata="sex",
        profile={"rx": "Lev", "age": 60, "nodes": 3, "sex": 1}, times=(365, 1000, 2000),
    ),
    "colon_breslow": CoxSpec(
        "colon", "time", "status", ["rx", "age", "nodes"], "breslow", strata="sex"
    ),
    "pbc_efron": CoxSpec(
        "pbc", "time", "event", PBC,
        profile={"age": 50, "edema": 0, "lbili": 0.5, "albumin": 3.5, "trt": 1},
        times=(1000, 2000, 3000),
    ),
    "pbc_breslow": CoxSpec(
        "pbc", "time", "event", PBC, "breslow",
        profile={"age": 60, "edema": 0.5, "lbili": 1.0, "albumin": 3.0, "trt": 2},
        times=(500, 1500, 2500),
    ),
    "rotterdam_efron": CoxSpec(
        "rotterdam", "dtime", "death", ROTTERDAM,
        profile={"age": 55, "meno": 1, "size": "20-50", "grade": 3, "nodes": 2, "pgr": 50,
                 "er": 50, "hormon": 0, "chemo": 0},
        times=(1000, 2000, 4000),
    ),
    "rotterdam_breslow": CoxSpec("rotterdam", "dtime", "death", ROTTERDAM, "breslow"),
    "kidney": CoxSpec(
        "kidney", "time", "status", ["age", "sex"], cluster="id",
        profile={"age": 45, "sex": 2}, times=(50, 100, 300),
    ),
    "bladder": CoxSpec(
        "bladder", "stop", "event", ["rx", "size", "number"], strata="enum", cluster="id",
        profile={"rx": 2, "size": 1, "number": 2, "enum": 1}, times=(5, 15, 30),
    ),
    "mgus2": CoxSpec(
        "mgus2", "futime", "death", ["age", "sex", "hgb"],
        profile={"age": 70, "sex": "M", "hgb": 13}, times=(60, 120, 240),
    ),
}  # fmt: skip
FACTORS = {
    "colon": {"rx": ["Obs", "Lev", "Lev+5FU"]},
    "rotterdam": {"size": ["<=20", "20-50", ">50"]},
}
ZPH = ["aml", "ovarian", "colon_efron", "pbc_efron", "pbc_breslow", "rotterdam_efron", "mgus2"]

R_COX_SETS = r"""
cox_sets <- list(
  aml = aml, ovarian = ovarian,
  colon = within(subset(colon, etype == 2),
                 rx <- factor(as.character(rx), levels = c("Obs", "Lev", "Lev+5FU"))),
  pbc = within(pbc, {event <- as.integer(status == 2); lbili <- log(bili)}),
  rotterdam = rotterdam, kidney = kidney, bladder = bladder, mgus2 = mgus2
)
for (nm in names(cox_sets)) w(cox_sets[[nm]], paste0("cox_data_", nm))
cox_out <- function(name, f, nd, times) {
  s <- summary(f); co <- s$coefficients
  rob <- if ("robust se" %in% colnames(co)) co[, "robust se"] else NA
  w(data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"], robust_se = rob),
    paste0("cox_coef_", name))
  w(data.frame(loglik = f$loglik[2], lr = s$logtest[["test"]], wald = f$wald.test,
               score = s$sctest[["test"]], robust_score = if (is.null(f$rscore)) NA else f$rscore,
               c = s$concordance[[1]], c_se = s$concordance[[2]]), paste0("cox_fit_", name))
  if (!is.null(nd)) {
    sf <- summary(survfit(f, newdata = nd), times = times)
    w(data.frame(time = sf$time, surv = c(sf$surv), se = c(sf$std.err), lower = c(sf$lower),
                 upper = c(sf$upper)), paste0("cox_pred_", name))
  }
}
"""

# competing risks: Gray's tests (name -> data, group, strata), Fine-Gray (data -> covariates)
GRAY: dict[str, tuple[str, str, str | None]] = {
    "pbc_trt": ("pbc", "trt", None),
    "pbc_trt_by_sex": ("pbc", "trt", "sex"),
    "pbc_edema_by_stage": ("pbc", "edema", "stage"),  # stage 1 lacks edema 1
    "mgus2_sex": ("mgus2", "sex", None),
    "mgus2_sex_by_age70": ("mgus2", "sex", "age70"),
}
CRR = {"mgus2": ["age", "male", "hgb"], "pbc": ["age", "edema"]}
CUMINC = {"mgus2": "sex", "pbc": "trt"}

R_COMPETING = r"""
cr <- list(
  mgus2 = data.frame(ftime = ifelse(mgus2$pstat == 0, mgus2$futime, mgus2$ptime),
                     fstatus = ifelse(mgus2$pstat == 0, 2 * mgus2$death, 1), age = mgus2$age,
                     male = as.integer(mgus2$sex == "M"), hgb = mgus2$hgb,
                     sex = as.character(mgus2$sex), age70 = as.integer(mgus2$age >= 70)),
  pbc = data.frame(ftime = pbc$time, fstatus = pbc$status, age = pbc$age, edema = pbc$edema,
                   trt = pbc$trt, sex = as.character(pbc$sex), stage = pbc$stage)
)
for (nm in names(cr)) w(cr[[nm]], paste0("cr_data_", nm))
gray_out <- function(name, d, g, st) {
  f <- if (is.na(st)) cuminc(d$ftime, d$fstatus, d[[g]]) else
    cuminc(d$ftime, d$fstatus, d[[g]], strata = d[[st]])
  w(data.frame(cause = as.integer(rownames(f$Tests)), statistic = f$Tests[, "stat"],
               p = f$Tests[, "pv"], df = f$Tests[, "df"]), paste0("gray_", name))
}
crr_out <- function(name, d, covs) {
  X <- as.matrix(d[, covs])
  for (cause in 1:2) {
    f <- crr(d$ftime, d$fstatus, X, failcode = cause, cencode = 0)
    w(data.frame(term = names(f$coef), coef = f$coef, se = sqrt(diag(f$var))),
      paste0("crr_", name, "_", cause))
  }
}
cuminc_out <- function(name, d, g) {
  ok <- !is.na(d[[g]])
  ci <- cuminc(d$ftime[ok], d$fstatus[ok], d[[g]][ok])
  tt <- unique(quantile(d$ftime, seq(0.05, 0.8, length.out = 16), type = 1, names = FALSE))
  tp <- timepoints(ci, tt)
  w(data.frame(curve = rep(rownames(tp$est), times = length(tt)),
               time = rep(tt, each = nrow(tp$est)), est = c(tp$est), var = c(tp$var)),
    paste0("cuminc_", name))
}
"""

# tables: R computes, and exports the counts and the values it used
R_TABLES = r"""
fisher_tabs <- list(
  aml_x_status = table(aml$x, aml$status),
  ovarian_rx_resid = table(ovarian$rx, ovarian$resid.ds),
  kidney_sex_disease = table(kidney$sex, kidney$disease),
  pbc_edema_trt = table(pbc$edema, pbc$trt),
  pbc_stage_hepato = table(pbc$stage, pbc$hepato),
  bladder_number_rx = with(subset(bladder, enum == 1), table(pmin(number, 4), rx))
)
chisq_tabs <- list(
  pbc_sex_trt = table(pbc$sex, pbc$trt),
  mgus2_sex_progression = table(mgus2$sex, mgus2$pstat),
  rotterdam_chemo_hormon = table(rotterdam$chemo, rotterdam$hormon),
  colon_rx_sex = with(subset(colon, etype == 2), table(rx, sex)),
  rotterdam_grade_size = table(rotterdam$grade, rotterdam$size)
)
long <- function(tabs) do.call(rbind, lapply(names(tabs), function(n) {
  m <- unclass(tabs[[n]]); i <- row(m); j <- col(m)
  data.frame(name = n, i = c(i), j = c(j), x = c(m))
}))
w(long(fisher_tabs), "fisher_tables"); w(long(chisq_tabs), "chisq_tables")
w(do.call(rbind, lapply(names(fisher_tabs), function(n)
  data.frame(name = n, p = fisher.test(fisher_tabs[[n]], workspace = 2e8)$p.value))), "fisher")
chisq_rows <- NULL
for (n in names(chisq_tabs)) for (k in c(TRUE, FALSE)) {
  r <- suppressWarnings(chisq.test(chisq_tabs[[n]], correct = k))
  chisq_rows <- rbind(chisq_rows, data.frame(name = n, correct = k, statistic = unname(r$statistic),
                                             df = unname(r$parameter), p = r$p.value))
}
w(chisq_rows, "chisq")
co2 <- subset(colon, etype == 2)
pairs <- list(pbc_age_by_trt = list(pbc$age, pbc$trt), colon_age_by_sex = list(co2$age, co2$sex),
              rotterdam_age_by_chemo = list(rotterdam$age, rotterdam$chemo),
              mgus2_hgb_by_sex = list(mgus2$hgb, as.character(mgus2$sex)),
              ovarian_age_by_rx = list(ovarian$age, ovarian$rx))
tv <- NULL; tr <- NULL
for (n in names(pairs)) {
  v <- pairs[[n]][[1]]; g <- pairs[[n]][[2]]
  ok <- !is.na(v) & !is.na(g); lv <- sort(unique(g[ok]))
  x <- v[ok & g == lv[1]]; y <- v[ok & g == lv[2]]
  tv <- rbind(tv, data.frame(name = n, which = rep(1:2, c(length(x), length(y))), value = c(x, y)))
  r <- t.test(x, y)
  tr <- rbind(tr, data.frame(name = n, statistic = unname(r$statistic),
                             df = unname(r$parameter), p = r$p.value))
}
w(tv, "ttest_values"); w(tr, "ttest")
qs <- list(pbc_bili = pbc$bili, rotterdam_nodes = rotterdam$nodes, colon_nodes = co2$nodes,
           mgus2_hgb = mgus2$hgb, kidney_time = kidney$time, aml_time = aml$time)
probs <- c(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
qv <- NULL; qr <- NULL
for (n in names(qs)) {
  qv <- rbind(qv, data.frame(name = n, value = qs[[n]]))
  for (ty in c(6, 7)) qr <- rbind(qr, data.frame(
    name = n, type = ty, prob = probs,
    q = quantile(qs[[n]], probs, type = ty, na.rm = TRUE, names = FALSE)))
}
w(qv, "quantile_values"); w(qr, "quantile")
"""

# edge cases: time, status (0 censored, 1 the event / cause 1, 2 competing), group g, covariate x
EDGE: dict[str, tuple[list[float], list[int], list[str | None], list[float]]] = {
    "no events": ([1, 2, 3, 4, 5, 6, 7, 8], [0] * 8, list("abababab"),
                  [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4]),
    "one event": ([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 1, 0, 2, 0, 0, 0], list("abababab"),
                  [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4]),
    "all times tied": ([2] * 8, [1, 1, 0, 2, 1, 0, 2, 1], list("abababab"),
                       [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4]),
    "events at time 0": ([0, 0, 0, 1, 3, 4, 6, 7, 8, 9], [1, 1, 2, 1, 1, 0, 2, 1, 0, 1],
                         list("ababababab"), [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4, 0.6, 0.0]),
    "a group without events": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 0, 2, 0, 1, 0, 1, 0, 2, 0],
                               list("ababababab"),
                               [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4, 0.6, 0.0]),
    "separated Cox model": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 1, 2, 0, 2, 0, 0, 0],
                            list("ababababab"), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]),
    "missing group values": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 0, 1, 2, 1, 0, 1, 2, 0, 1],
                             ["a", None, "b", "a", None, "b", "a", "b", "a", "b"],
                             [0.1, 0.5, 0.9, 0.2, 0.7, 0.3, 0.8, 0.4, 0.6, 0.0]),
}  # fmt: skip

R_EDGE = r"""
f4 <- function(x)
  paste(ifelse(is.na(x), "NA", formatC(x, digits = 4, format = "g")), collapse = ", ")
cap <- function(expr) {
  warn <- character(0)
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) paste("Error:", conditionMessage(e))),
    warning = function(w) {warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning")})
  if (length(warn)) val <- paste0(val, " [warning: ", paste(unique(warn), collapse = "; "), "]")
  gsub("\n", " ", val)
}
ed <- read.csv("edge.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
edge <- NULL
for (cs in unique(ed$case)) {
  d <- ed[ed$case == cs, ]; d$event <- as.integer(d$status == 1)
  res <- c(
    KM = cap({fit <- survfit(Surv(time, event) ~ g, data = d)
              s <- summary(fit, times = max(d$time), extend = TRUE)
              paste0("S(end) ", f4(s$surv), "; median ", f4(summary(fit)$table[, "median"]))}),
    logrank = cap({sd <- survdiff(Surv(time, event) ~ g, data = d)
                   paste0("chisq ", f4(sd$chisq), ", p ", f4(sd$pvalue))}),
    cox = cap({f <- coxph(Surv(time, event) ~ x, data = d)
               paste0("coef ", f4(coef(f)), ", se ", f4(sqrt(diag(f$var))))}),
    cuminc = cap({ci <- cuminc(d$time, d$status, d$g)
                  e <- sapply(ci[grep(" 1$", names(ci))], function(c) tail(c$est, 1))
                  groups <- sub(" 1$", "", names(e))
                  paste0("F1(end) ", paste(groups, sapply(e, f4), collapse = ", "))}),
    gray = cap({ci <- cuminc(d$time, d$status, d$g)
                paste0("stat ", f4(ci$Tests[1, "stat"]), ", p ", f4(ci$Tests[1, "pv"]))}),
    fine_gray = cap({f <- crr(d$time, d$status, cbind(x = d$x))
                     paste0("coef ", f4(f$coef), ", se ", f4(sqrt(diag(f$var))),
                            if (!f$converged) " (not converged)" else "")})
  )
  edge <- rbind(edge, data.frame(case = cs, method = names(res), r = unname(res)))
}
w(edge, "edge_r")
"""


def r_script() -> str:
    """The whole R script: data sets, R's fits, edge cases; every result to a CSV."""
    lines = [
        "suppressMessages({library(survival); library(cmprsk)})",
        'w <- function(x, name) write.csv(x, paste0(name, ".csv"), row.names = FALSE)',
        'lab <- function(s) sub(".*=", "", as.character(s))',
        R_SURV_SETS,
        "tau <- c(" + ", ".join(f"{k} = {v[0]}" for k, v in SURV_SETS.items()) + ")",
        "stratum <- c(" + ", ".join(f'{k} = "{v[1] or ""}"' for k, v in SURV_SETS.items()) + ")",
        r"""
for (nm in names(surv_sets)) {
  d <- surv_sets[[nm]]; w(d, paste0("surv_data_", nm))
  for (ct in c("log", "log-log")) {
    fit <- survfit(Surv(time, event) ~ g, data = d, conf.type = ct)
    s <- summary(fit)
    w(data.frame(group = lab(s$strata), time = s$time, survival = s$surv, std_err = s$std.err,
                 lower = s$lower, upper = s$upper), paste0("km_", nm, "_", ct))
    tb <- summary(fit, rmean = tau[[nm]])$table
    w(data.frame(group = lab(rownames(tb)), median = tb[, "median"], lower = tb[, "0.95LCL"],
                 upper = tb[, "0.95UCL"], rmean = tb[, "rmean"], se = tb[, "se(rmean)"]),
      paste0("kmtab_", nm, "_", ct))
  }
  fit <- survfit(Surv(time, event) ~ g, data = d, ctype = 1)
  w(data.frame(group = lab(rep(names(fit$strata), fit$strata)), time = fit$time,
               cumhaz = fit$cumhaz, std_err = fit$std.chaz), paste0("na_", nm))
  for (rho in 0:1) {
    sd <- survdiff(Surv(time, event) ~ g, data = d, rho = rho)
    w(data.frame(group = lab(names(sd$n)), observed = sd$obs, expected = sd$exp,
                 chisq = sd$chisq, p = sd$pvalue), paste0("lr_", nm, "_", rho))
    if (stratum[[nm]] != "") {
      d$s <- d[[stratum[[nm]]]]
      sd <- survdiff(Surv(time, event) ~ g + strata(s), data = d, rho = rho)
      w(data.frame(group = lab(names(sd$n)), observed = rowSums(sd$obs),
                   expected = rowSums(sd$exp), chisq = sd$chisq, p = sd$pvalue),
        paste0("lrs_", nm, "_", rho))
    }
  }
}
""",
        R_COX_SETS,
    ]
    for name, spec in COX.items():
        nd = "NULL"
        if spec.profile:
            cols = ", ".join(
                f"`{k}` = {v!r}" if isinstance(v, str) else f"`{k}` = {v}"
                for k, v in spec.profile.items()
            )
            nd = f"data.frame({cols}, check.names = FALSE)".replace("'", '"')
        times = "c(" + ", ".join(str(t) for t in spec.times) + ")" if spec.times else "NULL"
        lines.append(
            f'cox_out("{name}", coxph({spec.formula()}, data = cox_sets${spec.data}, '
            f'ties = "{spec.ties}"), {nd}, {times})'
        )
    for name in ZPH:
        spec = COX[name]
        lines.append(
            f"z <- cox.zph(coxph({spec.formula(extras=False)}, data = cox_sets${spec.data}, "
            f'ties = "{spec.ties}"))'
        )
        lines.append(
            "w(data.frame(term = rownames(z$table), chisq = z$table[, 1], df = z$table[, 2], "
            f'p = z$table[, 3]), "zph_{name}")'
        )
    lines.append(R_COMPETING)
    for name, (data, g, st) in GRAY.items():
        lines.append(f'gray_out("{name}", cr${data}, "{g}", {f"{st!r}" if st else "NA"})')
    for data, covs in CRR.items():
        lines.append(f'crr_out("{data}", cr${data}, c({", ".join(repr(c) for c in covs)}))')
    for data, g in CUMINC.items():
        lines.append(f'cuminc_out("{data}", cr${data}, "{g}")')
    lines += [R_TABLES, R_EDGE]
    return "\n".join(lines).replace("'", '"')


def edge_frame() -> pd.DataFrame:
    rows = [
        {"case": case, "time": t, "status": s, "g": g, "x": x}
        for case, cols in EDGE.items()
        for t, s, g, x in zip(*cols, strict=True)
    ]
    return pd.DataFrame(rows)


def run_r(folder: Path) -> dict[str, pd.DataFrame]:
    exe = shutil.which("Rscript")
    if exe is None:
        sys.exit("Rscript not found: install r-base-core r-cran-survival r-cran-cmprsk")
    edge_frame().to_csv(folder / "edge.csv", index=False)
    (folder / "compare.R").write_text(r_script(), encoding="utf-8")
    run = subprocess.run(
        [exe, "--vanilla", "compare.R"], cwd=folder, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        sys.exit(f"R failed:\n{run.stderr[-4000:]}")
    return {p.stem: pd.read_csv(p) for p in folder.glob("*.csv") if p.stem != "edge"}


# ---------------------------------------------------------------- the comparison ledger


@dataclass
class Pair:
    """The differences found so far between one R function and ours."""

    r_name: str
    ours: str
    n: int = 0
    rel: float = 0.0
    rel_at: str = "-"
    abs: float = 0.0
    abs_at: str = "-"
    unmatched: int = 0  # NA on one side only, or a row on one side only


LEDGER: dict[tuple[str, str], Pair] = {}


def record(r_name: str, ours: str, where: str, mine: Any, theirs: Any) -> None:
    """Compare two equally long sets of values; keep the largest differences."""
    pair = LEDGER.setdefault((r_name, ours), Pair(r_name, ours))
    a = np.asarray(mine, dtype=float).ravel()
    b = np.asarray(theirs, dtype=float).ravel()
    if a.shape != b.shape:
        pair.unmatched += abs(a.size - b.size)
        k = min(a.size, b.size)
        a, b = a[:k], b[:k]
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    pair.unmatched += int((nan_a ^ nan_b).sum())
    pair.n += a.size
    ok = ~nan_a & ~nan_b
    a, b = a[ok], b[ok]
    with np.errstate(invalid="ignore"):
        diff = np.where(a == b, 0.0, np.abs(a - b))
    if not diff.size:
        return
    i = int(np.argmax(diff))
    if diff[i] > pair.abs or pair.abs_at == "-":
        pair.abs, pair.abs_at = float(diff[i]), where
    big = np.abs(b) >= NEAR_ZERO
    if big.any():
        rel = diff[big] / np.abs(b[big])
        j = int(np.argmax(rel))
        if rel[j] > pair.rel or pair.rel_at == "-":
            pair.rel, pair.rel_at = float(rel[j]), where


def unmatched(r_name: str, ours: str, rows: int) -> None:
    pair = LEDGER.setdefault((r_name, ours), Pair(r_name, ours))
    pair.unmatched += rows


def label(x: object) -> str:
    """R's label of a group: 1 rather than 1.0."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def keyed(
    r_name: str,
    ours_name: str,
    where: str,
    mine: pd.DataFrame,
    theirs: pd.DataFrame,
    keys: list[str],
    columns: dict[str, str],
) -> None:
    """Join two tables on ``keys`` (group labels as R writes them, times rounded) and compare
    ``columns`` (ours -> R's); rows on one side only are counted."""

    def norm(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for k in keys:
            if k == "group":
                out[k] = out[k].map(label)
            elif pd.api.types.is_numeric_dtype(out[k]):
                out[k] = out[k].astype(float).round(9)
        return out

    left = norm(mine)[keys + list(columns)]
    right = norm(theirs)[keys + list(columns.values())]
    right = right.rename(columns={v: f"R_{v}" for v in columns.values()})
    both = left.merge(right, on=keys, how="outer", indicator=True)
    unmatched(r_name, ours_name, int((both["_merge"] != "both").sum()))
    both = both[both["_merge"] == "both"]
    for ours_col, r_col in columns.items():
        record(r_name, ours_name, f"{where} / {r_col}", both[ours_col], both[f"R_{r_col}"])


# ---------------------------------------------------------------- the comparisons


def survival_pairs(r: dict[str, pd.DataFrame]) -> None:
    for name, (tau, stratum) in SURV_SETS.items():
        d = r[f"surv_data_{name}"]
        for ct in ("log", "log-log"):
            km = kaplan_meier(d, "time", "event", group="g", conf_type=ct)
            cols = {
                "survival": "survival",
                "std_err": "std_err",
                "lower": "lower",
                "upper": "upper",
            }
            keyed("survfit", "kaplan_meier", f"{name} {ct}", km.table, r[f"km_{name}_{ct}"],
                  ["group", "time"], cols)  # fmt: skip
            keyed("survfit median + CI", "kaplan_meier .median", f"{name} {ct}", km.median,
                  r[f"kmtab_{name}_{ct}"], ["group"],
                  {"median": "median", "lower": "lower", "upper": "upper"})  # fmt: skip
        res = rmst(d, "time", "event", tau, group="g")
        keyed("print(survfit, rmean=tau)", "rmst", name, res.table, r[f"kmtab_{name}_log"],
              ["group"], {"rmst": "rmean", "se": "se"})  # fmt: skip
        na = nelson_aalen(d, "time", "event", group="g")
        keyed("survfit(ctype=1) cumhaz", "nelson_aalen", name, na.table, r[f"na_{name}"],
              ["group", "time"], {"cumhaz": "cumhaz", "std_err": "std_err"})  # fmt: skip
        for rho in (0, 1):
            runs = [("", None)] + ([("s", stratum)] if stratum else [])
            for tag, st in runs:
                lr = logrank(d, "time", "event", "g", rho=rho, strata=st)
                theirs = r[f"lr{tag}_{name}_{rho}"]
                r_name = f"survdiff rho={rho}" + (" + strata" if st else "")
                where = f"{name}" + (f" by {st}" if st else "")
                record(r_name, "logrank", f"{where} / chisq", lr.table["chisq"].iloc[0],
                       theirs["chisq"].iloc[0])  # fmt: skip
                record(r_name, "logrank", f"{where} / p", lr.p, theirs["p"].iloc[0])
                keyed(r_name, "logrank", where, lr.groups, theirs, ["group"],
                      {"observed": "observed", "expected": "expected"})  # fmt: skip


def cox_data(r: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    d = r[f"cox_data_{name}"].copy()
    for col, levels in FACTORS.get(name, {}).items():
        d[col] = pd.Categorical(d[col], categories=levels)
    return d


def cox_pairs(r: dict[str, pd.DataFrame]) -> None:
    for name, spec in COX.items():
        d = cox_data(r, spec.data)
        fit = cox(d, spec.time, spec.event, spec.covariates, ties=spec.ties,
                  strata=spec.strata, cluster=spec.cluster)  # fmt: skip
        r_coef, r_fit = r[f"cox_coef_{name}"], r[f"cox_fit_{name}"].iloc[0]
        cols = {"coef": "coef", "se": "se"} | ({"robust_se": "robust_se"} if spec.cluster else {})
        keyed(f"coxph ({spec.ties}) coef, se, robust se", "cox", name, fit.table, r_coef,
              ["term"], cols)  # fmt: skip
        tests = fit.tests.set_index("test")["statistic"]
        r_name = f"coxph ({spec.ties}) loglik, tests"
        record(r_name, "cox", f"{name} / loglik", fit.loglik, r_fit["loglik"])
        for ours_t, r_t in (("lr", "lr"), ("wald", "wald"), ("score", "score")):
            record(r_name, "cox", f"{name} / {r_t}", tests[ours_t], r_fit[r_t])
        if spec.cluster:
            record(r_name, "cox", f"{name} / robust_score", tests["robust_score"],
                   r_fit["robust_score"])  # fmt: skip
        conc = fit.concordance
        record("coxph concordance", "CoxResult.concordance", f"{name} / C", conc["value"],
               r_fit["c"])  # fmt: skip
        record("coxph concordance", "CoxResult.concordance", f"{name} / se(C)", conc["se"],
               r_fit["c_se"])  # fmt: skip
        if spec.profile:
            newdata = pd.DataFrame([spec.profile])
            for col, levels in FACTORS.get(spec.data, {}).items():
                if col in newdata:
                    newdata[col] = pd.Categorical(newdata[col], categories=levels)
            res: Any = fit.predict_survival(newdata, list(spec.times))
            tab = getattr(res, "table", res)  # a PredictedSurvival, or a DataFrame before it
            theirs = r[f"cox_pred_{name}"]
            keyed("survfit.coxph", "CoxResult.predict_survival", name, tab, theirs, ["time"],
                  {"surv": "surv", "se": "se", "lower": "lower", "upper": "upper"})  # fmt: skip
    for name in ZPH:
        spec = COX[name]
        ph = ph_test(cox_data(r, spec.data), spec.time, spec.event, spec.covariates, spec.ties)
        keyed("cox.zph", "ph_test", name, ph.table, r[f"zph_{name}"], ["term"],
              {"chisq": "chisq", "df": "df", "p": "p"})  # fmt: skip


def competing_pairs(r: dict[str, pd.DataFrame]) -> None:
    for name, (data, g, st) in GRAY.items():
        res = gray_test(r[f"cr_data_{data}"], "ftime", "fstatus", g, strata=st)
        cols = {"statistic": "statistic", "p": "p", "df": "df"}
        r_name = "cuminc $Tests" + (" + strata" if st else "")
        keyed(r_name, "gray_test", name, res.table, r[f"gray_{name}"], ["cause"], cols)
    for data, covs in CRR.items():
        for cause in (1, 2):
            fg = fine_gray(r[f"cr_data_{data}"], "ftime", "fstatus", covs, cause=cause)
            keyed("crr", "fine_gray", f"{data} cause {cause}", fg.table,
                  r[f"crr_{data}_{cause}"], ["term"], {"coef": "coef", "se": "se"})  # fmt: skip
    for data, g in CUMINC.items():
        theirs = r[f"cuminc_{data}"].copy()
        split = theirs["curve"].str.split(" ", expand=True)
        theirs["group"], theirs["cause"] = split[0], split[1].astype(int)
        times = sorted(theirs["time"].unique().tolist())
        ours = cumulative_incidence(r[f"cr_data_{data}"], "ftime", "fstatus", g, times)
        keyed("cuminc + timepoints", "cumulative_incidence", f"{data} by {g}", ours.at, theirs,
              ["group", "cause", "time"], {"estimate": "est", "variance": "var"})  # fmt: skip


def matrix_of(long: pd.DataFrame, name: str) -> np.ndarray:
    t = long[long["name"] == name]
    m = np.zeros((int(t["i"].max()), int(t["j"].max())), dtype=int)
    m[t["i"].to_numpy(int) - 1, t["j"].to_numpy(int) - 1] = t["x"].to_numpy(int)
    return m


def table_pairs(r: dict[str, pd.DataFrame]) -> None:
    for _, row in r["fisher"].iterrows():
        p = fisher_exact(matrix_of(r["fisher_tables"], str(row["name"])))
        record("fisher.test", "fisher_exact", f"{row['name']} / p", p, row["p"])
    for _, row in r["chisq"].iterrows():
        counts = matrix_of(r["chisq_tables"], str(row["name"]))
        res = compare_categorical(counts, "chisq", correct=bool(row["correct"]))
        r_name = f"chisq.test(correct={str(bool(row['correct'])).upper()})"
        for col in ("statistic", "df", "p"):
            record(r_name, "compare_categorical", f"{row['name']} / {col}", getattr(res, col),
                   row[col])  # fmt: skip
    values = r["ttest_values"]
    for _, row in r["ttest"].iterrows():
        v = values[values["name"] == row["name"]]
        x, y = (v.loc[v["which"] == k, "value"].to_numpy(float) for k in (1, 2))
        res = compare_numeric([x, y], var_equal=False)
        for col in ("statistic", "df", "p"):
            record("t.test (Welch)", "compare_numeric(var_equal=False)",
                   f"{row['name']} / {col}", getattr(res, col), row[col])  # fmt: skip
    qv = r["quantile_values"]
    for (name, ty), q in r["quantile"].groupby(["name", "type"]):
        x = qv.loc[qv["name"] == name, "value"].to_numpy(float)
        mine = quantile(x, q["prob"].tolist(), int(str(ty)))
        record(f"quantile(type={ty})", "tables.quantile", f"{name}", mine, q["q"])


# ---------------------------------------------------------------- edge cases


def f4(values: Any) -> str:
    out = []
    for v in np.atleast_1d(np.asarray(values, dtype=float)):
        out.append("NA" if math.isnan(v) else f"{v:.4g}")
    return ", ".join(out)


def captured(fn: Callable[[], tuple[str, tuple[str, ...]]]) -> str:
    """Our answer: the summary, or the error class and message; warnings appended."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            text, notes = fn()
        except Exception as exc:  # every error is a result here
            text, notes = f"{type(exc).__name__}: {exc}", ()
    notes = notes + tuple(str(w.message) for w in caught)
    if notes:
        text += f" [warning: {'; '.join(dict.fromkeys(notes))}]"
    return text


def ours_edge(d: pd.DataFrame) -> dict[str, str]:
    d = d.assign(event=(d["status"] == 1).astype(int))

    def km() -> tuple[str, tuple[str, ...]]:
        res = kaplan_meier(d, "time", "event", group="g")
        med = res.median.assign(group=res.median["group"].map(label)).set_index("group")
        last = res.table.assign(group=res.table["group"].map(label)).groupby("group")
        s_end = [
            float(last.get_group(g)["survival"].iloc[-1]) if g in last.groups else 1.0
            for g in med.index
        ]
        return f"S(end) {f4(s_end)}; median {f4(med['median'])}", ()

    def lr() -> tuple[str, tuple[str, ...]]:
        res = logrank(d, "time", "event", "g")
        note = (res.note,) if res.note else ()
        return f"chisq {f4(res.table['chisq'].iloc[0])}, p {f4(res.p)}", note

    def cx() -> tuple[str, tuple[str, ...]]:
        res = cox(d, "time", "event", ["x"])
        t = res.table.iloc[0]
        return f"coef {f4(t['coef'])}, se {f4(t['se'])}", res.warnings

    def ci() -> tuple[str, tuple[str, ...]]:
        t = cumulative_incidence(d, "time", "status", "g").table
        ends = t[t["cause"] == 1].groupby("group")["estimate"].last()
        groups = sorted(d["g"].dropna().map(label).unique())
        text = ", ".join(f"{g} {f4(ends[g])}" if g in ends else f"{g} (no curve)" for g in groups)
        return f"F1(end) {text}", ()

    def gt() -> tuple[str, tuple[str, ...]]:
        t = gray_test(d, "time", "status", "g").table.iloc[0]
        return f"stat {f4(t['statistic'])}, p {f4(t['p'])}", ()

    def fg() -> tuple[str, tuple[str, ...]]:
        res = fine_gray(d, "time", "status", ["x"])
        t = res.table.iloc[0]
        tail = "" if res.converged else " (not converged)"
        return f"coef {f4(t['coef'])}, se {f4(t['se'])}{tail}", res.warnings

    runs = {"KM": km, "logrank": lr, "cox": cx, "cuminc": ci, "gray": gt, "fine_gray": fg}
    return {method: captured(fn) for method, fn in runs.items()}


def cell(text: str, width: int = 140) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- report


def main() -> None:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="compare_r_") as tmp:
        r = run_r(Path(tmp))
        r_seconds = time.perf_counter() - start
        survival_pairs(r)
        cox_pairs(r)
        competing_pairs(r)
        table_pairs(r)
    head = ["R function", "ours", "n", "max rel diff", "where", "max abs diff", "where", "NA/rows"]
    rows = [
        [p.r_name, p.ours, str(p.n), f"{p.rel:.2e}", p.rel_at, f"{p.abs:.2e}", p.abs_at,
         str(p.unmatched)]
        for p in LEDGER.values()
    ]  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    print("R 4.2.2 / survival 3.5-3 / cmprsk 2.2-11 against ikzf1assay.cohort, on R's data sets")
    print(f"(relative differences over |R| >= {NEAR_ZERO:g}; NA/rows: NA on one side only or "
          "a row one side lacks)\n")  # fmt: skip
    for line in (head, ["-" * w for w in widths], *rows):
        print("| " + " | ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)) + " |")
    print("\nEDGE CASES (R: survival / cmprsk; ours: ikzf1assay.cohort)\n")
    print("| case | function | R | ours |")
    print("|---|---|---|---|")
    frame, r_edge = edge_frame(), r["edge_r"]
    for case in EDGE:
        mine = ours_edge(frame[frame["case"] == case].drop(columns="case"))
        for method, text in mine.items():
            theirs = r_edge[(r_edge["case"] == case) & (r_edge["method"] == method)]["r"]
            r_text = str(theirs.iloc[0]) if len(theirs) else "(no R result)"
            print(f"| {case} | {method} | {cell(r_text)} | {cell(text)} |")
    total = time.perf_counter() - start
    print(f"\n{total:.0f} s in all, of which R {r_seconds:.0f} s")


if __name__ == "__main__":
    main()
