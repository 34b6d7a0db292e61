"""Figures of the cohort analysis, drawn from its result objects (matplotlib, no pyplot):
Kaplan-Meier curves with censoring marks and a numbers-at-risk table, the four-group panel
(OS, EFS, DFS, CIR) of the study's Figure 1, cumulative-incidence curves and forest plots of
hazard ratios. Nothing is estimated here: curves, numbers at risk and hazard ratios come from
:class:`~ikzf1assay.cohort.KaplanMeier`, :class:`~ikzf1assay.cohort.CumulativeIncidenceResult`
and the model tables.

The ``*_figure`` functions return a matplotlib Figure; :func:`save` writes it as PNG and SVG.
Importing this module registers the drawings of :func:`ikzf1assay.report.plot.plot` for
KaplanMeier, Landmark, CumulativeIncidenceResult, CoxResult, FineGrayResult and
TimeVaryingCox. Times are in days in the results and shown in months (days / 30.4375).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ikzf1assay.cohort.competing import CumulativeIncidenceResult, FineGrayResult
from ikzf1assay.cohort.cox import CoxResult
from ikzf1assay.cohort.survival import KaplanMeier
from ikzf1assay.cohort.timevarying import Landmark, TimeVaryingCox
from ikzf1assay.errors import FileAccessError
from ikzf1assay.report.plot import axes_for, plot

__all__ = [
    "DAYS_PER_MONTH",
    "cif_figure",
    "forest_figure",
    "four_group_figure",
    "km_figure",
    "save",
]

DAYS_PER_MONTH = 365.25 / 12
COLOURS = ["#1b6ca8", "#d1495b", "#2e8540", "#edae49", "#6a4c93", "#444444"]
FOUR_GROUP_PANELS = (
    ("os", "Overall survival"),
    ("efs", "Event-free survival"),
    ("dfs", "Disease-free survival"),
)


def _legend(ax: Axes, **kwargs: Any) -> None:
    """A legend when something is labelled (a tiny cohort may draw no labelled curve)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _label(name: object, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(str(name), str(name))


def _draw_km(
    ax: Axes,
    km: KaplanMeier,
    labels: Mapping[str, str] | None = None,
    per_month: float = DAYS_PER_MONTH,
) -> list[str]:
    """Kaplan-Meier steps and censoring marks (|) per group on ``ax``; the labels drawn."""
    ends = km.end_of_follow_up()
    drawn = []
    for k, rec in enumerate(km.median.to_dict("records")):
        name = rec["group"]
        curve = km.table[km.table["group"] == name]
        cens = km.censored[km.censored["group"] == name]
        # the curve runs on, flat, to the last follow-up (a censored time after the last event)
        last = [float(ends[name])] if np.isfinite(ends[name]) else []
        x = np.concatenate([[0.0], curve["time"].to_numpy(float), last])
        y = np.concatenate([[1.0], curve["survival"].to_numpy(float)])
        y = np.concatenate([y, y[-1:]]) if last else y
        colour = COLOURS[k % len(COLOURS)]
        label = "all" if name == "all" else _label(name, labels)
        ax.step(x / per_month, y, where="post", color=colour, label=f"{label} (n={rec['n']})")
        marks = np.repeat(cens["time"].to_numpy(float), cens["n_censor"].to_numpy(int))
        idx = np.searchsorted(x, marks, side="right") - 1
        ax.plot(marks / per_month, y[idx], "|", color=colour, markersize=7, mew=1.2)
        drawn.append(label)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    return drawn


def _at_risk_table(tab: Axes, km: KaplanMeier, drawn: list[str], ticks: np.ndarray) -> None:
    """The numbers at risk at the x ticks (months), one row per group, under the curves."""
    tab.set_ylim(-0.5, len(drawn) - 0.5)
    tab.set_yticks(range(len(drawn)))
    tab.set_yticklabels(drawn[::-1], fontsize=8)
    risk = km.at_risk(list(ticks * DAYS_PER_MONTH))
    groups = list(km.median["group"])
    for row, k in enumerate(reversed(range(len(groups)))):  # the first group on top
        counts = risk.loc[risk["group"] == groups[k], "n_risk"]
        colour = COLOURS[k % len(COLOURS)]
        for x, n in zip(ticks, counts, strict=True):
            tab.text(x, row, str(n), ha="center", va="center", fontsize=8, color=colour)
    tab.set_xlabel("Months")
    tab.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        tab.spines[side].set_visible(False)
    tab.tick_params(axis="y", length=0, pad=14)


def km_figure(
    km: KaplanMeier,
    title: str = "",
    ylabel: str = "Survival probability",
    p_text: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Kaplan-Meier curves with censoring marks (|) and the numbers at risk under the axis.

    Parameters
    ----------
    km
        The estimate (times in days).
    title, ylabel
        Axis texts.
    p_text
        The test's P value as text, shown top right.
    labels
        Legend text per group value.

    Returns
    -------
    matplotlib.figure.Figure
        Curves above, numbers at risk every 12 months below.
    """
    fig = Figure(figsize=(7, 5.2))
    ax, tab = fig.subplots(2, 1, gridspec_kw={"height_ratios": [4, 1.1]}, sharex=True)
    drawn = _draw_km(ax, km, labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax, loc="lower left", fontsize=8, frameon=False)
    if p_text:
        ax.text(0.98, 0.95, p_text, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    months = float(km.end_of_follow_up().max()) / DAYS_PER_MONTH
    ticks = np.arange(0, months + 12, 12.0)
    ax.set_xticks(ticks)
    tab.set_xlim(ax.get_xlim())
    _at_risk_table(tab, km, drawn, ticks)
    fig.tight_layout()
    return fig


def _draw_cif(
    ax: Axes,
    cif: CumulativeIncidenceResult,
    cause: int = 1,
    labels: Mapping[str, str] | None = None,
    per_month: float = DAYS_PER_MONTH,
) -> None:
    """Cumulative incidence of ``cause`` per group as steps on ``ax``."""
    t = cif.table[cif.table["cause"] == cause]
    for k, (name, g) in enumerate(t.groupby("group", sort=True)):
        x = np.concatenate([[0.0], g["time"].to_numpy(float)]) / per_month
        y = np.concatenate([[0.0], g["estimate"].to_numpy(float)])
        ax.step(x, y, where="post", color=COLOURS[k % len(COLOURS)], label=_label(name, labels))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


def cif_figure(
    cif: CumulativeIncidenceResult,
    cause: int = 1,
    title: str = "",
    p_text: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Cumulative incidence of ``cause`` per group (Aalen-Johansen, competing risks).

    Parameters
    ----------
    cif
        The estimate (times in days).
    cause
        Status code of the cause drawn.
    title
        Axis title.
    p_text
        Gray's test P value as text, shown bottom right.
    labels
        Legend text per group value.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    _draw_cif(ax, cif, cause, labels)
    ax.set_xlabel("Months")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    _legend(ax, loc="upper left", fontsize=8, frameon=False)
    if p_text:
        ax.text(0.98, 0.05, p_text, transform=ax.transAxes, ha="right", va="bottom", fontsize=9)
    fig.tight_layout()
    return fig


def four_group_figure(
    km: Mapping[str, KaplanMeier],
    cir: CumulativeIncidenceResult | None,
    p_texts: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """The study's Figure 1: OS, EFS, DFS (Kaplan-Meier) and CIR by group A-D.

    Parameters
    ----------
    km
        Kaplan-Meier estimates by group, keyed by endpoint (``os``, ``efs``, ``dfs``); a
        missing endpoint leaves its panel empty.
    cir
        Cumulative incidence of relapse by group, or None.
    p_texts
        P value texts keyed by endpoint (``os``... ``cir``).
    labels
        Legend text per group value.

    Returns
    -------
    matplotlib.figure.Figure
        Two by two panels.
    """
    fig = Figure(figsize=(11, 8.5))
    axes = fig.subplots(2, 2)
    for ax, (ep, name) in zip(axes.flat, FOUR_GROUP_PANELS, strict=False):
        if ep in km:
            _draw_km(ax, km[ep], labels)
            _legend(ax, loc="lower left", fontsize=7, frameon=False)
        ax.set_title(name)
        ax.set_xlabel("Months")
        if ep in p_texts:
            ax.text(0.98, 0.95, p_texts[ep], transform=ax.transAxes, ha="right", va="top")
    ax = axes.flat[3]
    if cir is not None:
        _draw_cif(ax, cir, 1, labels)
        _legend(ax, loc="upper left", fontsize=7, frameon=False)
        if "cir" in p_texts:
            ax.text(0.98, 0.05, p_texts["cir"], transform=ax.transAxes, ha="right", va="bottom")
    ax.set_title("Cumulative incidence of relapse")
    ax.set_xlabel("Months")
    fig.tight_layout()
    return fig


def _draw_forest(ax: Axes, table: pd.DataFrame, xlabel: str = "Hazard ratio (95 % CI)") -> None:
    """Hazard ratios with their CI on a log axis, each row annotated with HR (CI), P."""
    n = len(table)
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
    ax.set_xlabel(xlabel)


def _forest_size(table: pd.DataFrame) -> tuple[float, float]:
    return (7.5, 0.5 * len(table) + 1.4)


def forest_figure(table: pd.DataFrame, title: str = "") -> Figure:
    """Hazard ratios with 95 % CI on a log axis (rows: term, hr, lower, upper, p).

    Parameters
    ----------
    table
        A model table (:class:`~ikzf1assay.cohort.CoxResult` ``.table`` or the like).
    title
        Axis title.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, one row per term.
    """
    fig = Figure(figsize=_forest_size(table))
    ax = fig.subplots()
    _draw_forest(ax, table)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write the figure once per format, as ``stem.<format>``.

    Parameters
    ----------
    fig
        The figure.
    stem
        Path without suffix.
    formats
        File formats (suffixes) matplotlib knows.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    paths = []
    try:
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            fig.savefig(path, dpi=150 if fmt == "png" else None, bbox_inches="tight")
            paths.append(path)
    except OSError as exc:
        raise FileAccessError(f"cannot write figure: {exc.strerror}", source=stem) from None
    return paths


# the drawings of plot(): axes only (no numbers-at-risk table, no P value), labelled


@plot.register(KaplanMeier)
def _plot_km(
    result: KaplanMeier,
    ax: Axes | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    per_month: float = DAYS_PER_MONTH,
    title: str = "",
) -> Axes:
    ax = axes_for(ax)
    _draw_km(ax, result, labels, per_month)
    ax.set_xlabel("Months")
    ax.set_ylabel("Survival probability")
    ax.set_title(title)
    _legend(ax, loc="lower left", fontsize=8, frameon=False)
    return ax


@plot.register(Landmark)
def _plot_landmark(result: Landmark, ax: Axes | None = None, **kwargs: Any) -> Axes:
    kwargs.setdefault("title", f"From the landmark (day {result.landmark:g})")
    return _plot_km(result.km, ax, **kwargs)


@plot.register(CumulativeIncidenceResult)
def _plot_cif(
    result: CumulativeIncidenceResult,
    ax: Axes | None = None,
    *,
    cause: int = 1,
    labels: Mapping[str, str] | None = None,
    per_month: float = DAYS_PER_MONTH,
    title: str = "",
) -> Axes:
    ax = axes_for(ax)
    _draw_cif(ax, result, cause, labels, per_month)
    ax.set_xlabel("Months")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    _legend(ax, loc="upper left", fontsize=8, frameon=False)
    return ax


def _plot_forest(table: pd.DataFrame, ax: Axes | None, title: str, xlabel: str) -> Axes:
    ax = axes_for(ax, _forest_size(table))
    _draw_forest(ax, table, xlabel)
    ax.set_title(title)
    return ax


@plot.register(CoxResult)
def _plot_cox(result: CoxResult, ax: Axes | None = None, *, title: str = "") -> Axes:
    return _plot_forest(result.table, ax, title, "Hazard ratio (95 % CI)")


@plot.register(TimeVaryingCox)
def _plot_tv_cox(result: TimeVaryingCox, ax: Axes | None = None, *, title: str = "") -> Axes:
    return _plot_forest(result.table, ax, title, "Hazard ratio (95 % CI)")


@plot.register(FineGrayResult)
def _plot_fine_gray(result: FineGrayResult, ax: Axes | None = None, *, title: str = "") -> Axes:
    return _plot_forest(result.table, ax, title, "Subdistribution hazard ratio (95 % CI)")
