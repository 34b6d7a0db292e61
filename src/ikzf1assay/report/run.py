"""Writing a called run's files: calls.tsv, wells.tsv, provenance.json and report.html.

The TSVs are written with :func:`ikzf1assay._tsv.write_tsv` (text cells a spreadsheet would
evaluate get a leading apostrophe). Replacing an output folder as a whole is the job of
:func:`ikzf1assay.workflows.write_run_outputs`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ikzf1assay._tsv import write_tsv
from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, RunCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report import html
from ikzf1assay.report.calls import RUN_FILES, WELL_OUTPUT, run_provenance

__all__ = ["write_run_files"]


def write_run_files(
    calls: RunCalls,
    plate: Plate,
    assay: Assay,
    folder: Path,
    settings: CallSettings | None = None,
    predicted_tm: pd.DataFrame | None = None,
    control_trend: Sequence[str] | None = None,
) -> list[Path]:
    """Write calls.tsv, wells.tsv, provenance.json and report.html into ``folder`` as it is.

    For a folder of its own, created fresh (a staging folder); users want
    :func:`ikzf1assay.workflows.write_run_outputs`, which replaces the output folder as a whole.

    Parameters
    ----------
    calls, plate, assay, settings
        A called run and what it was called with.
    predicted_tm
        Predicted product Tm per reaction and allele
        (:func:`ikzf1assay.primers.product_tm.predicted_product_tms`), shown in the report's
        melt section beside the measured peaks; None when no locus was given.
    folder
        The folder to write into; created if needed.
    control_trend
        The positive controls against the registry's limits, one line per reaction, shown in
        the report's control section (``call --db``); None: not shown.

    Returns
    -------
    list of Path
        calls.tsv, wells.tsv, provenance.json and report.html.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in RUN_FILES]
    write_tsv(calls.samples, paths[0])
    write_tsv(calls.wells[WELL_OUTPUT], paths[1], float_format="%.4f")
    paths[2].write_text(
        json.dumps(run_provenance(calls, plate, assay, settings), ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )
    paths[3].write_text(
        html.render_run_report(
            calls, plate, assay, predicted_tm=predicted_tm, control_trend=control_trend
        ),
        encoding="utf-8",
    )
    return paths
