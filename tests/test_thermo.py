"""Primer thermodynamics against Primer3 itself.

Witness: Debian's primer3 2.6.1 -- ``primer3_core`` with PRIMER_TASK=check_primers at the same
conditions (PRIMER_SALT_MONOVALENT, PRIMER_SALT_DIVALENT, PRIMER_DNTP_CONC, PRIMER_DNA_CONC)
for Tm, GC %, SELF_ANY_TH, SELF_END_TH, HAIRPIN_TH, END_STABILITY, COMPL_ANY_TH and
COMPL_END_TH; ``ntthal -a ANY|END1|END2|HAIRPIN`` for the dG of each structure. Primer3 prints
structure temperatures with two decimals and clamps negative ones to 0.00.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from ikzf1assay.assay import Assay, Conditions, Thresholds
from ikzf1assay.primers.nearest_neighbor import end_stability_dg
from ikzf1assay.primers.thermo import PrimerCheckResult, Structure, check_primers
from ikzf1assay.sequence import reverse_complement
from primer3_witness import Primer3Witness

TH_TOL = 0.0051  # primer3_core prints *_TH with 2 decimals
TM_TOL = 0.0006  # and primer Tm with 3
DG_TOL = 0.006  # ntthal prints dG in cal/mol with 1-2 decimals; compare to the second decimal


def _clamped(tm: float | None) -> float:
    """Primer3's printing of a structure Tm: none found or below 0 C -> 0.00."""
    return 0.0 if tm is None else max(tm, 0.0)


CONDITION_SETS = [
    Conditions(),  # the assay's defaults: 50 mM, 3 mM Mg2+, 0.8 mM dNTP, 250 nM
    Conditions(monovalent_mm=40.0, divalent_mm=1.5, dntp_mm=0.2, oligo_nm=100.0),
    Conditions(monovalent_mm=100.0, divalent_mm=0.0, dntp_mm=0.0, oligo_nm=50.0),
]


@pytest.fixture(scope="module", params=CONDITION_SETS, ids=["default", "low-salt", "no-mg"])
def checked(request: pytest.FixtureRequest, assay: Assay) -> PrimerCheckResult:
    return check_primers(assay, request.param)


def test_primer_figures_equal_primer3_core(
    checked: PrimerCheckResult, witness_at: type[Primer3Witness]
) -> None:
    """Tm, GC, hairpin, self-dimer, 3'-self-dimer and END_STABILITY vs primer3_core."""
    p3 = witness_at(checked.conditions)
    tags = p3.check_many([(p.sequence, None) for p in checked.primers])
    for p, t in zip(checked.primers, tags, strict=True):
        assert p.tm == pytest.approx(float(t["PRIMER_LEFT_0_TM"]), abs=TM_TOL), p.name
        assert p.gc == pytest.approx(float(t["PRIMER_LEFT_0_GC_PERCENT"]), abs=0.0006), p.name
        assert _clamped(p.hairpin.tm) == pytest.approx(
            float(t["PRIMER_LEFT_0_HAIRPIN_TH"]), abs=TH_TOL
        )
        assert _clamped(p.homodimer.tm) == pytest.approx(
            float(t["PRIMER_LEFT_0_SELF_ANY_TH"]), abs=TH_TOL
        )
        assert _clamped(p.self_end.tm) == pytest.approx(
            float(t["PRIMER_LEFT_0_SELF_END_TH"]), abs=TH_TOL
        )
        assert p.end_stability_dg == pytest.approx(
            -float(t["PRIMER_LEFT_0_END_STABILITY"]), abs=0.00006
        )


def test_right_primer_figures_equal_primer3_core(
    checked: PrimerCheckResult, witness_at: type[Primer3Witness]
) -> None:
    """The same figures when Primer3 treats each primer as a right primer."""
    p3 = witness_at(checked.conditions)
    other = "ACGTACGTACGTACGTACGTA"
    tags = p3.check_many([(other, p.sequence) for p in checked.primers])
    for p, t in zip(checked.primers, tags, strict=True):
        assert p.tm == pytest.approx(float(t["PRIMER_RIGHT_0_TM"]), abs=TM_TOL), p.name
        assert _clamped(p.hairpin.tm) == pytest.approx(
            float(t["PRIMER_RIGHT_0_HAIRPIN_TH"]), abs=TH_TOL
        )
        assert _clamped(p.self_end.tm) == pytest.approx(
            float(t["PRIMER_RIGHT_0_SELF_END_TH"]), abs=TH_TOL
        )


