"""Primers of the assay: thermodynamic checks (primer3-py) and sequence helpers."""

from ikzf1assay.primers.thermo import (
    FLAG_MEANINGS,
    PairCheck,
    PrimerCheck,
    PrimerCheckResult,
    ReactionCheck,
    Structure,
    check_primers,
)

__all__ = [
    "FLAG_MEANINGS",
    "PairCheck",
    "PrimerCheck",
    "PrimerCheckResult",
    "ReactionCheck",
    "Structure",
    "check_primers",
]
