"""Cohort analysis: survival statistics checked against R (more to come: clinical data,
linking, endpoints, Cox, competing risks, figures, report)."""

from ikzf1assay.cohort.cox import CoxResult, cox
from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank

__all__ = ["CoxResult", "KaplanMeier", "LogRank", "cox", "kaplan_meier", "logrank"]
