"""PH test, Fine-Gray, time-dependent transplant and landmark analysis against R.

Witness: R 4.2.2, survival 3.5-3 (``cox.zph``, ``coxph`` on counting-process rows, ``survdiff``)
and cmprsk 2.2-11 (``crr``), on 300 SYNTHETIC patients with tied day-times, a time-0 event
block (never in remission), transplants during follow-up and competing events. Compared to
1e-6 relative, except the Fine-Gray standard error (see test_fine_gray_equals_crr).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.competing import fine_gray
from ikzf1assay.cohort.cox import ph_test, screen_and_fit
from ikzf1assay.cohort.timevarying import counting_process, cox_time_varying, landmark
from r_witness import run_r

R_SCRIPT = r"""
library(survival); library(cmprsk)
d <- read.csv("data.csv", stringsAsFactors = TRUE)
for (ties in c("efron", "breslow")) {
  z <- cox.zph(coxph(Surv(time, event) ~ group + deleted + age, data = d, ties = ties))
  write.csv(data.frame(term = rownames(z$table), z$table), paste0("zph_", ties, ".csv"), row.names = FALSE)
}
X <- model.matrix(~ group + age, d)[, -1]
for (cause in 1:2) {
  f <- crr(d$ctime, d$cstatus, X, failcode = cause)
  write.csv(data.frame(term = names(f$coef), coef = f$coef, se = sqrt(diag(f$var))),
            paste0("crr", cause, ".csv"), row.names = FALSE)
}
# transplant as a time-dependent covariate, via tmerge
# follow-up entered at -1 so that day-0 events stay in the risk set, as in ikzf1assay
base <- data.frame(id = seq_len(nrow(d)), time = d$time, event = d$event, deleted = d$deleted,
                   group = d$group, entry = -1)
tv <- tmerge(base, base, id = id, tstart = entry, tstop = time, ev = event(time, event))
tx <- data.frame(id = seq_len(nrow(d)), tt = d$tt)
tx <- tx[!is.na(tx$tt), ]
tv <- tmerge(tv, tx, id = id, transplant = tdc(tt))
tv$transplant[is.na(tv$transplant)] <- 0
f <- coxph(Surv(tstart, tstop, ev) ~ transplant + deleted + group, data = tv)
s <- summary(f)
write.csv(data.frame(term = rownames(s$coefficients), coef = s$coefficients[, 1], se = s$coefficients[, 3],
                     p = s$coefficients[, 5]), "tv.csv", row.names = FALSE)
