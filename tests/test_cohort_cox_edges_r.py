"""Cox edge cases against R 4.2.2 / survival 3.5-3, each compared with R at test time.

- Aliased terms (a column twice another, a factor level equal to another column, a constant
  column): ``coxph`` gives them NA and fits the rest; so do we, with the warning "... not
  defined because of singularities". R's table shows se 0 for them; ours is NaN throughout.
  Efron and Breslow, a clustered fit (robust SE), counting-process rows, and ``cox.zph``,
  which leaves the aliased terms out.
- A lone event in its risk set (the only event is the last time, also within each stratum):
  ``coxph`` runs out of iterations at beta 0 with variance 0 (se 0, z and P NaN, loglik 0);
  so do we, with R's warning "Ran out of iterations and did not converge".
- A constant covariate alone: ``coxph`` stops at once with NA and the null log-likelihood.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort import cox, ph_test
from ikzf1assay.cohort.timevarying import cox_counting
from r_witness import run_r

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv("data.csv", stringsAsFactors = TRUE)
one <- data.frame(time = c(1, 2, 3, 4, 5), event = c(0, 0, 0, 0, 1), x = c(1, 2, 3, 4, 5),
                  z = c(2, 1, 0, 1, 3))
st <- data.frame(time = c(1, 2, 3, 1, 2, 3), event = c(0, 0, 1, 0, 0, 1),
                 x = c(1, 3, 2, 5, 4, 7), s = c(1, 1, 1, 2, 2, 2))
msgs <- character(0)
quiet <- function(e) withCallingHandlers(e, warning = function(w) {
  msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning")})
models <- list(
  twice_efron = coxph(Surv(time, event) ~ x1 + x2 + z, data = d),
  twice_breslow = coxph(Surv(time, event) ~ x1 + x2 + z, data = d, ties = "breslow"),
  level_after = coxph(Surv(time, event) ~ isb + g + x1, data = d),
  level_before = coxph(Surv(time, event) ~ g + isb + x1, data = d),
  constant = coxph(Surv(time, event) ~ x1 + k, data = d),
  constant_alone = coxph(Surv(time, event) ~ k, data = d),
  cluster = coxph(Surv(time, event) ~ x1 + x2 + z + cluster(id), data = d),
  counting = coxph(Surv(start, time, event) ~ x1 + z + x2, data = d),
  lone = quiet(coxph(Surv(time, event) ~ x, data = one)),
  lone2 = quiet(coxph(Surv(time, event) ~ x + z, data = one)),
  lone_strata = quiet(coxph(Surv(time, event) ~ x + strata(s), data = st))
)
write.csv(data.frame(msg = msgs), "warnings.csv", row.names = FALSE)
num <- function(v) if (length(v) == 0) NA else unname(v[[1]])
for (nm in names(models)) {
  f <- models[[nm]]; s <- summary(f); co <- s$coefficients
  rob <- if ("robust se" %in% colnames(co)) co[, "robust se"] else NA
  write.csv(data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"],
                       robust_se = rob, p = co[, "Pr(>|z|)"]),
            paste0("coef_", nm, ".csv"), row.names = FALSE)
  write.csv(data.frame(loglik = f$loglik[2], loglik0 = f$loglik[1], lr = num(s$logtest),
                       lr_df = num(s$logtest[-1]), wald = num(f$wald.test),
                       score = num(s$sctest), rscore = num(f$rscore), c = s$concordance[[1]],
                       c_se = s$concordance[[2]], iter = f$iter),
            paste0("fit_", nm, ".csv"), row.names = FALSE)
}
z <- cox.zph(models$twice_efron)
write.csv(data.frame(term = rownames(z$table), z$table), "zph.csv", row.names = FALSE)
"""

SING = "not defined because of singularities"
RAN_OUT = "Ran out of iterations and did not converge"


