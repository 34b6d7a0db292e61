"""Endpoints derived from the clinical dates, with their definitions stated in words.

All times are in days from the endpoint's origin. The definitions (as the studies in
ASSAY.md use them) and what can be changed:

- **OS**: origin to death from any cause; censored at last follow-up.
- **EFS**: origin to the first of no remission (an event at time 0, as the blinatumomab study
  counts non-responders; ``no_remission="exclude"`` leaves those patients out instead), relapse
  or death; censored at last follow-up. Without a ``cr_date`` column remission is unknown and
  EFS counts relapse and death only (said so in the definitions).
- **DFS** (LFS): patients in complete remission, from remission (or from transplant when the
  origin is the transplant) to relapse or death.
- **CIR**: the DFS population and origin; relapse (status 1) with death without relapse as the
  competing event (status 2).
- **NRM**: the same; death without relapse (status 1) with relapse competing (status 2).
- Origin ``diagnosis`` (default) or ``transplant`` (the second-transplant study); with the
  transplant as origin, patients without a transplant are left out and counted.
- ``close_date``: follow-up closure; anything after it is censored there.
- ``transplant_time``: days from the origin to the transplant (NaN: none within follow-up),
  for time-dependent and landmark analyses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ikzf1assay.cohort.clinical import READY_MADE, ClinicalTable
from ikzf1assay.cohort.clinical_dates import DATE_COLUMNS, describe_ids
from ikzf1assay.errors import ParameterError

__all__ = ["ENDPOINTS", "EndpointDefinitions", "Endpoints", "derive_endpoints"]

ENDPOINTS = ("os", "efs", "dfs", "cir", "nrm")
ORIGINS = ("diagnosis", "transplant")
NO_REMISSION = ("event-at-zero", "exclude")


@dataclass(frozen=True)
class EndpointDefinitions:
    """What the endpoints mean; see the module docstring."""

    origin: str = "diagnosis"
    no_remission: str = "event-at-zero"
    close_date: dt.date | None = None

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ParameterError(f"origin {self.origin!r}: choose {', '.join(ORIGINS)}")
        if self.no_remission not in NO_REMISSION:
            raise ParameterError(
                f"no-remission rule {self.no_remission!r}: choose {', '.join(NO_REMISSION)}"
            )

    def describe(self, remission_known: bool = True) -> dict[str, str]:
        """One sentence per endpoint, for reports."""
        o = "diagnosis" if self.origin == "diagnosis" else "transplant"
        after = "remission" if self.origin == "diagnosis" else "transplant"
        close = (
            f"; follow-up closed {self.close_date.isoformat()}, later events censored there"
            if self.close_date
            else ""
        )
        if not remission_known:
            efs_first = "relapse or death (remission dates not given)"
        elif self.no_remission == "event-at-zero":
            efs_first = "no complete remission (event at time 0), relapse or death"
        else:
            efs_first = "relapse or death; patients never in remission left out"
        return {
            "os": f"Overall survival: {o} to death from any cause; censored at last "
            f"follow-up{close}.",
            "efs": f"Event-free survival: {o} to the first of {efs_first}; censored at last "
            f"follow-up{close}.",
            "dfs": f"Disease-free survival: patients in complete remission, from {after} to "
            f"relapse or death{close}.",
            "cir": f"Cumulative incidence of relapse: from {after}, relapse (cause 1) with death "
            f"without relapse competing (cause 2){close}.",
            "nrm": f"Non-relapse mortality: from {after}, death without relapse (cause 1) with "
            f"relapse competing (cause 2){close}.",
        }


@dataclass(frozen=True)
class Endpoints:
    """``data``: patient_id, ``<ep>_time`` and ``<ep>_event`` (os, efs, dfs) or ``_status``
    (cir, nrm), ``transplant_time``; NaN where a patient is not in an endpoint's population.
    ``left_out``: endpoint, patient_id, reason."""

    data: pd.DataFrame
    left_out: pd.DataFrame
    definitions: dict[str, str]
    origin: str = field(default="diagnosis")


def _days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return np.asarray((later - earlier).dt.days, dtype=float)


def derive_endpoints(
    table: ClinicalTable, definitions: EndpointDefinitions | None = None
) -> Endpoints:
    """OS, EFS, DFS, CIR and NRM for every patient of a validated clinical table.

    Parameters
    ----------
    table
        The validated clinical table (dates or ready-made times).
    definitions
        What the endpoints mean (default: the study's; see the module text).

    Returns
    -------
    Endpoints
        Times and events per patient, and who was left out of which endpoint and why.
    """
    d = definitions or EndpointDefinitions()
    df = table.data
    out = pd.DataFrame({"patient_id": df["patient_id"]})
    left: list[dict[str, str]] = []
    remission_known = "cr_date" in table.date_columns
    if table.has_dates:
        close = pd.Timestamp(d.close_date) if d.close_date else None
        dx, cr, rel, death, tx, fu = (df[c] for c in DATE_COLUMNS)
        if close is not None:
            # events after closure did not happen yet as far as the analysis is concerned
            rel, death, tx, cr = (s.where(s <= close) for s in (rel, death, tx, cr))
            fu = fu.where(fu.isna() | (fu <= close), close)
        end = death.fillna(fu)
        if close is not None:
            end = end.where(end <= close, close)
        origin = dx if d.origin == "diagnosis" else tx
        no_origin = origin.isna()
        for pid in df.loc[no_origin, "patient_id"]:
            left.append({"endpoint": "all", "patient_id": pid, "reason": "no transplant"})
        os_t = _days(end, origin)
        out["os_time"] = os_t
        out["os_event"] = np.where(no_origin, np.nan, death.notna().astype(float))
        first = pd.concat([rel, death], axis=1).min(axis=1)
        efs_end = first.fillna(end)
        efs_t = _days(efs_end, origin)
        efs_e = first.notna().astype(float).to_numpy()
        if remission_known and d.origin == "diagnosis":
            never = cr.isna().to_numpy()
            if d.no_remission == "event-at-zero":
                efs_t = np.where(never, 0.0, efs_t)
                efs_e = np.where(never, 1.0, efs_e)
            else:
                efs_t = np.where(never, np.nan, efs_t)
                efs_e = np.where(never, np.nan, efs_e)
                for pid in df.loc[never, "patient_id"]:
                    left.append({"endpoint": "efs", "patient_id": pid, "reason": "never in CR"})
        out["efs_time"] = np.where(no_origin, np.nan, efs_t)
        out["efs_event"] = np.where(no_origin, np.nan, efs_e)
        # remission-based endpoints
        start = cr if d.origin == "diagnosis" else tx
        in_pop = start.notna() & ~no_origin
        if d.origin == "transplant":
            # relapse before the transplant is not an event after it
            rel = rel.where(rel.isna() | (rel >= tx))
        for pid in df.loc[~in_pop & ~no_origin, "patient_id"]:
            left.append({"endpoint": "dfs/cir/nrm", "patient_id": pid, "reason": "never in CR"})
        first = pd.concat([rel, death], axis=1).min(axis=1)
        dfs_t = _days(first.fillna(end), start)
        ok = in_pop.to_numpy()
        out["dfs_time"] = np.where(ok, dfs_t, np.nan)
        out["dfs_event"] = np.where(ok, first.notna().astype(float), np.nan)
        relapsed = rel.notna().to_numpy()
        died_first = (death.notna() & rel.isna()).to_numpy()
        cir_status = np.where(relapsed, 1.0, np.where(died_first, 2.0, 0.0))
        out["cir_time"] = np.where(ok, dfs_t, np.nan)
        out["cir_status"] = np.where(ok, cir_status, np.nan)
        out["nrm_time"] = np.where(ok, dfs_t, np.nan)
        out["nrm_status"] = np.where(ok, np.select([died_first, relapsed], [1.0, 2.0], 0.0), np.nan)
        out["transplant_time"] = np.where(no_origin, np.nan, _days(tx, origin))
        if d.origin == "transplant":
            out["transplant_time"] = np.where(no_origin, np.nan, 0.0)
    for ep in table.ready_made:
        kind = READY_MADE[ep]
        out[f"{ep}_time"] = df[f"{ep}_time"].to_numpy(float)
        out[f"{ep}_{kind}"] = df[f"{ep}_{kind}"].to_numpy(float)
    for ep, kind in READY_MADE.items():
        for col in (f"{ep}_time", f"{ep}_{kind}"):
            if col not in out:
                out[col] = np.nan
    if "transplant_time" not in out:
        out["transplant_time"] = np.nan
    negative = (out.filter(like="_time") < 0).any(axis=1)
    if negative.any():  # cannot happen after validation; kept as a guard against ready-made data
        raise ParameterError(
            "negative endpoint times for "
            + describe_ids(out.loc[negative, "patient_id"].astype(str).tolist())
        )
    return Endpoints(
        data=out,
        left_out=pd.DataFrame(left, columns=["endpoint", "patient_id", "reason"]),
        definitions=d.describe(remission_known),
        origin=d.origin,
    )