write.csv(data.frame(loglik = f$loglik[2], rows = nrow(tv)), "tvfit.csv", row.names = FALSE)
# landmark at day 180
L <- subset(d, time > 180)
L$lt <- L$time - 180
L$g <- ifelse(!is.na(L$tt) & L$tt <= 180, "tx", "none")
sd <- survdiff(Surv(lt, event) ~ g, data = L)
km <- summary(survfit(Surv(lt, event) ~ g, data = L, conf.type = "log-log"), times = 365)
write.csv(data.frame(chisq = sd$chisq, n = nrow(L), surv = km$surv, se = km$std.err), "landmark.csv", row.names = FALSE)
"""


def cohort(seed: int = 21, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], n)
    deleted = rng.integers(0, 2, n)
    age = rng.normal(35, 12, n).round(0)
    rate = np.exp(0.5 * deleted + 0.01 * (age - 35) + np.where(group == "C", -0.4, 0)) / 900
    t = np.ceil(rng.exponential(1 / rate))
    c = np.ceil(rng.uniform(100, 1500, n))
    time = np.minimum(t, c)
    event = (t <= c).astype(int)
    never = rng.random(n) < 0.06  # never in remission: EFS event at day 0
    time[never], event[never] = 0, 1
    tt = np.where(rng.random(n) < 0.45, np.ceil(rng.uniform(60, 400, n)), np.nan)
    tt[(tt >= time) | never] = np.nan
    relapse = np.ceil(rng.exponential(np.where(group == "A", 600.0, 1000.0)))
    death = np.ceil(rng.exponential(2200.0, n))
    ctime = np.minimum.reduce([relapse, death, c])
    cstatus = np.select([ctime == relapse, ctime == death], [1, 2], 0)
    return pd.DataFrame(
        {"time": time, "event": event, "group": group, "deleted": deleted, "age": age,
         "tt": tt, "ctime": ctime, "cstatus": cstatus}
    )  # fmt: skip


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    return run_r(R_SCRIPT, cohort(), tmp_path_factory.mktemp("r"))


def _close(mine: pd.Series, theirs: pd.Series, rtol: float = 1e-6) -> None:
    np.testing.assert_allclose(mine.to_numpy(float), theirs.to_numpy(float), rtol=rtol)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_ph_test_equals_cox_zph(r: dict[str, pd.DataFrame], ties: str) -> None:
    """cox.zph(coxph(Surv(time, event) ~ group + deleted + age, ties=ties)): chisq, df, p per
    term (the 3-level factor as one 2-df term) and GLOBAL."""
    mine = ph_test(cohort(), "time", "event", ["group", "deleted", "age"], ties=ties).table
    theirs = r[f"zph_{ties}"]
    assert list(mine["term"]) == list(theirs["term"]) == ["group", "deleted", "age", "GLOBAL"]
    for col in ("chisq", "df", "p"):
        _close(mine[col], theirs[col])


@pytest.mark.parametrize("cause", [1, 2])
def test_fine_gray_equals_crr(r: dict[str, pd.DataFrame], cause: int) -> None:
    """crr(ftime, fstatus, model.matrix(~ group + age)[, -1], failcode=cause).

    Coefficients to 1e-6. The SE differs by definition: comprisk's sandwich leaves out the
    term for the estimated censoring distribution that crr's variance carries, about 1e-3
    relative here; checked to 5e-3.
    """
    mine = fine_gray(cohort(), "ctime", "cstatus", ["group", "age"], cause=cause).table
    theirs = r[f"crr{cause}"]
    assert list(mine["term"]) == list(theirs["term"])
    _close(mine["coef"], theirs["coef"])
    _close(mine["se"], theirs["se"], rtol=5e-3)


def test_time_dependent_transplant_equals_coxph_counting_process(
    r: dict[str, pd.DataFrame],
) -> None:
    """coxph(Surv(tstart, tstop, ev) ~ transplant + deleted + group) on tmerge rows."""
    d = cohort()
    fit = cox_time_varying(d, "time", "event", "tt", ["deleted", "group"])
    theirs = r["tv"]
    assert list(fit.table["term"]) == list(theirs["term"])
    for col in ("coef", "se", "p"):
        _close(fit.table[col], theirs[col])
    assert fit.loglik == pytest.approx(float(r["tvfit"]["loglik"].iloc[0]), rel=1e-9)
    assert fit.rows == int(r["tvfit"]["rows"].iloc[0])
    rows = counting_process(d, "time", "event", "tt")
    assert (rows["stop"] > rows["start"]).all()
    assert rows.groupby("id")["event"].sum().tolist() == d["event"].tolist()


def test_landmark_equals_survdiff_on_the_landmark_cohort(r: dict[str, pd.DataFrame]) -> None:
    """subset(time > 180), times from the landmark, group = transplanted by day 180."""
    lm = landmark(cohort(), "time", "event", "tt", 180, times=[365])
    theirs = r["landmark"]
    assert lm.n_at_landmark == int(theirs["n"].iloc[0])
    assert lm.logrank is not None
    assert lm.logrank.table["chisq"].iloc[0] == pytest.approx(theirs["chisq"].iloc[0], rel=1e-6)
    # R orders the groups none, tx; so do we (sorted labels)
    at = lm.km.at.sort_values("group", ascending=False)  # "transplant..." after "no ..."
    _close(at["survival"].reset_index(drop=True), theirs["surv"][::-1].reset_index(drop=True))


def test_screen_enters_only_significant_covariates() -> None:
    d = cohort()
    screen = screen_and_fit(d, "time", "event", ["group", "deleted", "age"], threshold=0.05)
    uni = screen.univariable.drop_duplicates("covariate").set_index("covariate")["term_p"]
    assert screen.selected == [c for c in ["group", "deleted", "age"] if uni[c] < 0.05]
    assert screen.multivariable is not None
    assert screen.ph is not None
    assert set(screen.ph.table["term"]) == {*screen.selected, "GLOBAL"}
    everything = screen_and_fit(d, "time", "event", ["group", "deleted", "age"], threshold=1.0)
    assert everything.selected == ["group", "deleted", "age"]


def test_landmark_needs_a_positive_time(tmp_path: Path) -> None:
    from ikzf1assay.errors import ParameterError

    with pytest.raises(ParameterError, match="landmark 0"):
        landmark(cohort(), "time", "event", "tt", 0)
