"""Cox models against R's own data sets (R 4.2.2, survival 3.5-3: ``coxph``, ``summary(coxph)``
logtest / wald.test / sctest / rscore / concordance, ``summary(survfit(fit, newdata), times)``).

lung (missing ph.ecog dropped), colon (deaths; factor rx; strata(sex)), pbc (missing values
dropped), kidney (cluster(id)), bladder (strata(enum) + cluster(id)), 20,000 SYNTHETIC
patients with tied day-times, and the edge cases: no events, all tied, separation. Compared to
1e-6 relative (1e-10 absolute near zero).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort import cox
from ikzf1assay.cohort.cox import CoxResult
from ikzf1assay.cohort.simulate import synthetic_survival
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
suppressMessages(library(survival))
lung$event <- lung$status - 1
colon <- subset(colon, etype == 2); colon$rx <- as.character(colon$rx)
pbc$event <- as.integer(pbc$status == 2); pbc$lbili <- log(pbc$bili)
for (nm in c("lung", "colon", "pbc", "kidney", "bladder")) write.csv(get(nm), paste0("d_", nm, ".csv"), row.names = FALSE)
colon$rx <- factor(colon$rx, levels = c("Obs", "Lev", "Lev+5FU"))
big <- read.csv("data.csv")
models <- list(
  lung_efron = coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung),
  lung_breslow = coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung, ties = "breslow"),
  colon = coxph(Surv(time, status) ~ rx + age + nodes + strata(sex), data = colon),
  pbc = coxph(Surv(time, event) ~ age + edema + lbili + albumin + trt, data = pbc),
  kidney = coxph(Surv(time, status) ~ age + sex + cluster(id), data = kidney),
  bladder = coxph(Surv(stop, event) ~ rx + size + number + strata(enum) + cluster(id), data = bladder),
  big_efron = coxph(Surv(time, event) ~ deleted + stage + age, data = big),
  big_breslow = coxph(Surv(time, event) ~ deleted + stage + age, data = big, ties = "breslow")
)
for (nm in names(models)) {
  f <- models[[nm]]; s <- summary(f); co <- s$coefficients
  rob <- if ("robust se" %in% colnames(co)) co[, "robust se"] else NA
  write.csv(data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"], robust_se = rob,
                       lower = s$conf.int[, "lower .95"], upper = s$conf.int[, "upper .95"],
                       p = co[, "Pr(>|z|)"]), paste0("coef_", nm, ".csv"), row.names = FALSE)
  write.csv(data.frame(loglik = f$loglik[2], lr = s$logtest[["test"]], wald = f$wald.test,
                       score = s$sctest[["test"]], robust_score = if (is.null(f$rscore)) NA else f$rscore,
                       c = s$concordance[[1]], c_se = s$concordance[[2]], n = f$n, events = f$nevent),
            paste0("fit_", nm, ".csv"), row.names = FALSE)
}
pr <- function(nm, f, nd) {
  sf <- summary(survfit(f, newdata = nd), times = c(100, 300, 700))
  write.csv(data.frame(time = sf$time, n_risk = sf$n.risk, surv = c(sf$surv), se = c(sf$std.err),
                       lower = c(sf$lower), upper = c(sf$upper)), paste0("pred_", nm, ".csv"), row.names = FALSE)
}
pr("lung", models$lung_efron, data.frame(age = 60, sex = 2, ph.ecog = 1))
pr("lung_breslow", models$lung_breslow, data.frame(age = 70, sex = 1, ph.ecog = 2))
pr("kidney", models$kidney, data.frame(age = 45, sex = 2))
pr("colon", models$colon, data.frame(rx = "Lev", age = 60, nodes = 3, sex = 1))
sep <- data.frame(time = 1:10, event = c(1, 1, 1, 1, 1, 0, 1, 0, 1, 0), x = rep(1:0, each = 5),
                  z = c(0.3, -1.2, 0.5, 2.1, -0.4, 0.9, -0.7, 1.3, 0.1, -1.8))
msg <- ""
f <- withCallingHandlers(coxph(Surv(time, event) ~ x + z, data = sep),
                         warning = function(w) {msg <<- conditionMessage(w); invokeRestart("muffleWarning")})
write.csv(data.frame(msg = msg, z = coef(f)[["z"]]), "sep.csv", row.names = FALSE)
tied <- data.frame(time = 2, event = 1, x = c(1, 2, 3, 4, 7))
f <- coxph(Surv(time, event) ~ x, data = tied)
write.csv(data.frame(coef = coef(f), se = sqrt(f$var[1, 1]), loglik = f$loglik[2]), "tied.csv", row.names = FALSE)
"""

