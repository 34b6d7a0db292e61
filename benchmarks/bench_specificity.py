"""Benchmark: time, recall and verdicts of the specificity engines on a SYNTHETIC genome.

    python benchmarks/bench_specificity.py [--size-mb 200] [--copies 5] [--workdir DIR]

Generates a genome of ``--size-mb`` megabases (human-like composition, ~45 % interspersed
repeats and microsatellites; ikzf1assay.reference.random_genome), plants every primer of the
bundled assay ``--copies`` times for each combination of strand (+/-), mismatch count (0-3)
and mismatch place (5' half / last five bases at the 3' end), then measures, in one run:

* index builds: ``makeblastdb`` (BLAST+) and ``bowtie-build`` (Bowtie 1, 2 threads);
* searches: ``scan`` (numpy, reads the FASTA), ``bowtie -v 3 -a`` and ``blastn -task
  blastn-short`` with Primer-BLAST's settings (word size 7, E 30000, no filter) plus the
  full-length extension;
* recall of the planted sites per engine and mismatch count, and peak memory;
* the verdict of every reaction per engine (``check_specificity`` with that engine alone, on
  the stand-in locus' alleles), first on the generated genome WITHOUT any planted site
  (expected: all PASS) and then with the planted sites plus four planted facing pairs
  (:data:`PAIRS`: two that amplify at 60 C and must FAIL their reaction, one with the last
  two 3' bases of its forward primer mismatched and one 6 kb apart, which must not), with
  the time each engine's whole check took.

The last lines extrapolate linearly to a 3.1 Gb genome: an EXTRAPOLATION, not a measurement.
Prints figures only; nothing is asserted (speed targets are not unit tests).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ikzf1assay.assay import load_assay
from ikzf1assay.primers.engines import blast_sites, bowtie_sites, build_blast_db, build_bowtie_index
from ikzf1assay.primers.sites import Site
from ikzf1assay.primers.specificity import check_specificity, genome_sites
from ikzf1assay.reference import all_alleles, synthetic_locus
from ikzf1assay.reference.synthetic import PlantedSite, plant, random_genome, write_fasta

HUMAN_GB = 3.1
# Planted facing pairs: (forward, reverse, product bp, forward offsets, reverse offsets, why).
# Offsets are mismatches from the primer's 5' end; negative ones count from its 3' end.
PAIRS = (
    ("F.2a", "R-7", 600, (), (), "exact: FAIL"),
    ("F.2b", "R-8", 500, (0, 1), (0, 2), "2 mismatches each at the 5' end: FAIL"),
    ("F.4", "R-7", 700, (-1, -2), (), "last two 3' bases of F.4 mismatched: not FAIL"),
    ("F.4", "R-8", 6000, (), (), "exact but 6 kb apart: not FAIL"),
)
EXPECTED_PLANTED = {
    "F.2a+R-7": "FAIL",
    "F.2b+R-8": "FAIL",
    "F.4+R-7": "WARN (R-7 in the F.2a pair: multiplex only)",
    "F.4+R-8": "WARN (R-8 in the F.2b pair: multiplex only)",
}
ENGINES = ("scan", "bowtie", "blast")


def _timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - t0
    print(f"{label:<34} {elapsed:9.1f} s", flush=True)
    return value, elapsed


def _peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _verdicts(fasta: Path, title: str, expected: dict[str, str]) -> None:
    """Each reaction's verdict per engine on ``fasta``, with the time of each whole check."""
    assay = load_assay()
    locus = synthetic_locus(assay)
    alleles = all_alleles(locus)
    print(f"\nverdicts, {title} (annealing {assay.conditions.annealing_c:g} C, products up to "
          f"{assay.conditions.max_product_bp} bp):")  # fmt: skip
    rows: dict[str, dict[str, str]] = {r.name: {} for r in assay.reactions}
    times = {}
    for engine in ENGINES:
        t0 = time.perf_counter()
        result = check_specificity(assay, locus, alleles, engines=[engine], genome=fasta)
        times[engine] = time.perf_counter() - t0
        for v in result.verdicts:
            blast = v.primer_blast_count
            rows[v.reaction][engine] = f"{v.verdict} ({len(v.products)}; PB {blast})"
    print(f"{'reaction':<10}" + "".join(f"{e:>22}" for e in ENGINES) + "   expected")
    for reaction, row in rows.items():
        cells = "".join(f"{row[e]:>22}" for e in ENGINES)
        print(f"{reaction:<10}{cells}   {expected.get(reaction, 'PASS')}")
    print(f"{'time (s)':<10}" + "".join(f"{times[e]:>22.1f}" for e in ENGINES))
    print("(n; PB m): n products decided the verdict; m off-target products of the reaction's "
          "own primers Primer-BLAST's mismatch rule would count (information)")  # fmt: skip


