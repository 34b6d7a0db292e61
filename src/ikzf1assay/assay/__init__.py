"""The assay as data: primers, reactions, the positive rule, controls and target-name aliases.

An assay file (TOML, format described in ``docs/assay-file.md``; the bundled one is
``primers/ikzf1_breakpoint.toml``) is read once by :func:`load_assay`, checked completely, and
turned into a frozen :class:`Assay`. Both the primer checks and the deletion calling read the
assay from here, so that a lab with other target names or cut-offs edits a file, not code.

:mod:`~ikzf1assay.assay.model` holds the dataclasses, :mod:`~ikzf1assay.assay.loader` reads
and checks the file.

Examples
--------
>>> from ikzf1assay.assay import load_assay
>>> assay = load_assay()                      # the bundled IKZF1 breakpoint assay
>>> assay.resolve_target("F4R7").deletion
'Δ4-7'
>>> assay.resolve_target("alb").name
'ALB'
"""

from ikzf1assay.assay.loader import FORMAT_VERSION, default_assay_path, load_assay, parse_assay
from ikzf1assay.assay.model import (
    MIN_NA_EQUIVALENT_MM,
    Assay,
    Conditions,
    Controls,
    PositiveRule,
    Primer,
    Reaction,
    ReferenceReaction,
    Target,
    Thresholds,
    normalise_target_name,
)

__all__ = [
    "FORMAT_VERSION",
    "MIN_NA_EQUIVALENT_MM",
    "Assay",
    "Conditions",
    "Controls",
    "PositiveRule",
    "Primer",
    "Reaction",
    "ReferenceReaction",
    "Target",
    "Thresholds",
    "default_assay_path",
    "load_assay",
    "normalise_target_name",
    "parse_assay",
]
