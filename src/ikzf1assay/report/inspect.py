"""Rendering of :meth:`ikzf1assay.qpcr.plate.Plate.summary` for ``ikzf1assay inspect``."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["render_inspection"]


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
        f"instrument Ct in {s['instrument_ct_values']}",
    ]
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
