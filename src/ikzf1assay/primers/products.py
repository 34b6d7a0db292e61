"""Predicted PCR products from primer sites, and in-silico PCR of the assay on each allele.

Two sites make a product when a site read on the + strand (its primer extends towards higher
coordinates) and a site read on the - strand lie on one contig facing each other, no further
apart than ``max_size`` (default 4,000 bp). Any two primers may do it, in any orientation --
forward/reverse as designed, but also F/F, R/R and primers of different reactions, since the
assay can be multiplexed.

Whether a product amplifies follows the priming model of :mod:`ikzf1assay.primers.sites`:
a product amplifies at the run's annealing temperature (``amplifies == "at Ta"``) when both
of its sites prime there, only at an annealing up to 5 C lower (``below Ta``) when the weaker
site primes only there, and not at all (``no``) otherwise; ``priming_limit_c`` is the highest
annealing temperature at which both sites prime. Products are ranked strongest first: by that
class, then by the priming limit, then by the lower of the two duplex Tm values, then size.

Primer-BLAST's mismatch rule is kept beside it as information (``counts``): sites with 6 or
more mismatches are ignored; a product counts unless one of its two primers has at least 2
mismatches of which at least 2 fall in the last 5 bases of its 3' end. In-silico PCR on the
alleles (:func:`ikzf1assay.primers.specificity.insilico_pcr`) still uses this rule.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ikzf1assay.assay import Assay, Reaction
from ikzf1assay.primers.sites import Site

__all__ = [
    "AMPLIFICATION_ORDER",
    "DEFAULT_MAX_SIZE",
    "IGNORE_MISMATCHES",
    "PRODUCT_COLUMNS",
    "Product",
    "blocks_extension",
    "find_products",
    "products_table",
]

DEFAULT_MAX_SIZE = 4000
# The priming classes of a site or product, strongest first.
AMPLIFICATION_ORDER = ("at Ta", "below Ta", "no")
IGNORE_MISMATCHES = 6
PRODUCT_COLUMNS = [
    "contig",
    "start",
    "end",
    "size",
    "orientation",
    "left_primer",
    "left_mismatches",
    "left_mismatches_3p",
    "left_tm",
    "left_tm_ta",
    "left_dg_ta",
    "left_primes",
    "right_primer",
    "right_mismatches",
    "right_mismatches_3p",
    "right_tm",
    "right_tm_ta",
    "right_dg_ta",
    "right_primes",
    "reactions",
    "amplifies",
    "priming_limit_c",
    "counts",
    "reason",
    "stability_tm",
    "predicted_tm",
]


def blocks_extension(site: Site) -> bool:
    """Primer-BLAST: at least 2 mismatches, at least 2 of them in the last 5 bases at 3'."""
    return site.mismatches >= 2 and site.mismatches_3p >= 2


@dataclass(frozen=True)
class Product:
    """A predicted product between a + strand site (``left``) and a - strand site (``right``).

    ``start``/``end`` are 0-based half-open on the contig; ``orientation`` is ``F/R``,
    ``F/F``, ``R/R`` or ``R/F`` by the primers' designed directions; ``reactions`` names the
    reactions holding both primers (empty: the product forms only when reactions are
    multiplexed); ``amplifies`` and ``priming_limit_c`` follow the priming model (module text);
    ``counts`` applies Primer-BLAST's rule, ``reason`` says why not. ``predicted_tm`` is
    the product duplex's predicted melting temperature (°C), filled by
    :func:`ikzf1assay.primers.product_tm.with_predicted_tm` where the template is known; it is
    shown beside measured melt peaks and decides nothing.
    """

    contig: str
    start: int
    end: int
    left: Site
    right: Site
    orientation: str
    reactions: tuple[str, ...]
    counts: bool
    reason: str
    predicted_tm: float | None = None

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def priming_limit_c(self) -> float | None:
        """Highest annealing temperature at which both sites prime (None: one never does)."""
        limits = [s.priming_limit_c for s in (self.left, self.right)]
        return min(x for x in limits if x is not None) if None not in limits else None

    @property
    def amplifies(self) -> str:
        """``at Ta``, ``below Ta`` or ``no``: the weaker of the two sites' ``primes``."""
        levels = [s.primes or "no" for s in (self.left, self.right)]
        return max(levels, key=AMPLIFICATION_ORDER.index)

    @property
    def stability_tm(self) -> float:
        tms = [s.tm for s in (self.left, self.right) if s.tm is not None]
        return min(tms) if len(tms) == 2 else float("-inf")


