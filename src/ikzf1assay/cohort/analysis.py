"""The cohort analysis as the study did it, with the corrections a careful analyst adds.

:func:`analyse_cohort` takes a validated clinical table, the linked calls and the endpoint
definitions and runs: baseline tables (deleted vs not deleted; groups A-D), Kaplan-Meier with
rates at fixed years and log-rank tests for OS, EFS and DFS (by deletion, by group A-D, and
transplant vs none among deleted patients), cumulative incidence of relapse and non-relapse
mortality with Gray's test and Fine-Gray regression, the univariable screen feeding a
multivariable Cox model with its proportional-hazards check (OS, EFS), and the transplant as a
time-dependent covariate plus a landmark analysis. Every grouping by the transplant (a
post-baseline treatment) carries the immortal-time warning.

Groups: A deleted / no transplant, B deleted / transplant, C not deleted / no transplant,
D not deleted / transplant (a transplant any time during follow-up, as the study grouped).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from ikzf1assay.cohort.clinical import ClinicalTable, read_clinical
from ikzf1assay.cohort.competing import (
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayResult,
    cumulative_incidence,
    fine_gray,
    gray_test,
)
from ikzf1assay.cohort.cox import Screen, screen_and_fit
from ikzf1assay.cohort.endpoints import EndpointDefinitions, Endpoints, derive_endpoints
from ikzf1assay.cohort.link import Linked, link_calls, read_calls
from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank
from ikzf1assay.cohort.tables import baseline_table
from ikzf1assay.cohort.timevarying import (
    Landmark,
    TimeVaryingCox,
    cox_time_varying,
    landmark,
    warn_fixed_treatment_group,
)
from ikzf1assay.errors import IkzfAssayError, ParameterError

__all__ = ["GROUPS", "CohortAnalysis", "CohortSettings", "analyse_cohort", "run_cohort"]

log = logging.getLogger(__name__)

DAYS_PER_YEAR = 365.25
GROUPS = {
    "A": "deleted, no transplant",
    "B": "deleted, transplant",
    "C": "not deleted, no transplant",
    "D": "not deleted, transplant",
}
"""The four groups of the study's Figure 1 (IKZF1 deletion x transplant), as the ``group``
column of the linked table codes them."""
SURVIVAL_ENDPOINTS = ("os", "efs", "dfs")
COMPETING_ENDPOINTS = ("cir", "nrm")
GROUPINGS = {
    "deletion": "IKZF1 deletion",
    "group": "group (deletion x transplant)",
    "transplant_deleted": "transplant among deleted patients",
}


T = TypeVar("T")


@dataclass(frozen=True)
class CohortSettings:
    """Choices of the analysis; defaults follow the study."""

    rate_years: tuple[float, ...] = (1.0, 3.0)
    conf_type: str = "log-log"
    entry_p: float = 0.05
    ties: str = "efron"
    landmark_days: float = 180.0
    covariates: tuple[str, ...] | None = None  # Cox candidates beside the deletion
    baseline: tuple[str, ...] | None = None  # rows of the baseline tables
    numeric_summary: str = "mean_sd"


@dataclass
class CohortAnalysis:
    """Everything :func:`analyse_cohort` computed; ``table`` is the linked analysis table."""

    table: pd.DataFrame
    clinical: ClinicalTable
    linked: Linked
    endpoints: Endpoints
    settings: CohortSettings
    baseline: dict[str, pd.DataFrame] = field(default_factory=dict)
    km: dict[tuple[str, str], KaplanMeier] = field(default_factory=dict)
    logrank: dict[tuple[str, str], LogRank] = field(default_factory=dict)
    cif: dict[tuple[str, str], CumulativeIncidenceResult] = field(default_factory=dict)
    gray: dict[tuple[str, str], GrayResult] = field(default_factory=dict)
    fine_gray: dict[str, FineGrayResult] = field(default_factory=dict)
    cox: dict[str, Screen] = field(default_factory=dict)
    time_varying: dict[str, TimeVaryingCox] = field(default_factory=dict)
    landmarks: dict[str, Landmark] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # analyses that could not be done, and why


def analysis_table(clinical: ClinicalTable, linked: Linked, endpoints: Endpoints) -> pd.DataFrame:
    """One row per patient: ids, call, deletion, transplant, group, endpoints, covariates."""
    base = clinical.data[["patient_id", *(["sample_id"] if "sample_id" in clinical.data else [])]]
    table = base.merge(linked.table, on="patient_id", how="left").merge(
        endpoints.data, on="patient_id", how="left"
    )
    cov = clinical.data[["patient_id", *clinical.covariates]]
    table = table.merge(cov, on="patient_id", how="left")
    transplanted = table["transplant_time"].notna()
    table["transplant"] = np.where(transplanted, "transplant", "no transplant")
    deleted = table["deletion"]
    table["ikzf1_deleted"] = deleted.map({"deleted": 1.0, "not deleted": 0.0})
    group = np.select(
        [
            (deleted == "deleted") & ~transplanted,
            (deleted == "deleted") & transplanted,
            (deleted == "not deleted") & ~transplanted,
            (deleted == "not deleted") & transplanted,
        ],
        ["A", "B", "C", "D"],
        default="",
    )
    table["group"] = pd.Series(group, index=table.index).replace("", None)
    table["transplant_deleted"] = table["transplant"].where(deleted == "deleted")
    return table


def _subset(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return table.dropna(subset=columns)


def _attempt(result: CohortAnalysis, label: str, compute: Callable[[], T]) -> T | None:
    """``compute()``, or None when it cannot be done on these patients: the reason goes to
    ``result.skipped`` (as R, the analysis is refused, e.g. "no events in any group") and the
    cohort run goes on. Warnings of the statistics libraries (tiny groups) go to
    ``result.warnings``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = compute()
        except (IkzfAssayError, np.linalg.LinAlgError) as exc:
            result.skipped.append(f"{label}: {exc}")
            value = None
    for w in caught:
        text = f"{label}: {str(w.message).splitlines()[0]}"
        if text not in result.warnings:
            result.warnings.append(text)
    return value


