"""The outputs of ``ikzf1assay registry qc``: Levey-Jennings charts, the reference-gene trend
and a self-contained ``qc.html``.

Nothing is computed here: the limits, z values and rules come from
:func:`ikzf1assay.registry.qc.qc_table`, the trend from
:func:`ikzf1assay.registry.qc.reference_trend`. The charts are drawn with matplotlib's
:class:`~matplotlib.figure.Figure` (no pyplot, no global state), every text taken from the
registry drawn without mathtext (a ``$`` in a reaction name is a dollar sign); the page is
rendered by the shared autoescaping jinja2 environment, so every stored text is escaped.

The folder is written by :func:`ikzf1assay._outdir.atomic_output`: complete or absent.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ikzf1assay._outdir import atomic_output, safe_name
from ikzf1assay.errors import FileAccessError
from ikzf1assay.registry.qc import (
    MIN_RUNS,
    REJECTION_RULES,
    RULE_READINGS,
    RULES,
    SOURCE_NONE,
    QCResult,
    reference_trend,
)
from ikzf1assay.report._templates import environment
from ikzf1assay.report.plot import axes_for, choose, plot

__all__ = [
    "draw_levey_jennings",
    "levey_jennings_figure",
    "plot_qc",
    "reference_figure",
    "write_qc_report",
]

STATUS_COLOURS = {"released": "#1b6ca8", "draft": "#9a9a9a"}
REJECT_COLOUR = "#d1495b"
SD_STYLES = ((1, ":", "#7a7a7a"), (2, "--", "#edae49"), (3, "-", REJECT_COLOUR))
MAX_TICKS = 30
MAX_LABELLED = 40  # rejected runs annotated with their rules (the newest ones)


def _labels(table: pd.DataFrame) -> list[str]:
    """``run 12`` over the date (the run date, else the import date) of each row."""
    out = []
    for run_id, run_date, imported in zip(
        table["run_id"], table["run_date"], table["imported_at"], strict=True
    ):
        when = run_date if isinstance(run_date, str) and run_date else imported
        out.append(f"run {run_id}\n{str(when)[:10] if isinstance(when, str) else ''}")
    return out


def _x_ticks(ax: Axes, labels: Sequence[str]) -> None:
    n = len(labels)
    step = max(1, math.ceil(n / MAX_TICKS))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[i] for i in ticks], rotation=90, fontsize=6, parse_math=False)
    ax.set_xlim(-0.7, max(n - 0.3, 0.7))


def _width(n: int) -> float:
    return float(min(20.0, max(7.0, 0.22 * n + 2.0)))


def _status_points(ax: Axes, x: np.ndarray, y: np.ndarray, status: pd.Series) -> None:
    for name, colour in STATUS_COLOURS.items():
        mask = (status == name).to_numpy() & np.isfinite(y)
        if mask.any():
            ax.scatter(x[mask], y[mask], s=18, color=colour, zorder=3, label=f"{name} run")
    other = ~status.isin(list(STATUS_COLOURS)).to_numpy() & np.isfinite(y)
    if other.any():
        ax.scatter(x[other], y[other], s=18, color="#444444", zorder=3, label="other status")


def levey_jennings_figure(runs: pd.DataFrame, reaction: str, limits: pd.Series | None) -> Figure:
    """The Levey-Jennings chart of one reaction's positive control.

    Parameters
    ----------
    runs
        The rows of :func:`ikzf1assay.registry.qc.westgard` for this reaction, in run order.
    reaction
        Its name (drawn as plain text).
    limits
        Its row of the limits table (mean, sd, n, source), or None.

    Returns
    -------
    matplotlib.figure.Figure
        Runs in order along x (labelled by id and date), Ct along y; lines at the mean and at
        1, 2 and 3 SD; points coloured by run status; rejected runs ringed and labelled with
        the rules they break; a control that did not amplify marked ``×`` at the foot.
    """
    fig = Figure(figsize=(_width(len(runs)), 4.6), layout="constrained")
    draw_levey_jennings(fig.add_subplot(), runs, reaction, limits)
    return fig


def draw_levey_jennings(
    ax: Axes, runs: pd.DataFrame, reaction: str, limits: pd.Series | None
) -> None:
    """Draw :func:`levey_jennings_figure`'s chart on ``ax`` (same parameters)."""
    n = len(runs)
    x = np.arange(n, dtype=float)
    y = runs["ct"].to_numpy(dtype=float)
    finite = np.isfinite(y)
    mean = float(limits["mean"]) if limits is not None else math.nan
    sd = float(limits["sd"]) if limits is not None else math.nan
    has_limits = math.isfinite(mean) and math.isfinite(sd)
    if finite.any():
        ax.plot(x[finite], y[finite], color="#bbbbbb", lw=0.8, zorder=1)
    if has_limits:
        ax.axhline(mean, color="#2e8540", lw=1.2, zorder=0)
        ax.text(1.0, mean, " mean", transform=ax.get_yaxis_transform(), va="center",
                fontsize=7, color="#2e8540")  # fmt: skip
        for k, style, colour in SD_STYLES:
            for sign in (1, -1):
                level = mean + sign * k * sd
                ax.axhline(level, color=colour, ls=style, lw=0.9, zorder=0)
                ax.text(1.0, level, f" {'+' if sign > 0 else '−'}{k} SD",
                        transform=ax.get_yaxis_transform(), va="center", fontsize=7,
                        color=colour)  # fmt: skip
    _status_points(ax, x, y, runs["status"].astype(str))
    low = float(np.nanmin(y)) if finite.any() else (mean - 3 * sd if has_limits else 30.0)
    if has_limits:
        low = min(low, mean - 3.5 * sd)
    missing = ~finite
    if missing.any():
        ax.scatter(x[missing], np.full(missing.sum(), low), marker="x", s=40,
                   color=REJECT_COLOUR, zorder=4, label="no Ct (did not amplify)")  # fmt: skip
    rejected = runs["rejected"].to_numpy(dtype=bool) & finite
    if rejected.any():
        ax.scatter(x[rejected], y[rejected], s=90, facecolors="none", edgecolors=REJECT_COLOUR,
                   linewidths=1.4, zorder=4, label="rejected (rule broken)")  # fmt: skip
    to_label = np.flatnonzero(runs["rejected"].to_numpy(dtype=bool))[-MAX_LABELLED:]
    for i in to_label:
        text = str(runs["violations"].iloc[i])
        yy = y[i] if finite[i] else low
        ax.annotate(text, (x[i], yy), xytext=(4, 6), textcoords="offset points", fontsize=6.5,
                    color=REJECT_COLOUR, rotation=30, parse_math=False)  # fmt: skip
    _x_ticks(ax, _labels(runs))
    ax.set_ylabel("positive control Ct")
    if has_limits and limits is not None:
        sub = f"mean {mean:.2f}, SD {sd:.3f} ({limits['source']})"
    elif limits is not None:
        sub = str(limits["source"])
    else:
        sub = f"{SOURCE_NONE}"
    ax.set_title(f"Positive control of {reaction}: {sub}", fontsize=9, loc="left",
                 parse_math=False)  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", framealpha=0.8)


