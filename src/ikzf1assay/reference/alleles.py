"""Deletion alleles of the locus: the wild type and each recurrent deletion's junction.

A deletion is given by two breakpoints in chromosome coordinates: ``left`` is the last base
kept 5' of the deletion, ``right`` the first base kept 3' of it; bases ``left+1 .. right-1``
are lost. By default each breakpoint is the centre of its cluster window in the gene model
(placeholders: see ``reference/ikzf1_gene_model.toml``); a lab with sequenced junctions passes
its own. Non-templated insertions at the junction (N nucleotides) can be given too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ikzf1assay.errors import ParameterError
from ikzf1assay.reference.locus import Locus
from ikzf1assay.sequence import normalise_dna

__all__ = ["Allele", "all_alleles", "deletion_allele", "wild_type"]


@dataclass(frozen=True)
class Allele:
    """A sequence to run in-silico PCR on.

    Attributes
    ----------
    name
        ``WT`` or the deletion (``Δ4-7``).
    sequence
        The allele, 5'->3' on the + strand.
    breakpoints
        ``(left, right)`` chromosome coordinates (last base kept, first base kept after), or
        None for the wild type.
    junction
        0-based index in ``sequence`` of the first base after the junction (after any
        insertion), or None for the wild type.
    insertion
        Non-templated bases inserted at the junction.
    """

    name: str
    sequence: str
    breakpoints: tuple[int, int] | None = None
    junction: int | None = None
    insertion: str = ""

    @property
    def deleted_bases(self) -> int:
        if self.breakpoints is None:
            return 0
        return self.breakpoints[1] - self.breakpoints[0] - 1

    def junction_sequence(self, flank: int = 30) -> str:
        """``flank`` bases each side of the junction, the two sides joined by ``|``."""
        if self.junction is None:
            return ""
        cut = self.junction - len(self.insertion)
        left = self.sequence[max(0, cut - flank) : cut]
        right = self.sequence[self.junction : self.junction + flank]
        return f"{left}|{self.insertion.lower()}|{right}" if self.insertion else f"{left}|{right}"


def wild_type(locus: Locus) -> Allele:
    """The locus itself."""
    return Allele("WT", locus.sequence)


def deletion_allele(
    locus: Locus,
    deletion: str,
    breakpoints: tuple[int, int] | None = None,
    insertion: str = "",
) -> Allele:
    """The allele carrying ``deletion`` (``Δ4-7``, ``Δ2-7``, ``Δ2-8``, ``Δ4-8``).

    Parameters
    ----------
    locus
        From :func:`~ikzf1assay.reference.locus.load_locus` or the synthetic stand-in.
    deletion
        A deletion of the gene model (``D4-7`` and ``del4-7`` are accepted).
    breakpoints
        ``(left, right)``: last base kept before and first base kept after, chromosome
        coordinates; default the centres of the deletion's two cluster windows.
    insertion
        Non-templated bases at the junction (A, C, G, T).

    Raises
    ------
    ParameterError
        Unknown deletion, breakpoints outside the locus or in the wrong order, or a left
        breakpoint not 5' of the deletion's first lost exon (or a right one not 3' of its last).
    """
    model = locus.model
    d = model.deletion(deletion)
    if breakpoints is None:
        breakpoints = (model.clusters[d.from_cluster].centre, model.clusters[d.to_cluster].centre)
    left, right = breakpoints
    if not left < right - 1:
        raise ParameterError(
            f"{d.name}: breakpoints {left:,} and {right:,} must be increasing and delete at "
            "least one base (left = last base kept, right = first base kept after)"
        )
    first_lost = model.exon(d.exons_lost[0])
    last_lost = model.exon(d.exons_lost[1])
    if left >= first_lost.start or right <= last_lost.end:
        raise ParameterError(
            f"{d.name}: breakpoints {left:,}-{right:,} do not remove exons "
            f"{d.exons_lost[0]}-{d.exons_lost[1]} ({first_lost.start:,}-{last_lost.end:,})"
        )
    try:
        insertion, ambiguous = normalise_dna(insertion)
    except ValueError as exc:
        raise ParameterError(f"{d.name}: junction insertion: {exc}") from None
    if ambiguous:
        raise ParameterError(
            f"{d.name}: junction insertion {insertion!r} has IUPAC codes at {list(ambiguous)}; "
            "a sequenced junction is written in A, C, G and T"
        )
    i, j = locus.index(left), locus.index(right)
    head = locus.sequence[: i + 1] + insertion
    return Allele(
        d.name,
        head + locus.sequence[j:],
        breakpoints=(left, right),
        junction=len(head),
        insertion=insertion,
    )


def all_alleles(
    locus: Locus, breakpoints: Mapping[str, tuple[int, int]] | None = None
) -> list[Allele]:
    """The wild type and every deletion of the gene model, in the file's order."""
    chosen = {locus.model.deletion(k).name: v for k, v in (breakpoints or {}).items()}
    return [wild_type(locus)] + [
        deletion_allele(locus, name, chosen.get(name)) for name in locus.model.deletions
    ]
