"""Amplification curves as inline SVG for the run report: no matplotlib, every curve traceable.

One figure per reaction (or per group of wells, as :func:`~ikzf1assay.report.curves.plot_curves`
groups them): the baseline-corrected curves on a symmetric log scale (linear below a tenth of
the threshold, so flat negatives stay visible around zero), the threshold, the Ct cut-off. Each
curve is an SVG ``<polyline>`` whose ``<title>`` names its well, sample, amplification and Ct,
so a browser shows them on hover and a reader can find any curve in the plate map. Wells read
``yes`` are solid, ``review`` dash-dotted in orange, ``no`` dashed in grey.

The markup is built here, with every user-supplied string (sample, target, group names) escaped
by :func:`markupsafe.escape`; the result is :class:`markupsafe.Markup` for the report template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ikzf1assay.qpcr.curves import CurveCalls
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.report._svg import (
    BOTTOM,
    LEFT,
    PALETTE,
    RIGHT,
    TOP,
    axis_titles,
    document,
    frame,
    points,
)
from ikzf1assay.report.curves import baseline_corrected, drawable_curves, grouped_wells

__all__ = ["CurveFigure", "curve_figures"]

WIDTH, HEIGHT = 760, 420
STYLE = {
    "review": 'stroke="#ff7f0e" stroke-width="1.3" stroke-dasharray="6 2 1.5 2"',
    "no": 'stroke="#999999" stroke-width="1" stroke-dasharray="4 3"',
}


@dataclass(frozen=True)
class CurveFigure:
    """One reaction's figure: its name, the SVG markup, and how many wells it draws."""

    name: str
    svg: Markup
    wells: int


class _Scale:
    """Data to pixel coordinates: x linear in cycles, y symmetric-log above ``linthresh``."""

    def __init__(self, x_range: tuple[float, float], y_max: float, linthresh: float) -> None:
        self.x0, self.x1 = x_range
        self.linthresh = linthresh
        self.y_lo = self._t(np.array([-linthresh]))[0]
        self.y_hi = max(self._t(np.array([y_max]))[0], self.y_lo + 1.0)

    def _t(self, y: np.ndarray) -> np.ndarray:
        a = np.abs(y) / self.linthresh
        out: np.ndarray = np.sign(y) * np.where(a <= 1, a, 1 + np.log10(np.maximum(a, 1)))
        return out

    def px(self, x: np.ndarray) -> np.ndarray:
        span = max(self.x1 - self.x0, 1.0)
        return LEFT + (x - self.x0) / span * (WIDTH - LEFT - RIGHT)

    def py(self, y: np.ndarray) -> np.ndarray:
        t = np.clip(self._t(y), self.y_lo, self.y_hi)
        out: np.ndarray = TOP + (self.y_hi - t) / (self.y_hi - self.y_lo) * (HEIGHT - TOP - BOTTOM)
        return out


