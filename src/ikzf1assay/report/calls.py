"""Files of a called run: calls.tsv, wells.tsv, provenance.json, and the JSON for pipelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import RunCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report._json import json_records
from ikzf1assay.report.provenance import provenance

__all__ = ["calls_document", "write_run_outputs"]

WELL_OUTPUT = ["run", "well", "sample", "target", "reaction", "role", "ct", "amplified", "positive",
               "result", "efficiency", "threshold", "threshold_mode", "instrument_ct", "flags",
               "crossing", "baseline_start", "baseline_end"]  # fmt: skip


def _provenance(calls: RunCalls, plate: Plate, assay: Assay) -> dict[str, Any]:
    return provenance(
        assay_file=assay.path,
        assay_sha256=assay.sha256,
        input_file=plate.info.file_name,
        input_sha256=plate.info.sha256,
        input_format=plate.info.format,
        parameters={
            "threshold_mode": calls.threshold_mode,
            "ct_cutoff": assay.positive_rule.ct_cutoff,
            "reference": assay.reference.name,
            "reference_ct_limit": assay.reference.ct_limit,
        },
    )


def calls_document(calls: RunCalls, plate: Plate, assay: Assay) -> dict[str, Any]:
    """Everything a pipeline needs, JSON-ready."""
    return {
        "provenance": _provenance(calls, plate, assay),
        "note": "load figures are estimates (efficiency-corrected ratio to the reference gene)",
        "controls": json_records(calls.controls),
        "calls": json_records(calls.samples),
        "wells": json_records(calls.wells[WELL_OUTPUT]),
    }


def write_run_outputs(calls: RunCalls, plate: Plate, assay: Assay, outdir: Path) -> list[Path]:
    """Write calls.tsv, wells.tsv, report.html and provenance.json into ``outdir``."""
    from ikzf1assay.report.html import render_run_report

    outdir.mkdir(parents=True, exist_ok=True)
    paths = [
        outdir / "calls.tsv",
        outdir / "wells.tsv",
        outdir / "provenance.json",
        outdir / "report.html",
    ]
    paths[3].write_text(render_run_report(calls, plate, assay), encoding="utf-8")
    calls.samples.to_csv(paths[0], sep="\t", index=False, lineterminator="\n")
    calls.wells[WELL_OUTPUT].to_csv(
        paths[1], sep="\t", index=False, float_format="%.4f", lineterminator="\n"
    )
    paths[2].write_text(
        json.dumps(_provenance(calls, plate, assay), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return paths
