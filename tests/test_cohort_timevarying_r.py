"""The counting-process Cox model (``cox_counting``) against R's ``coxph(Surv(start, stop,
event) ~ ...)`` (R 4.2.2, survival 3.5-3).

R's own ``heart`` data (Stanford heart transplants: start, stop, event, age, year, surgery,
transplant as a factor, 172 rows of 103 patients) exported by R at test time, and 3,000
SYNTHETIC left-truncated rows with day-times, ties between events, between stops and starts
(a row starting at an event time is not at risk then), and a 3-level factor. Efron and
Breslow, and heart with ``cluster(id)`` (robust SE from score residuals) or
``strata(surgery)``; coefficients, SE, P and log-likelihood to 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.timevarying import cox_counting
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
suppressMessages(library(survival))
write.csv(heart, "d_heart.csv", row.names = FALSE)
syn <- read.csv("data.csv", stringsAsFactors = TRUE)
models <- list()
for (ties in c("efron", "breslow")) {
  models[[paste0("heart_", ties)]] <- coxph(Surv(start, stop, event) ~ transplant + age + year +
                                             surgery, data = heart, ties = ties)
  models[[paste0("cluster_", ties)]] <- coxph(Surv(start, stop, event) ~ transplant + age +
                                               cluster(id), data = heart, ties = ties)
  models[[paste0("strata_", ties)]] <- coxph(Surv(start, stop, event) ~ transplant + age +
                                              strata(surgery), data = heart, ties = ties)
  models[[paste0("syn_", ties)]] <- coxph(Surv(start, stop, event) ~ x + g + z, data = syn,
                                           ties = ties)
}
for (nm in names(models)) {
  f <- models[[nm]]; co <- summary(f)$coefficients
  rob <- if ("robust se" %in% colnames(co)) co[, "robust se"] else NA
  write.csv(data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"],
                       robust_se = rob,
                       p = co[, "Pr(>|z|)"], loglik = f$loglik[2], n = f$n, events = f$nevent),
            paste0("coef_", nm, ".csv"), row.names = FALSE)
}
"""

MODELS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    "heart": ("heart", ["transplant", "age", "year", "surgery"], {}),
    "cluster": ("heart", ["transplant", "age"], {"cluster": "id"}),
    "strata": ("heart", ["transplant", "age"], {"strata": "surgery"}),
    "syn": ("syn", ["x", "g", "z"], {}),
}


def synthetic(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    """SYNTHETIC counting-process rows: delayed entry, day-times, many ties."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 40, n).astype(float)
    length = rng.integers(1, 120, n).astype(float)
    g = rng.choice(["a", "b", "c"], n)
    x = rng.integers(0, 2, n).astype(float)
    z = rng.normal(0, 1, n).round(2)
    risk = 1 / (1 + np.exp(-(0.6 * x + 0.3 * z + np.where(g == "c", 0.5, 0.0) - 1.0)))
    event = (rng.random(n) < risk).astype(int)
    return pd.DataFrame(
        {"start": start, "stop": start + length, "event": event, "x": x, "g": g, "z": z}
    )


@pytest.fixture(scope="module")
def r_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, synthetic(), tmp_path_factory.mktemp("r"))


def data(r_out: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if name == "syn":
        return synthetic()
    heart = r_out["d_heart"].copy()
    heart["transplant"] = heart["transplant"].astype(str)  # R's factor, levels "0", "1"
    return heart


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("name", list(MODELS))
def test_counting_process_equals_coxph(
    r_out: dict[str, pd.DataFrame], name: str, ties: str
) -> None:
    """coxph(Surv(start, stop, event) ~ ... [+ cluster(id) | strata(surgery)], ties=ties): term, coef, se,
    robust se, P, loglik, events."""
    frame, covariates, kw = MODELS[name]
    fit = cox_counting(
        data(r_out, frame), "start", "stop", "event", covariates, ties=ties,
        cluster=kw.get("cluster"), strata=kw.get("strata"),
    )  # fmt: skip
    theirs = r_out[f"coef_{name}_{ties}"]
    assert list(fit.table["term"]) == list(theirs["term"])
    for col in ("coef", "se", "p"):
        np.testing.assert_allclose(fit.table[col], theirs[col], rtol=1e-6, err_msg=col)
    if "cluster" in kw:  # P from the robust SE, as R
        np.testing.assert_allclose(fit.table["robust_se"], theirs["robust_se"], rtol=1e-6)
    assert fit.loglik == pytest.approx(float(theirs["loglik"].iloc[0]), rel=1e-9)
    assert (fit.rows, fit.events) == (theirs["n"].iloc[0], theirs["events"].iloc[0])
    assert fit.converged
    assert fit.warnings == ()


def test_patients_counted_by_id(r_out: dict[str, pd.DataFrame]) -> None:
    """heart's 172 rows belong to 103 patients."""
    fit = cox_counting(data(r_out, "heart"), "start", "stop", "event", ["age"], id_col="id")
    assert (fit.n, fit.rows) == (103, 172)


def test_stop_must_follow_start() -> None:
    """As Surv, which refuses a stop time not after its start."""
    d = synthetic(50)
    d["stop"] = d["stop"].where(d.index != 3, d["start"])
    with pytest.raises(ParameterError, match="stop <= start"):
        cox_counting(d, "start", "stop", "event", ["x"])
