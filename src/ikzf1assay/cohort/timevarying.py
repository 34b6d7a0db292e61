"""Post-baseline treatment (the transplant) without immortal-time bias.

A transplant happens after diagnosis: a patient must survive to receive it, so comparing
"transplanted" with "not transplanted" as groups fixed at diagnosis credits the transplant with
the time before it (immortal-time bias). Two honest analyses:

- :func:`cox_time_varying`: the transplant as a time-dependent covariate (0 before, 1 from the
  transplant day), fitted on counting-process rows by :func:`cox_counting` (the vectorised Cox
  core of :mod:`ikzf1assay.cohort._cox_fit` with risk sets start < t <= stop), as R's
  ``coxph(Surv(start, stop, event) ~ ...)`` after ``tmerge``;
- :func:`landmark`: patients still in follow-up (and event-free) at a landmark time, grouped
  by whether they were transplanted by then, followed from the landmark.

:data:`IMMORTAL_TIME_WARNING` is the text reports show whenever a fixed group uses the
transplant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ikzf1assay.cohort._columns import require_columns
from ikzf1assay.cohort._cox_design import design, term_labels
from ikzf1assay.cohort._cox_extras import Columns, fit_columns
from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank
from ikzf1assay.errors import ParameterError

__all__ = [
    "IMMORTAL_TIME_WARNING",
    "Landmark",
    "TimeVaryingCox",
    "counting_process",
    "cox_counting",
    "cox_time_varying",
    "landmark",
]

log = logging.getLogger(__name__)

IMMORTAL_TIME_WARNING = (
    "Transplant is a treatment given after diagnosis; groups fixed by it at diagnosis give "
    "transplanted patients guaranteed survival until their transplant (immortal-time bias). "
    "Read these curves with the time-dependent Cox model and the landmark analysis beside them."
)


def warn_fixed_treatment_group(label: str) -> str:
    """Log and return the immortal-time warning for an analysis that groups by ``label``."""
    text = f"{label}: {IMMORTAL_TIME_WARNING}"
    log.warning(text)
    return text


def counting_process(
    df: pd.DataFrame, time: str, event: str, treatment_time: str, name: str = "transplant"
) -> pd.DataFrame:
    """Split each patient at its treatment time: rows id, start, stop, event, ``name`` plus the
    other columns. Treatment at time 0 counts from the start; after the end of follow-up, never.
    The first row of each patient starts at -1 (see the comment in the code).
    """
    require_columns(df, [time, event, treatment_time])
    base = df.reset_index(drop=True).assign(id=lambda d: np.arange(len(d)))
    tt = base[treatment_time].to_numpy(float)
    t = base[time].to_numpy(float)
    split = np.isfinite(tt) & (tt > 0) & (tt < t)
    from_start = np.isfinite(tt) & (tt <= 0)
    # follow-up is entered just before the origin (-1) so that events on day 0 (EFS of
    # patients never in remission) are in the risk set, exactly as in a model without
    # time-dependence; no event can fall in (-1, 0]
    before = base[split].assign(start=-1.0, stop=tt[split], **{event: 0.0, name: 0.0})
    after = base[split].assign(start=tt[split], stop=t[split], **{name: 1.0})
    whole = base[~split].assign(start=-1.0, stop=t[~split], **{name: from_start[~split] * 1.0})
    rows = pd.concat([before, after, whole], ignore_index=True)
    out: pd.DataFrame = rows.sort_values(["id", "start"], kind="stable").reset_index(drop=True)
    return out


@dataclass(frozen=True)
class TimeVaryingCox:
    """``table``: term, coef, se, hr, lower, upper, p (Wald), label (level vs reference);
    ``loglik``; ``n`` patients, ``rows`` counting-process rows, ``events``. ``converged`` and
    ``warnings`` as :class:`~ikzf1assay.cohort.CoxResult` (R's wording); ``n_dropped`` rows
    left out for a missing value."""

    table: pd.DataFrame
    loglik: float
    n: int
    rows: int
    events: int
    converged: bool = True
    warnings: tuple[str, ...] = ()
    n_dropped: int = 0


def cox_counting(
    df: pd.DataFrame,
    start: str,
    stop: str,
    event: str,
    covariates: list[str],
    ties: str = "efron",
    conf_level: float = 0.95,
    *,
    id_col: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
) -> TimeVaryingCox:
    """Fit ``coxph(Surv(start, stop, event) ~ covariates, ties=ties)`` on counting-process rows.

    Each row is an interval (start, stop] of one patient with the covariates' values during
    it and the event (0/1) at its stop; the risk set at an event time t holds the rows with
    start < t <= stop. Rows with a missing value in a used column are left out (na.omit).
    Covariates constant or collinear among the patients at risk get NA rows with R's warning
    "not defined because of singularities".

    Parameters
    ----------
    df
        One row per interval.
    start, stop, event
        Column names: interval start, stop (stop > start) and event indicator at the stop.
    covariates
        Column names; numeric as they are, others as treatment contrasts.
    ties
        ``efron`` (R's default) or ``breslow``.
    conf_level
        Level of the confidence intervals.
    id_col
        Column of patient ids, to count patients in ``n`` (default: ``n`` counts rows).
    cluster
        Column of cluster ids (``cluster(id)``, usually the patient): adds the robust
        sandwich SE (``robust_se``), which then gives z, P and the CI, as R.
    strata
        Column whose levels each get their own baseline hazard (``strata(s)``).

    Returns
    -------
    TimeVaryingCox
        term, coef, se, hr, lower, upper, p; log-likelihood, patients, rows, events.
    """
    if ties not in ("efron", "breslow"):
        raise ParameterError(f"ties {ties!r}: choose efron or breslow")
    extra = [c for c in (id_col, cluster, strata) if c is not None]
    require_columns(df, [start, stop, event, *covariates, *extra])
    used = df[list(dict.fromkeys([start, stop, event, *covariates, *extra]))].dropna()
    if used.empty:
        raise ParameterError("no complete rows for the time-dependent Cox model")
    x, terms = design(used, covariates) if covariates else (pd.DataFrame(index=used.index), {})
    cols = Columns(stop, event, start=start, strata=strata, cluster=cluster)
    model, ev = fit_columns(used, x, terms, cols, ties)
    table = model.table(conf_level)
    table["label"] = term_labels(terms, model.levels)
    return TimeVaryingCox(
        table=table,
        loglik=model.loglik,
        n=len(used) if id_col is None else int(used[id_col].nunique()),
        rows=len(used),
        events=int(ev.sum()),
        converged=model.converged,
        warnings=model.warnings,
        n_dropped=len(df) - len(used),
    )


def cox_time_varying(
    df: pd.DataFrame,
    time: str,
    event: str,
    treatment_time: str,
    covariates: list[str] | None = None,
    name: str = "transplant",
    conf_level: float = 0.95,
) -> TimeVaryingCox:
    """Cox model with the treatment as a time-dependent covariate (Efron ties, as coxph).

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator.
    treatment_time
        Column name of the time of the treatment (NaN: never treated).
    covariates
        Fixed covariates beside the treatment.
    name
        The treatment's term in the table.
    conf_level
        Level of the confidence intervals.

    Returns
    -------
    TimeVaryingCox
        term, coef, se, hr, lower, upper, p; log-likelihood, patients, rows, events.
    """
    covariates = covariates or []
    require_columns(df, [time, event, treatment_time, *covariates])
    used = df[[time, event, treatment_time, *covariates]].dropna(subset=[time, event, *covariates])
    if used.empty:
        raise ParameterError("no complete rows for the time-dependent Cox model")
    rows = counting_process(used, time, event, treatment_time, name)
    x_cols = design(rows, covariates)[0].columns if covariates else pd.Index([])
    clash = {name, "id", "start", "stop", event} & set(x_cols)
    if clash:
        raise ParameterError(
            f"covariate column(s) {', '.join(sorted(clash))} clash with the time-dependent "
            f"model's own columns; rename them"
        )
    fit = cox_counting(rows, "start", "stop", event, [name, *covariates], conf_level=conf_level)
    return replace(fit, n=len(used), n_dropped=len(df) - len(used))


@dataclass(frozen=True)
class Landmark:
    """Landmark analysis: ``km`` and ``logrank`` from the landmark, ``n_at_landmark`` patients
    kept, ``left_out`` patients whose event or follow-up ended before it."""

    landmark: float
    km: KaplanMeier
    logrank: LogRank | None
    n_at_landmark: int
    left_out: int
    table: pd.DataFrame  # the patients kept: time (from the landmark), event, group


def landmark(
    df: pd.DataFrame,
    time: str,
    event: str,
    treatment_time: str,
    at: float,
    times: list[float] | None = None,
    conf_type: str = "log-log",
    labels: tuple[str, str] = ("transplant by landmark", "no transplant by landmark"),
) -> Landmark:
    """Patients with follow-up beyond ``at`` (event-free), grouped by treatment before ``at``.

    Parameters
    ----------
    df
        One row per patient.
    time, event
        Column names: follow-up time and event indicator.
    treatment_time
        Column name of the time of the treatment (NaN: never treated).
    at
        The landmark, in the unit of ``time`` (> 0).
    times
        Times after the landmark at which to report survival.
    conf_type
        Confidence intervals as :func:`~ikzf1assay.cohort.kaplan_meier`.
    labels
        Group names: treated by the landmark, not treated by it.

    Returns
    -------
    Landmark
        Kaplan-Meier and log-rank from the landmark, patients kept and left out.
    """
    if at <= 0:
        raise ParameterError(f"landmark {at}: choose a time after the origin (> 0)")
    require_columns(df, [time, event, treatment_time])
    keep = df[df[time] > at]
    treated = keep[treatment_time].to_numpy(float) <= at
    table = pd.DataFrame(
        {
            "time": keep[time].to_numpy(float) - at,
            "event": keep[event].to_numpy(float),
            "group": np.where(treated, labels[0], labels[1]),
        }
    )
    km = kaplan_meier(table, "time", "event", group="group", times=times, conf_type=conf_type)
    test = logrank(table, "time", "event", "group") if table["group"].nunique() > 1 else None
    return Landmark(
        landmark=at,
        km=km,
        logrank=test,
        n_at_landmark=len(table),
        left_out=int(len(df) - len(keep)),
        table=table,
    )