def _plant_pairs(
    genome: dict[str, np.ndarray], primers: dict[str, str], contig: str, first: int, step: int
) -> None:
    for i, (fwd, rev, size, f_mm, r_mm, _) in enumerate(PAIRS):
        at = first + i * step
        f_off = [o % len(primers[fwd]) for o in f_mm]
        r_off = [o % len(primers[rev]) for o in r_mm]
        plant(genome, fwd, primers[fwd], contig, at, "+", f_off)
        plant(genome, rev, primers[rev], contig, at + size - len(primers[rev]), "-", r_off)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    assay = load_assay()
    primers = {p.name: p.sequence for p in assay.primers}
    n_chrom = max(1, round(args.size_mb / 50))
    lengths = [int(args.size_mb * 1e6 / n_chrom)] * n_chrom
    tmp = tempfile.TemporaryDirectory() if args.workdir is None else None
    work = Path(tmp.name) if tmp is not None else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    print(f"SYNTHETIC genome: {sum(lengths) / 1e6:.0f} Mb in {n_chrom} chromosomes, in {work}")

    genome, _ = _timed(
        "generate (composition + repeats)", lambda: random_genome(lengths, args.seed)
    )
    clean = work / "SYNTHETIC_genome_unplanted.fa"
    _timed("write unplanted FASTA + faidx", lambda: write_fasta(clean, genome))
    _timed("index builds (unplanted)", lambda: (build_blast_db(clean), build_bowtie_index(clean)))
    _verdicts(clean, "generated genome WITHOUT planted sites", {})
    rng = np.random.default_rng(args.seed + 1)
    planted: list[PlantedSite] = []
    spacing = min(lengths) // (len(primers) * 4 * 2 * 2 * args.copies + 1) * n_chrom
    slot = 0
    for name, seq in primers.items():
        for k in range(4):
            for strand in "+-":
                for where in ("5'", "3'"):
                    for _ in range(args.copies):
                        lo, hi = (len(seq) - 5, len(seq)) if where == "3'" else (0, len(seq) // 2)
                        offsets = rng.choice(np.arange(lo, hi), size=min(k, hi - lo), replace=False)
                        contig = f"SYNTHETIC_chr{1 + slot % n_chrom}"
                        position = 1000 + (slot // n_chrom) * spacing
                        planted.append(
                            plant(
                                genome, name, seq, contig, position, strand, offsets.tolist(), rng
                            )
                        )
                        slot += 1
    _plant_pairs(genome, primers, "SYNTHETIC_chr1", 1000 + spacing // 2, spacing)
    target = work / "SYNTHETIC_genome.fa"
    fasta, _ = _timed("write FASTA + faidx", lambda: write_fasta(target, genome))
    genome.clear()
    print(
        f"planted sites: {len(planted)} "
        f"(0-3 mismatches x 2 strands x 5'/3' x {args.copies} x 5 primers), "
        f"and {len(PAIRS)} facing pairs: "
        + "; ".join(f"{f}+{r} {s} bp, {why}" for f, r, s, _, _, why in PAIRS)
    )

    _, t_makeblastdb = _timed("makeblastdb", lambda: build_blast_db(fasta))
    _, t_bowtie_build = _timed(
        "bowtie-build (2 threads)", lambda: build_bowtie_index(fasta, threads=2)
    )
    found: dict[str, list[Site]] = {}
    times: dict[str, float] = {}
    found["scan"], times["scan"] = _timed(
        "scan (numpy, from FASTA)", lambda: genome_sites(primers, ["scan"], genome=fasta)[0]
    )
    found["bowtie"], times["bowtie"] = _timed(
        "bowtie -v 3 -a", lambda: bowtie_sites(fasta, primers, 3, threads=2)
    )
    found["blast"], times["blast"] = _timed(
        "blastn-short + extension", lambda: blast_sites(primers, genome=fasta, threads=2)
    )

    print("\nrecall of planted sites (found / planted) by mismatches:")
    print(
        f"{'engine':<8}" + "".join(f"{k:>12}" for k in range(4)) + f"{'all':>12}{'sites found':>14}"
    )
    for engine, sites in found.items():
        keys = {(s.primer, s.contig, s.start, s.strand) for s in sites}
        row = []
        total = 0
        for k in range(4):
            group = [p for p in planted if len(p.mismatch_offsets) == k]
            hit = sum((p.primer, p.contig, p.position, p.strand) in keys for p in group)
            total += hit
            row.append(f"{hit}/{len(group)}")
        print(
            f"{engine:<8}"
            + "".join(f"{c:>12}" for c in row)
            + f"{total / len(planted):>11.1%}{len(sites):>14}"
        )
    _verdicts(fasta, "the same genome with the planted sites and pairs", EXPECTED_PLANTED)
    own, children = _peak_mib()
    print(
        f"\npeak RSS: this process {own:.0f} MiB, "
        f"largest child (blastn/bowtie/makeblastdb) {children:.0f} MiB"
    )
    print("\nratios measured in this run:")
    print(f"  scan / blastn-short        {times['scan'] / times['blast']:.2f}")
    print(f"  bowtie / blastn-short      {times['bowtie'] / times['blast']:.2f}")
    print(f"  bowtie-build / makeblastdb {t_bowtie_build / t_makeblastdb:.1f}")
    scale = HUMAN_GB * 1000 / (sum(lengths) / 1e6)
    print(f"\nEXTRAPOLATION (linear, x{scale:.1f}) to a {HUMAN_GB} Gb genome, not a measurement:")
    for label, t in (("makeblastdb", t_makeblastdb), ("bowtie-build", t_bowtie_build),
                     ("scan", times["scan"]), ("bowtie search", times["bowtie"]),
                     ("blastn-short search", times["blast"])):  # fmt: skip
        print(f"  {label:<22} ~{t * scale / 60:7.1f} min")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
