"""``ikzf1assay reference show|fetch|alleles``: gene model, locus download, deletion alleles.

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


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``reference show|fetch|alleles`` under the top-level ``commands``."""

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


def add_locus_arguments(parser: argparse.ArgumentParser) -> None:
    """``--genome``, ``--build`` and ``--assay``, shared by every command that needs the locus."""
    parser.add_argument(
        "--genome", type=Path, metavar="FASTA",
        help="indexed genome FASTA or a fetched locus file (default: the SYNTHETIC stand-in)",
    )  # fmt: skip
    parser.add_argument("--build", default="GRCh38", help="GRCh38 (default) or GRCh37")
    parser.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
