"""Cox regression against R (R 4.2.2, survival 3.5-3: coxph with ties efron and breslow).

Data: 400 SYNTHETIC patients with a 3-level factor, a binary and a continuous covariate, tied
day-times, some missing covariate values (left out as R's na.omit). Compared to 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort import cox
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
library(survival)
d <- read.csv("data.csv", stringsAsFactors = TRUE)
for (ties in c("efron", "breslow")) {
  fit <- coxph(Surv(time, event) ~ group + deleted + age, data = d, ties = ties)
  s <- summary(fit)
  co <- s$coefficients
  ci <- s$conf.int
  write.csv(data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"], hr = co[, "exp(coef)"],
                       lower = ci[, "lower .95"], upper = ci[, "upper .95"], p = co[, "Pr(>|z|)"]),
            paste0("cox_", ties, ".csv"), row.names = FALSE)
  write.csv(data.frame(loglik = fit$loglik[2], n = fit$n, events = fit$nevent), paste0("fit_", ties, ".csv"), row.names = FALSE)
}
"""


def cohort(seed: int = 11, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], n)
    deleted = rng.integers(0, 2, n)
    age = rng.normal(35, 12, n).round(1)
    hazard = (
        1
        / 900
        * np.exp(
            0.6 * deleted
            + 0.02 * (age - 35)
            + np.select([group == "B", group == "C"], [0.3, -0.4], 0)
        )
    )
    t = np.ceil(rng.exponential(1 / hazard))
    c = np.ceil(rng.uniform(300, 2000, n))
    d = pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "group": group,
            "deleted": deleted,
            "age": age,
        }
    )
    d.loc[rng.choice(n, 7, replace=False), "age"] = np.nan
    return d


@pytest.fixture(scope="module")
def r_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, cohort(), tmp_path_factory.mktemp("r"))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_equals_coxph(r_results: dict[str, pd.DataFrame], ties: str) -> None:
    result = cox(cohort(), "time", "event", ["group", "deleted", "age"], ties=ties)
    theirs = r_results[f"cox_{ties}"]
    assert (
        list(result.table["term"]) == list(theirs["term"]) == ["groupB", "groupC", "deleted", "age"]
    )
    for col in ("coef", "se", "hr", "lower", "upper", "p"):
        np.testing.assert_allclose(
            result.table[col].to_numpy(float), theirs[col].to_numpy(float), rtol=1e-6, err_msg=col
        )
    fit = r_results[f"fit_{ties}"].iloc[0]
    assert result.loglik == pytest.approx(fit["loglik"], rel=1e-9)
    assert (result.n, result.events) == (int(fit["n"]), int(fit["events"]))


def test_cox_rejects_bad_input() -> None:
    with pytest.raises(ParameterError, match="covariate 'sex' not in the table"):
        cox(cohort(), "time", "event", ["sex"])
    with pytest.raises(ParameterError, match="ties 'exact'"):
        cox(cohort(), "time", "event", ["age"], ties="exact")
    with pytest.raises(ParameterError, match="single level"):
        cox(cohort().assign(group="A"), "time", "event", ["group"])
