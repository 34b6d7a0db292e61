"""The tables and documents of a called run: provenance, the JSON for pipelines, the wells'
output columns. The files are written by :mod:`ikzf1assay.report.run`."""

from __future__ import annotations

from typing import Any

from ikzf1assay._json import json_records
from ikzf1assay._provenance import provenance
from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, RunCalls
from ikzf1assay.qpcr.plate import Plate

__all__ = ["RUN_FILES", "WELL_OUTPUT", "calls_document", "run_provenance"]

RUN_FILES = ("calls.tsv", "wells.tsv", "provenance.json", "report.html")

WELL_OUTPUT = ["run", "well", "sample", "target", "reaction", "role", "ct", "amplification",
               "amplification_reason", "ct_source", "amplified", "positive", "result", "omitted",
               "omit_reason", "efficiency", "threshold", "threshold_mode", "instrument_ct", "flags",
               "crossing", "baseline_start", "baseline_end"]  # fmt: skip


def run_provenance(
    calls: RunCalls, plate: Plate, assay: Assay, settings: CallSettings | None = None
) -> dict[str, Any]:
    """provenance.json of a called run: versions, assay file and export SHA-256, parameters
    (threshold, cut-offs, the user's omitted wells, every omitted well, the layout's SHA-256)."""
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
        "provenance": run_provenance(calls, plate, assay, settings),
        "note": "load figures are estimates (efficiency-corrected ratio to the reference gene)",
        "controls": json_records(calls.controls),
        "calls": json_records(calls.samples),
        "wells": json_records(calls.wells[WELL_OUTPUT]),
    }