def analyse_cohort(
    clinical: ClinicalTable,
    linked: Linked,
    endpoints: Endpoints,
    settings: CohortSettings | None = None,
) -> CohortAnalysis:
    """Run every analysis of the study on the linked cohort; see the module docstring.

    Parameters
    ----------
    clinical
        The validated clinical table.
    linked
        The calls linked to its patients.
    endpoints
        The endpoints derived from it.
    settings
        Choices of the analysis (default: the study's).

    Returns
    -------
    CohortAnalysis
        Every table and model, with what was skipped and why.

    Raises
    ------
    ParameterError
        No patient has a usable call, or a covariate or baseline variable is not in the table.
    """
    s = settings or CohortSettings()
    table = analysis_table(clinical, linked, endpoints)
    usable = table[table["deletion"].notna()]
    if usable.empty:
        raise ParameterError(
            "no patient has a usable call (check that sample_id in the clinical table matches "
            "the sample names of the calls)"
        )
    result = CohortAnalysis(
        table=table, clinical=clinical, linked=linked, endpoints=endpoints, settings=s
    )
    candidates = list(s.covariates if s.covariates is not None else clinical.covariates)
    unknown = [c for c in candidates if c not in table]
    if unknown:
        raise ParameterError(
            f"covariate(s) {', '.join(unknown)} not in the clinical table; covariates found: "
            f"{', '.join(clinical.covariates)}"
        )
    _baseline_tables(result, usable)
    times = [y * DAYS_PER_YEAR for y in s.rate_years]
    has_transplant = bool(usable["transplant_time"].notna().any())
    for grouping in GROUPINGS:
        if grouping != "deletion" and not has_transplant:
            result.skipped.append(f"{GROUPINGS[grouping]}: no transplant recorded")
            continue
        if grouping != "deletion":
            result.warnings.append(warn_fixed_treatment_group(GROUPINGS[grouping]))
        _curves_and_tests(result, usable, grouping, times)
    _fine_gray_models(result, usable)
    _cox_models(result, usable, candidates, has_transplant, times)
    return result


def _baseline_tables(result: CohortAnalysis, usable: pd.DataFrame) -> None:
    """Baseline characteristics by deletion and by group A-D."""
    s = result.settings
    base_vars = list(s.baseline if s.baseline is not None else result.clinical.covariates)
    missing = [c for c in base_vars if c not in result.table]
    if missing:
        raise ParameterError(f"baseline variable(s) {', '.join(missing)} not in the table")
    if not base_vars:
        return
    by_group = usable[usable["group"].notna()]
    for name, data in (("deletion", usable), ("group", by_group)):
        table = _attempt(
            result,
            f"baseline table by {name}",
            partial(baseline_table, data, name, base_vars, s.numeric_summary),
        )
        if table is not None:
            result.baseline[name] = table


def _curves_and_tests(
    result: CohortAnalysis, usable: pd.DataFrame, grouping: str, times: list[float]
) -> None:
    """Kaplan-Meier and log-rank (OS, EFS, DFS), cumulative incidence and Gray's test (CIR,
    NRM) by one grouping."""
    s = result.settings
    for ep in SURVIVAL_ENDPOINTS:
        t, e = f"{ep}_time", f"{ep}_event"
        d = _subset(usable, [t, e, grouping])
        if d.empty:
            result.skipped.append(f"{ep.upper()} by {GROUPINGS[grouping]}: no patients")
            continue
        label = f"{ep.upper()} by {GROUPINGS[grouping]}"
        km = _attempt(
            result,
            f"Kaplan-Meier of {label}",
            partial(kaplan_meier, d, t, e, group=grouping, times=times, conf_type=s.conf_type),
        )
        if km is not None:
            result.km[(ep, grouping)] = km
        if d[grouping].nunique() > 1:
            lr = _attempt(result, f"log-rank of {label}", partial(logrank, d, t, e, grouping))
            if lr is not None:
                result.logrank[(ep, grouping)] = lr
    for ep in COMPETING_ENDPOINTS:
        t, st = f"{ep}_time", f"{ep}_status"
        d = _subset(usable, [t, st, grouping])
        if d.empty:
            continue
        label = f"{ep.upper()} by {GROUPINGS[grouping]}"
        cif = _attempt(
            result,
            f"cumulative incidence of {label}",
            partial(cumulative_incidence, d, t, st, grouping, times),
        )
        if cif is not None:
            result.cif[(ep, grouping)] = cif
        if d[grouping].nunique() > 1 and (d[st] == 1).any():
            gray = _attempt(
                result,
                f"Gray's test of {label}",
                partial(gray_test, d, t, st, grouping),
            )
            if gray is not None:
                result.gray[(ep, grouping)] = gray