@plot.register(QCResult)
def plot_qc(result: QCResult, ax: Axes | None = None, *, reaction: str | None = None) -> Axes:
    """``plot(qc, reaction="Δ4-7")``: the Levey-Jennings chart of one positive control.

    Parameters
    ----------
    result : QCResult
        :func:`ikzf1assay.registry.qc.qc_table` of a registry's control series.
    ax : Axes, optional
        Where to draw; a new figure's axes by default (wider with more runs).
    reaction : str, optional
        The reaction whose control to draw; may be left out when there is only one.

    Returns
    -------
    Axes
        The axes drawn on: runs in order along x, the control's Ct along y, the mean and 1,
        2, 3 SD lines, rejected runs ringed and labelled with the rules they break.
    """
    reaction = choose("qc", "reaction", reaction, sorted(set(result.runs["reaction"].astype(str))))
    part = result.runs[result.runs["reaction"].astype(str) == reaction].reset_index(drop=True)
    rows = result.limits[result.limits["reaction"].astype(str) == reaction]
    axes = axes_for(ax, (_width(len(part)), 4.6))
    draw_levey_jennings(axes, part, reaction, rows.iloc[0] if len(rows) else None)
    return axes


def reference_figure(trend: pd.DataFrame) -> Figure:
    """The median reference-gene Ct of each run's samples, a plain trend (no limits).

    Parameters
    ----------
    trend
        :func:`ikzf1assay.registry.qc.reference_trend`.

    Returns
    -------
    matplotlib.figure.Figure
        Runs in order along x, the median Ct along y, points coloured by run status.
    """
    n = len(trend)
    fig = Figure(figsize=(_width(n), 4.0), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(n, dtype=float)
    y = trend["median_ct"].to_numpy(dtype=float)
    finite = np.isfinite(y)
    if finite.any():
        ax.plot(x[finite], y[finite], color="#bbbbbb", lw=0.8, zorder=1)
    _status_points(ax, x, y, trend["status"].astype(str))
    _x_ticks(ax, _labels(trend))
    ax.set_ylabel("median reference-gene Ct")
    ax.set_title("Median reference-gene Ct of each run's samples (varies with DNA input; "
                 "no rules)", fontsize=9, loc="left")  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", framealpha=0.8)
    return fig


def _save(fig: Figure, path: Path) -> dict[str, str]:
    try:
        fig.savefig(path, dpi=130)
    except OSError as exc:
        raise FileAccessError(f"cannot write figure: {exc.strerror}", source=path) from None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"file": path.name, "data": data}


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        return "-" if not math.isfinite(float(value)) else f"{float(value):.3f}"
    return str(value)