MODELS: dict[str, tuple[str, str, str, list[str], dict[str, Any]]] = {
    "lung_efron": ("lung", "time", "event", ["age", "sex", "ph.ecog"], {}),
    "lung_breslow": ("lung", "time", "event", ["age", "sex", "ph.ecog"], {"ties": "breslow"}),
    "colon": ("colon", "time", "status", ["rx", "age", "nodes"], {"strata": "sex"}),
    "pbc": ("pbc", "time", "event", ["age", "edema", "lbili", "albumin", "trt"], {}),
    "kidney": ("kidney", "time", "status", ["age", "sex"], {"cluster": "id"}),
    "bladder": ("bladder", "stop", "event", ["rx", "size", "number"],
                {"strata": "enum", "cluster": "id"}),
    "big_efron": ("big", "time", "event", ["deleted", "stage", "age"], {}),
    "big_breslow": ("big", "time", "event", ["deleted", "stage", "age"], {"ties": "breslow"}),
}  # fmt: skip


def synthetic(n: int = 20_000, seed: int = 5) -> pd.DataFrame:
    """SYNTHETIC patients (:func:`ikzf1assay.cohort.simulate.synthetic_survival`)."""
    return synthetic_survival(n, seed)[["time", "event", "deleted", "stage", "age"]]


@pytest.fixture(scope="module")
def r_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, synthetic(), tmp_path_factory.mktemp("r"))


def dataset(r_out: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if name == "big":
        return synthetic()
    d = r_out[f"d_{name}"]
    if name == "colon":
        d["rx"] = pd.Categorical(d["rx"], categories=["Obs", "Lev", "Lev+5FU"])
    return d


def fit(r_out: dict[str, pd.DataFrame], model: str) -> CoxResult:
    name, time, event, covs, kw = MODELS[model]
    return cox(dataset(r_out, name), time, event, covs, **kw)


def close(ours: object, theirs: object, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, float), np.asarray(theirs, float), rtol=1e-6, atol=1e-10, err_msg=what
    )


@pytest.mark.parametrize("model", list(MODELS))
def test_coefficients_equal_coxph(r_out: dict[str, pd.DataFrame], model: str) -> None:
    """coxph: coef, se, robust se, 95 % CI, P (robust when clustered), n, events, loglik."""
    ours, theirs = fit(r_out, model), r_out[f"coef_{model}"]
    assert list(ours.table["term"]) == list(theirs["term"])
    for col in ("coef", "se", "lower", "upper", "p"):
        close(ours.table[col], theirs[col], f"{model} {col}")
    if MODELS[model][4].get("cluster"):
        close(ours.table["robust_se"], theirs["robust_se"], f"{model} robust_se")
    else:
        assert "robust_se" not in ours.table
    r = r_out[f"fit_{model}"].iloc[0]
    assert (ours.n, ours.events, ours.converged, ours.warnings) == (r["n"], r["events"], True, ())
    close(ours.loglik, r["loglik"], "loglik")


@pytest.mark.parametrize("model", list(MODELS))
def test_tests_and_concordance_equal_summary(r_out: dict[str, pd.DataFrame], model: str) -> None:
    """summary(coxph): logtest, wald.test (unrounded), sctest, rscore, concordance and SE."""
    ours, r = fit(r_out, model), r_out[f"fit_{model}"].iloc[0]
    tests = ours.tests.set_index("test")
    for name in ("lr", "wald", "score"):
        close(tests.loc[name, "statistic"], r[name], name)
    if MODELS[model][4].get("cluster"):
        close(tests.loc["robust_score", "statistic"], r["robust_score"], "robust score")
    close(ours.concordance["value"], r["c"], "C")
    close(ours.concordance["se"], r["c_se"], "se(C)")


def test_n_dropped_counts_missing_rows(r_out: dict[str, pd.DataFrame]) -> None:
    """na.omit: pbc's 106 patients without trt (and others) are counted, not silent."""
    ours = fit(r_out, "pbc")
    assert ours.n + ours.n_dropped == len(dataset(r_out, "pbc"))
    assert ours.n_dropped >= 106


def test_status_coded_1_2_as_surv(r_out: dict[str, pd.DataFrame]) -> None:
    """Surv(time, status) with lung's 1/2 coding: 2 is the event, as R reads it."""
    lung = dataset(r_out, "lung")
    coded = cox(lung, "time", "status", ["age", "sex", "ph.ecog"])
    close(coded.table["coef"], fit(r_out, "lung_efron").table["coef"], "1/2 coding")