def data(n: int = 80, seed: int = 4) -> pd.DataFrame:
    """SYNTHETIC patients with aliased columns: x2 = 2 x1, isb = (g == "b"), k = 1."""
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], n)
    x1 = rng.normal(0, 1, n).round(3)
    z = rng.normal(0, 1, n).round(3)
    t = np.ceil(rng.exponential(1 / np.exp(0.4 * x1 - 0.3 * z + (g == "c"))) * 100)
    start = np.floor(t * rng.uniform(0, 0.5, n))
    return pd.DataFrame(
        {"time": t, "event": (rng.random(n) < 0.75).astype(int), "start": start, "x1": x1,
         "x2": 2 * x1, "z": z, "g": g, "isb": (g == "b").astype(int), "k": 1.0,
         "id": np.arange(n) // 2}
    )  # fmt: skip


ONE = pd.DataFrame(
    {"time": [1.0, 2, 3, 4, 5], "event": [0, 0, 0, 0, 1], "x": [1.0, 2, 3, 4, 5],
     "z": [2.0, 1, 0, 1, 3]}
)  # fmt: skip
STRATA = pd.DataFrame(
    {"time": [1.0, 2, 3, 1, 2, 3], "event": [0, 0, 1, 0, 0, 1], "x": [1.0, 3, 2, 5, 4, 7],
     "s": [1, 1, 1, 2, 2, 2]}
)  # fmt: skip


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, data(), tmp_path_factory.mktemp("r"))


def close(ours: object, theirs: object, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, float), np.asarray(theirs, float), rtol=1e-6, atol=1e-10, err_msg=what
    )


ALIASED: dict[str, tuple[list[str], dict[str, Any], list[str]]] = {
    "twice_efron": (["x1", "x2", "z"], {}, ["x2"]),
    "twice_breslow": (["x1", "x2", "z"], {"ties": "breslow"}, ["x2"]),
    "level_after": (["isb", "g", "x1"], {}, ["gb"]),
    "level_before": (["g", "isb", "x1"], {}, ["isb"]),
    "constant": (["x1", "k"], {}, ["k"]),
    "cluster": (["x1", "x2", "z"], {"cluster": "id"}, ["x2"]),
}


@pytest.mark.parametrize("model", list(ALIASED))
def test_aliased_terms_are_na_and_the_rest_equals_coxph(
    r: dict[str, pd.DataFrame], model: str
) -> None:
    """The later of two collinear columns is NA (as coxph's Cholesky finds it), the other
    terms, loglik and the lr / Wald / score tests on the remaining df equal R's."""
    covs, kw, na = ALIASED[model]
    ours = cox(data(), "time", "event", covs, **kw)
    theirs = r[f"coef_{model}"]
    assert list(ours.table["term"]) == list(theirs["term"])
    is_na = theirs["coef"].isna().to_numpy()
    assert list(theirs["term"][is_na]) == na
    t = ours.table
    assert t.loc[is_na, ["coef", "se", "hr", "lower", "upper", "p"]].isna().all().all()
    for col in ("coef", "se", "p"):
        close(t.loc[~is_na, col], theirs.loc[~is_na, col], f"{model} {col}")
    if "cluster" in kw:
        close(t.loc[~is_na, "robust_se"], theirs.loc[~is_na, "robust_se"], "robust se")
    fit = r[f"fit_{model}"].iloc[0]
    close(ours.loglik, fit["loglik"], "loglik")
    tests = ours.tests.set_index("test")
    assert (tests["df"] == fit["lr_df"]).all()
    for name in ("lr", "wald", "score"):  # Wald with the robust variance when clustered
        close(tests.loc[name, "statistic"], fit[name], name)
    if "cluster" in kw:
        close(tests.loc["robust_score", "statistic"], fit["rscore"], "robust score")
    close(ours.concordance["value"], fit["c"], "C")
    close(ours.concordance["se"], fit["c_se"], "se(C)")
    assert ours.converged
    assert len(ours.warnings) == 1
    assert SING in ours.warnings[0]
    assert na[0] in ours.warnings[0]


