"""Rendering of :meth:`ikzf1assay.qpcr.plate.Plate.summary` for ``ikzf1assay inspect``."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

__all__ = ["melt_summary", "render_inspection"]


def melt_summary(melt: pd.DataFrame) -> dict[str, Any]:
    """What a Plate's ``melt`` table holds, for ``ikzf1assay inspect``.

    Parameters
    ----------
    melt
        ``Plate.melt`` (run, well, target, temperature, fluorescence).

    Returns
    -------
    dict
        ``reactions``, ``targets`` (sorted names), ``readings``, ``readings_per_reaction``
        (``[fewest, most]``) and ``temperature_range`` (``[lowest, highest]`` °C); the
        lists are empty when the export holds no melt curve.
    """
    if melt.empty:
        return {"reactions": 0, "targets": [], "readings": 0, "readings_per_reaction": [],
                "temperature_range": []}  # fmt: skip
    sizes = melt.groupby(["run", "well", "target"], sort=False).size()
    return {
        "reactions": len(sizes),
        "targets": sorted({str(t) for t in melt["target"]}),
        "readings": len(melt),
        "readings_per_reaction": [int(sizes.min()), int(sizes.max())],
        "temperature_range": [float(melt["temperature"].min()), float(melt["temperature"].max())],
    }


def _melt_line(s: dict[str, Any]) -> str:
    """The ``melt:`` line of the table: reactions, targets, temperatures, readings."""
    m = s.get("melt")
    if m is None:  # a summary without the melt details: the count only
        n = int(s.get("melt_reactions", 0))
        return f"melt curves: {f'yes ({n} reactions)' if n else 'no'}"
    if not m["reactions"]:
        return "melt curves: no"
    lo, hi = m["temperature_range"]
    fewest, most = m["readings_per_reaction"]
    per = f"{fewest}" if fewest == most else f"{fewest}-{most}"
    return (
        f"melt curves: yes ({m['reactions']} reactions; targets {', '.join(m['targets'])}; "
        f"{lo:.1f}-{hi:.1f} °C; {m['readings']} readings, {per} per reaction)"
    )


def render_inspection(summary: dict[str, Any], fmt: str = "table") -> str:
    """``table`` for people or ``json``."""
    if fmt == "json":
        return json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; choose table or json")
    s = summary

    def yes(n: int) -> str:
        return f"yes ({n} reactions)" if n else "no"

    def some(names: list[str], limit: int = 20) -> str:
        more = " ..." if len(names) > limit else ""
        return f"{len(names)}: {', '.join(names[:limit])}{more}" if names else "0"

    runs = s["runs"]
    lines = [
        f"file:        {s['file']}",
        f"sha256:      {s['sha256']}",
        f"format:      {s['format']}",
        f"instrument:  {s['instrument'] or '(not in the export)'}",
        f"software:    {s['software'] or '(not in the export)'}",
        f"run date:    {s['run_date'] or '(not in the export)'}",
        f"runs:        {some(runs, 5) if len(runs) > 1 else len(runs)}",
        f"wells:       {s['wells']} ({s['reactions']} reactions: well x target)",
        f"samples:     {some(s['samples'])}",
        f"targets:     {some(s['targets'])}",
        f"tasks:       {', '.join(f'{k} {v}' for k, v in s['tasks'].items())}",
        f"cycles:      {s['cycles']}",
        f"curves:      {yes(s['reactions_with_curve'])}",
        f"results:     {yes(s['reactions_with_result'])}; "
        f"instrument Ct in {s['instrument_ct_values']}"
        + (f" ({s['ct_method']})" if s.get("ct_method") else ""),
    ]
    lines.append(_melt_line(s))
    if not s.get("amplification_data", True):
        lines.append("amplification: none (no curve and no result): `curves` and `call` refuse it")
    if s["curve_without_result"] or s["result_without_curve"]:
        lines.append(
            f"unpaired:    {s['curve_without_result']} reactions with a curve but no result, "
            f"{s['result_without_curve']} with a result but no curve"
        )
    if s["thresholds"]:
        lines.append(f"thresholds:  {', '.join(f'{t:g}' for t in s['thresholds'])} (instrument)")
    if s["skipped"]:
        lines.append("skipped:")
        lines.extend(f"  {k['where']}: {k['reason']}" for k in s["skipped"])
    else:
        lines.append("skipped:     nothing")
    return "\n".join(lines) + "\n"
