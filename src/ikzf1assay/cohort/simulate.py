"""A SIMULATED cohort shaped like the study in ASSAY.md, for the demo and tests.

142 patients (ids ``SIMPT-001``...), diagnosed 2016-2019, follow-up closed 2020-10-30.
Exactly 50 deleted (22 Δ4-7, 10 Δ2-7, 3 Δ2-8, 2 Δ4-8, 13 mixed) and 92 not; groups A
(deleted, chemotherapy only) 24, B (deleted, allo-HSCT) 26, C (not deleted, chemotherapy) 47,
D (not deleted, allo-HSCT) 45; Table 1's counts for WBC >= 30, day-14 MRD > 1 %, Ph+, sex and
CR after course 1. Relapse and death hazards are higher with a deletion (and lower after a
transplant), so the deleted group fares worse; nothing here is a patient.

Sample ids ``SIM-01``... match the bundled example run: its eight samples are the first eight
patients, with the calls that run gives (SIM-07 failed, SIM-08 was inconclusive; both have a
later valid retest among the other simulated runs' calls, so the latest-valid-call rule is
exercised).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CLOSE_DATE", "SIMULATED_NOTE", "SimulatedCohort", "simulate_cohort"]

CLOSE_DATE = dt.date(2020, 10, 30)
SIMULATED_NOTE = "SIMULATED cohort (ikzf1assay simulate cohort); not patients"
DELETED_COUNTS = {"Δ4-7": 22, "Δ2-7": 10, "Δ2-8": 3, "Δ4-8": 2, "mixed": 13}
N_PATIENTS, N_DELETED, N_TX_DELETED, N_TX_NOT = 142, 50, 26, 45
# Table 1 (deleted, not deleted): patients with the feature
TABLE1 = {
    "wbc_high": (26, 26),
    "mrd_d14_high": (30, 27),
    "ph": (26, 20),
    "male": (26, 47),
    "cr_course1": (35, 74),
}
BUNDLED = {  # the bundled run's samples: first call, and the retest where that failed
    "SIM-01": ("Δ4-7", None),
    "SIM-02": ("Δ2-7", None),
    "SIM-03": ("Δ2-8", None),
    "SIM-04": ("Δ4-8", None),
    "SIM-05": ("mixed", None),
    "SIM-06": ("not detected", None),
    "SIM-07": ("invalid", "not detected"),
    "SIM-08": ("inconclusive", "Δ4-7"),
}


@dataclass(frozen=True)
class SimulatedCohort:
    """``clinical`` (the clinical table), ``calls`` (the calls of the other simulated runs
    and the retests; the bundled run's own calls come from calling it), ``truth`` (patient_id,
    sample_id, call, group)."""

    clinical: pd.DataFrame
    calls: pd.DataFrame
    truth: pd.DataFrame
    seed: int


def _exact(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """n booleans with exactly k True, shuffled."""
    out = np.zeros(n, dtype=bool)
    out[:k] = True
    rng.shuffle(out)
    return out


def _piecewise(
    rng: np.random.Generator, rate0: np.ndarray, rate1: np.ndarray, cut: np.ndarray
) -> np.ndarray:
    """Event time with hazard rate0 before ``cut`` and rate1 after (cut NaN: never)."""
    first = rng.exponential(1 / rate0)
    cut = np.where(np.isnan(cut), np.inf, cut)
    later = cut + rng.exponential(1 / rate1)
    return np.where(first < cut, first, later)


def simulate_cohort(seed: int = 1) -> SimulatedCohort:
    """The SIMULATED study cohort; the same seed gives the same tables."""
    rng = np.random.default_rng(seed)
    n = N_PATIENTS
    samples = [f"SIM-{i:02d}" for i in range(1, n + 1)]
    final = [BUNDLED[s][1] or BUNDLED[s][0] for s in samples[:8]]
    pool: list[str] = []
    for call, k in DELETED_COUNTS.items():
        pool += [call] * (k - final.count(call))
    pool += ["not detected"] * (n - N_DELETED - final.count("not detected"))
    rest = list(rng.permutation(np.array(pool, dtype=object)))
    calls = np.array(final + rest, dtype=object)
    deleted = calls != "not detected"
    idx_del, idx_not = np.flatnonzero(deleted), np.flatnonzero(~deleted)
    tx = np.zeros(n, dtype=bool)
    tx[idx_del] = _exact(rng, len(idx_del), N_TX_DELETED)
    tx[idx_not] = _exact(rng, len(idx_not), N_TX_NOT)
    features = {}
    for name, (k_del, k_not) in TABLE1.items():
        f = np.zeros(n, dtype=bool)
        f[idx_del] = _exact(rng, len(idx_del), k_del)
        f[idx_not] = _exact(rng, len(idx_not), k_not)
        features[name] = f
    age = np.clip(rng.normal(35, 13, n), 18, 70).round(0)
    wbc = np.where(features["wbc_high"], rng.uniform(30, 250, n), rng.uniform(1.0, 29.9, n)).round(
        1
    )
    ldh = np.exp(rng.normal(np.log(400) + 0.3 * deleted, 0.5)).round(0)
    diagnosis = np.array(
        [dt.date(2016, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1461, n)]
    )
    # remission: after course 1 (~day 30), later (~day 60), or never (only without transplant)
    cr_day = np.where(features["cr_course1"], rng.integers(25, 40, n), rng.integers(50, 90, n))
    never = ~features["cr_course1"] & ~tx & (rng.random(n) < 0.35)
    tx_day = np.where(tx, cr_day + rng.integers(60, 160, n), np.nan)
    # hazards per day, from remission
    risk = np.exp(0.85 * deleted + 0.25 * features["ph"] + 0.2 * features["mrd_d14_high"])
    relapse_rate0 = risk / 2400.0
    relapse_rate1 = relapse_rate0 * 0.45
    tx_from_cr = tx_day - cr_day
    relapse = cr_day + _piecewise(rng, relapse_rate0, relapse_rate1, tx_from_cr)
    nrm_rate = np.where(tx, 1 / 4000.0, 1 / 15000.0)
    nrm_death = cr_day + rng.exponential(1 / nrm_rate)
    death_after_relapse = relapse + rng.exponential(np.where(deleted, 300.0, 450.0))
    # transplanted patients were event-free until their transplant (that is how they got one)
    relapse = np.where(
        tx & (relapse < tx_day), tx_day + rng.exponential(1 / relapse_rate1), relapse
    )
    nrm_death = np.where(tx & (nrm_death < tx_day), tx_day + rng.exponential(4000.0, n), nrm_death)
    death_after_relapse = np.maximum(death_after_relapse, relapse + 1)
    # never in remission: death from refractory disease
    refractory_death = rng.exponential(300.0, n) + 20
    close_day = np.array([(CLOSE_DATE - d).days for d in diagnosis], dtype=float)
    lost = np.where(rng.random(n) < 0.06, rng.uniform(100, close_day), close_day)
    lost = np.where(tx, np.maximum(lost, np.nan_to_num(tx_day) + 30), lost)
    end = np.minimum(close_day, lost)
    relapse_day = np.where(never | (relapse > nrm_death), np.nan, relapse)
    death_day = np.where(
        never,
        refractory_death,
        np.minimum(nrm_death, np.where(relapse_day <= nrm_death, death_after_relapse, np.inf)),
    )
    relapse_day = np.where(relapse_day <= end, relapse_day, np.nan)
    death_day = np.where(death_day <= end, death_day, np.nan)
    tx_day = np.where(tx_day <= end, tx_day, np.nan)
    cr_keep = np.where(never | (cr_day > end), np.nan, cr_day)
    fu_day = np.where(np.isnan(death_day), end, death_day)

    def dates(days: np.ndarray) -> list[str]:
        return [
            "" if np.isnan(x) else (d0 + dt.timedelta(days=int(x))).isoformat()
            for d0, x in zip(diagnosis, days, strict=True)
        ]

    clinical = pd.DataFrame(
        {
            "patient_id": [f"SIMPT-{i:03d}" for i in range(1, n + 1)],
            "sample_id": samples,
            "diagnosis_date": [d.isoformat() for d in diagnosis],
            "cr_date": dates(cr_keep),
            "relapse_date": dates(relapse_day),
            "death_date": dates(death_day),
            "transplant_date": dates(tx_day),
            "last_followup_date": dates(fu_day),
            "age": age.astype(int),
            "sex": np.where(features["male"], "male", "female"),
            "wbc": wbc,
            "wbc_30": np.where(features["wbc_high"], ">=30", "<30"),
            "ldh": ldh.astype(int),
            "ph": np.where(features["ph"], "positive", "negative"),
            "mrd_d14": np.where(features["mrd_d14_high"], ">1%", "<=1%"),
            "cr_course1": np.where(features["cr_course1"], "yes", "no"),
            "age_35": np.where(age > 35, ">35", "<=35"),
        }
    )
    run_dates = pd.Timestamp("2021-01-04") + pd.to_timedelta(np.arange(n - 8) // 8 * 7, unit="D")
    others = pd.DataFrame(
        {
            "sample": samples[8:],
            "call": calls[8:],
            "status": "valid",
            "run": [f"SIM-RUN-{2 + i // 8:02d}" for i in range(n - 8)],
            "run_date": [d.date().isoformat() for d in run_dates],
        }
    )
    retests = pd.DataFrame(
        {
            "sample": ["SIM-07", "SIM-08"],
            "call": [BUNDLED["SIM-07"][1], BUNDLED["SIM-08"][1]],
            "status": "valid",
            "run": "SIM-RUN-RETEST",
            "run_date": "2021-06-01",
        }
    )
    group = np.where(deleted, np.where(tx, "B", "A"), np.where(tx, "D", "C"))
    truth = pd.DataFrame(
        {"patient_id": clinical["patient_id"], "sample_id": samples, "call": calls, "group": group}
    )
    return SimulatedCohort(
        clinical=clinical,
        calls=pd.concat([others, retests], ignore_index=True),
        truth=truth,
        seed=seed,
    )
