"""``ikzf1assay primers check|specificity|design``: thermodynamics, genome specificity, design."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command, emit
from ikzf1assay.cli.reference import (
    add_locus_arguments,
    alleles_from_args,
    locus_from_args,
    parse_breakpoint,
)

__all__ = ["register"]


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.primers.thermo import check_primers
    from ikzf1assay.report.primer_check import render_primer_check

    assay = load_assay(args.assay)
    conditions = assay.conditions.replace(
        monovalent_mm=args.na,
        divalent_mm=args.mg,
        dntp_mm=args.dntp,
        oligo_nm=args.oligo,
        temperature_c=args.temp,
    )
    result = check_primers(assay, conditions)
    if assay.probes:
        from ikzf1assay.primers.probe import with_probes
        from ikzf1assay.reference import load_locus, synthetic_locus

        alleles = None
        if args.locus is not None:  # probe positions need the alleles; without: "not checked"
            locus = (
                synthetic_locus(assay, args.build)
                if args.locus == "synthetic"
                else load_locus(Path(args.locus), args.build)
            )
            alleles = alleles_from_args(args, locus)
        result = with_probes(result, assay, alleles)
    text = render_primer_check(result, args.format)
    emit(text, args.output, out)
    return 0


def _default_engines(args: argparse.Namespace) -> list[str]:
    if args.engine:
        return list(dict.fromkeys(args.engine))
    engines = []
    if args.genome is not None:
        engines += ["bowtie", "blast"]
    elif args.blast_db is not None:
        engines.append("blast")
    if args.remote:
        engines.append("remote")
    return engines


def _report(
    args: argparse.Namespace,
    out: TextIO,
    document: dict[str, Any],
    text: Callable[[], str],
    write: Callable[[Path], list[Path]],
) -> int:
    """Print JSON or text (``--format``) and, with ``-o``, write the output files."""
    if args.format == "json":
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(text())
    if args.output is not None:
        files = write(args.output)
        out.write(f"wrote {', '.join(f.name for f in files)} to {args.output}\n")
    return 0


def _specificity(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.primers.specificity import check_specificity
    from ikzf1assay.report.specificity import render_specificity_text, write_specificity

    assay = load_assay(args.assay)
    locus = locus_from_args(args, assay)
    alleles = alleles_from_args(args, locus)
    engines = _default_engines(args)
    remote = {
        k: v
        for k, v in (
            ("url_base", args.remote_url),
            ("database", args.remote_database),
            ("timeout", args.timeout),
        )
        if v is not None
    }
    conditions = assay.conditions.replace(annealing_c=args.annealing)
    result = check_specificity(
        assay, locus, alleles, engines=engines, genome=args.genome, blast_db=args.blast_db,
        remote=remote, conditions=conditions, max_size=args.max_size,
        max_mismatches=args.max_mismatches, threads=args.threads,
    )  # fmt: skip
    return _report(
        args, out, result.to_dict(), lambda: render_specificity_text(result),
        lambda folder: write_specificity(result, assay, folder),
    )  # fmt: skip


def _size_range(text: str) -> tuple[int, int]:
    from ikzf1assay.errors import ParameterError

    try:
        low, high = (int(x) for x in text.split("-"))
    except ValueError:
        raise ParameterError(f"--product-size {text!r}: expected MIN-MAX, e.g. 80-200") from None
    return low, high


def _design(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.primers.design import design_primers
    from ikzf1assay.report.specificity import render_design_text, write_design

    assay = load_assay(args.assay)
    locus = locus_from_args(args, assay)
    alleles = alleles_from_args(args, locus)
    around = None
    if args.around is not None:
        _, around, _ = parse_breakpoint(f"{args.deletion}={args.around}")
    result = design_primers(
        assay, locus, alleles, args.deletion, around=around, window=args.window,
        product_size=_size_range(args.product_size) if args.product_size else None,
        num_return=args.num, engines=_default_engines(args), genome=args.genome,
        max_size=args.max_size or assay.conditions.max_product_bp, threads=args.threads,
    )  # fmt: skip
    return _report(
        args, out, result.to_dict(), lambda: render_design_text(result),
        lambda folder: write_design(result, assay, folder),
    )  # fmt: skip


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``primers`` and its actions under the top-level ``commands``."""
    primers = add_command(
        commands, common, "primers", help="check, validate and design the assay's primers"
    )
    actions = primers.add_subparsers(dest="primers_command", metavar="ACTION", required=True)
    _register_check(actions, common)
    _register_specificity(actions, common)
    _register_design(actions, common)


