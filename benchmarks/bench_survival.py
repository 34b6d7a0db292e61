"""Kaplan-Meier and Cox speed against R's survfit and coxph on the same SYNTHETIC patients.

For each size (default 100,000 and 1,000,000 patients: day-times with ties, ~35 % censored,
two groups, a binary, a 3-level and a continuous covariate) it times
``kaplan_meier(df, time, event, group)`` and ``cox(df, time, event, [...], ties=...)`` with
Efron (Cox-E) and Breslow (Cox-B) ties here, and ``survfit(Surv(time, event) ~ group)`` and
``coxph(..., ties=...)`` in R on the same CSV (R's time excludes reading the CSV), then prints
seconds and the ratio ours / R, and checks that both give the same Cox coefficients (1e-6).
The last line is this process's peak resident memory (data, fits and the CSV export).
Compare the ratios within one run: the machines are small and noisy.

    .venv/bin/python benchmarks/bench_survival.py [--sizes 100000 1000000]
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

from ikzf1assay.cohort import CoxResult, cox, kaplan_meier
from ikzf1assay.cohort.simulate import synthetic_survival

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv("data.csv", stringsAsFactors = TRUE)
km <- system.time(f <- survfit(Surv(time, event) ~ group, data = d))[["elapsed"]]
cx <- system.time(m <- coxph(Surv(time, event) ~ deleted + stage + age, data = d,
                             ties = "efron"))[["elapsed"]]
cb <- system.time(mb <- coxph(Surv(time, event) ~ deleted + stage + age, data = d,
                              ties = "breslow"))[["elapsed"]]
write.csv(data.frame(km = km, cox = cx, breslow = cb), "times.csv", row.names = FALSE)
write.csv(data.frame(term = names(coef(m)), coef = unname(coef(m)), breslow = unname(coef(mb))),
          "coef.csv", row.names = FALSE)
"""


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC patients (:func:`ikzf1assay.cohort.simulate.synthetic_survival`)."""
    return synthetic_survival(n, seed)


def run_r(
    df: pd.DataFrame, rscript: str | None, fits: dict[str, CoxResult]
) -> tuple[float, dict[str, float], dict[str, str]]:
    """R's survfit and coxph seconds on the same patients, and whether R's coefficients
    equal ours (1e-6)."""
    nan = float("nan")
    if not rscript:
        return nan, {"efron": nan, "breslow": nan}, {t: "R not run" for t in fits}
    with tempfile.TemporaryDirectory() as tmp:
        df.to_csv(Path(tmp) / "data.csv", index=False)
        (Path(tmp) / "s.R").write_text(R_SCRIPT, encoding="utf-8")
        subprocess.run([rscript, "--vanilla", "s.R"], cwd=tmp, check=True)
        times = pd.read_csv(Path(tmp) / "times.csv")
        coef = pd.read_csv(Path(tmp) / "coef.csv")
    r_secs = {"efron": float(times["cox"].iloc[0]), "breslow": float(times["breslow"].iloc[0])}
    agree = {}
    for ties, col in (("efron", "coef"), ("breslow", "breslow")):
        same = np.allclose(fits[ties].table["coef"], coef[col], rtol=1e-6)
        agree[ties] = "coefficients equal R's" if same else "COEFFICIENTS DIFFER FROM R's"
    return float(times["km"].iloc[0]), r_secs, agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    rscript = shutil.which("Rscript")
    print(f"{'patients':>10} {'step':>7} {'ours s':>8} {'R s':>8} {'ours/R':>7}")
    for n in args.sizes:
        df = synthetic(n)
        start = time.perf_counter()
        kaplan_meier(df, "time", "event", group="group", times=[365.25, 3 * 365.25])
        km_s = time.perf_counter() - start
        fits, secs = {}, {}
        for ties in ("efron", "breslow"):
            start = time.perf_counter()
            fits[ties] = cox(df, "time", "event", ["deleted", "stage", "age"], ties=ties)
            secs[ties] = time.perf_counter() - start
        r_km, r_secs, agree = run_r(df, rscript, fits)
        print(f"{n:>10} {'KM':>7} {km_s:>8.2f} {r_km:>8.2f} {km_s / r_km:>7.2f}")
        for ties, label in (("efron", "Cox-E"), ("breslow", "Cox-B")):
            ratio = secs[ties] / r_secs[ties]
            print(f"{n:>10} {label:>7} {secs[ties]:>8.2f} {r_secs[ties]:>8.2f} {ratio:>7.2f}"
                  f"  ({agree[ties]})")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