def _reactions_of(a: str, b: str, reactions: Sequence[Reaction]) -> tuple[str, ...]:
    return tuple(r.name for r in reactions if {a, b} <= {r.forward, r.reverse})


def find_products(
    sites: Iterable[Site],
    assay: Assay,
    max_size: int = DEFAULT_MAX_SIZE,
    *,
    primers: Mapping[str, str] | None = None,
) -> list[Product]:
    """Every pair of facing sites within ``max_size``, judged and ranked (see module text).

    Parameters
    ----------
    sites
        From any engine, with thermodynamics filled for ranking.
    assay
        For the primers' directions and the reactions (which pairs are designed).
    max_size
        Largest product considered, bp.
    primers
        Name -> direction letter override (``F``/``R``) for primers not in the assay, such as
        design candidates.
    """
    direction = {p.name: "F" if p.direction == "forward" else "R" for p in assay.primers}
    direction.update(primers or {})
    plus: dict[str, list[Site]] = defaultdict(list)
    minus: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        if s.mismatches >= IGNORE_MISMATCHES:
            continue
        (plus if s.strand == "+" else minus)[s.contig].append(s)
    products = []
    for contig, lefts in plus.items():
        rights = sorted(minus.get(contig, []), key=lambda s: s.end)
        ends = [s.end for s in rights]
        for left in lefts:
            lo = bisect.bisect_right(ends, left.start)
            hi = bisect.bisect_right(ends, left.start + max_size)
            for right in rights[lo:hi]:
                if right.start < left.start:
                    continue
                blocked = [s.primer for s in (left, right) if blocks_extension(s)]
                reason = (
                    f"{' and '.join(blocked)}: >=2 mismatches, >=2 in the last 5 bases at 3'"
                    if blocked
                    else ""
                )
                products.append(
                    Product(
                        contig=contig,
                        start=left.start,
                        end=right.end,
                        left=left,
                        right=right,
                        orientation=f"{direction.get(left.primer, '?')}/"
                        f"{direction.get(right.primer, '?')}",
                        reactions=_reactions_of(left.primer, right.primer, assay.reactions),
                        counts=not blocked,
                        reason=reason,
                    )
                )
    products.sort(key=_strength)
    return products


def _strength(p: Product) -> tuple[int, float, bool, float, int, str, int]:
    """Sort key, strongest first (module text)."""
    limit = p.priming_limit_c if p.priming_limit_c is not None else float("-inf")
    return (
        AMPLIFICATION_ORDER.index(p.amplifies), -limit, not p.counts, -p.stability_tm, p.size,
        p.contig, p.start,
    )  # fmt: skip


def products_table(products: Iterable[Product]) -> pd.DataFrame:
    """One row per product, :data:`PRODUCT_COLUMNS` (``start`` 1-based, ``end`` inclusive)."""
    rows = [
        {
            "contig": p.contig,
            "start": p.start + 1,
            "end": p.end,
            "size": p.size,
            "orientation": p.orientation,
            "left_primer": p.left.primer,
            "left_mismatches": p.left.mismatches,
            "left_mismatches_3p": p.left.mismatches_3p,
            "left_tm": p.left.tm,
            "left_tm_ta": p.left.tm_ta,
            "left_dg_ta": p.left.dg_ta,
            "left_primes": p.left.primes,
            "right_primer": p.right.primer,
            "right_mismatches": p.right.mismatches,
            "right_mismatches_3p": p.right.mismatches_3p,
            "right_tm": p.right.tm,
            "right_tm_ta": p.right.tm_ta,
            "right_dg_ta": p.right.dg_ta,
            "right_primes": p.right.primes,
            "reactions": ",".join(p.reactions) if p.reactions else "multiplex only",
            "amplifies": p.amplifies,
            "priming_limit_c": p.priming_limit_c,
            "counts": p.counts,
            "reason": p.reason,
            "stability_tm": p.stability_tm if p.stability_tm != float("-inf") else None,
            "predicted_tm": p.predicted_tm,
        }
        for p in products
    ]
    return pd.DataFrame(rows, columns=PRODUCT_COLUMNS)