def _register_check(actions: Any, common: argparse.ArgumentParser) -> None:
    check = add_command(
        actions,
        common,
        "check",
        help="thermodynamic checks of every primer, primer combination and reaction (primer3)",
        description=(
            "Tm, GC, hairpins, self- and cross-dimers (also 3'-anchored), 3'-end stability, "
            "runs and GC clamp of every primer of the assay file, computed with primer3-py at "
            "the stated conditions and flagged against the file's [thresholds]. Conditions "
            "default to the file's [conditions] (bundled file: 50 mM monovalent, 3 mM Mg2+, "
            "0.8 mM dNTP, 250 nM oligo). [[probe]] entries are checked too: Tm 6-10 C above "
            "their reaction's primers, no 5' G, structures, and (with --locus) their place in "
            "the reaction's product on its deletion allele, off the junction."
        ),
    )
    check.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
    check.add_argument("--na", type=float, metavar="MM", help="monovalent cations, mM")
    check.add_argument("--mg", type=float, metavar="MM", help="Mg2+, mM")
    check.add_argument("--dntp", type=float, metavar="MM", help="total dNTP, mM")
    check.add_argument("--oligo", type=float, metavar="NM", help="each oligo, nM")
    check.add_argument("--temp", type=float, metavar="C", help="temperature for dG, C (37)")
    check.add_argument(
        "--locus", metavar="FASTA|synthetic",
        help="[[probe]] positions: in-silico PCR on this locus' deletion alleles (a fetched "
        "locus file, or the SYNTHETIC stand-in); without it the positions are not checked",
    )  # fmt: skip
    check.add_argument("--build", default="GRCh38", help="with --locus: GRCh38 (default) or GRCh37")
    check.add_argument(
        "--breakpoint", action="append", metavar="DEL=LEFT-RIGHT[:INS]",
        help="with --locus: a deletion's breakpoints, e.g. Δ4-7=50364000-50398000 (repeatable)",
    )  # fmt: skip
    check.add_argument("--format", choices=("table", "tsv", "json"), default="table")
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    check.set_defaults(handler=_check)


