"""Kaplan-Meier and log-rank against R (R 4.2.2, survival 3.5-3: survfit, summary, survdiff).

Data: 300 SYNTHETIC patients in 3 groups, times in whole days (ties), about 40 % censored,
seeded. Every estimate, SE, CI, median and statistic is compared to 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikzf1assay.cohort import kaplan_meier, logrank
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
library(survival)
d <- read.csv("data.csv")
for (ct in c("log", "log-log", "plain")) {
  fit <- survfit(Surv(time, event) ~ group, data = d, conf.type = ct)
  s <- summary(fit)
  out <- data.frame(group = sub("group=", "", as.character(s$strata)), time = s$time, n_risk = s$n.risk,
                    n_event = s$n.event, survival = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
  write.csv(out, paste0("km_", gsub("-", "", ct), ".csv"), row.names = FALSE)
  tab <- summary(fit)$table
  write.csv(data.frame(group = sub("group=", "", rownames(tab)), median = tab[, "median"],
                       lower = tab[, "0.95LCL"], upper = tab[, "0.95UCL"]),
            paste0("median_", gsub("-", "", ct), ".csv"), row.names = FALSE)
  at <- summary(fit, times = c(365, 1095))
  write.csv(data.frame(group = sub("group=", "", as.character(at$strata)), time = at$time, survival = at$surv,
                       std_err = at$std.err, lower = at$lower, upper = at$upper),
            paste0("at_", gsub("-", "", ct), ".csv"), row.names = FALSE)
}
for (rho in c(0, 1)) {
  sd <- survdiff(Surv(time, event) ~ group, data = d, rho = rho)
  df <- length(sd$n) - 1
  write.csv(data.frame(chisq = sd$chisq, df = df, p = pchisq(sd$chisq, df, lower.tail = FALSE)),
            paste0("logrank_rho", rho, ".csv"), row.names = FALSE)
}
two <- d[d$group != "C", ]
sd <- survdiff(Surv(time, event) ~ group, data = two)
write.csv(data.frame(chisq = sd$chisq, df = 1, p = pchisq(sd$chisq, 1, lower.tail = FALSE)), "logrank_two.csv", row.names = FALSE)
"""


def cohort(seed: int = 7, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], n)
    scale = np.select([group == "A", group == "B"], [500.0, 900.0], 1400.0)
    event_time = np.ceil(rng.exponential(scale))
    censor = np.ceil(rng.uniform(200, 2500, n))
    return pd.DataFrame(
        {
            "time": np.minimum(event_time, censor),
            "event": (event_time <= censor).astype(int),
            "group": group,
        }
    )


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, cohort(), tmp_path_factory.mktemp("r"))


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_kaplan_meier_equals_survfit(r_results: dict[str, pd.DataFrame], conf_type: str) -> None:
    km = kaplan_meier(
        cohort(), "time", "event", group="group", times=[365, 1095], conf_type=conf_type
    )
    key = conf_type.replace("-", "")
    ours = km.table.sort_values(["group", "time"]).reset_index(drop=True)
    theirs = r_results[f"km_{key}"].sort_values(["group", "time"]).reset_index(drop=True)
    assert len(ours) == len(theirs)
    for col in ("time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"):
        np.testing.assert_allclose(
            ours[col].to_numpy(float),
            theirs[col].to_numpy(float),
            rtol=1e-6,
            equal_nan=True,
            err_msg=col,
        )
    med = km.median.set_index("group")
    r_med = r_results[f"median_{key}"].set_index("group")
    for col in ("median", "lower", "upper"):
        np.testing.assert_allclose(
            med[col].to_numpy(float),
            r_med.loc[med.index, col].to_numpy(float),
            rtol=1e-6,
            equal_nan=True,
            err_msg=col,
        )
    at = km.at.sort_values(["group", "time"]).reset_index(drop=True)
    r_at = r_results[f"at_{key}"].sort_values(["group", "time"]).reset_index(drop=True)
    for col in ("survival", "std_err", "lower", "upper"):
        np.testing.assert_allclose(
            at[col].to_numpy(float), r_at[col].to_numpy(float), rtol=1e-6, err_msg=col
        )


@pytest.mark.parametrize(("rho", "name"), [(0, "logrank_rho0"), (1, "logrank_rho1")])
def test_logrank_equals_survdiff(r_results: dict[str, pd.DataFrame], rho: int, name: str) -> None:
    ours = logrank(cohort(), "time", "event", "group", rho=rho).table.iloc[0]
    theirs = r_results[name].iloc[0]
    assert ours["df"] == theirs["df"] == 2
    assert ours["chisq"] == pytest.approx(theirs["chisq"], rel=1e-6)
    assert ours["p"] == pytest.approx(theirs["p"], rel=1e-6)


def test_logrank_two_groups(r_results: dict[str, pd.DataFrame]) -> None:
    data = cohort()
    ours = logrank(data[data["group"] != "C"], "time", "event", "group").table.iloc[0]
    assert ours["chisq"] == pytest.approx(r_results["logrank_two"].iloc[0]["chisq"], rel=1e-6)


def test_median_midpoint_rule() -> None:
    """R: when the curve sits exactly at 0.5, the median is the midpoint to the next event time."""
    d = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 1, 1]})
    assert kaplan_meier(d, "time", "event").median["median"].iloc[0] == 2.5  # survfit: 2.5
    assert np.isnan(kaplan_meier(d, "time", "event").table["std_err"].iloc[-1])  # S = 0: no SE


def test_rates_as_the_studies_print_them() -> None:
    km = kaplan_meier(cohort(), "time", "event", group="group", times=[1095])
    assert km.at["text"].str.fullmatch(r"\d+\.\d ± \d+\.\d %").all()


def test_bad_columns_and_values() -> None:
    with pytest.raises(ParameterError, match="column\\(s\\) days not in the table"):
        kaplan_meier(cohort(), "days", "event")
    with pytest.raises(ParameterError, match="events 0 or 1"):
        kaplan_meier(pd.DataFrame({"t": [1, 2], "e": [1, 2]}), "t", "e")
    with pytest.raises(ParameterError, match="conf_type 'logit'"):
        kaplan_meier(cohort(), "time", "event", conf_type="logit")


@settings(max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=60))
def test_km_curve_never_rises(rows: list[tuple[int, bool]]) -> None:
    d = pd.DataFrame(rows, columns=["time", "event"]).assign(event=lambda x: x["event"].astype(int))
    s = kaplan_meier(d, "time", "event").table["survival"].to_numpy()
    assert (np.diff(s) <= 1e-15).all()
    assert ((s >= 0) & (s <= 1)).all()
