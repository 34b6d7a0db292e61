"""Kaplan-Meier and Cox speed against R's survfit, coxph and cox.zph on the same SYNTHETIC data.

For each size (default 100,000 and 1,000,000 patients: day-times with ties, ~35 % censored,
two groups, a binary, a 3-level and a continuous covariate) it times
``kaplan_meier(df, time, event, group)``, ``cox(df, time, event, [...], ties=...)`` with
Efron (Cox-E) and Breslow (Cox-B) ties and ``ph_test`` (zph: the fit and the test) here, and
``survfit(Surv(time, event) ~ group)``, ``coxph(..., ties=...)`` and
``cox.zph(coxph(...))`` in R on the same CSV (R's time excludes reading the CSV), then prints
seconds and the ratio ours / R, and checks that both give the same Cox coefficients and the
same cox.zph table (1e-6).

Once per run, the time-dependent Cox model (TD-E Efron, TD-B Breslow) on 100,000 SYNTHETIC
counting-process rows (patients split at a treatment day, as ``tmerge`` does):
``cox_counting(rows, start, stop, event, [...])`` against
``coxph(Surv(start, stop, event) ~ ...)`` (neither time includes building the rows or reading
the file), with coefficients, SE and log-likelihood checked to 1e-6.

Once per run, the other functions of the cohort statistics against their R peers, on the
same SYNTHETIC patients (``--other-size``, default 100,000; competing risks at
``--cr-size``, default 10,000, since crr's own time grows with the square of the patients):
stratified log-rank (``survdiff(... + strata(stage))``), RMST (``print(survfit, rmean)``),
Nelson-Aalen (``survfit(ctype = 1)``), cumulative incidence with Gray's test (``cuminc``),
Fine-Gray (``crr``) and Fisher's exact test on the 4 x 4 table with n = 96
(``fisher.test``), each with its agreement with R.

The last line is this process's peak resident memory (data, fits and the CSV export).
Compare the ratios within one run: the machines are small and noisy.

    .venv/bin/python benchmarks/bench_survival.py [--sizes 100000 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.cohort import (
    CoxResult,
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
from ikzf1assay.cohort.simulate import synthetic_survival
from ikzf1assay.cohort.timevarying import TimeVaryingCox, counting_process, cox_counting

COVARIATES = ["deleted", "stage", "age"]
TD_COVARIATES = ["transplant", "deleted", "stage", "age"]
TD_ROWS = 100_000

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv("data.csv", stringsAsFactors = TRUE)
km <- system.time(f <- survfit(Surv(time, event) ~ group, data = d))[["elapsed"]]
cx <- system.time(m <- coxph(Surv(time, event) ~ deleted + stage + age, data = d,
                             ties = "efron"))[["elapsed"]]
cb <- system.time(mb <- coxph(Surv(time, event) ~ deleted + stage + age, data = d,
                              ties = "breslow"))[["elapsed"]]
zp <- system.time(z <- cox.zph(coxph(Surv(time, event) ~ deleted + stage + age,
                                     data = d)))[["elapsed"]]
write.csv(data.frame(km = km, cox = cx, breslow = cb, zph = zp), "times.csv", row.names = FALSE)
write.csv(data.frame(term = names(coef(m)), coef = unname(coef(m)), breslow = unname(coef(mb))),
          "coef.csv", row.names = FALSE)
write.csv(data.frame(term = rownames(z$table), z$table), "zph.csv", row.names = FALSE)
"""

R_TD_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv("rows.csv", stringsAsFactors = TRUE)
out <- NULL
for (ties in c("efron", "breslow")) {
  s <- system.time(m <- coxph(Surv(start, stop, event) ~ transplant + deleted + stage + age,
                              data = d, ties = ties))[["elapsed"]]
  out <- rbind(out, data.frame(ties = ties, secs = s, term = names(coef(m)),
                               coef = unname(coef(m)), se = sqrt(diag(m$var)),
                               loglik = m$loglik[2]))
}
write.csv(out, "td.csv", row.names = FALSE)
"""

R_OTHER_SCRIPT = r"""
suppressMessages({library(survival); library(cmprsk)})
d <- read.csv("surv.csv", stringsAsFactors = TRUE)
c <- read.csv("cr.csv", stringsAsFactors = TRUE)
tab <- matrix(c(10, 5, 4, 5, 4, 8, 7, 5, 6, 5, 9, 4, 5, 7, 4, 8), 4, byrow = TRUE)
t <- list()
t$logrank <- system.time(lr <- survdiff(Surv(time, event) ~ group + strata(stage),
                                        data = d))[["elapsed"]]
t$rmst <- system.time(rm <- summary(survfit(Surv(time, event) ~ group, data = d),
                                    rmean = 1000)$table)[["elapsed"]]
t$nelson_aalen <- system.time(na <- survfit(Surv(time, event) ~ group, data = d,
                                            ctype = 1))[["elapsed"]]
