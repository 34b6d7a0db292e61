"""Renderings of :class:`~ikzf1assay.qpcr.curves.CurveCalls`: TSV, JSON and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ikzf1assay.qpcr.curves import CURVE_TABLE_COLUMNS, CurveCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report._json import json_records, json_value
from ikzf1assay.report.provenance import provenance

__all__ = ["plot_curves", "render_curves"]


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


def plot_curves(calls: CurveCalls, plate: Plate, folder: Path, ct_cutoff: float) -> list[Path]:
    """One PNG per run and target: baseline-corrected curves (log scale), the threshold, the
    Ct cut-off, and wells not called amplified drawn dashed in grey. Returns the files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    curves = plate.curves.merge(
        calls.table[["run", "well", "target", "amplified", "baseline_start", "baseline_end"]],
        on=["run", "well", "target"],
    )
    for (run, target), group in calls.table.groupby(["run", "target"], sort=True):
        fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
        for row in group.itertuples(index=False):
            c = curves[
                (curves["run"] == run) & (curves["well"] == row.well) & (curves["target"] == target)
            ]
            if c.empty:
                continue
            x = c["cycle"].to_numpy()
            y = c["rn"].to_numpy()
            window = (x >= row.baseline_start) & (x <= row.baseline_end)
            if window.sum() >= 2:
                y = y - np.polyval(np.polyfit(x[window], y[window], 1), x)
            style = {"lw": 1.0} if row.amplified else {"lw": 0.8, "ls": "--", "color": "0.6"}
            ax.plot(x, y, label=None, **style)
        threshold = float(group["threshold"].median())
        ax.axhline(
            threshold,
            color="red",
            lw=1,
            label=f"threshold {threshold:.4g} ({group['threshold_mode'].iloc[0]})",
        )
        ax.axvline(ct_cutoff, color="black", lw=1, ls=":", label=f"Ct cut-off {ct_cutoff:g}")
        ax.set_yscale("symlog", linthresh=max(threshold / 10, 1e-6))
        ax.set_ylim(bottom=-max(threshold / 10, 1e-6))
        ax.set_xlabel("cycle")
        ax.set_ylabel("baseline-corrected fluorescence")
        rejected = int((~group["amplified"]).sum())
        ax.set_title(f"{target} ({len(group)} wells, {rejected} not amplified: dashed)")
        ax.legend(loc="upper left", fontsize=8)
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{run}_{target}")
        path = folder / f"curves_{safe}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
