"""Text, TSV and JSON renderings of a :class:`~ikzf1assay.primers.thermo.PrimerCheckResult`.

All three repeat the conditions and the assay file (path and SHA-256) the figures belong to.
An assay with ``[[probe]]`` entries adds a probe section (table: "Probes"; TSV: ``probes``;
JSON: ``probes``) with each probe's figures, position and verdict.
The TSV form is several tables in one stream: each starts with a ``# table: NAME`` line and
a header row, and tables are separated by a blank line; other ``#`` lines are context.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict
from typing import Any

import pandas as pd

from ikzf1assay._provenance import provenance
from ikzf1assay.primers.check_results import PROBE_FLAG_MEANINGS
from ikzf1assay.primers.thermo import FLAG_MEANINGS, PrimerCheckResult

__all__ = ["FORMATS", "render_primer_check"]

FORMATS = ("table", "tsv", "json")


def render_primer_check(result: PrimerCheckResult, fmt: str = "table") -> str:
    """Render a primer check as ``table`` (for people), ``tsv`` or ``json``."""
    if fmt == "json":
        return _json(result)
    if fmt == "tsv":
        return _tsv(result)
    if fmt == "table":
        return _table(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _conditions_line(result: PrimerCheckResult) -> str:
    c = result.conditions
    return (
        f"monovalent {c.monovalent_mm:g} mM, Mg2+ {c.divalent_mm:g} mM, dNTP {c.dntp_mm:g} mM, "
        f"oligo {c.oligo_nm:g} nM; dG at {c.temperature_c:g} C; "
        "Tm: SantaLucia 1998 nearest-neighbour with SantaLucia salt correction (primer3-py)"
    )


def _rounded(value: Any, digits: int = 4) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value


def _json(result: PrimerCheckResult) -> str:
    doc = {"provenance": provenance(assay_path=result.assay_path, assay_sha256=result.assay_sha256)}
    doc.update(result.to_dict())
    return json.dumps(_rounded(doc), ensure_ascii=False, indent=2) + "\n"


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col, sep in (("flags", ","), ("notes", "; ")):
        if col in out:
            out[col] = out[col].map(sep.join)
    return out


def _tsv(result: PrimerCheckResult) -> str:
    head = [
        f"# ikzf1assay primers check: {result.assay_name}",
        f"# assay_file\t{result.assay_path}\tsha256\t{result.assay_sha256}",
        "# conditions\t" + "\t".join(f"{k}={v:g}" for k, v in asdict(result.conditions).items()),
    ]
    parts = ["\n".join(head)]
    for name, table in (
        ("primers", result.primers_table()),
        ("pairs", result.pairs_table()),
        ("reactions", result.reactions_table()),
    ):
        body = _flat(table).to_csv(sep="\t", index=False, float_format="%.4f", lineterminator="\n")
        parts.append(f"# table: {name}\n{body.rstrip()}")
    if result.probes:
        table = result.probes_table().drop(columns=["dimers", "findings"])
        table["notes"] = [tuple(f.note for f in p.findings) for p in result.probes]
        body = _flat(table).to_csv(sep="\t", index=False, float_format="%.4f", lineterminator="\n")
        parts.append(f"# table: probes\n{body.rstrip()}")
    return "\n\n".join(parts) + "\n"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pair_text(tm: float | None, dg: float | None) -> str:
    return "-" if tm is None else f"{tm:.1f} / {_num(dg)}"


def _meaning(flag: str, result: PrimerCheckResult) -> str:
    """The flag's meaning with each threshold name followed by its value in this run."""
    limits = asdict(result.thresholds)
    return re.sub(
        r"\b([a-z_]+)\b",
        lambda m: f"{m.group(1)} ({limits[m.group(1)]:g})" if m.group(1) in limits else m.group(1),
        FLAG_MEANINGS[flag],
    )


