"""Figures of the cohort analysis (matplotlib, Agg): Kaplan-Meier curves with censoring marks
and a numbers-at-risk table, the four-group panel (OS, EFS, DFS, CIR) of the study's Figure 1,
cumulative-incidence curves and a forest plot of hazard ratios.

Each function returns a matplotlib Figure (no pyplot state); :func:`save` writes it as PNG
and SVG. Times are in days in the data and shown in months (days / 30.4375).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ikzf1assay.cohort.competing import CumulativeIncidenceResult
from ikzf1assay.cohort.survival import kaplan_meier
from ikzf1assay.errors import FileAccessError

__all__ = ["cif_figure", "forest_figure", "four_group_figure", "km_figure", "save"]

DAYS_PER_MONTH = 365.25 / 12
COLOURS = ["#1b6ca8", "#d1495b", "#2e8540", "#edae49", "#6a4c93", "#444444"]


def _at_risk_row(t: np.ndarray, ticks: np.ndarray) -> list[int]:
    return [int((t >= x).sum()) for x in ticks]


def _draw_km(
    ax: Axes,
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str | None,
    labels: dict[str, str] | None = None,
) -> list[tuple[str, np.ndarray, str]]:
    """Curves with censor marks on ``ax``; returns (label, times, colour) per group."""
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=True))
    km = kaplan_meier(df, time, event, group=group).table
    out = []
    for k, (name, g) in enumerate(groups):
        t = g[time].to_numpy(float)
        e = g[event].to_numpy(float)
        curve = km[km["group"] == ("all" if name is None else name)]
        # the curve runs on, flat, to the last follow-up (a censored time after the last event)
        last = [float(t.max())] if len(t) else []
        x = np.concatenate([[0.0], curve["time"].to_numpy(float), last])
        y = np.concatenate([[1.0], curve["survival"].to_numpy(float)])
        y = np.concatenate([y, y[-1:]]) if last else y
        colour = COLOURS[k % len(COLOURS)]
        label = "all" if name is None else (labels or {}).get(str(name), str(name))
        ax.step(x / DAYS_PER_MONTH, y, where="post", color=colour, label=f"{label} (n={len(g)})")
        cens = t[e == 0]
        idx = np.searchsorted(x, cens, side="right") - 1
        ax.plot(cens / DAYS_PER_MONTH, y[idx], "|", color=colour, markersize=7, mew=1.2)
        out.append((label, t, colour))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    return out


def km_figure(
    df: pd.DataFrame,
    time: str,
    event: str,
    group: str | None = None,
    title: str = "",
    ylabel: str = "Survival probability",
    p_text: str | None = None,
    labels: dict[str, str] | None = None,
) -> Figure:
    """Kaplan-Meier curves with censoring marks (|) and the numbers at risk under the axis."""
    fig = Figure(figsize=(7, 5.2))
    ax, tab = fig.subplots(2, 1, gridspec_kw={"height_ratios": [4, 1.1]}, sharex=True)
    drawn = _draw_km(ax, df, time, event, group, labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    if p_text:
        ax.text(0.98, 0.95, p_text, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    months = float(df[time].max()) / DAYS_PER_MONTH if len(df) else 12.0
    ticks = np.arange(0, months + 12, 12.0)
    ax.set_xticks(ticks)
    tab.set_xlim(ax.get_xlim())
    tab.set_ylim(-0.5, len(drawn) - 0.5)
    tab.set_yticks(range(len(drawn)))
    tab.set_yticklabels([d[0] for d in drawn][::-1], fontsize=8)
    for row, (_, t, colour) in enumerate(drawn[::-1]):
        for x, n in zip(ticks, _at_risk_row(t, ticks * DAYS_PER_MONTH), strict=True):
            tab.text(x, row, str(n), ha="center", va="center", fontsize=8, color=colour)
    tab.set_xlabel("Months")
    tab.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        tab.spines[side].set_visible(False)
    tab.tick_params(axis="y", length=0, pad=14)
    fig.tight_layout()
    return fig


def _draw_cif(
    ax: Axes, cif: CumulativeIncidenceResult, cause: int, labels: dict[str, str] | None
) -> None:
    t = cif.table[cif.table["cause"] == cause]
    for k, (name, g) in enumerate(t.groupby("group", sort=True)):
        x = np.concatenate([[0.0], g["time"].to_numpy(float)]) / DAYS_PER_MONTH
        y = np.concatenate([[0.0], g["estimate"].to_numpy(float)])
        label = (labels or {}).get(str(name), str(name))
        ax.step(x, y, where="post", color=COLOURS[k % len(COLOURS)], label=label)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


def cif_figure(
    cif: CumulativeIncidenceResult,
    cause: int = 1,
    title: str = "",
    p_text: str | None = None,
    labels: dict[str, str] | None = None,
) -> Figure:
    """Cumulative incidence of ``cause`` per group (Aalen-Johansen, competing risks)."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    _draw_cif(ax, cif, cause, labels)
    ax.set_xlabel("Months")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if p_text:
        ax.text(0.98, 0.05, p_text, transform=ax.transAxes, ha="right", va="bottom", fontsize=9)
    fig.tight_layout()
    return fig


