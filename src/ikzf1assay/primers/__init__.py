"""Primers of the assay: thermodynamic checks, specificity, in-silico PCR and design.

Entry points (each returns a result object with tables and ``to_dict``):

* :func:`check_primers` -> :class:`PrimerCheckResult`: Tm, GC, hairpins, dimers of every
  primer, primer combination and reaction, flagged against the assay's limits (primer3-py);
* :func:`check_specificity` -> :class:`SpecificityResult`: genome-wide sites and products by
  the registered engines (scan, Bowtie, BLAST+, remote BLAST; :func:`engine_names`,
  :func:`register_engine`), in-silico PCR on every allele, a verdict per reaction;
* :func:`insilico_pcr`: products of every reaction on every allele (:class:`MatrixCell`,
  :class:`Product`);
* :func:`with_probes` (or :func:`check_probes`): the assay file's ``[[probe]]`` entries checked
  beside the primers (:class:`ProbeCheck`), placed in their reaction's product when alleles are
  given;
* :func:`design_primers` -> :class:`DesignResult`: new breakpoint primers from Primer3, each
  :class:`Candidate` checked like the existing set.

The specificity and design names are loaded on first use: they need pysam and the reference,
which the thermodynamic checks do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikzf1assay._lazy import lazy_exports
from ikzf1assay.primers.thermo import (
    FLAG_MEANINGS,
    PairCheck,
    PrimerCheck,
    PrimerCheckResult,
    ReactionCheck,
    Structure,
    check_primers,
)

# public name -> the module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "MatrixCell": "ikzf1assay.primers.specificity_result",
    "ReactionVerdict": "ikzf1assay.primers.specificity_result",
    "SpecificityResult": "ikzf1assay.primers.specificity_result",
    "check_specificity": "ikzf1assay.primers.specificity",
    "insilico_pcr": "ikzf1assay.primers.specificity",
    "Product": "ikzf1assay.primers.products",
    "Candidate": "ikzf1assay.primers.design",
    "DesignResult": "ikzf1assay.primers.design",
    "design_primers": "ikzf1assay.primers.design",
    "SiteEngine": "ikzf1assay.primers.engines",
    "engine_names": "ikzf1assay.primers.engines",
    "register_engine": "ikzf1assay.primers.engines",
    "ProbeCheck": "ikzf1assay.primers.check_results",
    "check_probes": "ikzf1assay.primers.probe",
    "with_probes": "ikzf1assay.primers.probe",
}

__all__ = [
    "FLAG_MEANINGS",
    "Candidate",
    "DesignResult",
    "MatrixCell",
    "PairCheck",
    "PrimerCheck",
    "PrimerCheckResult",
    "ProbeCheck",
    "Product",
    "ReactionCheck",
    "ReactionVerdict",
    "SiteEngine",
    "SpecificityResult",
    "Structure",
    "check_primers",
    "check_probes",
    "check_specificity",
    "design_primers",
    "engine_names",
    "insilico_pcr",
    "register_engine",
    "with_probes",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ikzf1assay.primers.check_results import ProbeCheck
    from ikzf1assay.primers.design import Candidate, DesignResult, design_primers
    from ikzf1assay.primers.engines import SiteEngine, engine_names, register_engine
    from ikzf1assay.primers.probe import check_probes, with_probes
    from ikzf1assay.primers.products import Product
    from ikzf1assay.primers.specificity import check_specificity, insilico_pcr
    from ikzf1assay.primers.specificity_result import (
        MatrixCell,
        ReactionVerdict,
        SpecificityResult,
    )


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
