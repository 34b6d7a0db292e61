"""Writing a called run's files: calls.tsv, wells.tsv, provenance.json and report.html.

The TSVs are written with :func:`ikzf1assay._tsv.write_tsv` (text cells a spreadsheet would
evaluate get a leading apostrophe). :func:`write_run_outputs` replaces its folder as a whole
(:func:`ikzf1assay._outdir.atomic_output`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ikzf1assay._outdir import atomic_output
from ikzf1assay._tsv import write_tsv
from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, RunCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report import html
from ikzf1assay.report.calls import RUN_FILES, WELL_OUTPUT, run_provenance

__all__ = ["write_run_files", "write_run_outputs"]


def write_run_files(
    calls: RunCalls,
    plate: Plate,
    assay: Assay,
    folder: Path,
    settings: CallSettings | None = None,
) -> list[Path]:
    """Write calls.tsv, wells.tsv, provenance.json and report.html into ``folder`` as it is.

    For a folder of its own, created fresh (a batch's staging folder); users want
    :func:`write_run_outputs`, which replaces the output folder as a whole.
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
    paths[3].write_text(html.render_run_report(calls, plate, assay), encoding="utf-8")
    return paths


def write_run_outputs(
    calls: RunCalls,
    plate: Plate,
    assay: Assay,
    outdir: Path,
    settings: CallSettings | None = None,
) -> list[Path]:
    """Write calls.tsv, wells.tsv, provenance.json and report.html as the folder ``outdir``.

    The files are written into a new folder beside ``outdir`` that replaces it only when all
    are complete; ``outdir`` must be absent, empty or an earlier output folder of this package
    (see :func:`ikzf1assay._outdir.atomic_output` for the lock and the rules).

    Returns
    -------
    list of Path
        The four files, inside ``outdir``.
    """
    with atomic_output(outdir) as stage:
        written = write_run_files(calls, plate, assay, stage, settings)
    return [outdir / p.name for p in written]