def _fine_gray_models(result: CohortAnalysis, usable: pd.DataFrame) -> None:
    """Fine-Gray regression on the deletion for CIR and NRM."""
    for ep in COMPETING_ENDPOINTS:
        d = _subset(usable, [f"{ep}_time", f"{ep}_status"])
        if (d[f"{ep}_status"] == 1).any():
            fg = _attempt(
                result,
                f"Fine-Gray for {ep.upper()}",
                partial(fine_gray, d, f"{ep}_time", f"{ep}_status", ["ikzf1_deleted"]),
            )
            if fg is not None:
                result.fine_gray[ep] = fg
                if fg.warnings or not fg.converged:
                    said = "; ".join(fg.warnings) or "did not converge"
                    result.warnings.append(f"Fine-Gray for {ep.upper()}: {said}")


def _cox_models(
    result: CohortAnalysis,
    usable: pd.DataFrame,
    candidates: list[str],
    has_transplant: bool,
    times: list[float],
) -> None:
    """Screen and multivariable Cox (OS, EFS); with transplants, the time-dependent model and
    the landmark analysis among deleted patients."""
    s = result.settings
    for ep in ("os", "efs"):
        t, e = f"{ep}_time", f"{ep}_event"
        d = _subset(usable, [t, e])
        if d.empty or d[e].sum() == 0:
            result.skipped.append(f"Cox for {ep.upper()}: no events")
            continue
        screen = _attempt(
            result,
            f"Cox for {ep.upper()}",
            partial(
                screen_and_fit,
                d,
                t,
                e,
                ["ikzf1_deleted", *candidates],
                threshold=s.entry_p,
                ties=s.ties,
            ),
        )
        if screen is None:
            continue
        result.cox[ep] = screen
        result.skipped += [f"Cox screen for {ep.upper()}, {why}" for why in screen.not_screened]
        fit = screen.multivariable
        if fit is not None and (fit.warnings or not fit.converged):
            said = "; ".join(fit.warnings) or "did not converge"
            result.warnings.append(f"multivariable Cox for {ep.upper()}: {said}")
        if not has_transplant:
            continue
        chosen = [c for c in screen.selected if c != "ikzf1_deleted"]
        tv = _attempt(
            result,
            f"time-dependent Cox for {ep.upper()}",
            partial(cox_time_varying, d, t, e, "transplant_time", ["ikzf1_deleted", *chosen]),
        )
        if tv is not None:
            result.time_varying[ep] = tv
        dd = d[d["deletion"] == "deleted"]
        if len(dd) and (dd[t] > s.landmark_days).any():
            lm = _attempt(
                result,
                f"landmark analysis for {ep.upper()}",
                partial(
                    landmark,
                    dd,
                    t,
                    e,
                    "transplant_time",
                    s.landmark_days,
                    times=times,
                    conf_type=s.conf_type,
                ),
            )
            if lm is not None:
                result.landmarks[ep] = lm


def run_cohort(
    clinical_path: str | Path,
    calls_paths: list[str | Path] | list[Path],
    settings: CohortSettings | None = None,
    definitions: EndpointDefinitions | None = None,
    strict: bool = False,
    date_order: str = "auto",
    time_unit: str = "days",
    reference: Mapping[str, str] | None = None,
) -> CohortAnalysis:
    """Read, validate, link, derive the endpoints and analyse: ``ikzf1assay cohort`` as a call.

    Parameters
    ----------
    clinical_path
        The clinical table (CSV, TSV or XLSX).
    calls_paths
        Tables of calls (sample_id or sample, call...), in the order given.
    settings
        Choices of the analysis.
    definitions
        What the endpoints mean (default: the study's).
    strict, date_order, time_unit
        As :func:`~ikzf1assay.cohort.read_clinical`.
    reference
        ``{column: level}``: reference levels of categorical covariates (otherwise the
        vocabulary's absent/negative/no level, or R's first level).

    Returns
    -------
    CohortAnalysis
        As :func:`analyse_cohort`.
    """
    close = definitions.close_date if definitions is not None else None
    clinical = read_clinical(
        clinical_path, strict=strict, date_order=date_order, time_unit=time_unit,
        reference=reference, close_date=close,
    )  # fmt: skip
    linked = link_calls(clinical.data, read_calls(list(calls_paths)))
    endpoints = derive_endpoints(clinical, definitions)
    return analyse_cohort(clinical, linked, endpoints, settings)
