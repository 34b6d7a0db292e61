"""Predicted product Tm: Primer3's nearest-neighbour Tm of the whole duplex, checked against
independent tools (Biopython's ``Tm_NN``; Primer3's ``oligotm`` binary for short duplexes)."""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess

import numpy as np
import pytest
from Bio.SeqUtils import MeltingTemp

from ikzf1assay.assay import Assay, Conditions
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.product_tm import (
    PRODUCT_NM,
    predicted_product_tms,
    product_sequence,
    product_tm,
    with_predicted_tm,
)
from ikzf1assay.primers.products import products_table
from ikzf1assay.reference import all_alleles, synthetic_locus

CONDITIONS = [Conditions(), Conditions.checked(monovalent_mm=20.0, divalent_mm=1.5, dntp_mm=0.2)]


def random_dna(n: int, seed: int, gc: float = 0.5) -> str:
    rng = np.random.default_rng(seed)
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return "".join(rng.choice(list("ACGT"), size=n, p=p))


def biopython_tm(seq: str, c: Conditions) -> float:
    """The same model in another implementation: SantaLucia 1998 table (DNA_NN3), SantaLucia
    salt correction on Na + 120 sqrt(Mg - dNTP) (saltcorr=5); Biopython's strand term is
    ln(dnac1 - dnac2/2), which is Primer3's ln(C/4) with dnac1 = dnac2 = C/2."""
    return float(
        MeltingTemp.Tm_NN(  # type: ignore[no-untyped-call]
            seq, nn_table=MeltingTemp.DNA_NN3, Na=c.monovalent_mm, Mg=c.divalent_mm,
            dNTPs=c.dntp_mm, saltcorr=5, dnac1=PRODUCT_NM / 2, dnac2=PRODUCT_NM / 2,
        )
    )  # fmt: skip


@pytest.mark.parametrize("conditions", CONDITIONS)
@pytest.mark.parametrize(("length", "gc"), [(40, 0.5), (80, 0.4), (150, 0.5), (300, 0.6),
                                            (1200, 0.45)])  # fmt: skip
def test_agrees_with_biopython(conditions: Conditions, length: int, gc: float) -> None:
    seq = random_dna(length, seed=length, gc=gc)
    assert product_tm(seq, conditions) == pytest.approx(biopython_tm(seq, conditions), abs=0.05)


