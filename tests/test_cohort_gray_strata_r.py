"""Stratified Gray's test where a stratum lacks some of the groups, against R at run time.

Witness: R 4.2.2, cmprsk 2.2-11: ``cuminc(ftime, fstatus, group, strata = stratum)$Tests``
(stat, pv, df). On R's own pbc (survival 3.5-3, exported by R at run time: 1 transplant,
2 death; edema 0/0.5/1 by histologic stage, stage 1 has no edema 1 and one edema 0.5, 6 rows
without a stage; hepatomegaly by stage, stage 1 has no hepatomegaly, 106 rows without it) and
on SYNTHETIC shapes: a stratum with one group (the first, then the last level), three groups
with the middle or the last missing in a stratum, a stratum without events of cause 1, strata
holding a single group each beside a full one. Statistic and P to 1e-6 relative (P below
1e-12 to 1e-12 absolute: R's statistic carries ~1e-8), df exactly.
Where no group shares a stratum with another, R reports the statistic -1 with P 1 (its sign
that the variance could not be inverted): ours refuses with the groups named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.cohort.competing import gray_test
from ikzf1assay.errors import ParameterError
from r_witness import run_r

R_SCRIPT = r"""
library(survival); library(cmprsk)
gray <- function(d, name) {
  f <- cuminc(d$ftime, d$fstatus, d$g, strata = d$st)
  write.csv(data.frame(cause = as.integer(rownames(f$Tests)), statistic = f$Tests[, "stat"],
                       df = f$Tests[, "df"], p = f$Tests[, "pv"]),
            paste0("gray_", name, ".csv"), row.names = FALSE)
}
pb <- data.frame(ftime = pbc$time, fstatus = pbc$status, g = pbc$edema, st = pbc$stage)
write.csv(pb, "dataset_pbc_edema.csv", row.names = FALSE)
gray(pb[complete.cases(pb), ], "pbc_edema")
ph <- data.frame(ftime = pbc$time, fstatus = pbc$status, g = pbc$hepato, st = pbc$stage)
write.csv(ph, "dataset_pbc_hepato.csv", row.names = FALSE)
gray(ph[complete.cases(ph), ], "pbc_hepato")
e <- read.csv("data.csv", stringsAsFactors = FALSE)
for (case in unique(e$case)) gray(e[e$case == case, ], case)
"""


def _shape(n: int, groups: list[str], stratum: str, seed: int) -> pd.DataFrame:
    """SYNTHETIC: n patients of ``groups`` in one stratum, whole-number times (ties)."""
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, n)
    t1 = rng.exponential(10, n) * np.where(g == "B", 0.7, 1.0)
    t2, c = rng.exponential(15, n), rng.uniform(2, 30, n)
    ftime = np.round(np.minimum.reduce([t1, t2, c])) + 1
    fstatus = np.select([t1 <= np.minimum(t2, c), t2 <= c], [1, 2], 0)
    return pd.DataFrame({"ftime": ftime, "fstatus": fstatus, "g": g, "st": stratum})


def _without_cause_1(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(fstatus=frame["fstatus"].replace(1, 2))


AB, ABC = ["A", "B"], ["A", "B", "C"]
SHAPES: dict[str, list[pd.DataFrame]] = {
    "only_first": [_shape(60, AB, "x", 1), _shape(40, ["A"], "y", 2)],
    "only_last": [_shape(60, AB, "x", 1), _shape(40, ["B"], "y", 2)],
    "middle_missing": [_shape(60, ABC, "x", 3), _shape(50, ["A", "C"], "y", 4)],
    "last_missing": [_shape(60, ABC, "x", 3), _shape(50, AB, "y", 4), _shape(40, ["B"], "z", 5)],
    "no_cause_1": [_shape(60, AB, "x", 7), _without_cause_1(_shape(40, AB, "y", 6))],
    "no_cause_1_one_group": [_shape(60, ABC, "x", 8), _without_cause_1(_shape(40, AB, "y", 9))],
    "singles": [_shape(60, ABC, "x", 3), _shape(30, ["A"], "y", 8), _shape(30, ["C"], "z", 9)],
    "never_shared": [_shape(60, ["A"], "x", 1), _shape(40, ["B"], "y", 2)],
}


def synthetic() -> pd.DataFrame:
    return pd.concat(
        [pd.concat(parts).assign(case=name) for name, parts in SHAPES.items()], ignore_index=True
    )


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    folder: Path = tmp_path_factory.mktemp("r")
    return run_r(R_SCRIPT, synthetic(), folder)


def data_of(r: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    if f"dataset_{name}" in r:
        return r[f"dataset_{name}"]
    d = synthetic()
    return d[d["case"] == name].drop(columns="case").reset_index(drop=True)


def assert_equals_cuminc(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    theirs = theirs.sort_values("cause").reset_index(drop=True)
    assert ours["cause"].tolist() == theirs["cause"].tolist()
    np.testing.assert_allclose(ours["statistic"], theirs["statistic"], rtol=1e-6)
    np.testing.assert_allclose(ours["p"], theirs["p"], rtol=1e-6, atol=1e-12)
    assert ours["df"].tolist() == theirs["df"].astype(int).tolist()


@pytest.mark.parametrize(
    ("name", "n_dropped"), [("pbc_edema", 6), ("pbc_hepato", 106)], ids=["edema", "hepato"]
)
def test_pbc_stage_strata_equal_cuminc(
    r: dict[str, pd.DataFrame], name: str, n_dropped: int
) -> None:
    """pbc by stage: stage 1 lacks a group; rows without group or stage left out and counted."""
    ours = gray_test(data_of(r, name), "ftime", "fstatus", "g", strata="st")
    assert ours.n_dropped == n_dropped
    assert_equals_cuminc(ours.table, r[f"gray_{name}"])


@pytest.mark.parametrize("name", [n for n in SHAPES if n != "never_shared"])
def test_stratum_lacking_groups_equals_cuminc(r: dict[str, pd.DataFrame], name: str) -> None:
    ours = gray_test(data_of(r, name), "ftime", "fstatus", "g", strata="st")
    assert ours.n_dropped == 0
    assert_equals_cuminc(ours.table, r[f"gray_{name}"])


def test_one_group_stratum_adds_nothing(r: dict[str, pd.DataFrame]) -> None:
    """A stratum with one group changes nothing: the test on the other stratum alone."""
    data = data_of(r, "only_first")
    alone = gray_test(data[data["st"] == "x"], "ftime", "fstatus", "g").table
    pd.testing.assert_frame_equal(
        gray_test(data, "ftime", "fstatus", "g", strata="st").table, alone, rtol=1e-12
    )


def test_groups_never_sharing_a_stratum_are_named(r: dict[str, pd.DataFrame]) -> None:
    """R: statistic -1, P 1 (a singular variance); ours refuses and names the groups."""
    theirs = r["gray_never_shared"]
    assert theirs["statistic"].tolist() == [-1.0, -1.0]
    assert theirs["p"].tolist() == [1.0, 1.0]
    with pytest.raises(ParameterError, match=r"group\(s\) A, B never share a stratum"):
        gray_test(data_of(r, "never_shared"), "ftime", "fstatus", "g", strata="st")
