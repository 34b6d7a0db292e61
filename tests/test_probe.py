"""Hydrolysis probes (issue 17 item 6): the ``[[probe]]`` table and the probe rules.

Hand-made assay files: the bundled assay copied into ``tmp_path`` with one ``[[probe]]``
appended. The probes are cut from the Δ4-7 allele of the SYNTHETIC stand-in locus, where
in-silico PCR of F.4/R-7 gives one product across the junction, so each case (a good probe,
a 5' G, too cool, across the junction, outside the product, over a primer) has a known
answer. Thermodynamic figures are checked against Debian's primer3_core and ntthal.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ikzf1assay.assay import Assay, load_assay
from ikzf1assay.cli import main
from ikzf1assay.errors import AssayDefinitionError
from ikzf1assay.primers.check_results import ProbeCheck
from ikzf1assay.primers.probe import PROBE_TM_ABOVE, check_probes
from ikzf1assay.primers.products import Product
from ikzf1assay.primers.specificity import insilico_pcr
from ikzf1assay.primers.thermo import Thermo, check_primers
from ikzf1assay.reference import Allele, all_alleles, synthetic_locus
from ikzf1assay.sequence import gc_percent, reverse_complement
from primer3_witness import Primer3Witness

BUNDLED = Path(__file__).resolve().parents[1] / "primers" / "ikzf1_breakpoint.toml"
TM_TOL = 0.0006  # primer3_core prints Tm with 3 decimals
TH_TOL = 0.0051  # and structure Tm with 2
DG_TOL = 0.006  # ntthal prints dG in cal/mol


@dataclass(frozen=True)
class Site:
    """The Δ4-7 allele of the SYNTHETIC locus and its F.4/R-7 product."""

    alleles: list[Allele]
    allele: Allele
    product: Product
    primer_tm: float  # the higher Tm of F.4 and R-7
    thermo: Thermo

    def window(
        self,
        lo: int,
        hi: int,
        tm_above: tuple[float, float],
        first: str = "ACT",
        lengths: range = range(20, 31),
        hairpin: float = 46.5,
    ) -> str:
        """The first window of the allele starting in [lo, hi) with Tm the given range above the
        primers, a 5' base from ``first``, GC 30-80 % and no hairpin Tm at ``hairpin`` or above
        (the flag's limit is 47 C)."""
        for start in range(lo, hi):
            for n in lengths:
                seq = self.allele.sequence[start : start + n]
                if seq[0] not in first or not 30 <= gc_percent(seq) <= 80:
                    continue
                above = self.thermo.tm(seq) - self.primer_tm
                fold = self.thermo.hairpin(seq).tm
                if tm_above[0] <= above <= tm_above[1] and (fold is None or fold < hairpin):
                    return seq
        raise AssertionError(f"no window in {lo}-{hi} with Tm {tm_above} above the primers")


@pytest.fixture(scope="module")
def site(assay: Assay) -> Site:
    alleles = all_alleles(synthetic_locus(assay))
    allele = next(a for a in alleles if a.name == "Δ4-7")
    _, per_allele = insilico_pcr(assay, [allele])
    product = next(
        p
        for p in per_allele[allele.name]
        if p.counts and (p.left.primer, p.right.primer) == ("F.4", "R-7")
    )
    tms = {p.name: p.tm for p in check_primers(assay).primers}
    primer_tm = max(tms["F.4"], tms["R-7"])  # type: ignore[type-var]
    assert isinstance(primer_tm, float)
    return Site(alleles, allele, product, primer_tm, Thermo(assay.conditions))


@pytest.fixture(scope="module")
def good(site: Site) -> str:
    """A probe 5' of the junction, between the primers, Tm 7-9 C above the primers."""
    assert site.allele.junction is not None
    return site.window(site.product.left.end + 5, site.allele.junction - 45, (7.0, 9.0))


def write_assay(folder: Path, probe: str, name: str = "assay.toml") -> Path:
    """The bundled assay with ``probe`` (the body of one [[probe]] table) appended."""
    path = folder / name
    path.write_text(BUNDLED.read_text(encoding="utf-8") + "\n[[probe]]\n" + probe, encoding="utf-8")
    return path


def probe_toml(sequence: str, reaction: str = "Δ4-7", **extra: str) -> str:
    keys = {"name": "P4-7", "sequence": sequence, "reporter": "FAM", "quencher": "BHQ1"}
    keys.update({"reaction": reaction, **extra})
    return "".join(f'{k} = "{v}"\n' for k, v in keys.items())


CheckOne = Callable[[str], ProbeCheck]


@pytest.fixture
def check_one(tmp_path: Path, site: Site) -> CheckOne:
    """Load an assay with one Δ4-7 probe of this sequence and check it on the alleles."""

    def run(sequence: str) -> ProbeCheck:
        assay = load_assay(write_assay(tmp_path, probe_toml(sequence)))
        (result,) = check_probes(assay, alleles=site.alleles)
        return result

    return run


# ------------------------------------------------------------------------- the assay file


def test_probe_is_read_with_its_dyes_and_reaction(tmp_path: Path, good: str) -> None:
    path = write_assay(tmp_path, probe_toml(good.lower(), reaction="F4R7", quencher="MGB-NFQ"))
    (probe,) = load_assay(path).probes
    assert probe.sequence == good
    assert (probe.reporter, probe.quencher) == ("FAM", "MGB-NFQ")
    assert probe.reaction == "F.4+R-7"  # named by an alias, stored by the reaction's name
    assert probe.line == len(BUNDLED.read_text(encoding="utf-8").splitlines()) + 4


def test_the_published_set_has_no_probe_and_its_labels_stay_flagged(assay: Assay) -> None:
    assert assay.probes == ()
    assert check_probes(assay) == ()
    (labelled,) = [w for w in assay.warnings if "3'-labelled primers" in w]
    assert "F.4 (TAMRA" in labelled


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        (probe_toml("ACGTACGTACGTACGTAC", reaction="Δ9-9"), "reaction",
         "reaction 'Δ9-9' names no reaction; a probe belongs to one deletion reaction"),
        (probe_toml("ACGTACGTACGTACGTAC", reaction="albumin"), "reaction",
         "reaction 'albumin' is the reference reaction"),
        ('name = "P"\nsequence = "ACGTACGTACGTACGTAC"\nquencher = "BHQ1"\nreaction = "Δ4-7"\n',
         None, "missing required key 'reporter', the 5' dye, e.g. reporter = \"FAM\""),
        ('name = "P"\nsequence = "ACGTACGTACGTACGTAC"\nreporter = "FAM"\nreaction = "Δ4-7"\n',
         None, "missing required key 'quencher', the 3' quencher"),
        (probe_toml("ACGTACGTACGTACGTAC", name="f.4"), "name",
         "duplicate name 'f.4' (also a [[primer]])"),
        (probe_toml("ACGTNCGTACGTACGTAC"), "sequence", "has IUPAC codes at [5]"),
        (probe_toml("ACGTAC"), "sequence", "is 6 nt; expected 8 to 60 nt"),
        (probe_toml("ACGTACGTACGTACGTAC", dye="FAM"), "dye", "unknown key 'dye'"),
    ],
)  # fmt: skip
def test_a_wrong_probe_names_file_line_key_and_what_is_expected(
    tmp_path: Path, body: str, key: str | None, expected: str
) -> None:
    path = write_assay(tmp_path, body)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines.index("[[probe]]") + 1
    keyed = [i for i, t in enumerate(body.splitlines(), 1) if key and t.startswith(f"{key} ")]
    line = header + keyed[0] if keyed else header
    with pytest.raises(AssayDefinitionError) as info:
        load_assay(path)
    text = str(info.value)
    assert expected in text
    assert f"{path}:{line}" in text
    assert "[[probe]] #1" in text


