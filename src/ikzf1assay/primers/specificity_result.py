"""The results of :func:`~ikzf1assay.primers.specificity.check_specificity`.

:class:`MatrixCell` (in-silico PCR of one reaction on one allele), :class:`ReactionVerdict`
(PASS, WARN or FAIL with reasons) and :class:`SpecificityResult` with its tables and JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ikzf1assay.assay import Conditions
from ikzf1assay.primers.products import Product, products_table
from ikzf1assay.primers.sites import Site, sites_table

__all__ = ["MatrixCell", "ReactionVerdict", "SpecificityResult"]


@dataclass(frozen=True)
class MatrixCell:
    """In-silico PCR of one reaction on one allele: sizes of counted and of blocked products."""

    reaction: str
    allele: str
    sizes: tuple[int, ...]
    blocked: tuple[int, ...]


@dataclass(frozen=True)
class ReactionVerdict:
    """PASS, WARN or FAIL for one reaction, with the reasons and the on-target product size.

    ``products`` are the genome products that decided it, strongest first (empty for a PASS
    or a verdict decided on the alleles alone); ``primer_blast_count`` is how many off-target
    products of its own primers Primer-BLAST's mismatch rule would count (information; None
    without a genome).
    """

    reaction: str
    deletion: str
    verdict: str
    reasons: tuple[str, ...]
    product_size: int | None
    products: tuple[Product, ...] = ()
    primer_blast_count: int | None = None


@dataclass
class SpecificityResult:
    """Everything :func:`check_specificity` found; tables for TSV, ``to_dict`` for JSON.

    ``allele_products`` holds, per allele, every product any two primers of the assay make on
    it (the multiplex view, for Python users); the matrix keeps only each reaction's own.
    """

    engines: tuple[str, ...]
    genome: str | None
    locus: str
    synthetic_locus: bool
    max_size: int
    max_mismatches: int
    conditions: Conditions
    sites: list[Site]
    products: list[Product]
    matrix: list[MatrixCell]
    allele_products: dict[str, list[Product]]
    verdicts: list[ReactionVerdict]
    notes: list[str] = field(default_factory=list)

    def sites_table(self) -> pd.DataFrame:
        return sites_table(self.sites)

    def products_table(self) -> pd.DataFrame:
        return products_table(self.products)

    def matrix_table(self) -> pd.DataFrame:
        """Wide: one row per reaction, one column per allele; cells list product sizes."""
        rows: dict[str, dict[str, str]] = {}
        for c in self.matrix:
            text = ", ".join(f"{s} bp" for s in c.sizes) or "-"
            if c.blocked:
                text += f" (blocked: {', '.join(f'{s} bp' for s in c.blocked)})"
            rows.setdefault(c.reaction, {})[c.allele] = text
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("reaction").reset_index()

    def verdicts_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "reaction": v.reaction,
                    "deletion": v.deletion,
                    "verdict": v.verdict,
                    "product_size": v.product_size,
                    "deciding_products": len(v.products),
                    "primer_blast_products": v.primer_blast_count,
                    "reasons": "; ".join(v.reasons),
                }
                for v in self.verdicts
            ],
            columns=[
                "reaction", "deletion", "verdict", "product_size", "deciding_products",
                "primer_blast_products", "reasons",
            ],
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: parameters, verdicts (each with the products that decided it),
        matrix, sites, products, notes."""
        from ikzf1assay._json import json_records as records

        return {
            "engines": list(self.engines),
            "genome": self.genome,
            "locus": self.locus,
            "synthetic_locus": self.synthetic_locus,
            "max_size": self.max_size,
            "max_mismatches": self.max_mismatches,
            "conditions": asdict(self.conditions),
            "verdicts": [
                {**row, "products": records(products_table(v.products))}
                for row, v in zip(records(self.verdicts_table()), self.verdicts, strict=True)
            ],
            "matrix": [
                {
                    "reaction": c.reaction,
                    "allele": c.allele,
                    "sizes": list(c.sizes),
                    "blocked": list(c.blocked),
                }
                for c in self.matrix
            ],
            "sites": records(self.sites_table()),
            "products": records(self.products_table()),
            "notes": list(self.notes),
        }