def _table(result: PrimerCheckResult) -> str:
    lines = [
        f"ikzf1assay primers check: {result.assay_name}",
        f"assay file: {result.assay_path} (sha256 {result.assay_sha256[:12]})",
        f"conditions: {_conditions_line(result)}",
        "structures as Tm C / dG kcal/mol ('-': none found; negative Tm: not stable at 0 C)",
        "",
        "Primers",
    ]
    primers = pd.DataFrame(
        [
            {
                "name": p.name,
                "sequence 5'->3'": p.sequence,
                "nt": p.length,
                "Tm": _num(p.tm) if p.tm == p.tm_max else f"{_num(p.tm)}-{_num(p.tm_max)}",
                "GC%": f"{p.gc:.1f}",
                "hairpin": _pair_text(p.hairpin.tm, p.hairpin.dg),
                "self-dimer": _pair_text(p.homodimer.tm, p.homodimer.dg),
                "3' self-dimer": _pair_text(p.self_end.tm, p.self_end.dg),
                "3' end dG": _num(p.end_stability_dg),
                "run": p.longest_run,
                "3' GC": p.gc_clamp,
                "flags": ",".join(p.flags) or "ok",
            }
            for p in result.primers
        ]
    )
    lines.append(primers.to_string(index=False))
    lines += ["", "Primer combinations (dimer / 3'-anchored dimer)"]
    pairs = pd.DataFrame(
        [
            {
                "primer a": p.a,
                "primer b": p.b,
                "dimer": _pair_text(p.dimer.tm, p.dimer.dg),
                "3'-anchored": _pair_text(p.end_dimer.tm, p.end_dimer.dg),
                "flags": ",".join(p.flags) or "ok",
            }
            for p in result.pairs
        ]
    )
    lines.append(pairs.to_string(index=False))
    lines += ["", "Reactions"]
    reactions = pd.DataFrame(
        [
            {
                "reaction": r.name,
                "deletion": r.deletion,
                "forward": r.forward,
                "reverse": r.reverse,
                "delta Tm": _num(r.delta_tm),
                "flags": ",".join(r.flags) or "ok",
            }
            for r in result.reactions
        ]
    )
    lines.append(reactions.to_string(index=False))
    lines += _probe_lines(result)
    details = [f"  {p.name}: {note}" for p in result.primers for note in p.notes]
    details += [f"  {r.name}: {note}" for r in result.reactions for note in r.notes]
    details += [f"  {p.a} x {p.b}: {note}" for p in result.pairs for note in p.notes]
    if details:
        lines += ["", "Findings", *details]
    if result.flags_used:
        lines += ["", "Flags", *(f"  {f}: {_meaning(f, result)}" for f in result.flags_used)]
    if result.warnings:
        lines += ["", "Warnings", *(f"  {w}" for w in result.warnings)]
    return "\n".join(lines) + "\n"


def _probe_lines(result: PrimerCheckResult) -> list[str]:
    """The "Probes" section: figures, dimers with the reaction's primers, position, verdict."""
    if not result.probes:
        return []
    lines = [
        "",
        "Probes (Tm expected 6-10 C above the higher primer Tm of the reaction; "
        "WARN within 3 C beyond, FAIL further)",
    ]
    table = pd.DataFrame(
        [
            {
                "probe": p.name,
                "reaction": p.deletion,
                "dyes 5'/3'": f"{p.reporter}/{p.quencher}",
                "sequence 5'->3'": p.sequence,
                "nt": p.length,
                "Tm": _num(p.tm),
                "above primers": "-" if p.tm_above is None else f"{p.tm_above:+.2f}",
                "GC%": f"{p.gc:.1f}",
                "hairpin": _pair_text(p.hairpin.tm, p.hairpin.dg),
                "verdict": p.verdict,
                "flags": ",".join(p.flags) or "ok",
            }
            for p in result.probes
        ]
    )
    lines.append(table.to_string(index=False))
    lines += ["", "Probe dimers (dimer / 3'-anchored dimer)"]
    dimers = pd.DataFrame(
        [
            {
                "probe": d.a,
                "with": "itself" if d.b == d.a else d.b,
                "dimer": _pair_text(d.dimer.tm, d.dimer.dg),
                "3'-anchored": _pair_text(d.end_dimer.tm, d.end_dimer.dg),
                "flags": ",".join(d.flags) or "ok",
            }
            for p in result.probes
            for d in p.dimers
        ]
    )
    lines.append(dimers.to_string(index=False))
    lines += ["", "Probe positions (in-silico PCR product of the reaction on its deletion allele)"]
    lines += [f"  {p.name}: {p.placement.describe()}" for p in result.probes]
    findings = [
        f"  {p.name}: {f.severity} {f.flag}: {f.note}" for p in result.probes for f in p.findings
    ]
    if findings:
        lines += ["", "Probe findings", *findings]
    used = [f for f in PROBE_FLAG_MEANINGS if any(f in p.flags for p in result.probes)]
    if used:
        lines += ["", "Probe flags", *(f"  {f}: {_probe_meaning(f, result)}" for f in used)]
    return lines


def _probe_meaning(flag: str, result: PrimerCheckResult) -> str:
    """A probe flag's meaning with each threshold name followed by its value in this run."""
    limits = asdict(result.thresholds)
    return re.sub(
        r"\b([a-z_]+)\b",
        lambda m: f"{m.group(1)} ({limits[m.group(1)]:g})" if m.group(1) in limits else m.group(1),
        PROBE_FLAG_MEANINGS[flag],
    )
