"""Rendering of a primer specificity check: terminal text, TSV files, JSON, HTML section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ikzf1assay._json import json_records
from ikzf1assay._provenance import provenance
from ikzf1assay.assay import Assay
from ikzf1assay.primers.design import DesignResult
from ikzf1assay.primers.sites import LOWER_MARGIN_C, PRIMING_MARGIN_C
from ikzf1assay.primers.specificity import SpecificityResult

__all__ = [
    "render_design_text",
    "render_specificity_html",
    "render_specificity_text",
    "write_design",
    "write_specificity",
]

VERDICT_MEANINGS = {
    "PASS": "one product on its own deletion allele, none on the wild type, and no "
    "off-target product in the genome that amplifies at the annealing temperature or 5 C "
    "below it",
    "WARN": "a product on another deletion's allele, an off-target product of its own "
    "primers that would amplify only at an annealing up to 5 C lower, or one with another "
    "reaction's primers that amplifies when multiplexed",
    "FAIL": "a product on the wild type, not exactly one product on its allele, or an "
    "off-target product of its own primers in the genome that amplifies at the annealing "
    "temperature",
}


def _provenance(result: SpecificityResult, assay: Assay) -> dict[str, Any]:
    from ikzf1assay.primers.engines import tool_version

    tools = {"bowtie": "bowtie", "blast": "blastn"}
    return provenance(
        tools={tools[e]: tool_version(tools[e]) for e in result.engines if e in tools},
        assay_file=assay.path,
        assay_sha256=assay.sha256,
        genome=result.genome,
        locus=result.locus,
        parameters={
            "engines": list(result.engines),
            "max_size": result.max_size,
            "max_mismatches": result.max_mismatches,
            "annealing_c": result.conditions.annealing_c,
        },
    )


def render_specificity_text(result: SpecificityResult) -> str:
    """For people at a terminal: verdicts, the in-silico matrix, counts, notes."""
    lines = [
        f"locus: {result.locus}",
        f"genome: {result.genome or 'none (in-silico PCR on the locus only)'}"
        f"{' with ' + ', '.join(result.engines) if result.engines else ''}",
        f"products up to {result.max_size} bp; sites up to {result.max_mismatches} mismatches "
        "(BLAST engines: up to 5)",
        f"annealing at {result.conditions.annealing_c:g} C: a site primes when its last two 3' "
        f"bases pair and its duplex Tm (and that of its 3'-anchored form) is at least "
        f"{result.conditions.annealing_c - PRIMING_MARGIN_C:g} C",
        "",
        "in-silico PCR (counted products per allele):",
        result.matrix_table().to_string(index=False),
        "",
        "verdicts:",
    ]
    for v in result.verdicts:
        lines.append(f"  {v.reaction:<10} {v.deletion:<5} {v.verdict:<4}  {'; '.join(v.reasons)}")
    if result.engines:
        sites = result.sites_table()
        lines += ["", "sites per engine and primer (by mismatches):"]
        if sites.empty:
            lines.append("  none")
        else:
            counts = sites.groupby(["engine", "primer", "mismatches"]).size().unstack(fill_value=0)
            lines.append(counts.to_string())
            primes = sites.groupby(["engine", "primes"]).size().unstack(fill_value=0)
            lines += ["", "sites per engine by whether they prime (the priming model):"]
            lines.append(primes.to_string())
        at_ta = sum(p.amplifies == "at Ta" for p in result.products)
        lower = sum(p.amplifies == "below Ta" for p in result.products)
        counted = int(sum(p.counts for p in result.products))
        lines.append(f"\nproducts in the genome: {len(result.products)} facing pairs; "
                     f"{at_ta} amplify at {result.conditions.annealing_c:g} C, {lower} only "
                     f"up to {LOWER_MARGIN_C:g} C lower; Primer-BLAST's rule would count "
                     f"{counted}")  # fmt: skip
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def render_specificity_html(result: SpecificityResult, assay: Assay) -> str:
    """A self-contained HTML page with the specificity section (every string escaped)."""
    from ikzf1assay.report._templates import environment

    products = result.products_table()
    return (
        environment()
        .get_template("primer_report.html.j2")
        .render(
            result=result,
            verdicts=json_records(result.verdicts_table()),
            verdict_meanings=VERDICT_MEANINGS,
            matrix=json_records(result.matrix_table()),
            alleles=[c for c in result.matrix_table().columns if c != "reaction"],
            products=json_records(products.head(200)),
            n_products=len(products),
            sites=json_records(result.sites_table().head(500)),
            n_sites=len(result.sites),
            provenance=_provenance(result, assay),
        )
    )


def write_specificity(result: SpecificityResult, assay: Assay, folder: str | Path) -> list[Path]:
    """sites.tsv, products.tsv, insilico.tsv, verdicts.tsv, specificity.json, report.html."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (
        ("sites.tsv", result.sites_table()),
        ("products.tsv", result.products_table()),
        ("insilico.tsv", result.matrix_table()),
        ("verdicts.tsv", result.verdicts_table()),
    ):
        frame.to_csv(folder / name, sep="\t", index=False)
        written.append(folder / name)
    doc = {"provenance": _provenance(result, assay), **result.to_dict()}
    (folder / "specificity.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (folder / "report.html").write_text(render_specificity_html(result, assay), encoding="utf-8")
    return [*written, folder / "specificity.json", folder / "report.html"]


def render_design_text(result: DesignResult) -> str:
    """Designed candidates for people at a terminal, best first."""
    left, right = result.breakpoints
    lines = [
        f"{result.deletion} on {result.locus}",
        f"junction {left:,}|{right:,}; Primer3 target {result.target[1]} bp around it; "
        f"product {result.product_size_range[0]}-{result.product_size_range[1]} bp",
        "",
    ]
    table = result.table()
    if table.empty:
        lines.append("no candidate")
    else:
        shown = table[["rank", "forward", "reverse", "forward_tm", "reverse_tm", "product_size",
                       "primer3_penalty", "worst_multiplex_dg", "verdict"]]  # fmt: skip
        lines.append(shown.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
        lines.append("")
        lines += [f"{r.rank}. {r.reasons}" for r in table.itertuples()]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def write_design(result: DesignResult, assay: Assay, folder: str | Path) -> list[Path]:
    """candidates.tsv and design.json (with provenance) in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tsv = folder / "candidates.tsv"
    result.table().to_csv(tsv, sep="\t", index=False)
    doc = {
        "provenance": provenance(assay_file=assay.path, assay_sha256=assay.sha256),
        **result.to_dict(),
    }
    js = folder / "design.json"
    js.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [tsv, js]