def test_pair_dimers_equal_primer3_core(
    checked: PrimerCheckResult, witness_at: type[Primer3Witness]
) -> None:
    """COMPL_ANY_TH and COMPL_END_TH for every ordered pair of distinct primers."""
    p3 = witness_at(checked.conditions)
    seqs = {p.name: p.sequence for p in checked.primers}
    pairs = {frozenset((p.a, p.b)): p for p in checked.pairs}
    ordered = list(itertools.permutations(seqs, 2))
    tags = p3.check_many([(seqs[a], seqs[b]) for a, b in ordered])
    for (a, b), t in zip(ordered, tags, strict=True):
        pair = pairs[frozenset((a, b))]
        assert _clamped(pair.dimer.tm) == pytest.approx(
            float(t["PRIMER_PAIR_0_COMPL_ANY_TH"]), abs=TH_TOL
        ), (a, b)
        assert _clamped(pair.end_dimer.tm) == pytest.approx(
            float(t["PRIMER_PAIR_0_COMPL_END_TH"]), abs=TH_TOL
        ), (a, b)


def test_structure_dg_equals_ntthal(
    checked: PrimerCheckResult, witness_at: type[Primer3Witness]
) -> None:
    """dG (and the unclamped Tm) of every structure vs ntthal in the matching mode."""
    p3 = witness_at(checked.conditions)

    def same(ours: Structure, theirs: tuple[float | None, float | None], what: str) -> None:
        tm, dg = theirs
        if tm is None:
            assert ours.tm is None, what
            return
        assert ours.tm == pytest.approx(tm, abs=0.0006), what
        assert ours.dg == pytest.approx(dg, abs=DG_TOL), what

    for p in checked.primers:
        same(p.hairpin, p3.ntthal("HAIRPIN", p.sequence), f"{p.name} hairpin")
        same(p.homodimer, p3.ntthal("ANY", p.sequence, p.sequence), f"{p.name} homodimer")
        same(p.self_end, p3.ntthal("END1", p.sequence, p.sequence), f"{p.name} self end")
        assert p3.ntthal("END2", p.sequence, p.sequence) == p3.ntthal(
            "END1", p.sequence, p.sequence
        )
    seqs = {p.name: p.sequence for p in checked.primers}
    for pair in checked.pairs:
        a, b = seqs[pair.a], seqs[pair.b]
        same(pair.dimer, p3.ntthal("ANY", a, b), f"{pair.a} x {pair.b} dimer")
        if pair.a == pair.b:
            continue
        ra, rb = reverse_complement(a), reverse_complement(b)
        candidates = [p3.ntthal(m, x, y) for m in ("END1", "END2") for x, y in ((a, b), (rb, ra))]
        best = max((c for c in candidates if c[0] is not None), key=lambda c: c[0] or 0.0)
        same(pair.end_dimer, best, f"{pair.a} x {pair.b} end dimer")


def test_self_pairs_repeat_the_primer_figures(assay: Assay) -> None:
    result = check_primers(assay)
    by_name = {p.name: p for p in result.primers}
    selfs = [p for p in result.pairs if p.a == p.b]
    assert len(selfs) == len(result.primers)
    for pair in selfs:
        assert pair.dimer == by_name[pair.a].homodimer
        assert pair.end_dimer == by_name[pair.a].self_end


def test_end_stability_equals_primer3_on_random_primers(witness_at: type[Primer3Witness]) -> None:
    """Hand-written SantaLucia pentamer dG vs primer3_core END_STABILITY, 300 random primers."""
    rng = random.Random(20261121)
    seqs = ["".join(rng.choice("ACGT") for _ in range(rng.randint(15, 30))) for _ in range(300)]
    # END_STABILITY does not depend on salt; use unusual conditions to show it.
    p3 = witness_at(Conditions(monovalent_mm=20.0, divalent_mm=6.0))
    tags = p3.check_many([(s, None) for s in seqs])
    for s, t in zip(seqs, tags, strict=True):
        assert end_stability_dg(s) == pytest.approx(
            -float(t["PRIMER_LEFT_0_END_STABILITY"]), abs=6e-5
        ), s


# --------------------------------------------------------------------------- the facts


def test_default_conditions_flag_f4_only(assay: Assay) -> None:
    """At 50 mM / 3 mM Mg2+ / 0.8 mM dNTP / 250 nM, F.4 is above 63 C and has a 51.5 C hairpin."""
    result = check_primers(assay)
    flagged = {p.name: p.flags for p in result.primers if p.flags}
    assert flagged == {"F.4": ("TM_HIGH", "HAIRPIN")}
    f4 = next(p for p in result.primers if p.name == "F.4")
    assert f4.tm == pytest.approx(64.133, abs=0.001)  # primer3_core PRIMER_LEFT_0_TM=64.133
    assert f4.hairpin.tm == pytest.approx(51.54, abs=0.01)  # PRIMER_LEFT_0_HAIRPIN_TH=51.54


