"""`primers design`: Primer3 pairs across the junction, checked and ranked. SYNTHETIC locus only.

The design itself is Primer3's: the same record given to Debian's primer3_core 2.6.1
(libprimer3 release 2.6.1) returns the same pairs and penalties as primer3-py does here.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import primer3
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.cli import main
from ikzf1assay.errors import ParameterError
from ikzf1assay.primers.design import _template, design_primers, primer3_settings
from ikzf1assay.reference import Locus, all_alleles, deletion_allele, synthetic_locus
from ikzf1assay.sequence import reverse_complement
from primer3_witness import primer3_core_design


@pytest.fixture(scope="module")
def locus(assay: Assay) -> Locus:
    return synthetic_locus(assay)


def test_primer3_py_designs_what_primer3_core_designs(assay: Assay, locus: Locus) -> None:
    allele = deletion_allele(locus, "Δ4-7")
    template, target = _template(locus, allele, None, 10, 400)
    seq = {
        "SEQUENCE_ID": "SYNTHETIC",
        "SEQUENCE_TEMPLATE": template,
        "SEQUENCE_TARGET": list(target),
    }
    settings = primer3_settings(assay, (target[1] + 40, target[1] + 300), 5)
    py = primer3.bindings.design_primers(seq, settings)
    core = primer3_core_design({**seq, **settings})
    assert "PRIMER_ERROR" not in core
    for i in range(5):
        assert py[f"PRIMER_LEFT_{i}_SEQUENCE"] == core[f"PRIMER_LEFT_{i}_SEQUENCE"]
        assert py[f"PRIMER_RIGHT_{i}_SEQUENCE"] == core[f"PRIMER_RIGHT_{i}_SEQUENCE"]
        assert py[f"PRIMER_PAIR_{i}_PENALTY"] == pytest.approx(
            float(core[f"PRIMER_PAIR_{i}_PENALTY"]), abs=1e-6
        )


@pytest.mark.parametrize("deletion", ["Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8"])
def test_candidates_span_the_whole_cluster_windows(
    assay: Assay, locus: Locus, deletion: str
) -> None:
    result = design_primers(assay, locus, all_alleles(locus), deletion, num_return=5)
    assert result.candidates
    best = result.candidates[0]
    assert best.verdict == "PASS"
    allele = deletion_allele(locus, deletion)
    f = allele.sequence.find(best.forward)
    r = allele.sequence.find(reverse_complement(best.reverse))
    assert best.product_size == r + len(best.reverse) - f
    d = locus.model.deletion(deletion)
    # the forward primer ends before the 5' window, the reverse starts after the 3' window
    assert locus.position(f + len(best.forward) - 1) < locus.model.clusters[d.from_cluster].start
    assert allele.breakpoints is not None
    assert allele.junction is not None
    # allele index r >= junction is locus index index(right breakpoint) + (r - junction)
    reverse_start = locus.position(locus.index(allele.breakpoints[1]) + r - allele.junction)
    assert reverse_start > locus.model.clusters[d.to_cluster].end
    assert any("SYNTHETIC" in n for n in result.notes)


def test_ranking_is_verdict_then_penalty(assay: Assay, locus: Locus) -> None:
    result = design_primers(assay, locus, all_alleles(locus), "Δ4-7", around=(50364000, 50398000))
    order = {"PASS": 0, "WARN": 1, "FAIL": 2}
    keys = [(order[c.verdict], c.primer3_penalty) for c in result.candidates]
    assert keys == sorted(keys)
    assert all(60 <= (c.product_size or 0) <= 200 for c in result.candidates if c.verdict != "FAIL")


def test_a_candidate_in_a_repeat_is_flagged_for_the_wild_type(assay: Assay, locus: Locus) -> None:
    """Around this junction Primer3's best reverse primer also sits (<= 3 mismatches) in an
    intron-1 repeat copy of the SYNTHETIC locus, facing F.2a and F.2b: a multiplex product on
    the wild type, which the check must report."""
    result = design_primers(assay, locus, all_alleles(locus), "Δ4-7", around=(50364000, 50398000))
    flagged = [
        c
        for c in result.candidates
        if any("on the wild type with the existing set" in r for r in c.reasons)
    ]
    assert flagged
    assert all(c.verdict != "PASS" for c in flagged)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_return": 0}, "--num must be at least 1"),
        ({"product_size": (20, 10)}, "--product-size must be MIN-MAX"),
        ({"around": (50398000, 50364000)}, "must be increasing"),
    ],
)
def test_design_errors(assay: Assay, locus: Locus, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        design_primers(assay, locus, all_alleles(locus), "Δ4-7", **kwargs)  # type: ignore[arg-type]


def test_cli_design(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert (
        main(
            ["primers", "design", "--deletion", "D4-8", "--num", "3", "-o", str(tmp_path)], out=out
        )
        == 0
    )
    assert "Δ4-8 on SYNTHETIC stand-in" in out.getvalue()
    doc = json.loads((tmp_path / "design.json").read_text(encoding="utf-8"))
    assert len(doc["candidates"]) == 3
    assert (
        (tmp_path / "candidates.tsv").read_text(encoding="utf-8").startswith("rank\tname\tforward")
    )
    assert main(["primers", "design", "--deletion", "D3-5"], out=io.StringIO()) == 2
    assert "unknown deletion 'D3-5'" in capsys.readouterr().err