def four_group_figure(
    table: pd.DataFrame,
    cir: CumulativeIncidenceResult | None,
    p_texts: dict[str, str],
    labels: dict[str, str] | None = None,
) -> Figure:
    """The study's Figure 1: OS, EFS, DFS (Kaplan-Meier) and CIR by group A-D."""
    fig = Figure(figsize=(11, 8.5))
    axes = fig.subplots(2, 2)
    panels = [("os", "Overall survival"), ("efs", "Event-free survival"),
              ("dfs", "Disease-free survival")]  # fmt: skip
    for ax, (ep, name) in zip(axes.flat, panels, strict=False):
        d = table.dropna(subset=[f"{ep}_time", f"{ep}_event", "group"])
        _draw_km(ax, d, f"{ep}_time", f"{ep}_event", "group", labels)
        ax.set_title(name)
        ax.set_xlabel("Months")
        ax.legend(loc="lower left", fontsize=7, frameon=False)
        if ep in p_texts:
            ax.text(0.98, 0.95, p_texts[ep], transform=ax.transAxes, ha="right", va="top")
    ax = axes.flat[3]
    if cir is not None:
        _draw_cif(ax, cir, 1, labels)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        if "cir" in p_texts:
            ax.text(0.98, 0.05, p_texts["cir"], transform=ax.transAxes, ha="right", va="bottom")
    ax.set_title("Cumulative incidence of relapse")
    ax.set_xlabel("Months")
    fig.tight_layout()
    return fig


def forest_figure(table: pd.DataFrame, title: str = "") -> Figure:
    """Hazard ratios with 95 % CI on a log axis (rows: term, hr, lower, upper, p)."""
    n = len(table)
    fig = Figure(figsize=(7.5, 0.5 * n + 1.4))
    ax = fig.subplots()
    y = np.arange(n)[::-1]
    hr = table["hr"].to_numpy(float)
    lo = table["lower"].to_numpy(float)
    hi = table["upper"].to_numpy(float)
    ax.errorbar(hr, y, xerr=[hr - lo, hi - hr], fmt="s", color="#1b6ca8", capsize=3)
    ax.axvline(1.0, color="#888888", lw=1, ls="--")
    ax.set_xscale("log")
    finite = np.concatenate([lo, hi])[np.isfinite(np.concatenate([lo, hi]))]
    span = (float(finite.min()), float(finite.max())) if finite.size else (0.5, 2.0)
    ticks = [v for v in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16) if span[0] / 1.5 <= v <= span[1] * 1.5]
    ax.set_xticks(ticks or [1])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) for t in table["term"]])
    for yi, h, a, b, p in zip(y, hr, lo, hi, table["p"].to_numpy(float), strict=True):
        ax.annotate(
            f"{h:.2f} ({a:.2f}-{b:.2f}), P={p:.3f}",
            (1.02, yi),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("Hazard ratio (95 % CI)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``."""
    paths = []
    try:
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            fig.savefig(path, dpi=150 if fmt == "png" else None, bbox_inches="tight")
            paths.append(path)
    except OSError as exc:
        raise FileAccessError(f"cannot write figure: {exc.strerror}", source=stem) from None
    return paths
