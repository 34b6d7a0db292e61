"""The few lines ``ikzf1assay cohort`` prints: what was analysed and the main results.

Renders a :class:`~ikzf1assay.cohort.analysis.CohortAnalysis`; computes nothing.
"""

from __future__ import annotations

import math

from ikzf1assay.cohort.analysis import CohortAnalysis

__all__ = ["cohort_summary"]


def cohort_summary(analysis: CohortAnalysis) -> str:
    """The summary of a cohort analysis, as text lines.

    The clinical table's comment lines, the patients analysed and excluded and the link
    outcome of the calls, Kaplan-Meier rates by deletion with the log-rank P of each endpoint,
    and the multivariable Cox model of each endpoint that has one.

    Parameters
    ----------
    analysis
        The result of :func:`ikzf1assay.cohort.analysis.run_cohort`.

    Returns
    -------
    str
        Newline-terminated lines.
    """
    lines = [f"# {comment}" for comment in analysis.clinical.comments]
    kept, dropped = len(analysis.clinical.data), len(analysis.clinical.excluded)
    links = analysis.linked.table["link"].value_counts().to_dict()
    lines.append(
        f"{kept} patients analysed, {dropped} rows excluded (see excluded_rows.tsv); calls: "
        + ", ".join(f"{k} {v}" for k, v in links.items())
    )
    years = " / ".join(f"{y:g}" for y in analysis.settings.rate_years)
    for (ep, grouping), km in analysis.km.items():
        if grouping != "deletion":
            continue
        lr = analysis.logrank.get((ep, grouping))
        rates = "; ".join(
            f"{name} " + " / ".join(g["text"]) for name, g in km.at.groupby("group", sort=False)
        )
        p = ""
        if lr is not None:
            p = f", log-rank P {lr.p:.3g}" if math.isfinite(lr.p) else ", log-rank P n/a"
            if getattr(lr, "note", ""):
                p += f" ({lr.note})"
        lines.append(f"{ep.upper()} at {years} y: {rates}{p}")
    for ep, screen in analysis.cox.items():
        if screen.multivariable is not None:
            terms = "; ".join(
                f"{r.get('label') or r['term']} HR {r['hr']:.3f} "
                f"({r['lower']:.3f}-{r['upper']:.3f})"
                for r in screen.multivariable.table.to_dict("records")
            )
            lines.append(f"{ep.upper()} multivariable Cox: {terms}")
    return "".join(line + "\n" for line in lines)