def _ticks(scale: _Scale) -> list[str]:
    """Axis lines, ticks and labels."""
    x_lo, x_hi, y_bottom = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM
    out = [frame(WIDTH, HEIGHT)]
    step = 5 if scale.x1 - scale.x0 > 20 else 2
    for c in range(int(math.ceil(scale.x0 / step) * step), int(scale.x1) + 1, step):
        x = float(scale.px(np.array([c]))[0])
        out.append(f'<line x1="{x:.1f}" y1="{y_bottom}" x2="{x:.1f}" y2="{y_bottom + 4}" '
                   'stroke="#444"/>')  # fmt: skip
        out.append(f'<text x="{x:.1f}" y="{y_bottom + 16}" text-anchor="middle">{c}</text>')
    decades = [0.0] + [
        10.0**k
        for k in range(math.floor(math.log10(scale.linthresh)), 8)
        if 10.0**k >= scale.linthresh and scale._t(np.array([10.0**k]))[0] <= scale.y_hi
    ]
    for v in decades:
        y = float(scale.py(np.array([v]))[0])
        out.append(f'<line x1="{x_lo}" y1="{y:.1f}" x2="{x_hi}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x_lo - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    return out + axis_titles(WIDTH, HEIGHT, "cycle", "baseline-corrected fluorescence")


def _curve(row: pd.Series, x: np.ndarray, y: np.ndarray, scale: _Scale, colour: str) -> str:
    amp = str(row["amplification"])
    ct = float(row["ct"])
    label = (
        f"{row['well']} {row['sample']}: {amp}"
        + (f", Ct {ct:.2f}" if np.isfinite(ct) else ", no Ct")
        + (f" ({row['amplification_reason']})" if amp == "review" else "")
    )
    keep = np.isfinite(y)
    drawn = points(scale.px(x[keep]), scale.py(y[keep]))
    style = STYLE.get(amp, f'stroke="{colour}" stroke-width="1.3"')
    return (
        f'<polyline fill="none" {style} points="{drawn}" data-well="{escape(row["well"])}">'
        f"<title>{escape(label)}</title></polyline>"
    )


def _figure(
    name: str, rows: pd.DataFrame, curves: list[tuple[np.ndarray, np.ndarray]], ct_cutoff: float
) -> str:
    thresholds = rows["threshold"].to_numpy(dtype=float)
    thresholds = thresholds[np.isfinite(thresholds)]
    threshold = float(np.median(thresholds)) if thresholds.size else float("nan")
    ys = np.concatenate([y[np.isfinite(y)] for _, y in curves] or [np.zeros(1)])
    y_max = float(np.max(ys)) if ys.size else 1.0
    linthresh = max((threshold if np.isfinite(threshold) else max(y_max, 1e-6)) / 10, 1e-6)
    x_all = np.concatenate([x for x, _ in curves])
    scale = _Scale((float(np.min(x_all)), float(np.max(x_all))), max(y_max, linthresh), linthresh)
    parts = _ticks(scale)
    for i, (row, (x, y)) in enumerate(zip(rows.to_dict("records"), curves, strict=True)):
        parts.append(_curve(pd.Series(row), x, y, scale, PALETTE[i % len(PALETTE)]))
    if np.isfinite(threshold):
        y_line = float(scale.py(np.array([threshold]))[0])
        mode = escape(str(rows["threshold_mode"].iloc[0]))
        label = f"threshold {threshold:.4g} ({mode})"
        parts.append(f'<line x1="{LEFT}" y1="{y_line:.1f}" x2="{WIDTH - RIGHT}" '
                     f'y2="{y_line:.1f}" stroke="red"><title>{label}</title></line>')  # fmt: skip
    if scale.x0 <= ct_cutoff <= scale.x1:
        x_line = float(scale.px(np.array([ct_cutoff]))[0])
        parts.append(f'<line x1="{x_line:.1f}" y1="{TOP}" x2="{x_line:.1f}" y2="{HEIGHT - BOTTOM}" '
                     f'stroke="black" stroke-dasharray="2 3"><title>Ct cut-off {ct_cutoff:g}'
                     "</title></line>")  # fmt: skip
    counts = rows["amplification"].value_counts()
    title = (
        f"{name}: {len(curves)} wells; {int(counts.get('yes', 0))} yes, "
        f"{int(counts.get('review', 0))} review (orange), {int(counts.get('no', 0))} no (grey); "
        f"threshold {threshold:.4g} (red), Ct cut-off {ct_cutoff:g} (dotted)"
    )
    return document(WIDTH, HEIGHT, "amplification curves", name, title, parts)


def curve_figures(
    calls: CurveCalls,
    plate: Plate,
    ct_cutoff: float,
    *,
    groups: pd.DataFrame | None = None,
) -> list[CurveFigure]:
    """One SVG figure per run and group of wells with a curve to draw.

    Parameters
    ----------
    calls : CurveCalls
        The analysed curves.
    plate : Plate
        The run they come from (its fluorescence readings).
    ct_cutoff : float
        Drawn as a dotted vertical line.
    groups : DataFrame, optional
        ``run, well, target, group`` and optionally ``omitted``, as for
        :func:`~ikzf1assay.report.curves.plot_curves`; without it, one figure per target.

    Returns
    -------
    list of CurveFigure
        In the order of the groups' names; groups without a curve to draw are left out
        (:func:`~ikzf1assay.report.curves.undrawn_groups` says which and why).
    """
    table = grouped_wells(calls, groups).merge(
        calls.table[["run", "well", "target", "sample", "ct", "amplification_reason"]],
        on=["run", "well", "target"],
        how="left",
    )
    by_well = drawable_curves(calls, plate)
    several_runs = table["run"].nunique() > 1
    figures = []
    for (run, group), rows in table.groupby(["run", "group"], sort=True):
        keys = list(zip(rows["run"], rows["well"], rows["target"], strict=True))
        drawn = rows[[k in by_well for k in keys]]
        if drawn.empty:
            continue
        starts = rows["baseline_start"].to_numpy(dtype=float)
        ends = rows["baseline_end"].to_numpy(dtype=float)
        curves = [
            baseline_corrected(by_well[k], a, b)
            for k, a, b in zip(keys, starts, ends, strict=True)
            if k in by_well
        ]
        name = f"{run} {group}" if several_runs else str(group)
        figures.append(
            CurveFigure(name, Markup(_figure(name, drawn, curves, ct_cutoff)), len(drawn))
        )
    return figures
