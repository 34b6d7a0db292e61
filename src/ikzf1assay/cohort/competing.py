"""Competing risks: cumulative incidence, Gray's test and Fine-Gray regression, equal to R's cmprsk.

The estimators live in :mod:`ikzf1assay.cohort.cuminc` (``cuminc``: Aalen-Johansen estimate
and Gray's test) and :mod:`ikzf1assay.cohort.finegray` (``crr``: Fine-Gray regression with
its full sandwich variance); every name stays importable from here. Status coding as cmprsk:
0 censored, 1, 2, ... the causes (e.g. 1 relapse, 2 death without relapse).
"""

from __future__ import annotations

from ikzf1assay.cohort.cuminc import (
    CumulativeIncidenceResult,
    GrayResult,
    cumulative_incidence,
    gray_test,
)
from ikzf1assay.cohort.finegray import FineGrayResult, fine_gray

__all__ = [
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "GrayResult",
    "cumulative_incidence",
    "fine_gray",
    "gray_test",
]
