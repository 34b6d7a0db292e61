"""Cohort analysis: survival statistics checked against R (more to come: clinical data,
linking, endpoints, Cox, competing risks, figures, report)."""

from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank

__all__ = ["KaplanMeier", "LogRank", "kaplan_meier", "logrank"]