def _register_specificity(actions: Any, common: argparse.ArgumentParser) -> None:
    spec = add_command(
        actions,
        common,
        "specificity",
        help="genome-wide primer sites and products (BLAST+, Bowtie), in-silico PCR per allele",
        description=(
            "Finds every site of every primer in a genome (--genome FASTA: Bowtie 1 -v 3 -a, "
            "complete, and blastn-short with Primer-BLAST's settings; --blast-db DB; --remote: "
            "NCBI BLAST over the network), judges whether each site primes at the run's "
            "annealing temperature (primer3 duplex Tm of primer and site, and of its "
            "3'-anchored form, at least Ta - 5 C, with the last two 3' bases paired), pairs "
            "facing sites into products up to --max-size in every orientation, runs in-silico "
            "PCR of each reaction on the wild-type locus and every deletion allele, and gives "
            "each reaction a verdict: FAIL for an off-target product that amplifies at Ta, "
            "WARN for one that would only 5 C lower or only when multiplexed. Annealing "
            "temperature and maximum product size default to the assay file's [conditions] "
            "(60 C, 4000 bp). Without a genome: in-silico PCR on the locus only (default: the "
            "SYNTHETIC stand-in)."
        ),
    )
    add_locus_arguments(spec)
    spec.add_argument("--blast-db", type=Path, metavar="DB", help="existing BLAST database")
    spec.add_argument("--remote", action="store_true", help="also NCBI BLAST over the network")
    spec.add_argument("--remote-url", metavar="URL", help="another BLAST URL API (e.g. a test)")
    spec.add_argument("--remote-database", metavar="DB", help="NCBI database (human genomic)")
    spec.add_argument("--timeout", type=float, metavar="S", help="per network request (120)")
    spec.add_argument(
        "--engine", action="append", choices=("scan", "bowtie", "blast", "remote"),
        help="search engine(s), repeatable (default: bowtie and blast with --genome)",
    )  # fmt: skip
    spec.add_argument(
        "--locus", metavar="FASTA|synthetic",
        help="locus for in-silico PCR (default: from --genome, else the SYNTHETIC stand-in)",
    )  # fmt: skip
    spec.add_argument(
        "--breakpoint", action="append", metavar="DEL=LEFT-RIGHT[:INS]",
        help="deletion breakpoints, e.g. Δ4-7=50364000-50398000 (repeatable)",
    )  # fmt: skip
    spec.add_argument(
        "--max-size", type=int, metavar="BP",
        help="largest product (default: the assay's max_product_bp, 4000)",
    )  # fmt: skip
    spec.add_argument(
        "--annealing", type=float, metavar="C",
        help="annealing temperature (default: the assay's annealing_c, 60)",
    )  # fmt: skip
    spec.add_argument("--max-mismatches", type=int, default=3, metavar="N", help="0-3 (3)")
    spec.add_argument("--threads", type=int, default=2, metavar="N")
    spec.add_argument("--format", choices=("table", "json"), default="table")
    spec.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="write TSV/JSON/HTML")
    spec.set_defaults(handler=_specificity)


def _register_design(actions: Any, common: argparse.ArgumentParser) -> None:
    design = add_command(
        actions,
        common,
        "design",
        help="design new breakpoint primers with Primer3, each checked and ranked",
        description=(
            "Primer3 (primer3-py) designs forward/reverse pairs whose product spans the "
            "junction of the deletion (anywhere in the two breakpoint-cluster windows, or "
            "--around a sequenced junction); every candidate goes through in-silico PCR on all "
            "alleles, genome specificity (with --genome) and dimers with the existing primers, "
            "and candidates are ranked: PASS before WARN before FAIL, then Primer3's penalty."
        ),
    )
    design.add_argument("--deletion", required=True, help="Δ4-7, Δ2-7, Δ2-8 or Δ4-8 (D4-7 too)")
    design.add_argument(
        "--around", metavar="LEFT-RIGHT",
        help="sequenced breakpoints: last base kept, first base kept after (chromosome)",
    )  # fmt: skip
    design.add_argument(
        "--window", type=int, default=10, metavar="BP",
        help="with --around: bases each side the product must cover (10)",
    )  # fmt: skip
    design.add_argument("--product-size", metavar="MIN-MAX", help="Primer3 product size range")
    design.add_argument("--num", type=int, default=10, metavar="N", help="pairs to design (10)")
    add_locus_arguments(design)
    design.add_argument("--engine", action="append", choices=("scan", "bowtie", "blast", "remote"))
    design.add_argument("--blast-db", type=Path, metavar="DB", help=argparse.SUPPRESS)
    design.add_argument("--remote", action="store_true", help=argparse.SUPPRESS)
    design.add_argument("--locus", metavar="FASTA|synthetic")
    design.add_argument("--breakpoint", action="append", metavar="DEL=LEFT-RIGHT[:INS]",
                        help="breakpoints of the other alleles (repeatable)")  # fmt: skip
    design.add_argument("--max-size", type=int, metavar="BP",
                        help="largest product (default: the assay max_product_bp)")  # fmt: skip
    design.add_argument("--threads", type=int, default=2, metavar="N")
    design.add_argument("--format", choices=("table", "json"), default="table")
    design.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="candidates.tsv, JSON")
    design.set_defaults(handler=_design)
