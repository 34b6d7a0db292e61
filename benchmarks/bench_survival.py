"""Kaplan-Meier and Cox speed against R's survfit and coxph on the same SYNTHETIC patients.

For each size (default 100,000 and 1,000,000 patients: day-times with ties, ~35 % censored,
two groups, a binary, a 3-level and a continuous covariate) it times
``kaplan_meier(df, time, event, group)`` and ``cox(df, time, event, [...], ties="efron")``
here, and ``survfit(Surv(time, event) ~ group)`` and ``coxph(..., ties="efron")`` in R on the
same CSV (R's time excludes reading the CSV), then prints seconds and the ratio
ours / R, and checks that both give the same Cox coefficients (1e-6). Compare the ratios
within one run: the machines are small and noisy.

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

from ikzf1assay.cohort import cox, kaplan_meier

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv("data.csv", stringsAsFactors = TRUE)
km <- system.time(f <- survfit(Surv(time, event) ~ group, data = d))[["elapsed"]]
cx <- system.time(m <- coxph(Surv(time, event) ~ deleted + stage + age, data = d,
                             ties = "efron"))[["elapsed"]]
write.csv(data.frame(km = km, cox = cx), "times.csv", row.names = FALSE)
write.csv(data.frame(term = names(coef(m)), coef = unname(coef(m))), "coef.csv", row.names = FALSE)
"""


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC patients: exponential times in whole days, uniform censoring."""
    rng = np.random.default_rng(seed)
    deleted = rng.integers(0, 2, n)
    stage = rng.choice(["I", "II", "III"], n)
    age = rng.normal(40, 12, n).round(1)
    rate = np.exp(0.5 * deleted + 0.02 * (age - 40) + np.where(stage == "III", 0.4, 0)) / 1000
    t = np.ceil(rng.exponential(1 / rate))
    c = np.ceil(rng.uniform(200, 2500, n))
    return pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "group": np.where(deleted == 1, "deleted", "not deleted"),
            "deleted": deleted,
            "stage": stage,
            "age": age,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    rscript = shutil.which("Rscript")
    print(f"{'patients':>10} {'step':>5} {'ours s':>8} {'R s':>8} {'ours/R':>7}")
    for n in args.sizes:
        df = synthetic(n)
        start = time.perf_counter()
        kaplan_meier(df, "time", "event", group="group", times=[365.25, 3 * 365.25])
        km_s = time.perf_counter() - start
        start = time.perf_counter()
        fit = cox(df, "time", "event", ["deleted", "stage", "age"], ties="efron")
        cox_s = time.perf_counter() - start
        r_km = r_cox = float("nan")
        agree = "R not run"
        if rscript:
            with tempfile.TemporaryDirectory() as tmp:
                df.to_csv(Path(tmp) / "data.csv", index=False)
                (Path(tmp) / "s.R").write_text(R_SCRIPT, encoding="utf-8")
                subprocess.run([rscript, "--vanilla", "s.R"], cwd=tmp, check=True)
                times = pd.read_csv(Path(tmp) / "times.csv")
                coef = pd.read_csv(Path(tmp) / "coef.csv")
                r_km, r_cox = float(times["km"].iloc[0]), float(times["cox"].iloc[0])
                same = np.allclose(fit.table["coef"], coef["coef"], rtol=1e-6)
                agree = "coefficients equal R's" if same else "COEFFICIENTS DIFFER FROM R's"
        print(f"{n:>10} {'KM':>5} {km_s:>8.2f} {r_km:>8.2f} {km_s / r_km:>7.2f}")
        print(f"{n:>10} {'Cox':>5} {cox_s:>8.2f} {r_cox:>8.2f} {cox_s / r_cox:>7.2f}  ({agree})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
