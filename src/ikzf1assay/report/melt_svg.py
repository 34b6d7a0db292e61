"""Melt curves as inline SVG for the run report: no matplotlib, every line traceable.

One figure per run and reaction (or per melt target when the run's wells name no reaction):
-dF/dT against temperature on linear axes, as :func:`~ikzf1assay.qpcr.analyse_melt` computed
it. Each well is an SVG ``<polyline>`` whose ``<title>`` names its well, sample and peak
temperatures, so a browser shows them on hover; each peak is marked by a small circle.

Every user-supplied string (sample, target, reaction names) is escaped by
:func:`markupsafe.escape`; figures are :class:`markupsafe.Markup` for the report template.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ikzf1assay.qpcr.melt import MeltCalls
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

__all__ = ["MeltFigure", "melt_figures", "melt_peak_rows"]

WIDTH, HEIGHT = 760, 360
KEYS = ["run", "well", "target"]


@dataclass(frozen=True)
class MeltFigure:
    """One reaction's melt figure: its name, the SVG markup, and how many wells it draws."""

    name: str
    svg: Markup
    wells: int


def _nice_step(span: float, ticks: int = 6) -> float:
    """A 1, 2 or 5 times a power of ten giving about ``ticks`` ticks over ``span``."""
    raw = max(span, 1e-12) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


