"""`ikzf1assay reference synthetic-genome` and write_synthetic_genome (issue 17 item 5).

Every planted site is checked by reading the written FASTA back with pysam and comparing it,
base by base, with the primer: the truth table must say exactly where the sites are and
exactly which bases differ.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pysam
import pytest

from ikzf1assay.assay import load_assay
from ikzf1assay.cli import main
from ikzf1assay.errors import ParameterError
from ikzf1assay.reference.synthetic import random_genome
from ikzf1assay.reference.synthetic_genome import (
    PREFIX,
    THREE_PRIME_BASES,
    TRUTH_COLUMNS,
    SiteTruth,
    Truth,
    chromosome_lengths,
    parse_plant,
    truth_path_for,
    write_synthetic_genome,
)
from ikzf1assay.sequence import reverse_complement

ASSAY = load_assay()
PRIMERS = {p.name: p.sequence for p in ASSAY.primers}
PLANTS = [
    "pair:F.4,R-7:size=300:mm=0,0",
    "pair:F.4+R-8:size=450:mm=2,1:mm3p=0,1",
    "pair:F.2a,R-7:mm=@3+10,@20:strand=-",
    "site:R-8:mm=1:strand=-",
    "site:F.2b:mm3p=2:copies=3",
    "site:GGATCCAAGCTTGAATTCAC:mm=@1",
    "seq:ACGTTGCAACGTTGCA:strand=-:chrom=2:pos=1000",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Truth:
    folder = tmp_path_factory.mktemp("genome")
    return write_synthetic_genome(folder / "genome.fa", 0.6, seed=11, plants=PLANTS, chromosomes=3)


def genome_bases(truth: Truth, site: SiteTruth) -> str:
    """The site read from the FASTA, in the primer's orientation."""
    with pysam.FastaFile(str(truth.fasta)) as fasta:
        window = fasta.fetch(site.chrom, site.start, site.end).upper()
    return window if site.strand == "+" else reverse_complement(window)


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_ones(tmp_path: Path) -> None:
    files = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        truth = write_synthetic_genome(tmp_path / f"{name}.fa", 0.3, seed=seed, plants=PLANTS[:4])
        files.append((truth.fasta.read_bytes(), truth.table.read_text()))
    assert files[0] == files[1]
    assert files[0][0] != files[2][0]
    assert files[0][1] != files[2][1]  # placement of drawn mismatches follows the seed too


def test_headers_say_synthetic_and_sizes_add_up(planted: Truth) -> None:
    headers = [line for line in planted.fasta.read_text().splitlines() if line.startswith(">")]
    assert len(headers) == 3
    assert all("SYNTHETIC" in h for h in headers)
    assert [h.split()[0][1:] for h in headers] == [f"{PREFIX}{i}" for i in (1, 2, 3)]
    with pysam.FastaFile(str(planted.fasta)) as fasta:  # reads the .fai written beside it
        assert dict(zip(fasta.references, fasta.lengths, strict=True)) == planted.chromosomes
        assert set(fasta.fetch(f"{PREFIX}2").upper()) <= set("ACGT")
    assert sum(planted.chromosomes.values()) == 600_000
    assert planted.fai == planted.fasta.with_name("genome.fa.fai")
    assert planted.fai.is_file()
    assert planted.table == planted.fasta.with_name("genome.truth.tsv")
    assert not list(planted.fasta.parent.glob("*.part*"))


def test_chromosome_lengths_split_evenly() -> None:
    assert chromosome_lengths(0.2, 3) == [66_667, 66_667, 66_666]
    assert len(chromosome_lengths(120)) == 3  # one per started 50 Mb
    with pytest.raises(ParameterError, match=r"--size-mb 0\.0001: expected at least 0\.001"):
        chromosome_lengths(0.0001)
    with pytest.raises(ParameterError, match="--chromosomes 3: expected at least 1 and at most 2"):
        chromosome_lengths(0.002, 3)
    assert truth_path_for("x/genome.fasta") == Path("x/genome.truth.tsv")
    assert truth_path_for("genome.seq") == Path("genome.seq.truth.tsv")


