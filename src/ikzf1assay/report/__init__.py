"""Renderings of result objects (text, TSV, JSON; HTML reports later). No computation here."""

from ikzf1assay._provenance import provenance
from ikzf1assay.report.primer_check import render_primer_check

__all__ = ["provenance", "render_primer_check"]
