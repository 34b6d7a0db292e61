"""``ikzf1assay reference show|fetch|alleles|synthetic-genome``: gene model, locus download,
deletion alleles, SYNTHETIC test genomes with planted primer sites.

Also the locus options (``--genome``, ``--build``, ``--breakpoint``) the primer commands share.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command
from ikzf1assay.errors import InputFormatError, ParameterError

__all__ = [
    "add_locus_arguments",
    "alleles_from_args",
    "locus_from_args",
    "parse_breakpoint",
    "register",
]

_BREAKPOINT = re.compile(
    r"^(?P<name>[^=]+)=(?P<left>[\d,]+)-(?P<right>[\d,]+)(?::(?P<ins>[A-Za-z]*))?$"
)


def parse_breakpoint(text: str) -> tuple[str, tuple[int, int], str]:
    """``Δ4-7=50364000-50398000[:GATC]`` -> (deletion, (left, right), insertion)."""
    m = _BREAKPOINT.match(text.strip())
    if m is None:
        raise ParameterError(
            f"--breakpoint {text!r}: expected DELETION=LEFT-RIGHT[:INSERTION], e.g. "
            "Δ4-7=50364000-50398000 (last base kept, first base kept after; chromosome "
            "coordinates)"
        )
    left, right = (int(m.group(k).replace(",", "")) for k in ("left", "right"))
    return m.group("name").strip(), (left, right), m.group("ins") or ""


def locus_from_args(args: argparse.Namespace, assay: Any) -> Any:
    """``--locus synthetic|FILE`` (commands that have it), else the locus inside ``--genome``,
    else the SYNTHETIC stand-in."""
    from ikzf1assay.reference import load_locus, synthetic_locus

    choice = getattr(args, "locus", None)
    if choice == "synthetic" or (choice is None and args.genome is None):
        return synthetic_locus(assay, args.build)
    source = Path(choice) if choice is not None else args.genome
    try:
        return load_locus(source, args.build)
    except InputFormatError as exc:
        if choice is not None or not hasattr(args, "locus"):  # no --locus to suggest
            raise
        raise InputFormatError(
            f"{exc.message}; for in-silico PCR pass --locus FILE (e.g. from `ikzf1assay "
            "reference fetch`) or --locus synthetic (the SYNTHETIC stand-in)",
            source=exc.source,
        ) from None


def alleles_from_args(args: argparse.Namespace, locus: Any) -> list[Any]:
    """Wild type and every deletion allele, with ``--breakpoint`` overrides."""
    from ikzf1assay.reference import all_alleles, deletion_allele

    alleles = all_alleles(locus)
    for text in args.breakpoint or ():
        name, points, insertion = parse_breakpoint(text)
        chosen = deletion_allele(locus, name, points, insertion)
        alleles = [chosen if a.name == chosen.name else a for a in alleles]
    return list(alleles)


def _show(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.reference import load_gene_model

    model = load_gene_model().build(args.build)
    if args.format == "json":
        doc = {
            "gene": model.gene,
            "transcript": model.transcript,
            "build": model.build,
            "chrom": model.chrom,
            "locus": model.locus_region,
            "cds": [model.cds_start, model.cds_end],
            "exons": [{"number": e.number, "start": e.start, "end": e.end} for e in model.exons],
            "clusters": [
                {"name": c.name, "region": c.region, "start": c.start, "end": c.end}
                for c in model.clusters.values()
            ],
            "deletions": [
                {"name": d.name, "exons_lost": list(d.exons_lost), "from": d.from_cluster,
                 "to": d.to_cluster}
                for d in model.deletions.values()
            ],
        }  # fmt: skip
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    out.write(f"{model.gene} {model.transcript} on {model.build}, chromosome {model.chrom} (+)\n")
    out.write(f"locus {model.locus_region}; CDS {model.cds_start:,}-{model.cds_end:,}\n\n")
    out.write("exon\tstart\tend\tlength\n")
    for e in model.exons:
        out.write(f"{e.number}\t{e.start}\t{e.end}\t{e.length}\n")
    out.write("\ncluster\tstart\tend\tregion (PLACEHOLDER windows: see the gene-model file)\n")
    for c in model.clusters.values():
        out.write(f"{c.name}\t{c.start}\t{c.end}\t{c.region}\n")
    out.write("\ndeletion\texons lost\tfrom\tto\n")
    for d in model.deletions.values():
        out.write(
            f"{d.name}\t{d.exons_lost[0]}-{d.exons_lost[1]}\t{d.from_cluster}\t{d.to_cluster}\n"
        )
    return 0


def _fetch(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.reference import fetch_locus

    result = fetch_locus(
        args.build, args.output, service=args.service, base_url=args.base_url, timeout=args.timeout
    )
    out.write(
        f"wrote {result.fasta} ({len(result.locus.sequence):,} bases, {result.locus.name}; "
        f"SHA-256 {result.sha256}) and {result.provenance}\n"
    )
    return 0


def _alleles(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.reference import write_fasta

    locus = locus_from_args(args, load_assay(args.assay))
    alleles = alleles_from_args(args, locus)
    out.write(f"# {locus.name}\n")
    out.write("allele\tlength\tleft\tright\tdeleted\tjunction\n")
    for a in alleles:
        left, right = a.breakpoints or ("", "")
        out.write(
            f"{a.name}\t{len(a.sequence)}\t{left}\t{right}\t{a.deleted_bases}\t"
            f"{a.junction_sequence(25)}\n"
        )
    if args.output is not None:
        label = "SYNTHETIC_" if locus.synthetic else ""
        records = {
            f"{label}{locus.model.gene}_{locus.model.build}_{a.name.replace('Δ', 'del')}": (
                a.sequence
            )
            for a in alleles
        }
        write_fasta(args.output, records)
        out.write(f"wrote {args.output}\n")
    return 0


_PLANT_HELP = """\
plants (--plant, repeatable; the syntax of ikzf1assay.reference.synthetic_genome):
  site:PRIMER[:mm=M][:mm3p=N][:strand=+|-][:chrom=C][:pos=P][:copies=K]
  pair:FORWARD,REVERSE[:size=S][:mm=M,M][:mm3p=N,N][:strand=+|-][:chrom=C][:pos=P][:copies=K]
  pair:REACTION[...]       the reaction's forward and reverse primers (e.g. pair:F.4+R-7)
  seq:SEQUENCE[:strand=+|-][:chrom=C][:pos=P][:copies=K]

  PRIMER      a primer name of the assay file (--assay) or a DNA sequence (ACGT, >= 8 bases)
  site        a lone site; strand + (default): the primer's sequence reads on the + strand,
              -: its reverse complement does
  pair        a facing pair: a product of size S bases (default 300, primers included), with
              FORWARD's sequence at the left and REVERSE's reverse complement at the right
              (strand -: the mirror image, the product on the other strand)
  seq         the sequence as given (reverse complement on -), no mismatches
  mm=M        mismatches with the site: a count, placed (from the seed) outside the last
              5 bases of the 3' end, or [COUNT]@P[+P...] at positions 1-based from the 5'
              end (@1 = the 5'-most base). A pair takes one per primer: mm=1,0 or mm=@4+9,@2
  mm3p=N      more mismatches among the last 5 bases of the 3' end (0-5); pairs N,N
  chrom=C     2 or SYNTHETIC_chr2; pos=P: 0-based start of the plant's leftmost base.
              Without them plants are spread evenly over the chromosomes, in order.
  copies=K    plant it K times (own ids, own drawn mismatch positions); not with pos

examples:
  ikzf1assay reference synthetic-genome --size-mb 50 --chromosomes 4 --seed 7 -o genome.fa
  ikzf1assay reference synthetic-genome --size-mb 2 -o g.fa \\
      --plant 'pair:F.4,R-7:size=300:mm=0,0' --plant 'pair:F.4+R-8:mm=2,0:mm3p=0,1' \\
      --plant 'site:R-8:mm=@3+11:strand=-' --plant 'site:F.2a:copies=5:mm=1'

outputs: FILE.fa (every header says SYNTHETIC), FILE.fa.fai, and FILE.truth.tsv: one row
per planted site (a pair has two rows with the same plant id): plant, kind, primer,
primer_sequence, chrom, start, end (0-based half-open, as BED), strand, mismatches,
mismatches_3p, mismatch_positions (1-based from the 5' end, "+"-separated, "." none), site
(the genome's bases in the primer's orientation), product_size (pairs), spec. Each file is
written under a temporary name and renamed when complete. The same arguments and seed
write the same bytes.
"""


def _synthetic_genome(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.reference.synthetic_genome import write_synthetic_genome

    assay = load_assay(args.assay) if args.plant else None
    truth = write_synthetic_genome(
        args.output,
        args.size_mb,
        seed=args.seed,
        plants=args.plant or (),
        assay=assay,
        chromosomes=args.chromosomes,
        repeats=args.repeats,
        truth_path=args.truth,
    )
    bases = sum(truth.chromosomes.values())
    out.write(
        f"wrote {truth.fasta} (SYNTHETIC: {bases:,} bases in "
        f"{_count(len(truth.chromosomes), 'chromosome')}, seed {truth.seed}"
        f"{'' if args.repeats else ', no repeats'}), {truth.fai} and {truth.table} "
        f"({_count(len(truth.plants), 'plant')}, {_count(len(truth.sites), 'site')})\n"
    )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 0")
    return value


def _size_mb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a size in megabases above 0 and at most 10000"
        )
    return value


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``reference show|fetch|alleles|synthetic-genome`` under ``commands``."""

    def sub(group: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return add_command(group, common, name, **kwargs)

    reference = sub(
        commands, "reference", help="IKZF1 gene model, locus download, deletion alleles"
    )
    actions = reference.add_subparsers(dest="reference_command", metavar="ACTION", required=True)

    show = sub(actions, "show", help="the gene model: exons, breakpoint clusters, deletions")
    show.add_argument("--build", default="GRCh38", help="GRCh38 (default) or GRCh37")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(handler=_show)

    fetch = sub(
        actions,
        "fetch",
        help="download just the IKZF1 locus (Ensembl REST or UCSC), with checksum and provenance",
        description=(
            "Downloads the locus region of the gene model (5 kb before exon 1 to 15 kb after "
            "exon 8) and writes IKZF1_<build>.fa, its .fai index and IKZF1_<build>.json "
            "(service, URL, SHA-256, time) into OUTDIR. Use the FASTA with --genome."
        ),
    )
    fetch.add_argument("--build", default="GRCh38", help="GRCh38 (default) or GRCh37")
    fetch.add_argument("--service", choices=("ensembl", "ucsc"), default="ensembl")
    fetch.add_argument("--base-url", metavar="URL", help="another server (a mirror, a test server)")
    fetch.add_argument("--timeout", type=float, default=60.0, metavar="S")
    fetch.add_argument("-o", "--output", type=Path, default=Path("reference"), metavar="OUTDIR")
    fetch.set_defaults(handler=_fetch)

    alleles = sub(
        actions,
        "alleles",
        help="wild-type and deletion alleles (Δ4-7, Δ2-7, Δ2-8, Δ4-8) with their junctions",
        description=(
            "Builds each deletion allele from the locus (--genome FASTA, or the SYNTHETIC "
            "stand-in when no genome is given) with breakpoints at the cluster centres or as "
            "given, prints sizes and junction sequences, and with -o writes them as FASTA."
        ),
    )
    add_locus_arguments(alleles)
    alleles.add_argument(
        "--breakpoint", action="append", metavar="DEL=LEFT-RIGHT[:INS]",
        help="e.g. Δ4-7=50364000-50398000 (repeatable)",
    )  # fmt: skip
    alleles.add_argument("-o", "--output", type=Path, metavar="FASTA")
    alleles.set_defaults(handler=_alleles)

    synthetic = sub(
        actions,
        "synthetic-genome",
        help="a SYNTHETIC test genome (human-like, with repeats) with planted primer sites",
        description=(
            "Writes generated chromosomes SYNTHETIC_chr1..N (41 % GC, CpG depleted, ~45 %\n"
            "Alu-, L1-, MIR-, ERV- and DNA-transposon-like repeats and microsatellites; not\n"
            "human sequence) with primer sites and facing primer pairs planted at chosen\n"
            "mismatches, its .fai index and a truth table, to test primer-specificity searches\n"
            "(`primers specificity --genome`). Chromosomes are made and written one at a time."
        ),
        epilog=_PLANT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    synthetic.add_argument(
        "--size-mb", type=_size_mb, required=True, metavar="N",
        help="genome size in megabases (10^6 bases), split evenly over the chromosomes",
    )  # fmt: skip
    synthetic.add_argument(
        "--chromosomes", type=_positive_int, metavar="N",
        help="number of chromosomes (default: one per started 50 Mb)",
    )  # fmt: skip
    synthetic.add_argument(
        "--seed", type=_seed, default=1, metavar="S",
        help="everything follows from it (default 1)",
    )  # fmt: skip
    synthetic.add_argument(
        "--no-repeats", dest="repeats", action="store_false",
        help="composition only: no interspersed repeats, no microsatellites",
    )  # fmt: skip
    synthetic.add_argument(
        "--plant", action="append", metavar="SPEC",
        help="a site, a facing pair or a sequence to plant (repeatable; syntax below)",
    )  # fmt: skip
    synthetic.add_argument(
        "--assay", type=Path, metavar="FILE",
        help="assay file the primer names come from (default: bundled)",
    )  # fmt: skip
    synthetic.add_argument(
        "--truth", type=Path, metavar="TSV",
        help="the truth table (default: beside the FASTA, genome.fa -> genome.truth.tsv)",
    )  # fmt: skip
    synthetic.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FASTA",
        help="the genome FASTA to write (FASTA.fai is written beside it)",
    )  # fmt: skip
    synthetic.set_defaults(handler=_synthetic_genome)


def add_locus_arguments(parser: argparse.ArgumentParser) -> None:
    """``--genome``, ``--build`` and ``--assay``, shared by every command that needs the locus."""
    parser.add_argument(
        "--genome", type=Path, metavar="FASTA",
        help="indexed genome FASTA or a fetched locus file (default: the SYNTHETIC stand-in)",
    )  # fmt: skip
    parser.add_argument("--build", default="GRCh38", help="GRCh38 (default) or GRCh37")
    parser.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
