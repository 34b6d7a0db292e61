"""Cohort analysis: clinical records, linking calls to patients, endpoints, survival statistics
checked against R (see docs/statistics.md).

The steps, each a function returning a documented result object: :func:`read_clinical`
(or :func:`clinical_from_frame`), :func:`read_calls` and :func:`link_calls`,
:func:`derive_endpoints`, then the statistics (:func:`kaplan_meier`, :func:`logrank`,
:func:`cox`, :func:`ph_test`, :func:`screen_and_fit`, :func:`cumulative_incidence`,
:func:`gray_test`, :func:`fine_gray`, :func:`cox_time_varying`, :func:`landmark`,
:func:`baseline_table`...); :func:`analyse_cohort` runs them all as the study did and
:func:`run_cohort` does everything from the files. Nothing here draws: figures are made from
these results by the report package (its ``plot(result)``).
"""

from ikzf1assay.cohort.analysis import (
    GROUPS,
    CohortAnalysis,
    CohortSettings,
    analyse_cohort,
    run_cohort,
)
from ikzf1assay.cohort.clinical import ClinicalTable, clinical_from_frame, read_clinical
from ikzf1assay.cohort.competing import (
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayResult,
    cumulative_incidence,
    fine_gray,
    gray_test,
)
from ikzf1assay.cohort.cox import (
    CoxResult,
    PHTest,
    PredictedSurvival,
    Screen,
    cox,
    ph_test,
    screen_and_fit,
)
from ikzf1assay.cohort.endpoints import EndpointDefinitions, Endpoints, derive_endpoints
from ikzf1assay.cohort.link import Linked, link_calls, read_calls
from ikzf1assay.cohort.nelson_aalen import NelsonAalen, nelson_aalen
from ikzf1assay.cohort.rmst import RMST, rmst
from ikzf1assay.cohort.survival import KaplanMeier, LogRank, kaplan_meier, logrank
from ikzf1assay.cohort.tables import (
    baseline_table,
    check_published,
    compare_categorical,
    compare_numeric,
    fisher_exact,
    paired_comparison,
    table_from_counts,
)
from ikzf1assay.cohort.timevarying import (
    Landmark,
    TimeVaryingCox,
    cox_counting,
    cox_time_varying,
    landmark,
)

__all__ = [
    "GROUPS",
    "RMST",
    "ClinicalTable",
    "CohortAnalysis",
    "CohortSettings",
    "CoxResult",
    "CumulativeIncidenceResult",
    "EndpointDefinitions",
    "Endpoints",
    "FineGrayResult",
    "GrayResult",
    "KaplanMeier",
    "Landmark",
    "Linked",
    "LogRank",
    "NelsonAalen",
    "PHTest",
    "PredictedSurvival",
    "Screen",
    "TimeVaryingCox",
    "analyse_cohort",
    "baseline_table",
    "check_published",
    "clinical_from_frame",
    "compare_categorical",
    "compare_numeric",
    "cox",
    "cox_counting",
    "cox_time_varying",
    "cumulative_incidence",
    "derive_endpoints",
    "fine_gray",
    "fisher_exact",
    "gray_test",
    "kaplan_meier",
    "landmark",
    "link_calls",
    "logrank",
    "nelson_aalen",
    "paired_comparison",
    "ph_test",
    "read_calls",
    "read_clinical",
    "rmst",
    "run_cohort",
    "screen_and_fit",
    "table_from_counts",
]
