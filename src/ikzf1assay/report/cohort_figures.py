"""Figures of the cohort analysis, drawn from its result objects (matplotlib, no pyplot).

Every curve (Kaplan-Meier, cumulative incidence, Nelson-Aalen, a Cox model's predicted
survival) is drawn with its pointwise confidence band and the numbers at risk at the time
ticks under the axis, in the unit the result carries (``time_unit``) or the one asked for
(``show_in``: the report shows months, as the study's figures). Forest plots label each term
as the reader needs it (``sex M vs F``). Nothing is estimated here: curves, limits, numbers
at risk and hazard ratios come from the results.

The ``*_figure`` functions return a matplotlib Figure; :func:`save` writes it as PNG and SVG.
Importing this module registers the drawings of :func:`ikzf1assay.report.plot.plot` for
KaplanMeier, Landmark, CumulativeIncidenceResult, NelsonAalen, PredictedSurvival, CoxResult,
FineGrayResult and TimeVaryingCox; the curves take ``plot(result, ax=None, ci=True,
at_risk=True, labels=..., show_in=..., title=...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ikzf1assay.cohort._units import unit_factor
from ikzf1assay.cohort.competing import CumulativeIncidenceResult, FineGrayResult
from ikzf1assay.cohort.cox import CoxResult, PredictedSurvival
from ikzf1assay.cohort.nelson_aalen import AtRisk, NelsonAalen
from ikzf1assay.cohort.survival import KaplanMeier
from ikzf1assay.cohort.timevarying import Landmark, TimeVaryingCox
from ikzf1assay.errors import FileAccessError
from ikzf1assay.report.plot import axes_for, plot

__all__ = [
    "cif_figure",
    "forest_figure",
    "four_group_figure",
    "km_figure",
    "save",
]

COLOURS = ["#1b6ca8", "#d1495b", "#2e8540", "#edae49", "#6a4c93", "#444444"]
FOUR_GROUP_PANELS = (
    ("os", "Overall survival"),
    ("efs", "Event-free survival"),
    ("dfs", "Disease-free survival"),
)
# tick steps tried per shown unit (the first giving at most 8 intervals is used)
TICK_STEPS = {
    "days": (1, 2, 5, 10, 20, 30, 50, 100, 200, 365, 500, 730, 1000, 2000, 5000),
    "weeks": (1, 2, 4, 8, 13, 26, 52, 104, 260),
    "months": (1, 2, 3, 6, 12, 24, 36, 60, 120),
    "years": (0.25, 0.5, 1, 2, 5, 10, 20),
}
Z95 = 1.959963984540054
ROW_PT = 11.0  # height of a numbers-at-risk row, in points


@dataclass(frozen=True)
class _Curve:
    """One step curve to draw: times (in the result's unit), estimate, limits, label."""

    name: object
    label: str
    time: np.ndarray
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    censor_times: np.ndarray | None = None  # marks (|) where patients were censored


def _legend(ax: Axes, **kwargs: Any) -> None:
    """A legend when something is labelled (a tiny cohort may draw no labelled curve)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _label(name: object, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(str(name), str(name))


def _ticks(span: float, shown_in: str) -> np.ndarray:
    """Round ticks from 0 covering ``span`` (in the shown unit), at most 8 intervals."""
    span = span if np.isfinite(span) and span > 0 else 1.0
    steps = TICK_STEPS[shown_in]
    step = next((s for s in steps if span / s <= 8), steps[-1] * np.ceil(span / steps[-1] / 8))
    return np.arange(0.0, np.ceil(span / step - 1e-9) * step + step / 2, step)


def _draw_curves(
    ax: Axes,
    curves: list[_Curve],
    start: float,
    factor: float,
    ci: bool,
    end: Mapping[object, float] | None = None,
) -> None:
    """Step curves from (0, ``start``) with their CI bands and censoring marks on ``ax``."""
    for k, c in enumerate(curves):
        colour = COLOURS[k % len(COLOURS)]
        last = (end or {}).get(c.name, np.nan)
        tail = [last] if np.isfinite(last) and (not len(c.time) or last > c.time[-1]) else []
        x = np.concatenate([[0.0], c.time, tail]) * factor
        y = np.concatenate([[start], c.value])
        lo = np.concatenate([[start], c.lower])
        hi = np.concatenate([[start], c.upper])
        if tail:  # flat on to the last follow-up
            y, lo, hi = (np.concatenate([v, v[-1:]]) for v in (y, lo, hi))
        ax.step(x, y, where="post", color=colour, label=c.label, gid=f"curve:{c.name}")
        if ci:
            ax.fill_between(
                x, lo, hi, step="post", color=colour, alpha=0.15, lw=0, gid=f"ci:{c.name}"
            )
        if c.censor_times is not None:
            idx = np.searchsorted(x, c.censor_times * factor, side="right") - 1
            ax.plot(
                c.censor_times * factor,
                y[idx],
                "|",
                color=colour,
                markersize=7,
                mew=1.2,
                gid=f"censored:{c.name}",
            )
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


def _time_axis(
    ax: Axes,
    unit: str,
    shown_in: str | None,
    span: float,
    risk: Callable[[Sequence[float]], pd.DataFrame] | None,
    rows: list[tuple[object, str]],
) -> float:
    """Label and tick the time axis in ``shown_in`` (default ``unit``); with ``risk``, write
    the numbers at risk at the ticks under the axis, one row per (group, label) of ``rows``.
    Returns the factor from the result's unit to the shown one."""
    shown = shown_in or unit
    factor = unit_factor(unit, shown)
    ticks = _ticks(span * factor, shown)
    ax.set_xticks(ticks)
    ax.set_xlim(0, ticks[-1])
    ax.set_xlabel(shown.capitalize())
    if risk is None or not rows:
        return factor
    table = risk(list(ticks / factor))
    trans = ax.get_xaxis_transform()  # x in data, y in axes fraction
    top = -24.0  # points below the axis: under the tick labels
    ax.annotate(
        "Number at risk",
        (0, 0),
        xycoords="axes fraction",
        xytext=(0, top),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        style="italic",
    )
    for row, (name, label) in enumerate(rows):
        y = top - ROW_PT * (row + 1)
        colour = COLOURS[row % len(COLOURS)]
        ax.annotate(
            label,
            (0, 0),
            xycoords="axes fraction",
            xytext=(-14, y),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=8,
            color=colour,
        )
        counts = table.loc[table["group"] == name, "n_risk"].to_numpy(int)
        for x, n in zip(ticks, counts, strict=True):
            ax.annotate(
                str(n),
                (x, 0),
                xycoords=trans,
                xytext=(0, y),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8,
                color=colour,
                gid="at_risk",
            )
    # the axis title goes under the table
    ax.xaxis.labelpad = -top + ROW_PT * (len(rows) + 0.6)
    return factor


def _finish(ax: Axes, ylabel: str, title: str, loc: str) -> Axes:
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax, loc=loc, fontsize=8, frameon=False)
    return ax