def test_every_planted_site_is_where_the_truth_table_says_with_exactly_its_mismatches(
    planted: Truth,
) -> None:
    # 3 pairs (2 sites each), 1 + 3 + 1 sites, 1 sequence
    assert len(planted.sites) == 6 + 5 + 1
    assert planted.plants == tuple(f"P{i}" for i in range(1, 10))
    for site in planted.sites:
        bases = genome_bases(planted, site)
        assert bases == site.site
        differ = tuple(
            i + 1
            for i, (a, b) in enumerate(zip(bases, site.primer_sequence, strict=True))
            if a != b
        )
        assert differ == site.mismatch_positions, site
    by_spec = {s.spec: s for s in planted.sites}
    lone = by_spec["site:R-8:mm=1:strand=-"]
    assert (lone.strand, lone.mismatches, lone.mismatches_3p) == ("-", 1, 0)
    for copy in (s for s in planted.sites if s.spec == "site:F.2b:mm3p=2:copies=3"):
        assert copy.mismatches == copy.mismatches_3p == 2
        assert all(p > len(PRIMERS["F.2b"]) - THREE_PRIME_BASES for p in copy.mismatch_positions)
    raw = by_spec["site:GGATCCAAGCTTGAATTCAC:mm=@1"]
    assert raw.primer == raw.primer_sequence
    assert raw.mismatch_positions == (1,)
    seq = by_spec["seq:ACGTTGCAACGTTGCA:strand=-:chrom=2:pos=1000"]
    assert (seq.chrom, seq.start, seq.end) == (f"{PREFIX}2", 1000, 1016)
    assert genome_bases(planted, seq) == "ACGTTGCAACGTTGCA"


def test_pairs_face_each_other_at_the_stated_size(planted: Truth) -> None:
    pairs: dict[str, list[SiteTruth]] = {}
    for site in planted.sites:
        if site.kind == "pair":
            pairs.setdefault(site.plant, []).append(site)
    assert len(pairs) == 3
    for plant_id, (left, right) in pairs.items():
        assert left.chrom == right.chrom
        assert left.product_size == right.product_size
        # the left site extends rightwards (+), the right one leftwards (-): they face
        assert (left.strand, right.strand) == ("+", "-"), plant_id
        assert right.end - left.start == left.product_size
    sizes = {
        sites[0].spec: (sites[0].product_size, [s.primer for s in sites])
        for sites in pairs.values()
    }
    assert sizes["pair:F.4,R-7:size=300:mm=0,0"] == (300, ["F.4", "R-7"])
    assert sizes["pair:F.4+R-8:size=450:mm=2,1:mm3p=0,1"] == (450, ["F.4", "R-8"])
    # strand -: the mirror image, the reverse primer's own sequence at the left
    assert sizes["pair:F.2a,R-7:mm=@3+10,@20:strand=-"] == (300, ["R-7", "F.2a"])
    mirrored = {
        s.primer: s for s in planted.sites if s.spec.endswith("strand=-") and s.kind == "pair"
    }
    assert mirrored["F.2a"].mismatch_positions == (3, 10)
    assert mirrored["R-7"].mismatch_positions == (20,)
    reaction = [s for s in planted.sites if s.spec.startswith("pair:F.4+R-8")]
    assert [(s.mismatches, s.mismatches_3p) for s in reaction] == [(2, 0), (2, 1)]


def test_the_exhaustive_scan_finds_each_planted_site_with_the_stated_mismatches(
    planted: Truth,
) -> None:
    """The truth agrees with the specificity engine's own reading (positions from the 3' end)."""
    from ikzf1assay.primers.sites import scan

    with pysam.FastaFile(str(planted.fasta)) as fasta:
        records = {name: fasta.fetch(name) for name in fasta.references}
    found = {(s.primer, s.contig, s.start, s.end, s.strand): s for s in scan(PRIMERS, records, 3)}
    for site in planted.sites:
        if site.primer not in PRIMERS:
            continue
        hit = found[(site.primer, site.chrom, site.start, site.end, site.strand)]
        length = len(site.primer_sequence)
        assert hit.mismatches == site.mismatches
        assert hit.mismatches_3p == site.mismatches_3p
        assert sorted(hit.positions_from_3p) == sorted(
            length + 1 - p for p in site.mismatch_positions
        )


