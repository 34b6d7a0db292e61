"""Extension of local BLAST hits to the full primer length, for the BLAST engines.

A BLAST hit is local and may cover only part of the primer, so each hit is extended to the
full primer length by a global alignment of the primer against the genome around the hit
(Biopython's PairwiseAligner; end gaps in the genome free), and mismatches near the ends are
counted from the genome's own bases (:func:`~ikzf1assay.primers.sites.compare`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, cast

from Bio.Align import PairwiseAligner

from ikzf1assay.primers.sites import Sequences, Site, compare, unique_sites
from ikzf1assay.sequence import reverse_complement

__all__ = ["Aligner", "Hsp", "extend_hit", "extend_hits", "make_aligner"]

# One BLAST HSP: (primer, contig, qstart, qend, sstart, send), BLAST's 1-based coordinates
# (sstart > send on the - strand).
Hsp = tuple[str, str, int, int, int, int]
_PAD = 3  # extra genome bases each side of an extended hit, so the aligner may place gaps


class Aligner(Protocol):
    """The part of ``Bio.Align.PairwiseAligner`` the extension uses."""

    def align(self, target: str, query: str) -> Any:
        """Optimal alignments of ``target`` (the genome window) and ``query`` (the primer)."""
        ...


def make_aligner() -> Aligner:
    """Biopython's global aligner with the scores the extension uses (see the module text).

    Returns
    -------
    Aligner
        A configured ``Bio.Align.PairwiseAligner``.
    """
    # Biopython leaves PairwiseAligner's constructor unannotated: call it as an Any factory.
    factory: Callable[[], Any] = PairwiseAligner
    aligner = factory()
    aligner.mode = "global"
    aligner.match_score = 1.0
    aligner.mismatch_score = -1.0
    # A gap must save at least three mismatches to be preferred: ties go to substitutions.
    aligner.open_gap_score = -4.5
    aligner.extend_gap_score = -1.0
    # The genome window is longer than the primer: its overhangs (end gaps in the primer,
    # "deletions" in Biopython's terms) cost nothing; the primer's own ends must align.
    aligner.end_deletion_score = 0.0
    aligner.end_insertion_score = -2.0
    return cast(Aligner, aligner)


def _aligned_rows(alignment: Any, target: str, query: str) -> tuple[str, str]:
    """The two gapped rows of a pairwise alignment, from its coordinates (fast)."""
    coords = alignment.coordinates
    t_row: list[str] = []
    q_row: list[str] = []
    for k in range(coords.shape[1] - 1):
        t0, t1 = int(coords[0, k]), int(coords[0, k + 1])
        q0, q1 = int(coords[1, k]), int(coords[1, k + 1])
        if t1 > t0 and q1 > q0:
            t_row.append(target[t0:t1])
            q_row.append(query[q0:q1])
        elif t1 > t0:
            t_row.append(target[t0:t1])
            q_row.append("-" * (t1 - t0))
        else:
            t_row.append("-" * (q1 - q0))
            q_row.append(query[q0:q1])
    return "".join(t_row), "".join(q_row)


def extend_hit(
    aligner: Aligner,
    primer_name: str,
    primer: str,
    window: str,
    *,
    contig: str,
    window_start: int,
    strand: str,
    engine: str,
) -> Site:
    """The full-length site of ``primer`` in a genome ``window`` (in the primer's orientation).

    ``window_start`` is the + strand coordinate of the window's first base as read on the +
    strand (for a - strand hit, ``window`` is the reverse complement of that stretch).
    """
    alignment = aligner.align(window, primer)[0]
    target_row, primer_row = _aligned_rows(alignment, window, primer)
    # Trim the free overhangs of the window: keep columns from the primer's first to last base.
    cols = [i for i, ch in enumerate(primer_row) if ch != "-"]
    first, last = cols[0], cols[-1] + 1
    lead = len(target_row[:first].replace("-", ""))
    used = len(target_row[first:last].replace("-", ""))
    # on the - strand the window was reversed: count from its other end
    start = window_start + lead if strand == "+" else window_start + len(window) - lead - used
    return compare(
        primer_name, primer_row[first:last], target_row[first:last],
        contig=contig, start=start, end=start + used, strand=strand, engine=engine,
    )  # fmt: skip


def extend_hits(
    hsps: Iterator[Hsp],
    primers: Mapping[str, str],
    seqs: Sequences,
    engine: str,
    max_mismatches: int,
) -> list[Site]:
    """Each HSP extended to the full primer length (see the module text), filtered, unique.

    The ungapped extension along the HSP's diagonal is taken as it is when it has at most two
    mismatches: with the aligner's scores a gap costs more than the two matches it could win
    back, so no gapped alignment is better. Otherwise the primer is aligned globally against
    the window around the HSP.
    """
    aligner = make_aligner()
    found: list[Site] = []
    for name, contig, qstart, qend, sstart, send in hsps:
        primer = primers[name]
        length = len(primer)
        strand = "+" if sstart <= send else "-"
        lo, hi = (sstart, send) if strand == "+" else (send, sstart)  # 1-based inclusive
        # the diagonal: where the primer's first base would pair without gaps
        d0 = lo - 1 - (qstart - 1) if strand == "+" else lo - 1 - (length - qend)
        contig_length = seqs.length(contig)
        gapped_hsp = (hi - lo) != (qend - qstart)
        if d0 >= 0 and d0 + length <= contig_length:
            target = seqs.fetch(contig, d0, d0 + length)
            if strand == "-":
                target = reverse_complement(target)
            site = compare(name, primer, target, contig=contig, start=d0, end=d0 + length,
                           strand=strand, engine=engine)  # fmt: skip
            if not gapped_hsp and site.mismatches <= 2:
                if site.mismatches <= max_mismatches:
                    found.append(site)
                continue
        extra = abs((hi - lo) - (qend - qstart)) + _PAD  # room for the HSP's gaps and more
        w0, w1 = max(0, d0 - extra), min(contig_length, d0 + length + extra)
        window = seqs.fetch(contig, w0, w1)
        if strand == "-":
            window = reverse_complement(window)
        site = extend_hit(aligner, name, primer, window, contig=contig, window_start=w0,
                          strand=strand, engine=engine)  # fmt: skip
        if site.mismatches <= max_mismatches:
            found.append(site)
    return unique_sites(found)
