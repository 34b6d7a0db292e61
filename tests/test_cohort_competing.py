"""Cumulative incidence and Gray's test against R (R 4.2.2, cmprsk 2.2-11: cuminc, timepoints).

Data: 300 SYNTHETIC patients, 2 groups, causes 1 (relapse) and 2 (death without relapse),
tied day-times. Estimates, variances (cmprsk's Aalen-type estimator), Gray statistic and P
are compared to 1e-6 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort import kaplan_meier
from ikzf1assay.cohort.competing import cumulative_incidence, gray_test
from ikzf1assay.errors import ParameterError
from r_witness import run_r

TIMES = [100.0, 365.0, 730.0, 1095.0]
R_SCRIPT = r"""
library(cmprsk)
d <- read.csv("data.csv", stringsAsFactors = FALSE)
fit <- cuminc(d$time, d$status, d$group)
tp <- timepoints(fit, c(100, 365, 730, 1095))
out <- data.frame()
for (name in rownames(tp$est)) {
  parts <- strsplit(name, " ")[[1]]
  out <- rbind(out, data.frame(group = parts[1], cause = as.integer(parts[2]), time = c(100, 365, 730, 1095),
                               estimate = as.numeric(tp$est[name, ]), variance = as.numeric(tp$var[name, ])))
}
write.csv(out, "cif.csv", row.names = FALSE)
tests <- fit$Tests
write.csv(data.frame(cause = as.integer(rownames(tests)), statistic = tests[, "stat"], p = tests[, "pv"], df = tests[, "df"]),
          "gray.csv", row.names = FALSE)
"""


def cohort(seed: int = 5, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], n)
    relapse = np.ceil(rng.exponential(np.where(group == "A", 700.0, 1200.0)))
    death = np.ceil(rng.exponential(2500.0, n))
    censor = np.ceil(rng.uniform(200, 2000, n))
    time = np.minimum.reduce([relapse, death, censor])
    status = np.select([time == relapse, time == death], [1, 2], 0)
    return pd.DataFrame({"time": time, "status": status, "group": group})


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, cohort(), tmp_path_factory.mktemp("r"))


def test_cumulative_incidence_equals_cuminc(r_results: dict[str, pd.DataFrame]) -> None:
    ours = cumulative_incidence(cohort(), "time", "status", "group", times=TIMES).at
    ours = ours.sort_values(["group", "cause", "time"]).reset_index(drop=True)
    theirs = r_results["cif"].sort_values(["group", "cause", "time"]).reset_index(drop=True)
    assert len(ours) == len(theirs) == 16
    np.testing.assert_allclose(ours["estimate"], theirs["estimate"], rtol=1e-6)
    np.testing.assert_allclose(ours["variance"], theirs["variance"], rtol=1e-6)


def test_gray_test_equals_cuminc(r_results: dict[str, pd.DataFrame]) -> None:
    ours = gray_test(cohort(), "time", "status", "group").table.sort_values("cause")
    theirs = r_results["gray"].sort_values("cause")
    assert ours["cause"].astype(int).tolist() == theirs["cause"].astype(int).tolist() == [1, 2]
    np.testing.assert_allclose(ours["statistic"], theirs["statistic"], rtol=1e-6)
    np.testing.assert_allclose(ours["p"], theirs["p"], rtol=1e-6)
    assert ours["df"].astype(int).tolist() == theirs["df"].astype(int).tolist()


def test_cifs_and_km_add_to_one() -> None:
    """The cumulative incidences of all causes plus all-cause KM survival sum to 1."""
    data = cohort()
    cif = cumulative_incidence(data, "time", "status", times=TIMES).at
    km = kaplan_meier(
        data.assign(event=(data["status"] > 0).astype(int)), "time", "event", times=TIMES
    ).at
    total = cif.groupby("time")["estimate"].sum().to_numpy() + km["survival"].to_numpy()
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_status_must_be_coded() -> None:
    with pytest.raises(ParameterError, match="0 for censored, 1, 2"):
        cumulative_incidence(cohort().assign(status=-1), "time", "status")


def test_group_without_an_event_of_a_cause_has_a_flat_curve_as_cuminc(tmp_path: Path) -> None:
    """cuminc gives group B's cause 1 a curve at 0 when B has no relapse; so do we (the
    figure then draws B and its numbers at risk instead of leaving it out)."""
    data = cohort(seed=8, n=80)
    data.loc[(data["group"] == "B") & (data["status"] == 1), "status"] = 2
    ours = cumulative_incidence(data, "time", "status", "group", times=TIMES).at
    theirs = run_r(R_SCRIPT, data, tmp_path)["cif"]
    merged = ours.merge(theirs, on=["group", "cause", "time"], suffixes=("", "_r"))
    assert len(merged) == len(theirs) == 16
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], atol=1e-10)
    flat = merged[(merged["group"] == "B") & (merged["cause"] == 1)]
    assert (flat["estimate"] == 0).all()
    assert (flat["estimate_r"] == 0).all()