def test_a_probe_needs_the_probe_chemistry(tmp_path: Path) -> None:
    path = write_assay(tmp_path, probe_toml("ACGTACGTACGTACGTAC"))
    path.write_text('chemistry = "dye"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(AssayDefinitionError, match=r'needs chemistry = "probe"; this file says'):
        load_assay(path)


def test_two_probes_may_not_share_a_name(tmp_path: Path) -> None:
    path = write_assay(tmp_path, probe_toml("ACGTACGTACGTACGTAC"))
    with path.open("a", encoding="utf-8") as f:
        f.write("\n[[probe]]\n" + probe_toml("TTGTACGTACGTACGTAC", name="p4-7"))
    with pytest.raises(AssayDefinitionError, match=r"\[\[probe\]\] #2: duplicate name 'p4-7'"):
        load_assay(path)


# ------------------------------------------------------------------------------ the rules


def test_a_good_probe_inside_the_product_passes(check_one: CheckOne, site: Site, good: str) -> None:
    result = check_one(good)
    assert result.verdict == "PASS", result.findings
    place = result.placement
    assert place.checked
    assert place.allele == "Δ4-7"
    assert place.strand == "+"
    assert place.start is not None
    assert place.end is not None
    assert site.allele.junction
    assert site.product.left.end <= place.start < place.end <= site.allele.junction
    assert site.allele.sequence[place.start : place.end] == good
    assert PROBE_TM_ABOVE[0] <= (result.tm_above or 0) <= PROBE_TM_ABOVE[1]
    assert "between F.4 and R-7" in place.describe()


def test_the_probe_may_read_either_strand(check_one: CheckOne, good: str) -> None:
    result = check_one(reverse_complement(good))
    assert result.placement.strand == "-"
    assert not {"PROBE_NOT_FOUND", "PROBE_OUTSIDE_PRODUCT"} & set(result.flags)


def test_a_probe_on_the_3prime_side_of_the_junction_is_placed(
    check_one: CheckOne, site: Site
) -> None:
    assert site.allele.junction is not None
    seq = site.window(site.allele.junction + 5, site.product.right.start - 35, (6.3, 9.7))
    result = check_one(seq)
    # this stretch of the SYNTHETIC locus is self-complementary (CCCGGG): a self-dimer WARN
    assert {f.severity for f in result.findings} <= {"WARN"}, result.findings
    assert set(result.flags) <= {"PROBE_SELF_DIMER", "PROBE_HAIRPIN"}
    assert "3' of the junction" in result.placement.describe()


def test_probe_figures_equal_primer3_and_ntthal(
    check_one: CheckOne, witness: Primer3Witness, assay: Assay, good: str
) -> None:
    result = check_one(good)
    tags = witness.check(good)
    assert result.tm == pytest.approx(float(tags["PRIMER_LEFT_0_TM"]), abs=TM_TOL)
    assert result.gc == pytest.approx(float(tags["PRIMER_LEFT_0_GC_PERCENT"]), abs=0.0006)
    hairpin_tm, hairpin_dg = witness.ntthal("HAIRPIN", good)
    assert result.hairpin.tm == pytest.approx(hairpin_tm, abs=TH_TOL)
    assert result.hairpin.dg == pytest.approx(hairpin_dg, abs=DG_TOL)
    dimers = {d.b: d for d in result.dimers}
    assert set(dimers) == {"P4-7", "F.4", "R-7"}
    for other, seq in (("P4-7", good), ("F.4", assay.primer("F.4").sequence)):
        tm, dg = witness.ntthal("ANY", good, seq)
        assert dimers[other].dimer.tm == pytest.approx(tm, abs=TH_TOL), other
        assert dimers[other].dimer.dg == pytest.approx(dg, abs=DG_TOL), other
    self_end_tm, _ = witness.ntthal("END1", good, good)
    assert dimers["P4-7"].end_dimer.tm == pytest.approx(self_end_tm, abs=TH_TOL)
    primers = {p.name: p.tm for p in check_primers(assay).primers}
    assert result.primer_tm == max(primers["F.4"] or 0.0, primers["R-7"] or 0.0)


def test_a_5prime_g_warns(check_one: CheckOne, site: Site) -> None:
    assert site.allele.junction is not None
    seq = site.window(site.product.left.end + 5, site.allele.junction - 45, (6.3, 9.7), "G")
    result = check_one(seq)
    assert [(f.flag, f.severity) for f in result.findings] == [("PROBE_5G", "WARN")]
    assert "guanine quenches it" in result.findings[0].note
    assert result.verdict == "WARN"


@pytest.mark.parametrize(("above", "severity"), [((-3.0, 2.0), "FAIL"), ((3.5, 5.5), "WARN")])
def test_a_probe_too_cool_for_its_primers(
    check_one: CheckOne, site: Site, above: tuple[float, float], severity: str
) -> None:
    assert site.allele.junction is not None
    seq = site.window(site.product.left.end + 5, site.allele.junction - 45, above)
    result = check_one(seq)
    (tm_finding,) = [f for f in result.findings if f.flag == "PROBE_TM_LOW"]
    assert tm_finding.severity == severity
    assert "expected 6 to 10 C above" in tm_finding.note
    assert result.verdict == severity


def test_a_probe_too_hot_fails(check_one: CheckOne, site: Site) -> None:
    assert site.allele.junction is not None
    seq = site.window(
        site.allele.junction + 5, site.product.right.start - 45, (13.5, 30.0), "ACGT",
        range(30, 41), hairpin=60.0,
    )  # fmt: skip
    result = check_one(seq)
    assert ("PROBE_TM_HIGH", "FAIL") in [(f.flag, f.severity) for f in result.findings]


def test_a_probe_across_the_junction_fails(check_one: CheckOne, site: Site) -> None:
    j = site.allele.junction
    assert j is not None
    seq = site.window(j - 30, j - 5, (6.5, 9.5), "ACGT", range(20, 41), 60.0)
    result = check_one(seq)
    assert "PROBE_SPANS_JUNCTION" in result.flags
    assert "PROBE_OUTSIDE_PRODUCT" not in result.flags
    assert result.verdict == "FAIL"
    assert "spans the junction" in result.placement.describe()


def test_a_probe_outside_the_product_fails(check_one: CheckOne, site: Site) -> None:
    start = site.product.start
    seq = site.window(start - 400, start - 40, (6.5, 9.5), hairpin=60.0)
    result = check_one(seq)
    (finding,) = [f for f in result.findings if f.flag == "PROBE_OUTSIDE_PRODUCT"]
    assert finding.severity == "FAIL"
    assert "outside the F.4+R-7 product" in finding.note


def test_a_probe_over_a_primer_fails(check_one: CheckOne, site: Site) -> None:
    left = site.product.left
    seq = site.window(left.end - 10, left.end - 3, (5.0, 12.0), "ACGT", range(20, 41), 60.0)
    result = check_one(seq)
    (finding,) = [f for f in result.findings if f.flag == "PROBE_OVERLAPS_PRIMER"]
    assert "overlaps primer F.4" in finding.note


def test_a_probe_not_on_the_allele_fails(check_one: CheckOne) -> None:
    result = check_one("ACGTTGCAACGTTGCAACGTTGCAACGT")
    assert "PROBE_NOT_FOUND" in result.flags
    assert result.verdict == "FAIL"


def test_without_alleles_the_position_is_not_checked(tmp_path: Path, good: str) -> None:
    assay = load_assay(write_assay(tmp_path, probe_toml(good)))
    (result,) = check_probes(assay)
    assert not result.placement.checked
    assert [(f.flag, f.severity) for f in result.findings] == [("POSITION_NOT_CHECKED", "WARN")]
    assert result.verdict == "WARN"  # never a silent PASS


def test_no_allele_for_the_deletion_is_said(tmp_path: Path, site: Site, good: str) -> None:
    assay = load_assay(write_assay(tmp_path, probe_toml(good)))
    others = [a for a in site.alleles if a.name != "Δ4-7"]
    (result,) = check_probes(assay, alleles=others)
    assert "POSITION_NOT_CHECKED" in result.flags
    assert "no allele named Δ4-7" in result.placement.describe()


# --------------------------------------------------------------------------- the command


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_primers_check_shows_the_probe_section(tmp_path: Path, good: str, site: Site) -> None:
    path = write_assay(tmp_path, probe_toml(good))
    code, text = run(["primers", "check", "--assay", str(path), "--locus", "synthetic"])
    assert code == 0  # as for the primers' flags, findings do not change the exit code
    section = text[text.index("\nProbes (") :]
    assert re.search(rf"P4-7\s+Δ4-7\s+FAM/BHQ1\s+{good}\s+{len(good)}\s.*PASS", section)
    assert "Probe dimers" in section
    assert "itself" in section
    assert "P4-7: Δ4-7 product" in section
    assert "3'-labelled primers" in text  # the published labelling stays flagged

    code, text = run(["primers", "check", "--assay", str(path), "--format", "json"])
    assert code == 0
    (probe,) = json.loads(text)["probes"]
    assert (probe["verdict"], probe["flags"]) == ("WARN", ["POSITION_NOT_CHECKED"])
    assert probe["position"].startswith("not checked: no locus")

    code, text = run(["primers", "check", "--assay", str(path), "--format", "tsv"])
    assert "# table: probes" in text


def test_primers_check_fails_a_junction_probe_and_exits_as_before(
    tmp_path: Path, site: Site
) -> None:
    j = site.allele.junction
    assert j is not None
    path = write_assay(
        tmp_path, probe_toml(site.window(j - 30, j - 5, (6.5, 9.5), "ACGT", range(20, 41), 60.0))
    )
    argv = ["primers", "check", "--assay", str(path), "--locus", "synthetic", "--format", "json"]
    code, text = run(argv)
    assert code == 0
    (probe,) = json.loads(text)["probes"]
    assert probe["verdict"] == "FAIL"
    assert "PROBE_SPANS_JUNCTION" in probe["flags"]
    assert probe["probe_start"] <= probe["junction"] <= probe["probe_end"]


def test_the_published_check_has_no_probe_section() -> None:
    code, text = run(["primers", "check"])
    assert code == 0
    assert "Probes" not in text
