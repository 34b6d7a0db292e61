"""Amplification curves drawn with matplotlib: ``plot(curve_calls, plate=...)`` and the PNG
files of ``ikzf1assay curves --plot`` (:func:`ikzf1assay.report.curves.plot_curves`).

The run report draws the same figures as inline SVG (:mod:`ikzf1assay.report.curve_svg`),
without matplotlib. Wells read ``yes`` are solid lines, ``review`` dash-dotted in orange, ``no``
dashed in grey; the y axis is symmetric-log, linear below a tenth of the threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ikzf1assay.errors import ParameterError
from ikzf1assay.qpcr.curves import CurveCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report.curves import baseline_corrected, drawable_curves, grouped_wells
from ikzf1assay.report.plot import axes_for, choose, plot

__all__ = ["draw_group", "plot_curve_calls"]

_STYLE: dict[str, dict[str, Any]] = {
    "yes": {"lw": 1.0},
    "review": {"lw": 1.0, "ls": "-.", "color": "tab:orange"},
    "no": {"lw": 0.8, "ls": "--", "color": "0.6"},
}


def draw_group(
    ax: Axes,
    group: str,
    rows: pd.DataFrame,
    curves: dict[tuple[Any, ...], pd.DataFrame],
    ct_cutoff: float,
) -> int:
    """Draw the wells ``rows`` of one group (:func:`grouped_wells` rows) on ``ax``.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    group : str
        The group's name (reaction or target), for the title.
    rows : DataFrame
        The group's wells, with ``run, well, target, amplification, threshold,
        threshold_mode, baseline_start, baseline_end``.
    curves : dict
        :func:`drawable_curves`: each drawable well's readings.
    ct_cutoff : float
        Drawn as a dotted vertical line.

    Returns
    -------
    int
        The number of curves drawn.
    """
    drawn = 0
    for r in rows.itertuples(index=False):
        key = (r.run, r.well, r.target)
        if key not in curves:
            continue
        x, y = baseline_corrected(curves[key], float(str(r.baseline_start)),
                                  float(str(r.baseline_end)))  # fmt: skip
        ax.plot(x, y, label=None, gid=str(r.well), **_STYLE.get(str(r.amplification), _STYLE["no"]))
        drawn += 1
    thresholds = rows["threshold"].to_numpy(dtype=float)
    thresholds = thresholds[np.isfinite(thresholds)]
    threshold = float(np.median(thresholds)) if thresholds.size else float("nan")
    if np.isfinite(threshold):
        mode = rows["threshold_mode"].iloc[0]
        ax.axhline(threshold, color="red", lw=1, label=f"threshold {threshold:.4g} ({mode})")
    else:
        threshold = 1.0
    ax.axvline(ct_cutoff, color="black", lw=1, ls=":", label=f"Ct cut-off {ct_cutoff:g}")
    ax.set_yscale("symlog", linthresh=max(threshold / 10, 1e-6))
    ax.set_ylim(bottom=-max(threshold / 10, 1e-6))
    ax.set_xlabel("cycle")
    ax.set_ylabel("baseline-corrected fluorescence")
    counts = rows["amplification"].value_counts()
    targets = sorted(set(map(str, rows["target"])) - {str(group)})
    ax.set_title(
        f"{group}{' (export target ' + ', '.join(targets) + ')' if targets else ''}: "
        f"{drawn} wells; {int(counts.get('yes', 0))} yes, "
        f"{int(counts.get('review', 0))} review (orange), {int(counts.get('no', 0))} no (grey)",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=8)
    return drawn


@plot.register(CurveCalls)
def plot_curve_calls(
    calls: CurveCalls,
    ax: Axes | None = None,
    *,
    plate: Plate | None = None,
    group: str | None = None,
    ct_cutoff: float | None = None,
    groups: pd.DataFrame | None = None,
) -> Axes:
    """``plot(curve_calls, plate=plate, group="ALB")``: one group's curves on one axes.

    Parameters
    ----------
    calls : CurveCalls
        The analysed curves.
    ax : Axes, optional
        Where to draw; a new figure's axes by default.
    plate : Plate
        The run the curves come from (its readings): required.
    group : str, optional
        The target (or, with ``groups``, the group) to draw; may be left out when there is
        only one.
    ct_cutoff : float, optional
        The Ct cut-off line; by default the analysis settings' ``ct_cutoff``.
    groups : DataFrame, optional
        ``run, well, target, group`` (and ``omitted``) to group wells other than by target.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    if plate is None:
        raise ParameterError("plot(curve_calls) needs plate=: the run the curves come from")
    table = grouped_wells(calls, groups)
    group = choose("curve_calls", "group", group, sorted(map(str, table["group"].unique())))
    axes = axes_for(ax, (8.0, 5.0))
    cutoff = calls.settings.ct_cutoff if ct_cutoff is None else ct_cutoff
    rows = table[table["group"].astype(str) == group]
    draw_group(axes, group, rows, drawable_curves(calls, plate), cutoff)
    return axes
