"""Files of a called run: calls.tsv, wells.tsv, provenance.json, and the JSON for pipelines.

The TSVs are written with :func:`ikzf1assay._tsv.write_tsv` (text cells a spreadsheet would
evaluate get a leading apostrophe); :func:`write_run_outputs` replaces its folder as a whole
(:func:`ikzf1assay._outdir.atomic_output`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ikzf1assay._json import json_records
from ikzf1assay._outdir import atomic_output
from ikzf1assay._provenance import provenance
from ikzf1assay._tsv import write_tsv
from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, RunCalls
from ikzf1assay.qpcr.plate import Plate

__all__ = ["RUN_FILES", "calls_document", "write_run_files", "write_run_outputs"]

RUN_FILES = ("calls.tsv", "wells.tsv", "provenance.json", "report.html")

WELL_OUTPUT = ["run", "well", "sample", "target", "reaction", "role", "ct", "amplification",
               "amplification_reason", "ct_source", "amplified", "positive", "result", "omitted",
               "omit_reason", "efficiency", "threshold", "threshold_mode", "instrument_ct", "flags",
               "crossing", "baseline_start", "baseline_end"]  # fmt: skip


def _provenance(
    calls: RunCalls, plate: Plate, assay: Assay, settings: CallSettings | None = None
) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "threshold_mode": calls.threshold_mode,
        "ct_cutoff": assay.positive_rule.ct_cutoff,
        "reference": assay.reference.name,
        "reference_ct_limit": assay.reference.ct_limit,
    }
    if settings is not None and settings.omit:
        parameters["omit"] = dict(settings.omit)
    omitted = calls.wells[calls.wells["omitted"].astype(bool)]
    if len(omitted):
        # every well left out, whoever asked: the export's omit flag, the layout, --omit
        parameters["omitted_wells"] = {
            str(w): str(r) for w, r in zip(omitted["well"], omitted["omit_reason"], strict=True)
        }
    if calls.layout_sha256:
        parameters["layout_sha256"] = calls.layout_sha256
    return provenance(
        assay_file=assay.path,
        assay_sha256=assay.sha256,
        input_file=plate.info.file_name,
        input_sha256=plate.info.sha256,
        input_format=plate.info.format,
        parameters=parameters,
    )


def calls_document(
    calls: RunCalls, plate: Plate, assay: Assay, settings: CallSettings | None = None
) -> dict[str, Any]:
    """Everything a pipeline needs, JSON-ready.

    ``settings`` are those the run was called with; the user's omitted wells go into the
    provenance parameters.
    """
    return {
        "provenance": _provenance(calls, plate, assay, settings),
        "note": "load figures are estimates (efficiency-corrected ratio to the reference gene)",
        "controls": json_records(calls.controls),
        "calls": json_records(calls.samples),
        "wells": json_records(calls.wells[WELL_OUTPUT]),
    }


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
    from ikzf1assay.report.html import render_run_report

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in RUN_FILES]
    write_tsv(calls.samples, paths[0])
    write_tsv(calls.wells[WELL_OUTPUT], paths[1], float_format="%.4f")
    paths[2].write_text(
        json.dumps(_provenance(calls, plate, assay, settings), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    paths[3].write_text(render_run_report(calls, plate, assay), encoding="utf-8")
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
