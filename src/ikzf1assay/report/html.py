"""The self-contained HTML run report (jinja2, autoescaped; curve figures as inline SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import RunCalls
from ikzf1assay.qpcr.curves import FLAG_MEANINGS
from ikzf1assay.qpcr.melt import MeltCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report._templates import render
from ikzf1assay.report.calls import run_provenance
from ikzf1assay.report.curve_svg import curve_figures
from ikzf1assay.report.curves import undrawn_groups
from ikzf1assay.report.melt_svg import melt_figures, melt_peak_rows

__all__ = ["CALL_FLAG_MEANINGS", "render_run_report"]

CALL_FLAG_MEANINGS = {
    "MINOR_SUBCLONE": "a deletion of a mixed call more than 3 cycles behind the dominant one",
    "MINORITY_POSITIVE": "a minority of replicates positive: the reaction is called negative",
    "PARTIAL_PANEL": "other deletion reactions were not on the plate: mixed cannot be excluded",
}


def _plate_map(calls: RunCalls, plate: Plate) -> tuple[list[int], list[dict[str, Any]]]:
    wells = calls.wells
    rows = max(8, int(plate.wells["row"].max() or 8))
    cols = max(12, int(plate.wells["column"].max() or 12))
    by_well: dict[str, list[dict[str, Any]]] = {}
    for record in wells.to_dict("records"):
        by_well.setdefault(str(record["well"]), []).append({str(k): v for k, v in record.items()})
    out = []
    for i in range(rows):
        cells = []
        for j in range(cols):
            name = f"{chr(65 + i)}{j + 1}"
            recs = by_well.get(name, [])
            if not recs:
                cells.append({"well": "", "css": "empty", "title": name})
                continue
            r: dict[str, Any] = recs[0]
            ct = float(r["ct"]) if np.isfinite(float(r["ct"])) else float("nan")
            ct_text = f"Ct {ct:.1f}" if np.isfinite(ct) else "no Ct"
            css = f"{r['result']} {r['role'] if r['role'] != 'sample' else ''}".strip()
            title = f"{name} {r['sample']} {r['reaction']} {ct_text} {r['flags']}"
            if r["result"] == "omitted":
                ct_text = "omitted"
                title = f"{name} {r['sample']} {r['reaction']}: {r['omit_reason']}"
            elif r["result"] == "review":
                title += f" review: {r['amplification_reason']}"
            cells.append(
                {
                    "well": name,
                    "sample": r["sample"],
                    "reaction": r["reaction"],
                    "ct": ct_text,
                    "css": css,
                    "title": title,
                }
            )
        out.append({"label": chr(65 + i), "cells": cells})
    return list(range(1, cols + 1)), out


def _flags(calls: RunCalls) -> list[dict[str, str]]:
    rows = []
    well_flags: dict[str, list[str]] = {}
    for well, flags in zip(calls.wells["well"], calls.wells["flags"].astype(str), strict=True):
        for f in filter(None, flags.split(",")):
            well_flags.setdefault(f, []).append(str(well))
    for f, where in well_flags.items():
        rows.append({"flag": f, "meaning": FLAG_MEANINGS.get(f, ""), "where": ", ".join(where)})
    sample_flags: dict[str, list[str]] = {}
    for sample, flags in zip(
        calls.samples["sample"], calls.samples["flags"].astype(str), strict=True
    ):
        for f in filter(None, flags.split(",")):
            sample_flags.setdefault(f.split(":")[0], []).append(
                f"{sample} ({f.partition(':')[2]})" if ":" in f else str(sample)
            )
    for f, where in sample_flags.items():
        rows.append(
            {"flag": f, "meaning": CALL_FLAG_MEANINGS.get(f, ""), "where": ", ".join(where)}
        )
    return rows


def _plot_note(undrawn: list[tuple[str, str]], any_plot: bool) -> str:
    """Why some reactions (or all) have no curve plot, in one sentence or a few."""
    if not undrawn:
        return ""
    reasons = {why for _, why in undrawn}
    if not any_plot and len(reasons) == 1:
        return f"No curve plots: {reasons.pop()}."
    return " ".join(f"No plot for {group}: {why}." for group, why in undrawn)


def _melt_of(calls: RunCalls, melt: MeltCalls | None) -> MeltCalls | None:
    """The run's melt analysis: the one given, else the one the calls carry (the report
    computes nothing)."""
    return melt if melt is not None else calls.melt


def _melt_reactions(
    calls: RunCalls, assay: Assay, predicted_tm: pd.DataFrame | None
) -> list[dict[str, str]]:
    """Per deletion reaction: the product window of a dye assay (from this run's positive
    controls) and the product Tm predicted from a locus, shown beside the measured peaks."""
    windows = calls.melt_windows
    rows = []
    for r in assay.reactions:
        w = windows[windows["reaction"] == r.deletion] if len(windows) else windows
        window = "; ".join(
            f"{lo:.1f}-{hi:.1f} °C ({wells})" if np.isfinite(lo) else str(status)
            for lo, hi, wells, status in zip(
                w["low"].astype(float), w["high"].astype(float), w["positive_control_wells"],
                w["status"], strict=True,
            )
        )  # fmt: skip
        predicted = "-"
        if predicted_tm is not None and len(predicted_tm):
            own = predicted_tm[
                (predicted_tm["deletion"] == r.deletion)
                & (predicted_tm["allele"] == r.deletion)
                & predicted_tm["counts"].astype(bool)
            ]
            predicted = (
                ", ".join(
                    f"{tm:.1f} °C ({size} bp)"
                    for tm, size in zip(own["predicted_tm"], own["size"], strict=True)
                    if tm is not None and np.isfinite(float(tm))
                )
                or "no product predicted"
            )
        rows.append({"reaction": r.deletion, "window": window or "-", "predicted": predicted})
    return rows


def render_run_report(
    calls: RunCalls,
    plate: Plate,
    assay: Assay,
    melt: MeltCalls | None = None,
    predicted_tm: pd.DataFrame | None = None,
    control_trend: Sequence[str] | None = None,
) -> str:
    """The report as one HTML string: no external resource, every name escaped.

    Parameters
    ----------
    calls, plate, assay
        The called run, its export as read, and the assay it was called with.
    melt : MeltCalls, optional
        The run's melt analysis for the "Melt curves" section; None: the one the calls
        carry (``RunCalls.melt``: None when the export has no melt curves).
    predicted_tm : DataFrame, optional
        Products' predicted Tm per reaction and allele
        (:func:`ikzf1assay.primers.product_tm.predicted_product_tms`, from a locus): shown
        beside the measured peaks, never used to decide.
    control_trend : sequence of str, optional
        One line per reaction: this run's positive control against the registry's
        Levey-Jennings limits and Westgard rules (``call --db``); None: not shown.

    Returns
    -------
    str
        The HTML document.
    """
    groups = calls.wells[["run", "well", "target", "reaction", "omitted"]].rename(
        columns={"reaction": "group"}
    )
    melt = _melt_of(calls, melt)
    figures = curve_figures(calls.curves, plate, assay.positive_rule.ct_cutoff, groups=groups)
    plot_note = _plot_note(undrawn_groups(calls.curves, plate, groups), bool(figures))
    omitted = calls.wells[calls.wells["omitted"].astype(bool)]
    columns, plate_rows = _plate_map(calls, plate)
    summary = calls.samples["status"].value_counts().to_dict()
    provenance = run_provenance(calls, plate, assay)
    return render(
        "run_report.html.j2",
        run_name=Path(plate.info.file_name).name,
        input_format=plate.info.format,
        instrument=plate.info.instrument or "",
        run_date=plate.info.run_date or "",
        n_samples=len(calls.samples),
        summary=summary,
        threshold_mode=calls.threshold_mode,
        ct_cutoff=f"{assay.positive_rule.ct_cutoff:g}",
        reference=assay.reference.name,
        reference_limit=f"{assay.reference.ct_limit:g}",
        controls=calls.controls.to_dict("records"),
        calls=calls.samples.to_dict("records"),
        columns=columns,
        plate=plate_rows,
        figures=figures,
        plot_note=plot_note,
        melt_figures=[] if melt is None else melt_figures(melt, groups=groups),
        melt_peaks=[] if melt is None else melt_peak_rows(melt, groups),
        melt_reactions=_melt_reactions(calls, assay, predicted_tm),
        chemistry=assay.chemistry,
        predicted_given=predicted_tm is not None,
        several_runs=calls.wells["run"].nunique() > 1,
        omitted=omitted[["well", "sample", "reaction", "omit_reason"]].to_dict("records"),
        flags=_flags(calls),
        control_trend=control_trend,
        provenance={
            k: (", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else v)
            for k, v in provenance.items()
        },
    )
