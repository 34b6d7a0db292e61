"""Renderings of :class:`~ikzf1assay.qpcr.curves.CurveCalls`: TSV, JSON and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ikzf1assay._json import json_records, json_value
from ikzf1assay._outdir import safe_name
from ikzf1assay._provenance import provenance
from ikzf1assay.qpcr.curves import CURVE_TABLE_COLUMNS, CurveCalls
from ikzf1assay.qpcr.plate import Plate

__all__ = [
    "baseline_corrected",
    "drawable_curves",
    "grouped_wells",
    "plot_curves",
    "render_curves",
    "undrawn_groups",
]


def render_curves(calls: CurveCalls, fmt: str, plate: Plate) -> str:
    """``tsv`` (one row per well, the documented columns first) or ``json``."""
    table = calls.table
    several_runs = table["run"].nunique() > 1
    columns = [c for c in CURVE_TABLE_COLUMNS if c != "run" or several_runs]
    if fmt == "tsv":
        return str(
            table[columns].to_csv(sep="\t", index=False, float_format="%.4f", lineterminator="\n")
        )
    if fmt == "json":
        doc = {
            "provenance": provenance(
                input_file=plate.info.file_name, input_sha256=plate.info.sha256
            ),
            "settings": calls.to_dict()["settings"],
            "targets": json_records(calls.targets),
            "wells": [
                {
                    **{k: json_value(v) for k, v in r.items()},
                    "flags": [f for f in str(r["flags"]).split(",") if f],
                }
                for r in table[columns].to_dict("records")
            ],
            "flag_meanings": calls.to_dict()["flag_meanings"],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown format {fmt!r}; choose tsv or json")


def plot_curves(
    calls: CurveCalls,
    plate: Plate,
    folder: Path,
    ct_cutoff: float,
    *,
    groups: pd.DataFrame | None = None,
) -> list[Path]:
    """One PNG per run and group of wells, the files returned.

    Each plot shows the baseline-corrected curves (log scale), the threshold and the Ct
    cut-off; wells read ``yes`` are solid lines, ``review`` dash-dotted in orange, ``no``
    dashed in grey. Without ``groups`` a group is the export's target; with it (columns
    ``run``, ``well``, ``target``, ``group`` and optionally ``omitted``) the wells are grouped
    by ``group`` (the run report passes the assay's reaction, so a layout that renames the
    targets still gives one plot per reaction), and omitted wells are left out. Wells without
    a curve to draw (results-only exports, curves too short to analyse) are left out, and a
    group with none gives no file: :func:`undrawn_groups` says which and why.

    Files are named ``curves_<group>.png``, or ``curves_<run>_<group>.png`` when ``calls``
    holds several runs, made safe with :func:`ikzf1assay._outdir.safe_name`.
    """
    from matplotlib.figure import Figure

    from ikzf1assay.report.curve_plot import draw_group

    folder.mkdir(parents=True, exist_ok=True)
    table = grouped_wells(calls, groups)
    by_well = drawable_curves(calls, plate)
    several_runs = table["run"].nunique() > 1
    written = []
    for (run, group), rows in table.groupby(["run", "group"], sort=True):
        keys = zip(rows["run"], rows["well"], rows["target"], strict=True)
        if not any(k in by_well for k in keys):
            continue
        fig = Figure(figsize=(8, 5), dpi=110)
        draw_group(fig.subplots(), str(group), rows, by_well, ct_cutoff)
        name = f"{run}_{group}" if several_runs else str(group)
        path = folder / f"curves_{safe_name(name)}.png"
        fig.savefig(path)
        written.append(path)
    return written


def baseline_corrected(
    curve: pd.DataFrame, start: float, end: float
) -> tuple[np.ndarray, np.ndarray]:
    """(cycles, fluorescence minus the straight line fitted over the baseline cycles
    ``start``..``end``) of one well's readings (columns ``cycle``, ``rn``)."""
    x = curve["cycle"].to_numpy(dtype=float)
    y = curve["rn"].to_numpy(dtype=float)
    window = (x >= start) & (x <= end) & np.isfinite(y)
    if window.sum() >= 2:
        y = y - np.polyval(np.polyfit(x[window], y[window], 1), x)
    return x, y


def grouped_wells(calls: CurveCalls, groups: pd.DataFrame | None) -> pd.DataFrame:
    """The wells to draw, with a ``group`` column: ``groups``'s (omitted wells left out), or
    the target."""
    columns = ["run", "well", "target", "amplification", "threshold", "threshold_mode",
               "baseline_start", "baseline_end", "ct_source", "cycles"]  # fmt: skip
    table = calls.table[columns]
    if groups is None:
        return table.assign(group=table["target"].astype(str))
    keep = groups[["run", "well", "target", "group"]].assign(
        omitted=groups["omitted"].astype(bool) if "omitted" in groups else False
    )
    table = table.merge(keep, on=["run", "well", "target"], how="inner", validate="one_to_one")
    return table[~table["omitted"]].drop(columns=["omitted"])


def drawable_curves(calls: CurveCalls, plate: Plate) -> dict[tuple[Any, ...], pd.DataFrame]:
    """The curve of each well that has one to draw: the curve was analysed (not the
    instrument's result standing in for it) and has at least ``min_cycles`` readings."""
    t = calls.table
    analysed = t[(t["ct_source"] != "instrument") & (t["cycles"] >= calls.settings.min_cycles)]
    keys = set(zip(analysed["run"], analysed["well"], analysed["target"], strict=True))
    return {
        key: c
        for key, c in plate.curves.groupby(["run", "well", "target"], sort=False)
        if key in keys
    }


def undrawn_groups(
    calls: CurveCalls, plate: Plate, groups: pd.DataFrame | None = None
) -> list[tuple[str, str]]:
    """The groups of :func:`plot_curves` that get no plot, each with the reason in words."""
    table = grouped_wells(calls, groups)
    drawable = set(drawable_curves(calls, plate))
    out = []
    for group, rows in table.groupby("group", sort=True):
        keys = set(zip(rows["run"], rows["well"], rows["target"], strict=True))
        if keys & drawable:
            continue
        if plate.curves.empty:
            why = "the export carries no amplification curves (results only)"
        else:
            why = (
                f"its wells' curves are missing or too short to analyse (fewer than "
                f"{calls.settings.min_cycles} cycles)"
            )
        if (rows["ct_source"] == "instrument").any():
            why += "; its wells take the instrument's result (CURVE_NOT_CHECKED)"
        out.append((str(group), why))
    return out
