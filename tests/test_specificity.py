"""Primer specificity: engines on a SYNTHETIC genome with planted sites, the product rule, in-silico PCR.

The genome is generated (ikzf1assay.reference.random_genome: human-like composition and
repeats), and each primer of the assay is planted on both strands with 0-3 mismatches, near
and far from its 3' end. The truth is the planting, not any engine: the exhaustive engines
(scan, Bowtie 1 1.3.1 from Debian) must find every planted site with its exact mismatch
count; BLAST+ (blastn 2.12.0, Primer-BLAST settings) must find every exact site and report
correct counts for what it finds.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.cli import main
from ikzf1assay.errors import ExternalToolError
from ikzf1assay.primers.engines import blast_sites, bowtie_sites, require_tool
from ikzf1assay.primers.products import blocks_extension, find_products
from ikzf1assay.primers.sites import Site, add_thermodynamics, compare, scan
from ikzf1assay.primers.specificity import check_specificity, insilico_pcr
from ikzf1assay.reference import (
    all_alleles,
    deletion_allele,
    random_genome,
    synthetic_locus,
    write_fasta,
)
from ikzf1assay.reference.synthetic import PlantedSite, plant
from primer3_witness import Primer3Witness

LENGTHS = (1_500_000, 700_000)


@pytest.fixture(scope="module")
def planted(
    assay: Assay, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[PlantedSite]]:
    """SYNTHETIC genome with 5 primers x 2 strands x {0,1,2,3} mismatches x {5' half, 3' end}."""
    genome = random_genome(LENGTHS, seed=11)
    rng = np.random.default_rng(5)
    sites = []
    slot = 0
    for p in assay.primers:
        length = len(p.sequence)
        for strand in "+-":
            for k in range(4):
                for where in ("five", "three"):
                    if where == "three":  # mismatches inside the last five bases (3' end)
                        offsets = rng.choice(
                            np.arange(length - 5, length), size=min(k, 5), replace=False
                        )
                    else:
                        offsets = rng.choice(np.arange(0, length // 2), size=k, replace=False)
                    contig = f"SYNTHETIC_chr{1 + slot % 2}"
                    position = 20_000 + (slot // 2) * 8_000  # 8 kb apart: no product between them
                    sites.append(
                        plant(
                            genome,
                            p.name,
                            p.sequence,
                            contig,
                            position,
                            strand,
                            offsets.tolist(),
                            rng,
                        )
                    )
                    slot += 1
    folder = tmp_path_factory.mktemp("genome")
    return write_fasta(folder / "SYNTHETIC_genome.fa", genome), sites


def _truth(sites: list[PlantedSite]) -> dict[tuple[str, str, int, str], PlantedSite]:
    return {(s.primer, s.contig, s.position, s.strand): s for s in sites}


def _found(found: list[Site]) -> dict[tuple[str, str, int, str], Site]:
    return {(s.primer, s.contig, s.start, s.strand): s for s in found}


def _check_counts(site: Site, planted: PlantedSite, length: int) -> None:
    assert site.mismatches == len(planted.mismatch_offsets)
    from_3p = sorted(length - o for o in planted.mismatch_offsets)
    assert list(site.positions_from_3p) == from_3p
    assert site.mismatches_3p == sum(1 for p in from_3p if p <= 5)


def _records(genome: Path) -> dict[str, str]:
    import pysam

    with pysam.FastaFile(str(genome)) as fa:
        return {c: fa.fetch(c) for c in fa.references}


def test_scan_finds_every_planted_site_with_its_mismatches(
    assay: Assay, planted: tuple[Path, list[PlantedSite]]
) -> None:
    genome, sites = planted
    primers = {p.name: p.sequence for p in assay.primers}
    records = _records(genome)
    found = _found(scan(primers, records, 3))
    for key, truth in _truth(sites).items():
        assert key in found, key
        _check_counts(found[key], truth, len(primers[truth.primer]))


def test_bowtie_finds_exactly_what_the_scan_finds(
    assay: Assay, planted: tuple[Path, list[PlantedSite]]
) -> None:
    genome, sites = planted
    primers = {p.name: p.sequence for p in assay.primers}
    records = _records(genome)
    by_scan = _found(scan(primers, records, 3))
    by_bowtie = _found(bowtie_sites(genome, primers, 3))
    assert by_bowtie.keys() == by_scan.keys()  # both exhaustive: same sites, background included
    for key, truth in _truth(sites).items():
        _check_counts(by_bowtie[key], truth, len(primers[truth.primer]))


def test_blast_finds_every_exact_site_and_measures_what_it_finds(
    assay: Assay, planted: tuple[Path, list[PlantedSite]]
) -> None:
    genome, sites = planted
    primers = {p.name: p.sequence for p in assay.primers}
    found = _found(blast_sites(primers, genome=genome))
    truth = _truth(sites)
    recall = {k: [0, 0] for k in range(4)}
    for key, t in truth.items():
        n = len(t.mismatch_offsets)
        recall[n][1] += 1
        if key in found:
            recall[n][0] += 1
            site = found[key]
            if site.gaps == 0:
                _check_counts(site, t, len(primers[t.primer]))  # the extension counts right
            else:  # a gapped alignment is chosen only when it explains the site with fewer edits
                assert site.mismatches < n
    assert recall[0] == [20, 20]
    assert recall[1][0] >= 18  # BLAST's share: it needs an exact 7-mer seed
    assert all(s.engine == "blast" for s in found.values())


def test_compare_counts_gaps_and_3prime_mismatches() -> None:
    site = compare(
        "P", "ACGTACGTAC", "ACGAACGTAT", contig="c", start=0, end=10, strand="+", engine="x"
    )
    assert (site.mismatches, site.mismatches_3p, site.positions_from_3p) == (2, 1, (1, 7))
    gapped = compare(
        "P", "ACGTA-CGTAC", "ACGTATCGTAC", contig="c", start=0, end=11, strand="+", engine="x"
    )
    assert (gapped.mismatches, gapped.gaps, gapped.mismatches_3p) == (1, 1, 1)
    assert gapped.target == "ACGTATCGTAC"


def _site(
    primer: str, start: int, strand: str, mm: int = 0, mm3: int = 0, length: int = 20
) -> Site:
    positions = tuple(range(1, mm3 + 1)) + tuple(range(10, 10 + mm - mm3))
    return Site(
        primer,
        "c",
        start,
        start + length,
        strand,
        "N" * length,
        mm,
        mm3,
        0,
        positions,
        "hand",
        tm=60.0 - mm,
        dg=-20.0,
    )


@pytest.mark.parametrize(
    ("mm", "mm3", "blocks"),
    [
        (0, 0, False),
        (1, 1, False),
        (2, 1, False),
        (2, 2, True),
        (3, 2, True),
        (5, 0, False),
        (3, 3, True),
    ],
)
def test_primer_blast_extension_rule(mm: int, mm3: int, blocks: bool) -> None:
    assert blocks_extension(_site("F.4", 0, "+", mm, mm3)) is blocks


def test_products_in_every_orientation_within_the_size_limit(assay: Assay) -> None:
    sites = [
        _site("F.4", 1000, "+"),  # F.4 facing R-7 -> F/R, reaction F.4+R-7
        _site("R-7", 1480, "-"),
        _site("F.2a", 10_000, "+"),  # F.2a facing F.2a on the other strand -> F/F
        _site("F.2a", 10_900, "-"),
        _site("R-8", 20_000, "+"),  # R-8 facing R-7 -> R/R, across reactions
        _site("R-7", 23_980, "-"),  # 23980 + 20 - 20000 = 4000: exactly the limit
        _site("F.2b", 30_000, "+"),  # 4001 bp: too far
        _site("R-8", 33_981, "-"),
        _site("F.2b", 40_500, "+"),  # facing away from the - site before it: no product
        _site("R-8", 40_000, "-"),
    ]
    products = find_products(sites, assay, 4000)
    got = {(p.left.primer, p.right.primer, p.size, p.orientation, p.reactions) for p in products}
    assert got == {
        ("F.4", "R-7", 500, "F/R", ("F.4+R-7",)),
        ("F.2a", "F.2a", 920, "F/F", ("F.2a+R-7",)),  # one primer of a tube suffices
        ("R-8", "R-7", 4000, "R/R", ()),
    }


def test_blocked_and_ignored_sites(assay: Assay) -> None:
    blocked = find_products([_site("F.4", 0, "+", 2, 2), _site("R-7", 300, "-")], assay)
    assert [p.counts for p in blocked] == [False]
    assert "F.4: >=2 mismatches, >=2 in the last 5 bases" in blocked[0].reason
    ignored = find_products([_site("F.4", 0, "+", 6, 0), _site("R-7", 300, "-")], assay)
    assert ignored == []
    many_5p = find_products([_site("F.4", 0, "+", 5, 1), _site("R-7", 300, "-")], assay)
    assert [p.counts for p in many_5p] == [True]  # 5 mismatches but only 1 at the 3' end


def test_products_are_ranked_by_the_weaker_site(assay: Assay) -> None:
    sites = [
        _site("F.4", 0, "+", 3, 0),
        _site("R-7", 300, "-"),
        _site("F.4", 5000, "+", 1, 0),
        _site("R-7", 5300, "-"),
    ]
    products = find_products(sites, assay)
    assert [p.start for p in products] == [5000, 0]


def test_insilico_matrix_on_the_synthetic_locus(assay: Assay) -> None:
    locus = synthetic_locus(assay)
    cells, _ = insilico_pcr(assay, all_alleles(locus))
    primers = {p.name: p.sequence for p in assay.primers}
    by = {(c.reaction, c.allele): c.sizes for c in cells}
    for r in assay.reactions:
        allele = deletion_allele(locus, r.deletion)
        f = allele.sequence.find(primers[r.forward])
        from ikzf1assay.sequence import reverse_complement

        rc = reverse_complement(primers[r.reverse])
        expected = allele.sequence.find(rc) + len(rc) - f
        for name in ("WT", "Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8"):
            assert by[(r.name, name)] == ((expected,) if name == r.deletion else ()), (r.name, name)


def test_verdicts_pass_on_the_stand_in_and_fail_when_a_breakpoint_removes_a_primer(
    assay: Assay,
) -> None:
    locus = synthetic_locus(assay)
    result = check_specificity(assay, locus, all_alleles(locus))
    assert {v.verdict for v in result.verdicts} == {"PASS"}
    assert any("SYNTHETIC" in n for n in result.notes)
    # a Δ4-7 breakpoint 5' of F.4's site deletes the site: no product, FAIL
    f4 = locus.sequence.find(next(p.sequence for p in assay.primers if p.name == "F.4"))
    left = locus.position(f4) - 10
    alleles = [
        a if a.name != "Δ4-7" else deletion_allele(locus, "Δ4-7", (left, 50397418))
        for a in all_alleles(locus)
    ]
    verdicts = {v.reaction: v for v in check_specificity(assay, locus, alleles).verdicts}
    assert verdicts["F.4+R-7"].verdict == "FAIL"
    assert "0 products on its Δ4-7 allele (expected 1)" in verdicts["F.4+R-7"].reasons


def test_off_target_products_in_the_genome_fail_the_reaction(assay: Assay, tmp_path: Path) -> None:
    genome = random_genome([300_000], seed=2)
    primers = {p.name: p.sequence for p in assay.primers}
    plant(genome, "F.4", primers["F.4"], "SYNTHETIC_chr1", 100_000, "+")
    plant(
        genome, "R-7", primers["R-7"], "SYNTHETIC_chr1", 100_700, "-", [3]
    )  # 1 mismatch, far from 3'
    plant(genome, "F.2b", primers["F.2b"], "SYNTHETIC_chr1", 200_000, "+")
    plant(
        genome, "R-8", primers["R-8"], "SYNTHETIC_chr1", 200_400, "-", [18, 19]
    )  # 2 at 3': blocked
    path = write_fasta(tmp_path / "SYNTHETIC.fa", genome)
    locus = synthetic_locus(assay)
    result = check_specificity(assay, locus, all_alleles(locus), engines=["scan"], genome=path)
    v = {x.reaction: x for x in result.verdicts}
    assert v["F.4+R-7"].verdict == "FAIL"
    assert "F.4×R-7 SYNTHETIC_chr1:100001-100720 (720 bp, F/R" in v["F.4+R-7"].reasons[0]
    assert v["F.2b+R-8"].verdict == "PASS"
    blocked = [p for p in result.products if not p.counts]
    assert [(p.left.primer, p.right.primer) for p in blocked] == [("F.2b", "R-8")]


def test_missing_programs_name_their_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ExternalToolError,
        match=r"blastn not found on PATH; install the Debian package ncbi-blast\+",
    ):
        require_tool("blastn")
    with pytest.raises(
        ExternalToolError, match="bowtie not found on PATH; install the Debian package bowtie"
    ):
        bowtie_sites(tmp_path / "g.fa", {"P": "ACGT" * 5})
    (tmp_path / "g.fa").write_text(">c\nACGT\n")
    code = main(
        ["primers", "specificity", "--genome", str(tmp_path / "g.fa"), "--locus", "synthetic"],
        out=io.StringIO(),
    )
    assert code == 1
    assert os.environ["PATH"] == str(tmp_path)


def test_cli_writes_every_output(planted: tuple[Path, list[PlantedSite]], tmp_path: Path) -> None:
    genome, _ = planted
    out = io.StringIO()
    code = main(
        [
            "primers",
            "specificity",
            "--genome",
            str(genome),
            "--locus",
            "synthetic",
            "--engine",
            "bowtie",
            "-o",
            str(tmp_path),
        ],
        out=out,
    )
    assert code == 0, out.getvalue()
    for name in (
        "sites.tsv",
        "products.tsv",
        "insilico.tsv",
        "verdicts.tsv",
        "specificity.json",
        "report.html",
    ):
        assert (tmp_path / name).is_file(), name
    doc = json.loads((tmp_path / "specificity.json").read_text(encoding="utf-8"))
    assert {"provenance", "verdicts", "matrix", "sites", "products", "notes"} <= doc.keys()
    assert len(doc["sites"]) >= 80
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "In-silico PCR" in html
    assert "SYNTHETIC stand-in" in html


def test_cli_without_genome_and_its_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert main(["primers", "specificity", "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue())["synthetic_locus"] is True
    assert main(["primers", "specificity", "--max-mismatches", "4"], out=io.StringIO()) == 2
    assert "--max-mismatches must be 0-3; got 4" in capsys.readouterr().err
    assert main(["primers", "specificity", "--engine", "bowtie"], out=io.StringIO()) == 2
    assert "engine bowtie needs --genome FASTA" in capsys.readouterr().err


def test_blast_tabular_parser_and_fast_extension_match_their_references(
    assay: Assay, planted: tuple[Path, list[PlantedSite]], tmp_path: Path
) -> None:
    """parse_blast_tab equals Bio.SearchIO's blast-tab parser on real blastn output, and the
    ungapped fast path of the extension changes nothing against aligning every HSP."""
    import subprocess

    from Bio import SearchIO

    from ikzf1assay.primers import engines as eng

    genome, _ = planted
    primers = {p.name: p.sequence for p in assay.primers}
    query = tmp_path / "q.fa"
    query.write_text("".join(f">{n}\n{s}\n" for n, s in primers.items()), encoding="ascii")
    fields = "qseqid sseqid qstart qend sstart send evalue bitscore"
    out = subprocess.run(
        ["blastn", *eng.BLAST_SETTINGS, "-db", str(eng.build_blast_db(genome)), "-query", str(query),
         "-outfmt", f"6 {fields}", "-max_target_seqs", "100000"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    mine = list(eng.parse_blast_tab(out))
    reference = []
    for q in SearchIO.parse(io.StringIO(out), "blast-tab", fields=fields):  # type: ignore[no-untyped-call]
        for hit in q:
            for h in hit.hsps:
                s0, s1 = h.hit_start, h.hit_end
                ss, se = (s0 + 1, s1) if h.hit_strand >= 0 else (s1, s0 + 1)
                reference.append((q.id, hit.id, h.query_start + 1, h.query_end, ss, se))
    assert sorted(mine) == sorted(reference)
    assert len(mine) > 1000

    seqs = eng.FastaSequences(genome)
    fast = eng._extend_all(iter(mine), primers, seqs, "blast", 5)
    aligner = eng._aligner()
    slow = []
    for name, contig, qs, qe, ss, se in mine:
        length = len(primers[name])
        strand = "+" if ss <= se else "-"
        lo, hi = (ss, se) if strand == "+" else (se, ss)
        d0 = lo - 1 - (qs - 1) if strand == "+" else lo - 1 - (length - qe)
        extra = abs((hi - lo) - (qe - qs)) + 3
        w0, w1 = max(0, d0 - extra), min(seqs.length(contig), d0 + length + extra)
        window = seqs.fetch(contig, w0, w1)
        if strand == "-":
            from ikzf1assay.sequence import reverse_complement

            window = reverse_complement(window)
        site = eng.extend_hit(
            aligner,
            name,
            primers[name],
            window,
            contig=contig,
            window_start=w0,
            strand=strand,
            engine="blast",
        )
        if site.mismatches <= 5:
            slow.append(site)
    from ikzf1assay.primers.sites import unique_sites

    assert [(s.key, s.mismatches) for s in fast] == [
        (s.key, s.mismatches) for s in unique_sites(slow)
    ]


def test_site_duplex_figures_equal_ntthal(
    assay: Assay, planted: tuple[Path, list[PlantedSite]], witness: Primer3Witness
) -> None:
    """Duplex Tm/dG of primer and site: primer3-py against Debian's ntthal 2.6.1 (-a ANY,
    primer against the reverse complement of the site), for sites with 0-3 mismatches."""
    genome, _ = planted
    primers = {p.name: p.sequence for p in assay.primers}
    sites = add_thermodynamics(scan(primers, _records(genome), 3), primers, assay.conditions)
    from ikzf1assay.sequence import reverse_complement

    checked = 0
    for k in range(4):
        for site in [s for s in sites if s.mismatches == k][:3]:
            tm, dg = witness.ntthal("ANY", primers[site.primer], reverse_complement(site.target))
            assert site.tm == pytest.approx(tm, abs=0.01)
            assert site.dg == pytest.approx(dg, abs=0.006)
            checked += 1
    assert checked == 12


def test_report_escapes_contig_names(assay: Assay, tmp_path: Path) -> None:
    genome = random_genome([50_000], seed=4, prefix="<b>x</b>")
    primers = {p.name: p.sequence for p in assay.primers}
    plant(genome, "F.4", primers["F.4"], "<b>x</b>1", 1000, "+")
    path = write_fasta(tmp_path / "SYNTHETIC.fa", genome)
    assert (
        main(
            [
                "primers",
                "specificity",
                "--genome",
                str(path),
                "--locus",
                "synthetic",
                "--engine",
                "scan",
                "-o",
                str(tmp_path / "out"),
            ],
            out=io.StringIO(),
        )
        == 0
    )
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;1" in html
    assert "<b>x</b>" not in html


def test_blast_db_alone_reads_hit_contigs_with_blastdbcmd(
    assay: Assay, planted: tuple[Path, list[PlantedSite]]
) -> None:
    """With only a BLAST database (no FASTA), the bases around each hit come from blastdbcmd;
    the sites are the same as with the FASTA."""
    genome, _ = planted
    primers = {p.name: p.sequence for p in assay.primers}
    from ikzf1assay.primers.engines import build_blast_db

    db = build_blast_db(genome)
    with_fasta = [(s.key, s.mismatches) for s in blast_sites(primers, genome=genome)]
    db_only = [(s.key, s.mismatches) for s in blast_sites(primers, blast_db=db)]
    assert db_only == with_fasta


def test_a_genome_that_is_not_fasta_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n", encoding="utf-8")
    assert (
        main(
            ["primers", "specificity", "--genome", str(text), "--locus", "synthetic"],
            out=io.StringIO(),
        )
        == 1
    )
    assert "notes.txt: cannot open as an indexed FASTA" in capsys.readouterr().err
