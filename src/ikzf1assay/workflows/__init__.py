"""The jobs users run, each a call returning result objects and the paths it wrote.

The command line (:mod:`ikzf1assay.cli`) and notebooks call these; the domain packages never
do. Each job writes its output folder as a whole (complete or absent, never a mix of two
runs) and raises :mod:`ikzf1assay.errors` errors naming the file.

- :func:`call_export`: one run export -> calls.tsv, wells.tsv, provenance.json, report.html;
- :func:`write_run_outputs`: a called run's files, as one output folder;
- :func:`call_batch`: several exports (found by :func:`ikzf1assay.qpcr.readers.find_exports`)
  -> a folder each, calls_combined.tsv, errors.tsv, skipped.tsv, batch.log;
- :func:`analyse_cohort_files`: clinical table + calls -> cohort tables, figures, report.html;
- :func:`write_simulated_cohort`: the SIMULATED cohort's clinical table, calls and truth;
- :func:`run_demo`: the bundled SIMULATED run called, then analysed within a cohort.

The submodules are imported when a name is first used, so that importing this package stays
cheap and each job loads only the libraries it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikzf1assay._lazy import lazy_exports

if TYPE_CHECKING:
    from ikzf1assay.workflows.batch import BatchResult, call_batch
    from ikzf1assay.workflows.cohort import (
        CohortRun,
        SimulatedCohortFiles,
        analyse_cohort_files,
        write_simulated_cohort,
    )
    from ikzf1assay.workflows.demo import Demo, demo_export, run_demo
    from ikzf1assay.workflows.run import CalledRun, call_export, write_run_outputs

_WHERE = {
    "BatchResult": "batch",
    "call_batch": "batch",
    "CohortRun": "cohort",
    "SimulatedCohortFiles": "cohort",
    "analyse_cohort_files": "cohort",
    "write_simulated_cohort": "cohort",
    "Demo": "demo",
    "demo_export": "demo",
    "run_demo": "demo",
    "CalledRun": "run",
    "call_export": "run",
    "write_run_outputs": "run",
}

__all__ = [
    "BatchResult",
    "CalledRun",
    "CohortRun",
    "Demo",
    "SimulatedCohortFiles",
    "analyse_cohort_files",
    "call_batch",
    "call_export",
    "demo_export",
    "run_demo",
    "write_run_outputs",
    "write_simulated_cohort",
]


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}" for name, module in _WHERE.items()}
)
