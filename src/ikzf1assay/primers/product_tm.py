"""Predicted melting temperature of each PCR product, shown beside the measured melt peaks.

The model: the nearest-neighbour Tm of the whole product duplex, computed by Primer3's own
library (primer3-py ``calc_tm``): SantaLucia's unified parameters (PNAS 1998, 95:1460) and his
salt correction on the Na+-equivalent of the assay's ``[conditions]`` (monovalent plus
120 x sqrt(Mg2+ - dNTP), von Ahsen et al. 2001), product strands at :data:`PRODUCT_NM`.
``calc_tm`` switches to the GC-content formula ``81.5 + 16.6 log10[Na+] + 0.41 %GC - 600/N``
beyond 60 bp unless told otherwise; it is told to keep nearest-neighbour over the whole length.
The tests check it against an independent implementation (Biopython's ``Tm_NN`` with the
same table and salt correction) and, for short duplexes, against Primer3's ``oligotm`` binary.

A two-state duplex Tm is an orientation, not a measurement: a measured melt peak also depends
on the dye (SYBR Green raises it), the ramp and the instrument's calibration, and a long
product melts in domains. So the value is shown, never used to decide; the dye-assay melt rule
(:mod:`ikzf1assay.calling.melt_rule`) takes its product window from the run's positive
control. Besides, the breakpoints, and so the products, vary from patient to patient.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ikzf1assay.assay import Assay, Conditions
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.products import Product

if TYPE_CHECKING:  # pragma: no cover
    from ikzf1assay.reference.alleles import Allele

__all__ = [
    "PREDICTED_TM_COLUMNS",
    "PRODUCT_NM",
    "predicted_product_tms",
    "product_sequence",
    "product_tm",
    "with_predicted_tm",
]

# Product strand concentration, nM: the order of a PCR plateau (each strand carries one primer,
# so it cannot exceed the primers' 250 nM). For a product of 100 bp or more a ten-fold change
# moves the Tm by about 1 C or less (tested): the choice matters little.
PRODUCT_NM = 50.0
PREDICTED_TM_COLUMNS = [
    "reaction", "deletion", "allele", "start", "end", "size", "predicted_tm", "counts",
]  # fmt: skip
_COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")


def product_tm(sequence: str, conditions: Conditions) -> float:
    """Nearest-neighbour melting temperature (°C) of a PCR product's duplex.

    Parameters
    ----------
    sequence : str
        One strand of the product, 5'->3' (A, C, G, T; case ignored), at least 2 bp.
    conditions : Conditions
        The assay's salt (monovalent, Mg2+, dNTP); the oligo concentration is not used (the
        product strands are taken at :data:`PRODUCT_NM`).

    Returns
    -------
    float
        The two-state Tm of the whole duplex (see the module documentation for the model).

    Raises
    ------
    ParameterError
        A sequence shorter than 2 bp or with another letter than A, C, G, T.

    Examples
    --------
    >>> from ikzf1assay.assay import Conditions
    >>> round(product_tm("ACGTTGCAAGGCTTACGATCGATCGGATCCATGCAA", Conditions()), 1)
    75.2
    """
    import primer3

    seq = sequence.strip().upper()
    bad = next((i for i, b in enumerate(seq) if b not in "ACGT"), None)
    if len(seq) < 2 or bad is not None:
        where = f"letter {seq[bad]!r} at position {bad + 1}" if bad is not None else "too short"
        raise ParameterError(
            f"a product sequence needs at least 2 bases A, C, G, T; got {where}",
            where="product Tm",
        )
    return float(
        primer3.bindings.calc_tm(
            seq,
            mv_conc=conditions.monovalent_mm,
            dv_conc=conditions.divalent_mm,
            dntp_conc=conditions.dntp_mm,
            dna_conc=PRODUCT_NM,
            # keep nearest-neighbour thermodynamics over the whole product (default: 60 bp)
            max_nn_length=max(len(seq), 60),
            tm_method="santalucia",
            salt_corrections_method="santalucia",
        )
    )


def product_sequence(product: Product, template: str, primers: Mapping[str, str]) -> str:
    """The + strand of a product: left primer, the template between the sites, right primer.

    The primers' own sequences form the ends (a mismatched site is copied as the primer, not
    as the template); sites that overlap give the template span itself.

    Parameters
    ----------
    product : Product
        From :func:`~ikzf1assay.primers.products.find_products`.
    template : str
        The contig's sequence (+ strand) the product lies on.
    primers : Mapping[str, str]
        Primer name -> sequence (5'->3').

    Returns
    -------
    str
        Upper case, ``product.size`` long unless a site has gaps.
    """
    left, right = product.left, product.right
    if right.start < left.end or left.primer not in primers or right.primer not in primers:
        return template[product.start : product.end].upper()
    tail = primers[right.primer].translate(_COMPLEMENT)[::-1]
    return (primers[left.primer] + template[left.end : right.start] + tail).upper()


def _tm_or_nan(sequence: str, conditions: Conditions) -> float:
    try:
        return product_tm(sequence, conditions)
    except ParameterError:  # an N in the template: no prediction, the rest stands
        return math.nan


def with_predicted_tm(
    products: Iterable[Product],
    templates: Mapping[str, str],
    primers: Mapping[str, str],
    conditions: Conditions,
) -> list[Product]:
    """The products with ``predicted_tm`` filled where their contig's sequence is given.

    Parameters
    ----------
    products : iterable of Product
        As :func:`~ikzf1assay.primers.products.find_products` returns them.
    templates : Mapping[str, str]
        Contig name -> sequence; products on other contigs keep ``predicted_tm`` None.
    primers : Mapping[str, str]
        Primer name -> sequence.
    conditions : Conditions
        The assay's salt conditions.

    Returns
    -------
    list of Product
        In the same order.
    """
    out = []
    for p in products:
        template = templates.get(p.contig)
        if template is None:
            out.append(p)
            continue
        tm = _tm_or_nan(product_sequence(p, template, primers), conditions)
        out.append(dataclasses.replace(p, predicted_tm=tm))
    return out


def predicted_product_tms(
    assay: Assay, alleles: Sequence[Allele], conditions: Conditions | None = None
) -> pd.DataFrame:
    """Each reaction's own products on each allele, with their predicted Tm.

    Parameters
    ----------
    assay : Assay
        Its primers and reactions.
    alleles : sequence of Allele
        Wild type and deletion alleles (:func:`ikzf1assay.reference.all_alleles`).
    conditions : Conditions, optional
        The assay's when None.

    Returns
    -------
    DataFrame
        :data:`PREDICTED_TM_COLUMNS`, one row per product of a reaction's own primers
        (``start`` 1-based, ``end`` inclusive; ``counts`` as the in-silico PCR rule says).
    """
    from ikzf1assay.primers.specificity import insilico_pcr

    conditions = conditions or assay.conditions
    primers = {p.name: p.sequence for p in assay.primers}
    _, per_allele = insilico_pcr(assay, alleles, conditions)
    templates = {a.name: a.sequence for a in alleles}
    rows = []
    for allele, products in per_allele.items():
        for p in with_predicted_tm(products, templates, primers, conditions):
            for r in assay.reactions:
                if {p.left.primer, p.right.primer} <= {r.forward, r.reverse}:
                    rows.append(
                        {"reaction": r.name, "deletion": r.deletion, "allele": allele,
                         "start": p.start + 1, "end": p.end, "size": p.size,
                         "predicted_tm": p.predicted_tm, "counts": p.counts}
                    )  # fmt: skip
    return pd.DataFrame(rows, columns=PREDICTED_TM_COLUMNS)