class _Scale:
    """Data to pixel coordinates, both axes linear."""

    def __init__(self, x: tuple[float, float], y: tuple[float, float]) -> None:
        self.x0, self.x1 = x[0], max(x[1], x[0] + 1.0)
        self.y0, self.y1 = y[0], max(y[1], y[0] + 1e-9)

    def px(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = LEFT + (x - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
        return out

    def py(self, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = TOP + (self.y1 - y) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
        return out


def _axes(scale: _Scale) -> list[str]:
    x_lo, x_hi, y_bottom = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM
    out = [frame(WIDTH, HEIGHT)]
    step = _nice_step(scale.x1 - scale.x0)
    for t in np.arange(math.ceil(scale.x0 / step) * step, scale.x1 + 1e-9, step):
        x = float(scale.px(np.array([t]))[0])
        out.append(f'<line x1="{x:.1f}" y1="{y_bottom}" x2="{x:.1f}" y2="{y_bottom + 4}" '
                   'stroke="#444"/>')  # fmt: skip
        out.append(f'<text x="{x:.1f}" y="{y_bottom + 16}" text-anchor="middle">{t:g}</text>')
    step = _nice_step(scale.y1 - scale.y0, 5)
    for v in np.arange(math.ceil(scale.y0 / step) * step, scale.y1 + 1e-12, step):
        y = float(scale.py(np.array([v]))[0])
        out.append(f'<line x1="{x_lo}" y1="{y:.1f}" x2="{x_hi}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x_lo - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.4g}</text>')
    return out + axis_titles(WIDTH, HEIGHT, "temperature (°C)", "-dF/dT")


def _peaks_text(peaks: str) -> str:
    if not peaks:
        return "no peak"
    return f"peak{'s' if ',' in peaks else ''} {peaks.replace(',', ', ')} °C"


def _line(row: dict[Hashable, Any], curve: pd.DataFrame, scale: _Scale, colour: str) -> str:
    x = curve["temperature"].to_numpy(dtype=float)
    y = curve["neg_dfdt"].to_numpy(dtype=float)
    keep = np.isfinite(y)
    drawn = points(scale.px(x[keep]), scale.py(y[keep]))
    label = escape(f"{row['well']} {row['sample']}: {_peaks_text(str(row['peaks']))}")
    marks = []
    for t in filter(None, str(row["peaks"]).split(",")):
        at = float(t)
        height = float(np.interp(at, x[keep], y[keep]))
        cx, cy = float(scale.px(np.array([at]))[0]), float(scale.py(np.array([height]))[0])
        marks.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" fill="{colour}">'
                     f"<title>{label}</title></circle>")  # fmt: skip
    return (
        f'<g data-well="{escape(row["well"])}"><polyline fill="none" stroke="{colour}" '
        f'stroke-width="1.3" points="{drawn}"><title>{label}</title></polyline>'
        + "".join(marks)
        + "</g>"
    )


def _figure(name: str, rows: pd.DataFrame, curves: dict[tuple[str, str, str], pd.DataFrame]) -> str:
    drawn = [(r, curves[(r["run"], r["well"], r["target"])]) for r in rows.to_dict("records")]
    ys = np.concatenate([c["neg_dfdt"].to_numpy(dtype=float) for _, c in drawn])
    ys = ys[np.isfinite(ys)]
    xs = np.concatenate([c["temperature"].to_numpy(dtype=float) for _, c in drawn])
    y_lo, y_hi = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
    pad = 0.05 * max(y_hi - y_lo, 1e-9)
    scale = _Scale((float(xs.min()), float(xs.max())), (min(y_lo, 0.0) - pad, y_hi + pad))
    parts = _axes(scale)
    for i, (row, curve) in enumerate(drawn):
        parts.append(_line(row, curve, scale, PALETTE[i % len(PALETTE)]))
    with_peak = sum(1 for r, _ in drawn if r["n_peaks"])
    title = f"{name}: {len(drawn)} wells, {with_peak} with a melt peak"
    return document(WIDTH, HEIGHT, "melt curves", name, title, parts)


def _grouped(melt: MeltCalls, groups: pd.DataFrame | None) -> pd.DataFrame:
    """The melt table with a ``group`` column (the target where ``groups`` names none)."""
    table = melt.table.copy()
    if groups is None:
        return table.assign(group=table["target"])
    table = table.merge(groups, on=KEYS, how="left")
    table["group"] = table["group"].where(table["group"].notna(), table["target"])
    if "omitted" in table:
        table = table[~table["omitted"].fillna(False).astype(bool)]
    return table


def melt_figures(melt: MeltCalls, *, groups: pd.DataFrame | None = None) -> list[MeltFigure]:
    """One SVG figure of -dF/dT per run and group of wells with a melt derivative.

    Parameters
    ----------
    melt : MeltCalls
        The melt analysis of the run.
    groups : DataFrame, optional
        ``run, well, target, group`` and optionally ``omitted`` (omitted wells are left out);
        the run report passes the assay's reaction. Without it, or for a well it does not
        name, the group is the melt target.

    Returns
    -------
    list of MeltFigure
        In the order of the runs and groups' names; wells without a derivative (too few
        readings) are not drawn.
    """
    if melt.table.empty:
        return []
    curves = {
        (str(k[0]), str(k[1]), str(k[2])): c for k, c in melt.derivative.groupby(KEYS, sort=False)
    }
    table = _grouped(melt, groups)
    several_runs = table["run"].nunique() > 1
    figures = []
    for (run, group), rows in table.groupby(["run", "group"], sort=True):
        keys = zip(rows["run"], rows["well"], rows["target"], strict=True)
        drawn = rows[[(str(r), str(w), str(t)) in curves for r, w, t in keys]]
        if drawn.empty:
            continue
        name = f"{run} {group}" if several_runs else str(group)
        figures.append(MeltFigure(name, Markup(_figure(name, drawn, curves)), len(drawn)))
    return figures


def melt_peak_rows(melt: MeltCalls, groups: pd.DataFrame | None = None) -> list[dict[str, str]]:
    """Each well's melt peaks as text rows for a table: well, sample, group, peaks, readings.

    Parameters
    ----------
    melt : MeltCalls
        The melt analysis of the run.
    groups : DataFrame, optional
        As for :func:`melt_figures` (omitted wells are kept here: the table lists all).

    Returns
    -------
    list of dict
        Keys ``run, well, sample, reaction, peaks, readings``, in the table's order.
    """
    if melt.table.empty:
        return []
    table = _grouped(melt, None if groups is None else groups.drop(columns="omitted",
                                                                   errors="ignore"))  # fmt: skip
    return [
        {
            "run": str(r["run"]),
            "well": str(r["well"]),
            "sample": str(r["sample"]),
            "reaction": str(r["group"]),
            "peaks": _peaks_text(str(r["peaks"])),
            "readings": str(r["readings"]),
        }
        for r in table.to_dict("records")
    ]