def test_strata_and_cluster_are_checked() -> None:
    """A stratified model predicts only for a stratum it has; a missing column is named."""
    d = synthetic(400)
    d["site"] = np.arange(400) % 3
    d["id"] = np.arange(400) // 2
    res = cox(d, "time", "event", ["deleted", "age"], strata="site", cluster="id")
    assert res.strata == "site"
    assert "robust_se" in res.table
    with pytest.raises(ParameterError, match="newdata needs 'site'"):
        res.predict_survival(pd.DataFrame({"deleted": [1], "age": [40.0]}), [100])
    with pytest.raises(ParameterError, match="stratum 7"):
        res.predict_survival(pd.DataFrame({"deleted": [1], "age": [40.0], "site": [7]}), [100])
    with pytest.raises(ParameterError, match="'clinic' not in the table"):
        cox(d, "time", "event", ["age"], strata="clinic")


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("lung", ("lung_efron", {"age": 60, "sex": 2, "ph.ecog": 1})),
        ("lung_breslow", ("lung_breslow", {"age": 70, "sex": 1, "ph.ecog": 2})),
        ("kidney", ("kidney", {"age": 45, "sex": 2})),
        ("colon", ("colon", {"rx": "Lev", "age": 60, "nodes": 3, "sex": 1})),
    ],
)
def test_predict_survival_equals_survfit(
    r_out: dict[str, pd.DataFrame], model: str, profile: tuple[str, dict[str, float]]
) -> None:
    """summary(survfit(fit, newdata), times = c(100, 300, 700)): surv, std.err, log CI."""
    pred = fit(r_out, profile[0]).predict_survival(pd.DataFrame([profile[1]]), [100, 300, 700])
    ours = pred.table
    theirs = r_out[f"pred_{model}"]
    assert list(ours["n_risk"]) == list(theirs["n_risk"])
    for col in ("surv", "se", "lower", "upper"):
        close(ours[col], theirs[col], col)


def test_separation_is_flagged_with_r_wording(r_out: dict[str, pd.DataFrame]) -> None:
    """A covariate that orders the events perfectly: coxph warns the coefficient may be
    infinite; here converged is False and the warning carries R's words."""
    sep = pd.DataFrame(
        {"time": range(1, 11), "event": [1, 1, 1, 1, 1, 0, 1, 0, 1, 0], "x": [1] * 5 + [0] * 5,
         "z": [0.3, -1.2, 0.5, 2.1, -0.4, 0.9, -0.7, 1.3, 0.1, -1.8]}
    )  # fmt: skip
    ours = cox(sep, "time", "event", ["x", "z"])
    assert not ours.converged
    assert ours.warnings == (str(r_out["sep"]["msg"].iloc[0]).strip(),)
    assert ours.warnings[0] == "Loglik converged before variable  1 ; coefficient may be infinite."


def test_no_events_gives_na_as_coxph() -> None:
    """coxph with no events: NA coefficients, tests 0 on 0 df with P 1, C NA."""
    d = pd.DataFrame({"time": [1.0, 2, 3, 4, 5, 6], "event": 0, "x": [1.0, 2, 3, 4, 5, 7]})
    ours = cox(d, "time", "event", ["x"])
    assert np.isnan(ours.table["coef"]).all()
    assert not ours.converged
    assert "no events" in ours.warnings[0]
    assert list(ours.tests["statistic"]) == [0.0, 0.0, 0.0]
    assert list(ours.tests["p"]) == [1.0, 1.0, 1.0]
    assert np.isnan(ours.concordance["value"])


def test_all_tied_and_one_event(r_out: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    """All deaths on one day (R: coef 0, finite SE); a single event alone in its risk set
    (R: "Ran out of iterations and did not converge", coef 0; here the same)."""
    tied = pd.DataFrame({"time": 2.0, "event": 1, "x": [1.0, 2, 3, 4, 7]})
    ours = cox(tied, "time", "event", ["x"])
    r = r_out["tied"].iloc[0]
    close(ours.table["coef"], [r["coef"]], "coef")
    close(ours.table["se"], [r["se"]], "se")
    close(ours.loglik, r["loglik"], "loglik")
    one = pd.DataFrame(
        {"time": [1.0, 2, 3, 4, 5], "event": [0, 0, 0, 0, 1], "x": [1.0, 2, 3, 4, 5]}
    )
    fit1 = cox(one, "time", "event", ["x"])
    assert not fit1.converged
    assert fit1.warnings[0] == "Ran out of iterations and did not converge"