def test_the_truth_table_reads_back_with_its_documented_columns(planted: Truth) -> None:
    table = pd.read_csv(planted.table, sep="\t", comment="#", dtype=str)
    assert tuple(table.columns) == TRUTH_COLUMNS
    assert len(table) == len(planted.sites)
    first = table.iloc[0]
    site = planted.sites[0]
    assert (first["chrom"], int(first["start"]), int(first["end"])) == (
        site.chrom,
        site.start,
        site.end,
    )
    assert set(table.loc[table["kind"] != "pair", "product_size"]) == {"."}
    assert "seed=11" in planted.table.read_text().splitlines()[0]


def test_without_repeats_and_without_plants(tmp_path: Path) -> None:
    truth = write_synthetic_genome(tmp_path / "plain.fa", 0.2, seed=2, repeats=False)
    assert truth.sites == ()
    assert truth.table.read_text().splitlines()[2] == "\t".join(TRUTH_COLUMNS)
    with pysam.FastaFile(str(truth.fasta)) as fasta:
        text = fasta.fetch(f"{PREFIX}1")
    gc = sum(b in "GC" for b in text) / len(text)
    assert 0.35 < gc < 0.41  # 41 % drawn, less after CpG depletion (C -> T, G -> A)


def test_random_genome_is_unchanged_by_the_chromosome_generator() -> None:
    # the module-level generator must give random_genome's chromosomes (tests rely on them)
    genome = random_genome([5_000, 3_000], seed=4)
    assert list(genome) == [f"{PREFIX}1", f"{PREFIX}2"]
    assert [v.size for v in genome.values()] == [5_000, 3_000]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tree:F.4", "expected site:, pair: or seq:"),
        ("F.4", "expected site:, pair: or seq:"),
        ("site:", "names nothing to plant"),
        (
            "site:F.9",
            "'F.9' is neither a primer of the assay (F.2a, F.2b, F.4, R-7, R-8) nor a DNA sequence",
        ),
        ("site:F.4:mm=x", "mm='x' for F.4: expected a count (2) or positions from the 5' end"),
        ("site:F.4:mm=@22", "position 22 is outside the primer (1-21, from the 5' end)"),
        ("site:F.4:mm=@3+3", "a position is given twice"),
        ("site:F.4:mm=3@2+5", "the count 3 differs from the 2 positions given"),
        ("site:F.4:mm=17", "17 mismatches do not fit in the 16 bases outside the 3' end"),
        ("site:F.4:mm3p=6", "mm3p='6' for F.4: expected 0-5"),
        ("site:F.4:mm=@21:mm3p=5", "only 4 of the last 5 bases are free"),
        ("site:F.4:strand=x", "strand='x': expected + or -"),
        ("site:F.4:size=300", "option 'size' is not one of site's"),
        ("site:F.4:mm", "option 'mm': expected KEY=VALUE"),
        ("site:F.4:mm=1:mm=2", "option 'mm' is given twice"),
        ("pair:F.4", "a pair is FORWARD,REVERSE (two primers) or a reaction of the assay"),
        ("pair:F.4,R-7:mm=1", "mm='1': expected 2 values, forward then reverse (e.g. 1,0)"),
        ("pair:F.4,R-7:size=30", "size=30: a product holds both primers, so it is at least 41"),
        ("pair:F.4,R-7:size=-3", "size='-3': expected a whole number of at least 1"),
        ("seq:ACGN", "'ACGN' is not a DNA sequence"),
        ("seq:ACGT:mm=1", "option 'mm' is not one of seq's"),
        ("site:F.4:chrom=X", "chrom='X': expected a number (2) or SYNTHETIC_chr2"),
        ("site:F.4:pos=5:copies=2", "copies and pos exclude each other"),
    ],
)
def test_plant_syntax_errors_name_the_plant_and_what_was_expected(spec: str, message: str) -> None:
    with pytest.raises(ParameterError) as caught:
        parse_plant(spec, ASSAY)
    assert f"--plant {spec!r}" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("plants", "message"),
    [
        (["site:F.4:chrom=3"], "chrom SYNTHETIC_chr3 does not exist"),
        (["site:F.4:pos=199990"], "runs past the end of SYNTHETIC_chr1"),
        (["site:F.4:pos=100", "seq:ACGTACGT:pos=110"], "overlap; give other positions"),
        (["pair:F.4,R-7:size=150000:copies=2"], "leave 100,000 bases each, fewer than the 150,000"),
    ],
)
def test_placement_errors_write_nothing(tmp_path: Path, plants: list[str], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        write_synthetic_genome(tmp_path / "g.fa", 0.2, seed=1, plants=plants)
    assert list(tmp_path.iterdir()) == []


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def test_the_command_writes_fasta_index_and_truth(tmp_path: Path) -> None:
    target = tmp_path / "genome.fa"
    code, text = run([
        "reference", "synthetic-genome", "--size-mb", "0.4", "--chromosomes", "2", "--seed", "7",
        "--plant", "pair:F.4,R-7:size=300:mm=0,1", "--plant", "site:R-8:strand=-",
        "-o", str(target),
    ])  # fmt: skip
    assert code == 0, text
    assert "SYNTHETIC: 400,000 bases in 2 chromosomes, seed 7" in text
    assert "2 plants, 3 sites" in text
    assert {p.name for p in tmp_path.iterdir()} == {
        "genome.fa",
        "genome.fa.fai",
        "genome.truth.tsv",
    }
    table = pd.read_csv(tmp_path / "genome.truth.tsv", sep="\t", comment="#")
    assert list(table["primer"]) == ["F.4", "R-7", "R-8"]
    assert list(table["mismatches"]) == [0, 1, 0]
    # the same call writes the same genome
    again = tmp_path / "again.fa"
    code, _ = run([
        "reference", "synthetic-genome", "--size-mb", "0.4", "--chromosomes", "2", "--seed", "7",
        "--plant", "pair:F.4,R-7:size=300:mm=0,1", "--plant", "site:R-8:strand=-",
        "-o", str(again), "--truth", str(tmp_path / "again.tsv"),
    ])  # fmt: skip
    assert code == 0
    assert again.read_bytes() == target.read_bytes()
    assert (tmp_path / "again.tsv").is_file()


def test_the_command_uses_the_primers_of_another_assay_file(tmp_path: Path) -> None:
    bundled = Path(ASSAY.path)
    assay_file = tmp_path / "assay.toml"
    assay_file.write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    code, text = run([
        "reference", "synthetic-genome", "--size-mb", "0.2", "--assay", str(assay_file),
        "--plant", "pair:F.2b+R-8", "-o", str(tmp_path / "g.fa"),
    ])  # fmt: skip
    assert code == 0, text


@pytest.mark.parametrize(
    "argv",
    [
        ["--size-mb", "0.2", "--plant", "site:NOPE"],
        ["--size-mb", "0.2", "--plant", "pair:F.4,R-7:mm=1"],
        ["--size-mb", "0"],
        ["--size-mb", "0.2", "--chromosomes", "0"],
        ["--size-mb", "0.2", "--chromosomes", "500"],
        ["--size-mb", "0.2", "--seed", "-1"],
    ],
)
def test_the_command_exits_2_on_a_bad_option_and_writes_nothing(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(["reference", "synthetic-genome", *argv, "-o", str(tmp_path / "g.fa")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error" in err
    assert list(tmp_path.iterdir()) == []


def test_the_help_documents_the_plant_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["reference", "synthetic-genome", "--help"])
    assert code == 0
    text = capsys.readouterr().out
    for word in ("site:PRIMER", "pair:FORWARD,REVERSE", "seq:SEQUENCE", "mm3p=N", "copies=K",
                 "truth.tsv", "0-based half-open", "1-based from the 5' end"):  # fmt: skip
        assert word in text