def _km_curves(km: KaplanMeier, labels: Mapping[str, str] | None) -> list[_Curve]:
    out = []
    for rec in km.median.to_dict("records"):
        name = rec["group"]
        t = km.table[km.table["group"] == name]
        cens = km.censored[km.censored["group"] == name]
        text = "all" if name == "all" else _label(name, labels)
        out.append(
            _Curve(
                name,
                f"{text} (n={rec['n']})",
                t["time"].to_numpy(float),
                t["survival"].to_numpy(float),
                t["lower"].to_numpy(float),
                t["upper"].to_numpy(float),
                np.repeat(cens["time"].to_numpy(float), cens["n_censor"].to_numpy(int)),
            )
        )
    return out


def _cif_curves(
    cif: CumulativeIncidenceResult, cause: int, labels: Mapping[str, str] | None
) -> list[_Curve]:
    t = cif.table[cif.table["cause"] == cause]
    return [
        _Curve(
            name,
            _label(name, labels),
            g["time"].to_numpy(float),
            g["estimate"].to_numpy(float),
            g["lower"].to_numpy(float),
            g["upper"].to_numpy(float),
        )
        for name, g in t.groupby("group", sort=True)
    ]


def _risk_rows(curves: list[_Curve]) -> list[tuple[object, str]]:
    return [(c.name, c.label.split(" (n=")[0]) for c in curves]


def _span(times: pd.Series) -> float:
    return float(times.max()) if len(times) else 1.0


