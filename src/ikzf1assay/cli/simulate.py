"""``ikzf1assay simulate run|cohort``: SYNTHETIC runs and SIMULATED cohorts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command, emit

__all__ = ["register"]


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.simulate import simulate_run

    sim = simulate_run(
        load_assay(args.assay), seed=args.seed, contaminated_ntc=args.contaminated_ntc
    )
    emit(sim.text, args.output, out)
    if args.truth is not None:
        sim.truth.to_csv(args.truth, sep="\t", index=False, lineterminator="\n")
    return 0


def _cohort(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.cohort import write_simulated_cohort

    files = write_simulated_cohort(args.seed, args.output)
    out.write(
        f"SIMULATED cohort (seed {args.seed}): {files.clinical}, {files.calls} and "
        "truth_SIMULATED.tsv; its samples SIM-01..SIM-08 are those of the bundled example run\n"
    )
    return 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``simulate run`` and ``simulate cohort`` under the top-level ``commands``."""
    simulate = add_command(commands, common, "simulate", help="simulate runs (SYNTHETIC)")
    actions = simulate.add_subparsers(dest="simulate_command", metavar="WHAT", required=True)
    run = add_command(
        actions,
        common,
        "run",
        help="an ABI 7500 v2 text export of a simulated IKZF1 run, with its truth",
        description=(
            "Writes a SYNTHETIC 96-well run of the assay (each deletion type, a mixed sample, a "
            "not-detected sample, a DNA failure, a late-only signal, controls) in ABI 7500 "
            "Software v2 text format; --truth writes the call each sample must receive."
        ),
    )
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
    run.add_argument("--contaminated-ntc", metavar="DELETION", help="e.g. Δ2-7: its NTC amplifies")
    run.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="the export (default stdout)"
    )
    run.add_argument("--truth", type=Path, metavar="TSV", help="write the expected calls here")
    run.set_defaults(handler=_run)
    cohort = add_command(
        actions,
        common,
        "cohort",
        help="a SIMULATED clinical cohort shaped like the study, with calls",
        description=(
            "Writes clinical_SIMULATED.csv (142 patients shaped like the study: 50 deleted, "
            "groups A 24, B 26, C 47, D 45), calls_other_runs_SIMULATED.tsv (the calls of the "
            "other simulated runs and two retests) and truth_SIMULATED.tsv into OUTDIR. Sample "
            "ids SIM-01..SIM-08 are the bundled example run's."
        ),
    )
    cohort.add_argument("--seed", type=int, default=1)
    cohort.add_argument("-o", "--output", type=Path, metavar="OUTDIR", required=True)
    cohort.set_defaults(handler=_cohort)