t$cuminc <- system.time(ci <- cuminc(c$time, c$status, c$group))[["elapsed"]]
t$crr <- system.time(fg <- crr(c$time, c$status, cbind(c$deleted, c$age)))[["elapsed"]]
t$fisher <- system.time(fi <- fisher.test(tab))[["elapsed"]]
write.csv(as.data.frame(t), "times.csv", row.names = FALSE)
write.csv(data.frame(
  logrank = lr$chisq, rmst = rm[1, "rmean"], cumhaz = sum(na$cumhaz),
  gray = ci$Tests[1, "stat"], crr = unname(fg$coef[1]), crr_se = sqrt(fg$var[1, 1]),
  fisher = fi$p.value), "values.csv", row.names = FALSE)
"""
T44 = [[10, 5, 4, 5], [4, 8, 7, 5], [6, 5, 9, 4], [5, 7, 4, 8]]  # n = 96


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC patients (:func:`ikzf1assay.cohort.simulate.synthetic_survival`)."""
    return synthetic_survival(n, seed)


def synthetic_rows(rows: int, seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC counting-process rows: patients of :func:`synthetic`, half of them given a
    treatment on a uniform day in 30..900 and split there (:func:`counting_process`); the
    first ``rows`` rows."""
    rng = np.random.default_rng(seed)
    n = rows
    d = synthetic(n, seed)
    d["tt"] = np.where(rng.random(n) < 0.5, np.ceil(rng.uniform(30, 900, n)), np.nan)
    out = counting_process(d, "time", "event", "tt").head(rows)
    return out[["start", "stop", "event", *TD_COVARIATES]]


def _same(ours: object, theirs: object) -> bool:
    return bool(np.allclose(np.asarray(ours, float), np.asarray(theirs, float), rtol=1e-6))


def run_r(
    df: pd.DataFrame, rscript: str | None, fits: dict[str, CoxResult], zph: pd.DataFrame
) -> tuple[dict[str, float], dict[str, str]]:
    """R's survfit, coxph and cox.zph seconds on the same patients, and whether R's
    coefficients and cox.zph table equal ours (1e-6)."""
    steps = ("km", "efron", "breslow", "zph")
    if not rscript:
        return {s: float("nan") for s in steps}, {s: "R not run" for s in steps}
    with tempfile.TemporaryDirectory() as tmp:
        df.to_csv(Path(tmp) / "data.csv", index=False)
        (Path(tmp) / "s.R").write_text(R_SCRIPT, encoding="utf-8")
        subprocess.run([rscript, "--vanilla", "s.R"], cwd=tmp, check=True)
        times = pd.read_csv(Path(tmp) / "times.csv").iloc[0]
        coef = pd.read_csv(Path(tmp) / "coef.csv")
        r_zph = pd.read_csv(Path(tmp) / "zph.csv")
    r_secs = {"km": float(times["km"]), "efron": float(times["cox"])}
    r_secs |= {"breslow": float(times["breslow"]), "zph": float(times["zph"])}
    agree = {"km": ""}
    for ties, col in (("efron", "coef"), ("breslow", "breslow")):
        same = _same(fits[ties].table["coef"], coef[col])
        agree[ties] = "coefficients equal R's" if same else "COEFFICIENTS DIFFER FROM R's"
    same = list(zph["term"]) == list(r_zph["term"]) and all(
        _same(zph[c], r_zph[c]) for c in ("chisq", "df", "p")
    )
    agree["zph"] = "cox.zph table equal R's" if same else "cox.zph table DIFFERS"
    return r_secs, agree


def run_r_td(
    rows: pd.DataFrame, rscript: str | None, fits: dict[str, TimeVaryingCox]
) -> tuple[dict[str, float], dict[str, str]]:
    """R's coxph(Surv(start, stop, event) ~ ...) seconds, and whether its coefficients, SE and
    log-likelihood equal ours (1e-6)."""
    if not rscript:
        return {t: float("nan") for t in fits}, {t: "R not run" for t in fits}
    with tempfile.TemporaryDirectory() as tmp:
        rows.to_csv(Path(tmp) / "rows.csv", index=False)
        (Path(tmp) / "td.R").write_text(R_TD_SCRIPT, encoding="utf-8")
        subprocess.run([rscript, "--vanilla", "td.R"], cwd=tmp, check=True)
        td = pd.read_csv(Path(tmp) / "td.csv")
    secs, agree = {}, {}
    for ties, fit in fits.items():
        r = td[td["ties"] == ties]
        secs[ties] = float(r["secs"].iloc[0])
        same = list(fit.table["term"]) == list(r["term"]) and all(
            _same(fit.table[c], r[c]) for c in ("coef", "se")
        )
        same = same and _same(fit.loglik, r["loglik"].iloc[0])
        agree[ties] = "coef, SE, loglik equal R's" if same else "DIFFERS from R's"
    return secs, agree


def _line(n: int, label: str, ours: float, theirs: float, note: str = "") -> None:
    note = f"  ({note})" if note else ""
    print(f"{n:>10} {label:>7} {ours:>8.2f} {theirs:>8.2f} {ours / theirs:>7.2f}{note}")


def time_dependent(rscript: str | None) -> None:
    """TD-E / TD-B rows: the counting-process Cox model on TD_ROWS SYNTHETIC rows."""
    rows = synthetic_rows(TD_ROWS)
    fits, secs = {}, {}
    for ties in ("efron", "breslow"):
        start = time.perf_counter()
        fits[ties] = cox_counting(rows, "start", "stop", "event", TD_COVARIATES, ties=ties)
        secs[ties] = time.perf_counter() - start
    r_secs, agree = run_r_td(rows, rscript, fits)
    print(f"{'rows':>10} (SYNTHETIC counting-process rows; {int(rows['event'].sum())} events)")
    for ties, label in (("efron", "TD-E"), ("breslow", "TD-B")):
        _line(len(rows), label, secs[ties], r_secs[ties], agree[ties])


def _timed(secs: dict[str, float], name: str, work: Any) -> Any:
    start = time.perf_counter()
    value = work()
    secs[name] = time.perf_counter() - start
    return value


def other_statistics(rscript: str | None, n: int, n_cr: int) -> None:
    """One line per other function: ours against its R peer on the same SYNTHETIC data."""
    d = synthetic(n, 3)
    rng = np.random.default_rng(3)
    c = synthetic(n_cr, 4)
    c["status"] = np.where(c["event"] == 1, rng.choice([1, 2], n_cr, p=[0.6, 0.4]), 0)
    secs: dict[str, float] = {}
    ours = {
        "logrank": _timed(secs, "logrank", lambda: logrank(d, "time", "event", "group",
                                                           strata="stage")).table["chisq"][0],
        "rmst": _timed(secs, "rmst", lambda: rmst(d, "time", "event", 1000.0, "group")
                       ).table["rmst"][0],
        "cumhaz": _timed(secs, "nelson_aalen", lambda: nelson_aalen(d, "time", "event", "group")
                         ).table["cumhaz"].sum(),
    }  # fmt: skip
    start = time.perf_counter()
    cumulative_incidence(c, "time", "status", "group")
    ours["gray"] = gray_test(c, "time", "status", "group").table["statistic"][0]
    secs["cuminc"] = time.perf_counter() - start
    fg = _timed(secs, "crr", lambda: fine_gray(c, "time", "status", ["deleted", "age"]))
    ours["crr"], ours["crr_se"] = fg.table["coef"][0], fg.table["se"][0]
    ours["fisher"] = _timed(secs, "fisher", lambda: fisher_exact(T44))
    if not rscript:
        print("R not run: no Rscript")
        return
    with tempfile.TemporaryDirectory() as tmp:
        d.to_csv(Path(tmp) / "surv.csv", index=False)
        c.to_csv(Path(tmp) / "cr.csv", index=False)
        (Path(tmp) / "o.R").write_text(R_OTHER_SCRIPT, encoding="utf-8")
        subprocess.run([rscript, "--vanilla", "o.R"], cwd=tmp, check=True)
        r_secs = pd.read_csv(Path(tmp) / "times.csv").iloc[0]
        r_vals = pd.read_csv(Path(tmp) / "values.csv").iloc[0]
    checks = {"logrank": ["logrank"], "rmst": ["rmst"], "nelson_aalen": ["cumhaz"],
              "cuminc": ["gray"], "crr": ["crr", "crr_se"], "fisher": ["fisher"]}  # fmt: skip
    sizes = {"cuminc": n_cr, "crr": n_cr, "fisher": 96}
    labels = {"logrank": "LR-str", "rmst": "RMST", "nelson_aalen": "NA", "cuminc": "CIF+Gray",
              "crr": "F-G", "fisher": "Fisher"}  # fmt: skip
    for step, keys in checks.items():
        same = all(_same(ours[k], r_vals[k]) for k in keys)
        note = f"{', '.join(keys)} {'equal R' if same else 'DIFFER FROM R'}"
        _line(sizes.get(step, n), labels[step], secs[step], float(r_secs[step]), note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="only 100,000 patients")
    parser.add_argument("--other-size", type=int, default=100_000)
    parser.add_argument("--cr-size", type=int, default=10_000)
    args = parser.parse_args()
    sizes = [100_000] if args.quick else args.sizes
    rscript = shutil.which("Rscript")
    print(f"{'patients':>10} {'step':>7} {'ours s':>8} {'R s':>8} {'ours/R':>7}  (SYNTHETIC)")
    for n in sizes:
        df = synthetic(n)
        secs = {}
        start = time.perf_counter()
        kaplan_meier(df, "time", "event", group="group", times=[365.25, 3 * 365.25])
        secs["km"] = time.perf_counter() - start
        fits = {}
        for ties in ("efron", "breslow"):
            start = time.perf_counter()
            fits[ties] = cox(df, "time", "event", COVARIATES, ties=ties)
            secs[ties] = time.perf_counter() - start
        start = time.perf_counter()
        zph = ph_test(df, "time", "event", COVARIATES).table
        secs["zph"] = time.perf_counter() - start
        r_secs, agree = run_r(df, rscript, fits, zph)
        for step, label in (("km", "KM"), ("efron", "Cox-E"), ("breslow", "Cox-B"), ("zph", "zph")):
            _line(n, label, secs[step], r_secs[step], agree[step])
    time_dependent(rscript)
    other_statistics(rscript, args.other_size, args.cr_size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