def _curve_plot(
    result: AtRisk,
    ax: Axes | None,
    curves: list[_Curve],
    how: tuple[bool, bool, str | None, str],
    look: tuple[float, str, str],
    span: float,
    end: Mapping[object, float] | None = None,
    rows: list[tuple[object, str]] | None = None,
) -> Axes:
    """The drawing every curve result shares: axes, time axis with numbers at risk, curves,
    bands, legend. ``how``: ci, at_risk, show_in, title; ``look``: the curves' start value
    (1 survival, 0 incidence), the y label and the legend's place."""
    ci, at_risk, show_in, title = how
    start, ylabel, loc = look
    ax = axes_for(ax, (7.0, 5.2) if at_risk else (7.0, 4.5))
    risk = result.at_risk if at_risk else None
    unit = str(getattr(result, "time_unit", "days"))
    factor = _time_axis(ax, unit, show_in, span, risk, _risk_rows(curves) if rows is None else rows)
    _draw_curves(ax, curves, start, factor, ci, end)
    if ylabel == "Cumulative hazard":
        ax.set_ylim(bottom=0)
    else:
        ax.set_ylim(-0.02, 1.02)
    return _finish(ax, ylabel, title, loc)


@plot.register(KaplanMeier)
def _plot_km(
    result: KaplanMeier,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    *,
    labels: Mapping[str, str] | None = None,
    show_in: str | None = None,
    title: str = "",
    ylabel: str = "Survival probability",
) -> Axes:
    """Kaplan-Meier steps per group with censoring marks (|), the CI band of the result's
    ``conf_type``, and the numbers at risk at the ticks under the axis."""
    ends = result.end_of_follow_up()
    curves = _km_curves(result, labels)
    how = (ci, at_risk, show_in, title)
    look = (1.0, ylabel, "lower left")
    return _curve_plot(result, ax, curves, how, look, float(ends.max()), ends.to_dict())


@plot.register(Landmark)
def _plot_landmark(result: Landmark, ax: Axes | None = None, *args: Any, **kwargs: Any) -> Axes:
    kwargs.setdefault("title", f"From the landmark ({result.landmark:g} {result.km.time_unit})")
    return _plot_km(result.km, ax, *args, **kwargs)


@plot.register(CumulativeIncidenceResult)
def _plot_cif(
    result: CumulativeIncidenceResult,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    *,
    cause: int = 1,
    labels: Mapping[str, str] | None = None,
    show_in: str | None = None,
    title: str = "",
) -> Axes:
    """Cumulative incidence of ``cause`` per group (steps from 0) with its log(-log) CI band
    and the numbers at risk (patients still followed) at the ticks under the axis."""
    curves = _cif_curves(result, cause, labels)
    span = _span(result.exits["time"]) if len(result.exits) else _span(result.table["time"])
    how = (ci, at_risk, show_in, title)
    drawn = _curve_plot(result, ax, curves, how, (0.0, "Cumulative incidence", "upper left"), span)
    if not curves:  # no event of this cause: an empty panel that says so
        drawn.text(0.5, 0.5, f"no events of cause {cause}", transform=drawn.transAxes, ha="center")
    return drawn


