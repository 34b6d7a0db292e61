"""ikzf1assay: the IKZF1 intragenic deletion assay for B-cell acute lymphoblastic leukaemia.

The documented entry points are importable from here (``from ikzf1assay import read_run``);
each is loaded when first used, so ``import ikzf1assay`` (and the command's ``--version``)
imports no numerical library. The API reference
(``docs/reference/``) renders them from their docstrings, after examples.

Sub-packages, from the bottom up: :mod:`ikzf1assay.assay` (the assay file),
:mod:`ikzf1assay.reference` (gene model, locus, deletion alleles), :mod:`ikzf1assay.primers`
(thermodynamics, specificity, design), :mod:`ikzf1assay.qpcr` (instrument exports and curve
analysis), :mod:`ikzf1assay.calling` (deletion calls), :mod:`ikzf1assay.cohort` (clinical data
and survival statistics), :mod:`ikzf1assay.report` (renderings and ``plot``),
:mod:`ikzf1assay.workflows` (the jobs users run), :mod:`ikzf1assay.cli` (the command).
"""

from __future__ import annotations

import logging as _logging
from importlib import metadata as _metadata
from typing import TYPE_CHECKING

from ikzf1assay._lazy import lazy_exports

# A library logs and lets the application decide where it goes (the command line configures
# it; a notebook or script can with logging.basicConfig). Without a handler of its own here,
# Python's last-resort handler would print every warning to stderr in programs that chose not to.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())

try:
    __version__ = _metadata.version("ikzf1assay")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

# public name -> the module that defines it (imported on first use)
_EXPORTS: dict[str, str] = {
    # the assay file
    "Assay": "ikzf1assay.assay",
    "load_assay": "ikzf1assay.assay",
    # qPCR runs
    "Plate": "ikzf1assay.qpcr",
    "read_run": "ikzf1assay.qpcr",
    "detect_format": "ikzf1assay.qpcr",
    "find_exports": "ikzf1assay.qpcr",
    "CurveCalls": "ikzf1assay.qpcr.curves",
    "CurveSettings": "ikzf1assay.qpcr.curves",
    "analyse_curves": "ikzf1assay.qpcr.curves",
    "analyse_melt": "ikzf1assay.qpcr",
    # deletion calling
    "CallSettings": "ikzf1assay.calling",
    "RunCalls": "ikzf1assay.calling",
    "call_run": "ikzf1assay.calling",
    "read_layout": "ikzf1assay.calling",
    # primers
    "check_primers": "ikzf1assay.primers",
    "check_specificity": "ikzf1assay.primers",
    "insilico_pcr": "ikzf1assay.primers",
    "design_primers": "ikzf1assay.primers",
    # cohort statistics
    "kaplan_meier": "ikzf1assay.cohort",
    "logrank": "ikzf1assay.cohort",
    "cox": "ikzf1assay.cohort",
    "ph_test": "ikzf1assay.cohort",
    "cumulative_incidence": "ikzf1assay.cohort",
    "gray_test": "ikzf1assay.cohort",
    "fine_gray": "ikzf1assay.cohort",
    "read_clinical": "ikzf1assay.cohort",
    "read_calls": "ikzf1assay.cohort",
    "link_calls": "ikzf1assay.cohort",
    "derive_endpoints": "ikzf1assay.cohort",
    "analyse_cohort": "ikzf1assay.cohort",
    "run_cohort": "ikzf1assay.cohort",
    "baseline_table": "ikzf1assay.cohort",
    "fisher_exact": "ikzf1assay.cohort",
    "nelson_aalen": "ikzf1assay.cohort",
    "rmst": "ikzf1assay.cohort",
    # figures of any result
    "plot": "ikzf1assay.report.plot",
    # the jobs users run
    "call_export": "ikzf1assay.workflows",
    "call_batch": "ikzf1assay.workflows",
    "analyse_cohort_files": "ikzf1assay.workflows",
    "run_demo": "ikzf1assay.workflows",
    # simulated data (labelled SIMULATED wherever it appears)
    "simulate_run": "ikzf1assay.simulate",
}

__all__ = [
    "Assay",
    "CallSettings",
    "CurveCalls",
    "CurveSettings",
    "Plate",
    "RunCalls",
    "__version__",
    "analyse_cohort",
    "analyse_cohort_files",
    "analyse_curves",
    "analyse_melt",
    "baseline_table",
    "call_batch",
    "call_export",
    "call_run",
    "check_primers",
    "check_specificity",
    "cox",
    "cumulative_incidence",
    "derive_endpoints",
    "design_primers",
    "detect_format",
    "find_exports",
    "fine_gray",
    "fisher_exact",
    "gray_test",
    "insilico_pcr",
    "kaplan_meier",
    "link_calls",
    "load_assay",
    "logrank",
    "nelson_aalen",
    "ph_test",
    "plot",
    "read_calls",
    "read_clinical",
    "read_layout",
    "read_run",
    "rmst",
    "run_cohort",
    "run_demo",
    "simulate_run",
]  # the names of _EXPORTS (a test checks they agree)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ikzf1assay.assay import Assay, load_assay
    from ikzf1assay.calling import CallSettings, RunCalls, call_run, read_layout
    from ikzf1assay.cohort import (
        analyse_cohort,
        baseline_table,
        cox,
        cumulative_incidence,
        derive_endpoints,
        fine_gray,
        fisher_exact,
        gray_test,
        kaplan_meier,
        link_calls,
        logrank,
        nelson_aalen,
        ph_test,
        read_calls,
        read_clinical,
        rmst,
        run_cohort,
    )
    from ikzf1assay.primers import check_primers, check_specificity, design_primers, insilico_pcr
    from ikzf1assay.qpcr import Plate, analyse_melt, detect_format, find_exports, read_run
    from ikzf1assay.qpcr.curves import CurveCalls, CurveSettings, analyse_curves
    from ikzf1assay.report.plot import plot
    from ikzf1assay.simulate import simulate_run
    from ikzf1assay.workflows import analyse_cohort_files, call_batch, call_export, run_demo


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