def test_constant_covariate_alone_is_na_at_the_null_loglik(r: dict[str, pd.DataFrame]) -> None:
    """coxph(~ k) with k constant: NA, loglik = the null loglik, lr 0 on 0 df."""
    ours = cox(data(), "time", "event", ["k"])
    theirs, fit = r["coef_constant_alone"], r["fit_constant_alone"].iloc[0]
    assert theirs["coef"].isna().all()
    assert ours.table[["coef", "se", "p"]].isna().all().all()
    close(ours.loglik, fit["loglik"], "loglik")
    assert fit["lr_df"] == 0
    assert ours.tests.set_index("test").loc["lr", "statistic"] == 0
    close(ours.concordance["value"], fit["c"], "C")
    assert SING in ours.warnings[0]


def test_counting_process_with_aliased_term(r: dict[str, pd.DataFrame]) -> None:
    """coxph(Surv(start, time, event) ~ x1 + z + x2): x2 NA, the rest as R."""
    ours = cox_counting(data(), "start", "time", "event", ["x1", "z", "x2"])
    theirs = r["coef_counting"]
    assert list(theirs["term"][theirs["coef"].isna()]) == ["x2"]
    assert ours.table["coef"].isna().tolist() == [False, False, True]
    for col in ("coef", "se", "p"):
        close(ours.table[col][:2], theirs[col][:2], col)
    close(ours.loglik, r["fit_counting"]["loglik"].iloc[0], "loglik")
    assert SING in ours.warnings[0]


def test_ph_test_leaves_aliased_terms_out_as_cox_zph(r: dict[str, pd.DataFrame]) -> None:
    """cox.zph on the fit with x2 NA: rows x1, z, GLOBAL on 2 df."""
    ours = ph_test(data(), "time", "event", ["x1", "x2", "z"]).table
    theirs = r["zph"]
    assert list(ours["term"]) == list(theirs["term"]) == ["x1", "z", "GLOBAL"]
    for col in ("chisq", "df", "p"):
        close(ours[col], theirs[col], col)


@pytest.mark.parametrize(
    ("model", "frame", "covs", "kw"),
    [
        ("lone", ONE, ["x"], {}),
        ("lone2", ONE, ["x", "z"], {}),
        ("lone_strata", STRATA, ["x"], {"strata": "s"}),
    ],
)
def test_lone_event_runs_out_at_zero_as_coxph(
    r: dict[str, pd.DataFrame],
    model: str,
    frame: pd.DataFrame,
    covs: list[str],
    kw: dict[str, Any],
) -> None:
    """Every event alone in its risk set: coef 0, se 0, P NaN, loglik 0, not converged,
    lr and score 0 on p df (P 1); Wald NaN on 1 df and 0 on 2 df, as summary(coxph)."""
    ours = cox(frame, "time", "event", covs, **kw)
    theirs, fit = r[f"coef_{model}"], r[f"fit_{model}"].iloc[0]
    assert "Ran out of iterations and did not converge" in set(r["warnings"]["msg"])
    close(ours.table["coef"], theirs["coef"], "coef")
    close(ours.table["se"], theirs["se"], "se")
    assert ours.table["p"].isna().all()
    assert theirs["p"].isna().all()
    close(ours.table[["hr", "lower", "upper"]], np.ones((len(covs), 3)), "hr and CI")
    assert ours.loglik == fit["loglik"] == 0
    assert not ours.converged
    assert ours.warnings == (RAN_OUT,)
    tests = ours.tests.set_index("test")
    for name in ("lr", "wald", "score"):
        close(tests.loc[name, "statistic"], fit[name], name)
    assert (tests["df"] == fit["lr_df"]).all()
    assert np.isnan(fit["c"])
    assert np.isnan(ours.concordance["value"])