@plot.register(NelsonAalen)
def _plot_nelson_aalen(
    result: NelsonAalen,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    *,
    labels: Mapping[str, str] | None = None,
    show_in: str | None = None,
    title: str = "",
) -> Axes:
    """Nelson-Aalen cumulative hazard per group (steps from 0) with a log-scale CI band,
    H exp(+-z se / H), and the numbers at risk under the axis."""
    curves = []
    for name, g in result.table.groupby("group", sort=False):
        h, se = g["cumhaz"].to_numpy(float), g["std_err"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(h > 0, np.exp(Z95 * se / h), 1.0)
        curves.append(
            _Curve(
                name,
                "all" if name == "all" else _label(name, labels),
                g["time"].to_numpy(float),
                h,
                h / spread,
                h * spread,
            )
        )
    how = (ci, at_risk, show_in, title)
    look = (0.0, "Cumulative hazard", "upper left")
    return _curve_plot(result, ax, curves, how, look, _span(result.table["time"]))


def _profile_label(row: Mapping[Any, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items())


@plot.register(PredictedSurvival)
def _plot_predicted(
    result: PredictedSurvival,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    *,
    labels: Sequence[str] | None = None,
    show_in: str | None = None,
    title: str = "",
) -> Axes:
    """Predicted survival of each profile (a Cox model's ``predict_survival``), with its log
    CI band and, under the axis, the patients of the profile's stratum still followed."""
    names = (
        list(labels) if labels else [_profile_label(r) for r in result.newdata.to_dict("records")]
    )
    curves = []
    for i, name in enumerate(names):
        g = result.table[(result.table["profile"] == i) & (result.table["time"] > 0)]
        curves.append(
            _Curve(
                i,
                name,
                g["time"].to_numpy(float),
                g["surv"].to_numpy(float),
                g["lower"].to_numpy(float),
                g["upper"].to_numpy(float),
            )
        )
    rows = _risk_rows(curves)
    per_profile = [g.drop(columns="group").to_numpy() for _, g in result.exits.groupby("group")]
    if len(rows) > 1 and all(np.array_equal(per_profile[0], p) for p in per_profile[1:]):
        rows = [(0, "all")]  # one stratum: every profile has the same patients at risk
    how = (ci, at_risk, show_in, title)
    look = (1.0, "Predicted survival", "lower left")
    span = _span(result.exits["time"])
    return _curve_plot(result, ax, curves, how, look, span, rows=rows)


def _p_text(ax: Axes, text: str | None, top: bool = True) -> None:
    if text:
        ax.text(
            0.98,
            0.95 if top else 0.05,
            text,
            transform=ax.transAxes,
            ha="right",
            va="top" if top else "bottom",
            fontsize=9,
        )


def km_figure(
    km: KaplanMeier,
    title: str = "",
    ylabel: str = "Survival probability",
    p_text: str | None = None,
    labels: Mapping[str, str] | None = None,
    show_in: str | None = "months",
) -> Figure:
    """Kaplan-Meier curves with CI bands, censoring marks (|) and the numbers at risk.

    Parameters
    ----------
    km
        The estimate.
    title, ylabel
        Axis texts.
    p_text
        The test's P value as text, shown top right.
    labels
        Legend text per group value.
    show_in
        Unit of the time axis (months, as the study's figures; None: the result's own).

    Returns
    -------
    matplotlib.figure.Figure
        One axes, the numbers at risk under it.
    """
    fig = Figure(figsize=(7, 5.4))
    ax = _plot_km(km, fig.subplots(), labels=labels, show_in=show_in, title=title, ylabel=ylabel)
    _p_text(ax, p_text)
    fig.tight_layout()
    return fig


def cif_figure(
    cif: CumulativeIncidenceResult,
    cause: int = 1,
    title: str = "",
    p_text: str | None = None,
    labels: Mapping[str, str] | None = None,
    show_in: str | None = "months",
) -> Figure:
    """Cumulative incidence of ``cause`` per group (Aalen-Johansen, competing risks).

    Parameters
    ----------
    cif
        The estimate.
    cause
        Status code of the cause drawn.
    title
        Axis title.
    p_text
        Gray's test P value as text, shown bottom right.
    labels
        Legend text per group value.
    show_in
        Unit of the time axis (months, as the study's figures; None: the result's own).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with CI bands, the numbers at risk under it.
    """
    fig = Figure(figsize=(7, 5.4))
    ax = _plot_cif(cif, fig.subplots(), cause=cause, labels=labels, show_in=show_in, title=title)
    _p_text(ax, p_text, top=False)
    fig.tight_layout()
    return fig


def four_group_figure(
    km: Mapping[str, KaplanMeier],
    cir: CumulativeIncidenceResult | None,
    p_texts: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    show_in: str | None = "months",
) -> Figure:
    """The study's Figure 1: OS, EFS, DFS (Kaplan-Meier) and CIR by group A-D, each panel
    with its CI bands and numbers at risk.

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
    show_in
        Unit of the time axes.

    Returns
    -------
    matplotlib.figure.Figure
        Two by two panels.
    """
    fig = Figure(figsize=(11, 11))
    axes = fig.subplots(2, 2)
    for ax, (ep, name) in zip(axes.flat, FOUR_GROUP_PANELS, strict=False):
        if ep in km:
            _plot_km(km[ep], ax, labels=labels, show_in=show_in, title=name)
            _p_text(ax, p_texts.get(ep))
        ax.set_title(name)
    ax = axes.flat[3]
    if cir is not None:
        _plot_cif(cir, ax, cause=1, labels=labels, show_in=show_in)
        _p_text(ax, p_texts.get("cir"), top=False)
    ax.set_title("Cumulative incidence of relapse")
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
    names = table["label"] if "label" in table else table["term"]
    ax.set_yticklabels([str(t) for t in names])
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


# the forest plots of plot()


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
