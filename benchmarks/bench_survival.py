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

import numpy as np
import pandas as pd

from ikzf1assay.cohort import CoxResult, cox, kaplan_meier, ph_test
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="only 100,000 patients")
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
