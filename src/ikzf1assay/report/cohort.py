"""Outputs of ``ikzf1assay cohort``: the tables as TSV, the figures as PNG and SVG, and a
self-contained ``report.html`` (jinja2, autoescaped; figures embedded) that states the
endpoint definitions, what was excluded and why, and the test behind every P value.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ikzf1assay._json import json_value
from ikzf1assay._provenance import file_sha256, provenance
from ikzf1assay.cohort.analysis import GROUPINGS, GROUPS, CohortAnalysis
from ikzf1assay.errors import FileAccessError
from ikzf1assay.report._templates import environment
from ikzf1assay.report.cohort_figures import (
    cif_figure,
    forest_figure,
    four_group_figure,
    km_figure,
    save,
)

__all__ = ["cohort_tables", "four_group_panel", "write_cohort_outputs"]

ENDPOINT_NAMES = {
    "os": "Overall survival",
    "efs": "Event-free survival",
    "dfs": "Disease-free survival",
    "cir": "Cumulative incidence of relapse",
    "nrm": "Non-relapse mortality",
}
GROUP_LABELS = {k: f"{k}: {v}" for k, v in GROUPS.items()}


def _p(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "-"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _p_is(p: float) -> str:
    """ "P = 0.013" or "P < 0.001"."""
    text = _p(p)
    return f"P {text}" if text.startswith("<") else f"P = {text}"


def cohort_tables(a: CohortAnalysis) -> dict[str, pd.DataFrame]:
    """Every table of the analysis as a tidy DataFrame, by output file stem."""
    out: dict[str, pd.DataFrame] = {
        "analysis_table": a.table,
        "excluded_rows": a.clinical.excluded,
        "link": a.linked.table,
        "link_conflicts": a.linked.conflicts,
        "unmatched_calls": a.linked.unmatched_calls,
        "unmatched_patients": a.linked.unmatched_patients,
        "endpoint_left_out": a.endpoints.left_out,
    }
    for name, table in a.baseline.items():
        out[f"baseline_by_{name}"] = table

    def stack(parts: dict[Any, pd.DataFrame], keys: tuple[str, ...]) -> pd.DataFrame:
        frames = [
            t.assign(**dict(zip(keys, k if isinstance(k, tuple) else (k,), strict=True)))
            for k, t in parts.items()
        ]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[[*keys, *[c for c in df.columns if c not in keys]]]

    kk = ("endpoint", "grouping")
    out["km"] = stack({k: v.table for k, v in a.km.items()}, kk)
    out["km_rates"] = stack({k: v.at for k, v in a.km.items()}, kk)
    out["km_medians"] = stack({k: v.median for k, v in a.km.items()}, kk)
    out["logrank"] = stack({k: v.table for k, v in a.logrank.items()}, kk)
    out["cuminc"] = stack({k: v.table for k, v in a.cif.items()}, kk)
    out["cuminc_at"] = stack({k: v.at for k, v in a.cif.items()}, kk)
    out["gray"] = stack({k: v.table for k, v in a.gray.items()}, kk)
    out["fine_gray"] = stack({k: v.table for k, v in a.fine_gray.items()}, ("endpoint",))
    out["cox_univariable"] = stack({k: v.univariable for k, v in a.cox.items()}, ("endpoint",))
    out["cox_multivariable"] = stack(
        {k: v.multivariable.table for k, v in a.cox.items() if v.multivariable}, ("endpoint",)
    )
    out["ph_test"] = stack({k: v.ph.table for k, v in a.cox.items() if v.ph}, ("endpoint",))
    out["cox_time_dependent"] = stack(
        {k: v.table for k, v in a.time_varying.items()}, ("endpoint",)
    )
    out["model_patients"] = _model_patients(a)
    out["landmark_rates"] = stack({k: v.km.at for k, v in a.landmarks.items()}, ("endpoint",))
    out["landmark_logrank"] = stack(
        {k: v.logrank.table for k, v in a.landmarks.items() if v.logrank}, ("endpoint",)
    )
    return out


def _model_patients(a: CohortAnalysis) -> pd.DataFrame:
    """Patients in each regression model and those it left out for a missing covariate."""
    rows: list[tuple[str, str, int, int | None, int]] = []
    for ep, screen in a.cox.items():
        fit = screen.multivariable
        if fit is not None:
            rows.append(("multivariable Cox", ep, fit.n, fit.events, fit.n_dropped))
        uni = screen.univariable
        if len(uni):
            worst = uni.drop_duplicates("covariate")
            for rec in worst[worst["n_dropped"] > 0].to_dict("records"):
                rows.append((f"univariable Cox, {rec['covariate']}", ep, rec["n"],
                             rec["events"], rec["n_dropped"]))  # fmt: skip
    for ep, tv in a.time_varying.items():
        rows.append(("time-dependent Cox", ep, tv.n, tv.events, tv.n_dropped))
    for ep, fg in a.fine_gray.items():
        rows.append(("Fine-Gray", ep, fg.n, None, fg.n_dropped))
    out = pd.DataFrame(rows, columns=["model", "endpoint", "patients", "events", "left_out"])
    return out.astype({"events": "Int64"})


def _records(df: pd.DataFrame, limit: int | None = None) -> dict[str, Any]:
    shown = df if limit is None else df.head(limit)
    rows = []
    for rec in shown.to_dict("records"):
        row = []
        for k, v in rec.items():
            if isinstance(v, float):
                if not math.isfinite(v):
                    row.append("-")
                elif str(k) == "p" or str(k).endswith("_p"):
                    row.append(_p(v))
                else:
                    row.append(f"{v:.4g}")
            elif v is None or v is pd.NaT:
                row.append("-")
            else:
                row.append(str(v))
        rows.append(row)
    return {"columns": [str(c) for c in df.columns], "rows": rows, "more": len(df) - len(shown)}


def _figure(fig: Any, folder: Path, stem: str, caption: str) -> dict[str, str]:
    paths = save(fig, folder / stem)
    png = next(p for p in paths if p.suffix == ".png")
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return {"caption": caption, "data": data, "files": ", ".join(p.name for p in paths)}


def write_cohort_outputs(
    a: CohortAnalysis, outdir: Path, inputs: dict[str, list[Path]] | None = None
) -> dict[str, Path]:
    """Write the TSVs, figures (``figures/``), ``provenance.json`` and ``report.html``."""
    try:
        (outdir / "figures").mkdir(parents=True, exist_ok=True)
        tables = cohort_tables(a)
        written: dict[str, Path] = {}
        for stem, table in tables.items():
            path = outdir / f"{stem}.tsv"
            table.to_csv(path, sep="\t", index=False, lineterminator="\n", na_rep="")
            written[stem] = path
    except OSError as exc:
        raise FileAccessError(f"cannot write outputs: {exc.strerror}", source=outdir) from None
    figures = _figures(a, outdir / "figures")
    prov = provenance(
        command="cohort",
        inputs={
            kind: [{"file": str(p), "sha256": file_sha256(p)} for p in paths]
            for kind, paths in (inputs or {}).items()
        },
        settings={k: json_value(v) for k, v in vars(a.settings).items()},
        definitions=a.endpoints.definitions,
        excluded_rows=len(a.clinical.excluded),
        warnings=a.warnings,
    )
    html = _render(a, tables, figures, prov)
    try:
        (outdir / "provenance.json").write_text(
            json.dumps(prov, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (outdir / "report.html").write_text(html, encoding="utf-8")
    except OSError as exc:
        raise FileAccessError(f"cannot write report: {exc.strerror}", source=outdir) from None
    written["report"] = outdir / "report.html"
    written["provenance"] = outdir / "provenance.json"
    return written


def _p_text(a: CohortAnalysis, ep: str, grouping: str) -> str | None:
    if (ep, grouping) in a.logrank:
        return f"log-rank {_p_is(a.logrank[(ep, grouping)].p)}"
    if (ep, grouping) in a.gray:
        t = a.gray[(ep, grouping)].table
        return f"Gray's test {_p_is(float(t.loc[t['cause'] == 1, 'p'].iloc[0]))}"
    return None


def four_group_panel(analysis: CohortAnalysis, show_in: str | None = "months") -> Figure | None:
    """The study's Figure 1 from an analysis, as the cohort report draws it: OS, EFS, DFS
    (Kaplan-Meier) and the cumulative incidence of relapse by group A-D, each panel with its
    confidence bands, numbers at risk and its test (log-rank; Gray's test for relapse).

    Parameters
    ----------
    analysis
        The result of :func:`~ikzf1assay.cohort.analyse_cohort` (or ``run_cohort``).
    show_in
        Unit of the time axes (``days``, ``weeks``, ``months``, ``years``).

    Returns
    -------
    matplotlib.figure.Figure or None
        Two by two panels, legends ``A: deleted, no transplant`` ... (:data:`GROUPS`); None
        when the analysis has no group A-D estimates (no transplant data).
    """
    by_group = {ep: km for (ep, grouping), km in analysis.km.items() if grouping == "group"}
    if not by_group:
        return None
    p_texts = {
        ep: text for ep in ("os", "efs", "dfs", "cir") if (text := _p_text(analysis, ep, "group"))
    }
    return four_group_figure(
        by_group, analysis.cif.get(("cir", "group")), p_texts, GROUP_LABELS, show_in=show_in
    )


def _figures(a: CohortAnalysis, folder: Path) -> list[dict[str, str]]:
    out = []
    for (ep, grouping), km in a.km.items():
        if grouping == "group":
            continue
        title = f"{ENDPOINT_NAMES[ep]} by {GROUPINGS[grouping]}"
        fig = km_figure(km, title=title, p_text=_p_text(a, ep, grouping))
        out.append(_figure(fig, folder, f"km_{ep}_{grouping}", title))
    four = four_group_panel(a)
    if four is not None:
        out.append(
            _figure(four, folder, "four_groups", "OS, EFS, DFS and CIR by group A-D (Figure 1)")
        )
    for (ep, grouping), cif in a.cif.items():
        if grouping != "deletion":
            continue
        title = f"{ENDPOINT_NAMES[ep]} by {GROUPINGS[grouping]}"
        fig = cif_figure(cif, 1, title=title, p_text=_p_text(a, ep, grouping))
        out.append(_figure(fig, folder, f"cif_{ep}_{grouping}", title))
    for ep, screen in a.cox.items():
        if screen.multivariable is not None:
            title = f"Multivariable Cox model, {ENDPOINT_NAMES[ep]}"
            fig = forest_figure(screen.multivariable.table, title)
            out.append(_figure(fig, folder, f"forest_{ep}", title))
    return out


def _render(
    a: CohortAnalysis,
    tables: dict[str, pd.DataFrame],
    figures: list[dict[str, str]],
    prov: dict[str, Any],
) -> str:
    rates = tables["km_rates"]
    summary = []
    for (ep, grouping), km in a.km.items():
        if grouping != "deletion":
            continue
        lr = a.logrank.get((ep, grouping))
        cells = [f"{r['group']}: {r['text']}" for r in km.at.to_dict("records")]
        summary.append(
            {"endpoint": ENDPOINT_NAMES[ep], "rates": "; ".join(cells),
             "p": _p(lr.p) if lr else "-"}
        )  # fmt: skip
    linked = a.linked.table["link"].value_counts().to_dict()
    template = environment().get_template("cohort_report.html.j2")
    return template.render(
        comments=list(a.clinical.comments),
        recoded=_records(a.clinical.recoded),
        reference=dict(a.clinical.reference),
        source=a.clinical.source,
        n_rows=len(a.clinical.data) + len(a.clinical.excluded),
        n_kept=len(a.clinical.data),
        excluded=_records(a.clinical.excluded),
        date_order=a.clinical.date_order,
        linked={str(k): int(v) for k, v in linked.items()},
        conflicts=_records(a.linked.conflicts),
        unmatched_calls=_records(a.linked.unmatched_calls),
        unmatched_patients=_records(a.linked.unmatched_patients),
        definitions=a.endpoints.definitions,
        left_out=_records(
            a.endpoints.left_out.groupby(["endpoint", "reason"]).size().reset_index(name="n")
        ),
        deletion_counts=a.table["call"].value_counts(dropna=False).to_dict(),
        group_counts=a.table["group"].value_counts().sort_index().to_dict(),
        group_labels=GROUP_LABELS,
        summary=summary,
        rate_years=a.settings.rate_years,
        baseline={k: _records(v) for k, v in a.baseline.items()},
        sections=[
            ("Kaplan-Meier rates at fixed times", _records(rates)),
            ("Kaplan-Meier medians", _records(tables["km_medians"])),
            ("Log-rank tests", _records(tables["logrank"])),
            ("Cumulative incidence at fixed times", _records(tables["cuminc_at"])),
            ("Gray's test", _records(tables["gray"])),
            ("Fine-Gray regression (subdistribution hazard)", _records(tables["fine_gray"])),
            ("Univariable Cox models (screen)", _records(tables["cox_univariable"])),
            ("Multivariable Cox models", _records(tables["cox_multivariable"])),
            (
                "Patients in each model (left out: a covariate missing, as R's na.omit)",
                _records(tables["model_patients"]),
            ),
            (
                "Proportional-hazards check (Schoenfeld residuals, cox.zph)",
                _records(tables["ph_test"]),
            ),
            ("Transplant as a time-dependent covariate", _records(tables["cox_time_dependent"])),
            (
                f"Landmark analysis at day {a.settings.landmark_days:g} (deleted patients; rates "
                "from the landmark)",
                _records(tables["landmark_rates"]),
            ),
            ("Landmark log-rank", _records(tables["landmark_logrank"])),
        ],
        entry_p=a.settings.entry_p,
        conf_type=a.settings.conf_type,
        figures=figures,
        warnings=a.warnings,
        skipped=a.skipped,
        provenance=json.dumps(prov, indent=2, ensure_ascii=False),
    )
