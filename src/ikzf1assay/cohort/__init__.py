"""Cohort analysis: survival statistics checked against R (more to come: clinical data,
linking, endpoints, Cox, competing risks, figures, report)."""

from ikzf1assay.cohort.competing import (
    CumulativeIncidenceResult,
    GrayResult,
    cumulative_incidence,
    gray_test,
)
from ikzf1assay.cohort.cox import CoxResult, cox
from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "GrayResult",
    "KaplanMeier",
    "LogRank",
    "cox",
    "cumulative_incidence",
    "gray_test",
    "kaplan_meier",
    "logrank",
]
