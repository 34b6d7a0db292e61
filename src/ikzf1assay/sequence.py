"""Oligonucleotide sequences: the allowed alphabet, IUPAC expansion, simple composition.

The alphabets come from Biopython's IUPAC tables, so that what counts as an ambiguity code
here is what the rest of the field uses.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from Bio.Data.IUPACData import ambiguous_dna_values
from Bio.Seq import reverse_complement as _untyped_revcomp

__all__ = [
    "AMBIGUOUS_BASES",
    "UNAMBIGUOUS_BASES",
    "InvalidBaseError",
    "expand_ambiguous",
    "gc_percent",
    "longest_run",
    "normalise_dna",
    "reverse_complement",
]

UNAMBIGUOUS_BASES = "ACGT"
# Biopython's table also has X (any base, not an IUPAC nucleotide code); primers use N.
AMBIGUOUS_BASES = "".join(b for b in sorted(ambiguous_dna_values) if b not in "ACGTX")
_ALLOWED = frozenset(UNAMBIGUOUS_BASES + AMBIGUOUS_BASES)
_WHITESPACE = re.compile(r"\s+")
# Biopython leaves reverse_complement unannotated: give it the one signature used here.
_bio_revcomp: Callable[[str], object] = _untyped_revcomp


class InvalidBaseError(ValueError):
    """A character that is not a DNA base, at a 1-based position of the cleaned sequence."""

    def __init__(self, position: int, char: str) -> None:
        self.position = position
        self.char = char
        super().__init__(self.describe())

    def describe(self) -> str:
        hint = " (U is RNA: write T)" if self.char.upper() == "U" else ""
        return (
            f"character {self.char!r} at position {self.position} is not a DNA base{hint}; "
            f"allowed: {' '.join(UNAMBIGUOUS_BASES)}, or the IUPAC codes "
            f"{' '.join(AMBIGUOUS_BASES)} (flagged)"
        )


def normalise_dna(text: str) -> tuple[str, tuple[int, ...]]:
    """Upper-case a sequence, drop whitespace, and check every character.

    Parameters
    ----------
    text
        A sequence as typed by a person, 5'->3'. Whitespace (line breaks, spaces used to
        group bases) is removed; case is ignored.

    Returns
    -------
    sequence, ambiguous_positions
        The cleaned sequence and the 1-based positions of IUPAC ambiguity codes in it.

    Raises
    ------
    InvalidBaseError
        At the first character that is neither a base nor an IUPAC code.
    """
    seq = _WHITESPACE.sub("", text).upper()
    ambiguous = []
    for i, ch in enumerate(seq, start=1):
        if ch not in _ALLOWED:
            raise InvalidBaseError(i, ch)
        if ch not in UNAMBIGUOUS_BASES:
            ambiguous.append(i)
    return seq, tuple(ambiguous)


def expand_ambiguous(seq: str, limit: int) -> list[str] | None:
    """All unambiguous sequences an IUPAC sequence stands for, or None past ``limit``."""
    choices = [ambiguous_dna_values[b] for b in seq]
    count = 1
    for c in choices:
        count *= len(c)
        if count > limit:
            return None
    return ["".join(p) for p in itertools.product(*choices)]


def reverse_complement(seq: str) -> str:
    """Reverse complement (IUPAC-aware), through Biopython."""
    return str(_bio_revcomp(seq))


def gc_percent(seq: str) -> float:
    """G+C share in percent, as Primer3 reports PRIMER_*_GC_PERCENT."""
    if not seq:
        return 0.0
    return 100.0 * sum(1 for b in seq if b in "GC") / len(seq)


def longest_run(seq: str) -> int:
    """Length of the longest run of one base (Primer3's poly-X)."""
    return max((len(list(g)) for _, g in itertools.groupby(seq)), default=0)