def _records(df: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in df.columns],
        "rows": [[_cell(v) for v in rec] for rec in df.itertuples(index=False)],
    }


def _write_tsv(table: pd.DataFrame, path: Path) -> None:
    try:
        table.to_csv(path, sep="\t", index=False, lineterminator="\n", na_rep="")
    except OSError as exc:
        raise FileAccessError(f"cannot write table: {exc.strerror}", source=path) from None


def _render(
    result: QCResult,
    trend: pd.DataFrame,
    charts: list[dict[str, Any]],
    ref_chart: dict[str, str] | None,
) -> str:
    runs = result.runs
    broken = runs[runs["violations"] != ""]
    shown = ["run_id", "run_date", "status", "reaction", "ct", "z", "violations", "rejected"]
    flags = pd.DataFrame(
        [(run, text) for run, text in sorted(result.flags.items())], columns=["run_id", "flag"]
    )
    rules = [
        {"name": name, "text": text, "rejects": name != "1-2s"}
        for name, text in RULE_READINGS.items()
    ]
    template = environment().get_template("qc_report.html.j2")
    return template.render(
        n_runs=int(runs["run_id"].nunique()) if len(runs) else 0,
        n_reactions=int(runs["reaction"].nunique()) if len(runs) else 0,
        n_rejected=len(result.flags),
        notes=list(result.notes),
        limits=_records(result.limits),
        violations=_records(broken[shown]),
        flags=_records(flags),
        rules=rules,
        rule_columns=[RULES[c] for c in REJECTION_RULES],
        charts=charts,
        ref_chart=ref_chart,
        n_trend=len(trend),
        n_baseline=result.n_runs,
        min_runs=MIN_RUNS,
    )


def write_qc_report(result: QCResult, reference: pd.DataFrame, outdir: Path) -> list[Path]:
    """Write the charts (PNG), the tables (TSV) and ``qc.html`` into ``outdir``, atomically.

    Parameters
    ----------
    result
        :func:`ikzf1assay.registry.qc.qc_table`.
    reference
        One row per run: run_id, run_date, imported_at, status, median_ct (put in run order
        here by :func:`ikzf1assay.registry.qc.reference_trend`).
    outdir
        The output folder: absent, empty, or written by ikzf1assay before; replaced as a
        whole.

    Returns
    -------
    list of pathlib.Path
        The files written, inside ``outdir``: one ``lj_NN_<reaction>.png`` per reaction,
        ``reference_median_ct.png`` (when there is a trend), ``qc_limits.tsv``,
        ``qc_runs.tsv``, ``reference_trend.tsv`` and ``qc.html``.

    Raises
    ------
    ParameterError
        ``outdir`` is not a folder ikzf1assay may replace.
    OutputLockedError
        Another run is writing ``outdir``.
    FileAccessError
        A file cannot be written.
    """
    trend = reference_trend(reference)
    limits = {str(r["reaction"]): r for _, r in result.limits.iterrows()}
    names: list[str] = []
    try:
        with atomic_output(outdir) as stage:
            charts: list[dict[str, Any]] = []
            reactions = sorted(set(result.runs["reaction"].astype(str)))
            for i, reaction in enumerate(reactions, start=1):
                part = result.runs[result.runs["reaction"] == reaction].reset_index(drop=True)
                fig = levey_jennings_figure(part, reaction, limits.get(reaction))
                stem = f"lj_{i:02d}_{safe_name(reaction, default='reaction', max_len=40)}"
                saved = _save(fig, stage / f"{stem}.png")
                names.append(saved["file"])
                charts.append({**saved, "reaction": reaction,
                               "n_rejected": int(part["rejected"].sum())})  # fmt: skip
            ref_chart = None
            if len(trend):
                ref_chart = _save(reference_figure(trend), stage / "reference_median_ct.png")
                names.append(ref_chart["file"])
            for table, name in (
                (result.limits, "qc_limits.tsv"),
                (result.runs, "qc_runs.tsv"),
                (trend, "reference_trend.tsv"),
            ):
                _write_tsv(table, stage / name)
                names.append(name)
            html = _render(result, trend, charts, ref_chart)
            try:
                (stage / "qc.html").write_text(html, encoding="utf-8")
            except OSError as exc:
                raise FileAccessError(
                    f"cannot write the report: {exc.strerror}", source=outdir / "qc.html"
                ) from None
            names.append("qc.html")
    except OSError as exc:
        raise FileAccessError(f"cannot write outputs: {exc.strerror}", source=outdir) from None
    return [outdir / name for name in names]