def test_no_dimer_is_flagged_and_worst_is_f2a_f4(assay: Assay) -> None:
    result = check_primers(assay)
    assert len(result.pairs) == 15  # 10 combinations of two primers + 5 self pairs
    assert all(not p.flags for p in result.pairs)
    worst = min((p for p in result.pairs if p.dimer.dg is not None), key=lambda p: p.dimer.dg or 0)
    assert {worst.a, worst.b} == {"F.2a", "F.4"}
    assert worst.dimer.dg == pytest.approx(-6.98, abs=0.01)  # ntthal: dG = -6980.4 cal/mol


def test_reaction_tm_difference(assay: Assay) -> None:
    result = check_primers(assay)
    deltas = {r.name: r.delta_tm for r in result.reactions}
    assert deltas["F.4+R-7"] == pytest.approx(3.06, abs=0.01)  # 64.133 - 61.077 (primer3_core)
    assert [r.deletion for r in result.reactions] == ["Δ2-7", "Δ2-8", "Δ4-7", "Δ4-8"]
    assert all(not r.flags for r in result.reactions)


def test_thresholds_are_data(assay: Assay) -> None:
    """Changing a limit changes the flags: no limit is hidden in code."""
    loose = Thresholds(tm_max=65.0, max_hairpin_tm=55.0)
    assert all(not p.flags for p in check_primers(assay, thresholds=loose).primers)
    strict = Thresholds(max_tm_diff=2.0, min_dimer_dg=-6.5)
    result = check_primers(assay, thresholds=strict)
    assert [r.name for r in result.reactions if "TM_DIFF" in r.flags] == ["F.4+R-7"]
    assert [(p.a, p.b) for p in result.pairs if "DIMER" in p.flags] == [("F.2a", "F.4")]


def test_conditions_move_tm_as_primer3_does(assay: Assay) -> None:
    """More Mg2+ raises Tm; the output repeats the conditions used."""
    low = check_primers(assay, Conditions(divalent_mm=1.5))
    high = check_primers(assay, Conditions(divalent_mm=6.0))
    assert all(h.tm > lo.tm for h, lo in zip(high.primers, low.primers, strict=True))  # type: ignore[operator]
    assert high.conditions.divalent_mm == 6.0
    assert high.to_dict()["conditions"]["divalent_mm"] == 6.0


def test_iupac_primer_is_the_worst_case_of_its_expansions(witness: Primer3Witness) -> None:
    """R at 12 and N at 20 of R-7: 8 expansions; Tm range and worst structures vs primer3_core."""
    from ikzf1assay.assay import load_assay
    from ikzf1assay.sequence import expand_ambiguous

    assay = load_assay(Path(__file__).parent / "data" / "assay" / "iupac.toml")
    result = check_primers(assay)
    r7 = next(p for p in result.primers if p.name == "R-7")
    assert r7.variants == 8
    assert "AMBIGUOUS" in r7.flags
    variants = expand_ambiguous(r7.sequence, 100)
    assert variants is not None
    tags = witness.check_many([(v, None) for v in variants])
    tms = [float(t["PRIMER_LEFT_0_TM"]) for t in tags]
    assert r7.tm == pytest.approx(min(tms), abs=TM_TOL)
    assert r7.tm_max == pytest.approx(max(tms), abs=TM_TOL)
    hairpins = [float(t["PRIMER_LEFT_0_HAIRPIN_TH"]) for t in tags]
    assert _clamped(r7.hairpin.tm) == pytest.approx(max(hairpins), abs=TH_TOL)
    ends = [-float(t["PRIMER_LEFT_0_END_STABILITY"]) for t in tags]
    assert r7.end_stability_dg == pytest.approx(min(ends), abs=6e-5)


def test_too_degenerate_primer_is_flagged_not_computed() -> None:
    from ikzf1assay.assay import Thresholds, load_assay

    assay = load_assay(Path(__file__).parent / "data" / "assay" / "iupac.toml")
    result = check_primers(assay, thresholds=Thresholds(max_variants=4))
    r7 = next(p for p in result.primers if p.name == "R-7")
    assert "TOO_DEGENERATE" in r7.flags
    assert r7.tm is None
    reaction = result.reactions[0]
    assert reaction.delta_tm is None


def test_dg_at_another_temperature_equals_ntthal(
    assay: Assay, witness_at: type[Primer3Witness]
) -> None:
    """--temp moves dG (and the structure search) as ntthal -t does; Tm of the primer does not move."""
    warm = Conditions(temperature_c=60.0)
    result = check_primers(assay, warm)
    p3 = witness_at(warm)
    for p, base in zip(result.primers, check_primers(assay).primers, strict=True):
        assert p.tm == base.tm
        tm, dg = p3.ntthal("ANY", p.sequence, p.sequence)
        assert p.homodimer.tm == pytest.approx(tm, abs=0.0006)
        assert p.homodimer.dg == pytest.approx(dg, abs=DG_TOL)
        assert p.homodimer.dg != pytest.approx(base.homodimer.dg, abs=0.05)