@pytest.mark.skipif(shutil.which("oligotm") is None, reason="Primer3's oligotm not installed")
@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_primer3_oligotm_binary(seed: int) -> None:
    """oligotm takes at most 36 bases: the check of the same library's C code path."""
    seq = random_dna(36, seed=seed)
    c = Conditions()
    out = subprocess.run(
        ["oligotm", "-tp", "1", "-sc", "1", "-mv", str(c.monovalent_mm), "-dv",
         str(c.divalent_mm), "-n", str(c.dntp_mm), "-d", str(PRODUCT_NM), seq],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert product_tm(seq, c) == pytest.approx(float(out.stdout), abs=0.01)


def test_long_products_keep_nearest_neighbour_thermodynamics() -> None:
    """primer3's calc_tm would switch to the GC formula beyond 60 bp; the model does not."""
    import primer3

    seq = random_dna(150, seed=9)
    c = Conditions()
    gc_formula = primer3.bindings.calc_tm(
        seq, mv_conc=c.monovalent_mm, dv_conc=c.divalent_mm, dntp_conc=c.dntp_mm,
        dna_conc=PRODUCT_NM,
    )  # fmt: skip
    assert product_tm(seq, c) != pytest.approx(gc_formula, abs=0.01)


def test_behaves_like_a_melting_temperature() -> None:
    c = Conditions()
    at_rich, gc_rich = random_dna(200, 1, gc=0.35), random_dna(200, 1, gc=0.65)
    assert product_tm(gc_rich, c) > product_tm(at_rich, c) + 5
    salty = Conditions.checked(monovalent_mm=100.0)
    assert product_tm(at_rich, salty) > product_tm(at_rich, c)
    # either strand is the same duplex
    rc = at_rich[::-1].translate(str.maketrans("ACGT", "TGCA"))
    assert product_tm(rc, c) == pytest.approx(product_tm(at_rich, c), abs=1e-6)
    assert product_tm(at_rich.lower(), c) == product_tm(at_rich, c)


def test_strand_concentration_matters_little_for_a_product() -> None:
    """The module's claim behind the fixed PRODUCT_NM: a ten-fold change moves a 150 bp
    product's Tm by about 1 C (two-state model), a primer's by several."""
    seq = random_dna(150, seed=3)
    c = Conditions()

    def tm_at(nm: float, s: str) -> float:
        return float(
            MeltingTemp.Tm_NN(  # type: ignore[no-untyped-call]
                s, nn_table=MeltingTemp.DNA_NN3, Na=50, Mg=3, dNTPs=0.8,
                saltcorr=5, dnac1=nm / 2, dnac2=nm / 2,
            )
        )  # fmt: skip

    assert abs(tm_at(500, seq) - tm_at(50, seq)) < 1.2
    assert abs(tm_at(500, seq[:20]) - tm_at(50, seq[:20])) > 3
    assert product_tm(seq, c) == pytest.approx(tm_at(PRODUCT_NM, seq), abs=0.05)


@pytest.mark.parametrize("bad", ["", "A", "ACGTNACGT", "ACGU"])
def test_rejects_what_is_not_dna(bad: str) -> None:
    with pytest.raises(ParameterError, match="A, C, G, T"):
        product_tm(bad, Conditions())


def test_products_on_the_synthetic_locus_get_a_predicted_tm(assay: Assay) -> None:
    """SYNTHETIC locus: each reaction's own product on its deletion allele gets a Tm, built
    from the primers at its ends; wild type gives none (primers kilobases apart)."""
    alleles = all_alleles(synthetic_locus(assay))
    table = predicted_product_tms(assay, alleles)
    own = table[(table["allele"] == table["deletion"]) & table["counts"]]
    assert set(own["deletion"]) == {r.deletion for r in assay.reactions}
    assert table[table["allele"] == "WT"].empty
    assert own["predicted_tm"].between(70, 100).all()
    # the number is product_tm of the product's sequence, which begins and ends with the primers
    from ikzf1assay.primers.specificity import insilico_pcr

    allele = next(a for a in alleles if a.name == "Δ4-7")
    _, per_allele = insilico_pcr(assay, [allele])
    primers = {p.name: p.sequence for p in assay.primers}
    product = next(p for p in per_allele["Δ4-7"] if p.counts and p.orientation == "F/R")
    seq = product_sequence(product, allele.sequence, primers)
    assert seq.startswith(primers["F.4"])
    assert seq.endswith(primers["R-7"][::-1].translate(str.maketrans("ACGT", "TGCA")))
    assert len(seq) == product.size
    row = own[own["deletion"] == "Δ4-7"].iloc[0]
    assert row["predicted_tm"] == pytest.approx(product_tm(seq, assay.conditions))
    filled = with_predicted_tm([product], {"Δ4-7": allele.sequence}, primers, assay.conditions)
    assert products_table(filled)["predicted_tm"].iloc[0] == row["predicted_tm"]
    assert product.predicted_tm == pytest.approx(row["predicted_tm"])  # insilico_pcr fills it
    bare = dataclasses.replace(product, predicted_tm=None)
    unknown = with_predicted_tm([bare], {}, primers, assay.conditions)
    assert products_table(unknown)["predicted_tm"].isna().all()
    with_n = allele.sequence[: product.start + 30] + "N" + allele.sequence[product.start + 31 :]
    nan = with_predicted_tm([product], {"Δ4-7": with_n}, primers, assay.conditions)[0]
    assert nan.predicted_tm is not None
    assert math.isnan(nan.predicted_tm)
