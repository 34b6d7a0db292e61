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

__all__ = [
    "CLOSE_DATE",
    "SIMULATED_NOTE",
    "SimulatedCohort",
    "simulate_cohort",
    "synthetic_survival",
]

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
    """The SIMULATED study cohort; the same seed gives the same tables.

    Parameters
    ----------
    seed
        Seed of the random generator.

    Returns
    -------
    SimulatedCohort
        The clinical table, the calls of the other simulated runs and the truth.
    """
    # the steps draw from one generator in a fixed order: reordering them changes the cohort
    rng = np.random.default_rng(seed)
    samples = [f"SIM-{i:02d}" for i in range(1, N_PATIENTS + 1)]
    calls = _calls(rng)
    deleted = calls != "not detected"
    tx, features = _treatment_and_features(rng, deleted)
    baseline = _baseline(rng, deleted, features)
    days = _history_days(rng, deleted, tx, features, baseline["diagnosis"])
    clinical = _clinical_table(samples, baseline, features, days)
    group = np.where(deleted, np.where(tx, "B", "A"), np.where(tx, "D", "C"))
    truth = pd.DataFrame(
        {"patient_id": clinical["patient_id"], "sample_id": samples, "call": calls, "group": group}
    )
    return SimulatedCohort(
        clinical=clinical, calls=_other_runs_calls(samples, calls), truth=truth, seed=seed
    )


def _calls(rng: np.random.Generator) -> np.ndarray:
    """Final call per patient: the bundled run's eight first, the study's counts over all."""
    n = N_PATIENTS
    final = [BUNDLED[f"SIM-{i:02d}"][1] or BUNDLED[f"SIM-{i:02d}"][0] for i in range(1, 9)]
    pool: list[str] = []
    for call, k in DELETED_COUNTS.items():
        pool += [call] * (k - final.count(call))
    pool += ["not detected"] * (n - N_DELETED - final.count("not detected"))
    rest = list(rng.permutation(np.array(pool, dtype=object)))
    return np.array(final + rest, dtype=object)


def _treatment_and_features(
    rng: np.random.Generator, deleted: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Transplant and Table 1's features, with the study's counts in each deletion arm."""
    n = N_PATIENTS
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
    return tx, features


def _baseline(
    rng: np.random.Generator, deleted: np.ndarray, features: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Age, WBC (consistent with the WBC >= 30 feature), LDH and the diagnosis date."""
    n = N_PATIENTS
    age = np.clip(rng.normal(35, 13, n), 18, 70).round(0)
    high, low = rng.uniform(30, 250, n), rng.uniform(1.0, 29.9, n)
    wbc = np.where(features["wbc_high"], high, low).round(1)
    ldh = np.exp(rng.normal(np.log(400) + 0.3 * deleted, 0.5)).round(0)
    diagnosis = np.array(
        [dt.date(2016, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1461, n)]
    )
    return {"age": age, "wbc": wbc, "ldh": ldh, "diagnosis": diagnosis}


def _history_days(
    rng: np.random.Generator,
    deleted: np.ndarray,
    tx: np.ndarray,
    features: dict[str, np.ndarray],
    diagnosis: np.ndarray,
) -> dict[str, np.ndarray]:
    """Days from diagnosis to remission, transplant, relapse, death and last follow-up (NaN:
    none), censored at the close date or an earlier loss to follow-up."""
    n = N_PATIENTS
    # remission: after course 1 (~day 30), later (~day 60), or never (only without transplant)
    cr_day = np.where(features["cr_course1"], rng.integers(25, 40, n), rng.integers(50, 90, n))
    never = ~features["cr_course1"] & ~tx & (rng.random(n) < 0.35)
    tx_day = np.where(tx, cr_day + rng.integers(60, 160, n), np.nan)
    # hazards per day, from remission
    risk = np.exp(0.85 * deleted + 0.25 * features["ph"] + 0.2 * features["mrd_d14_high"])
    relapse_rate0 = risk / 2400.0
    relapse_rate1 = relapse_rate0 * 0.45
    relapse = cr_day + _piecewise(rng, relapse_rate0, relapse_rate1, tx_day - cr_day)
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
    death_day = np.where(death_day <= end, death_day, np.nan)
    return {
        "cr": np.where(never | (cr_day > end), np.nan, cr_day),
        "relapse": np.where(relapse_day <= end, relapse_day, np.nan),
        "death": death_day,
        "transplant": np.where(tx_day <= end, tx_day, np.nan),
        "last_followup": np.where(np.isnan(death_day), end, death_day),
    }


def _clinical_table(
    samples: list[str],
    baseline: dict[str, np.ndarray],
    features: dict[str, np.ndarray],
    days: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The clinical table as a lab would keep it: dates, covariates as recorded."""
    diagnosis, age = baseline["diagnosis"], baseline["age"]

    def dates(column: str) -> list[str]:
        return [
            "" if np.isnan(x) else (d0 + dt.timedelta(days=int(x))).isoformat()
            for d0, x in zip(diagnosis, days[column], strict=True)
        ]

    return pd.DataFrame(
        {
            "patient_id": [f"SIMPT-{i:03d}" for i in range(1, len(samples) + 1)],
            "sample_id": samples,
            "diagnosis_date": [d.isoformat() for d in diagnosis],
            "cr_date": dates("cr"),
            "relapse_date": dates("relapse"),
            "death_date": dates("death"),
            "transplant_date": dates("transplant"),
            "last_followup_date": dates("last_followup"),
            "age": age.astype(int),
            "sex": np.where(features["male"], "male", "female"),
            "wbc": baseline["wbc"],
            "wbc_30": np.where(features["wbc_high"], ">=30", "<30"),
            "ldh": baseline["ldh"].astype(int),
            "ph": np.where(features["ph"], "positive", "negative"),
            "mrd_d14": np.where(features["mrd_d14_high"], ">1%", "<=1%"),
            "cr_course1": np.where(features["cr_course1"], "yes", "no"),
            "age_35": np.where(age > 35, ">35", "<=35"),
        }
    )


def _other_runs_calls(samples: list[str], calls: np.ndarray) -> pd.DataFrame:
    """Calls of the patients beyond the bundled run (weekly runs of eight) and the retests."""
    n = len(samples)
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
    return pd.concat([others, retests], ignore_index=True)


def synthetic_survival(n: int, seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC patients for benchmarks and model checks: exponential times in whole days
    (many ties) depending on a deletion, a stage and age; uniform censoring.

    Parameters
    ----------
    n : int
        Patients.
    seed : int
        The random seed.

    Returns
    -------
    DataFrame
        ``time, event, group ("deleted" / "not deleted"), deleted (0/1), stage (I-III), age``.
    """
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
