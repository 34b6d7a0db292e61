"""``ikzf1assay demo``: the bundled SIMULATED run called, then analysed within a cohort."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command

__all__ = ["register"]


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.cli.call import print_run
    from ikzf1assay.report.cohort_summary import cohort_summary
    from ikzf1assay.workflows.demo import run_demo
    from ikzf1assay.workflows.run import CalledRun

    def show_run(export: Path, run: CalledRun, truth: str) -> None:
        out.write(
            f"ikzf1assay demo: calling the bundled SIMULATED run {export.name} "
            "(ABI 7500 Software v2 text; ikzf1assay simulate run --seed 1)\n\n"
        )
        print_run(run, "table", out)
        out.write("\nexpected (the simulator's truth):\n" + "\n".join(truth.splitlines()) + "\n")
        out.write(
            "\nikzf1assay demo: linking these calls to a SIMULATED cohort of 142 patients "
            "(ikzf1assay simulate cohort --seed 1) and running the cohort analysis\n\n"
        )

    demo = run_demo(args.output, on_run=show_run)
    out.write(cohort_summary(demo.cohort.analysis))
    out.write(f"report: {demo.cohort.files['report']}\n")
    if demo.outdir is None:
        out.write("(a temporary folder, removed now; pass -o OUTDIR to keep the outputs)\n")
    else:
        out.write(f"\noutputs written to {demo.outdir}\n")
    return 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``demo`` under the top-level ``commands``."""
    demo = add_command(
        commands,
        common,
        "demo",
        help="call the bundled example run (SIMULATED), then analyse a SIMULATED cohort",
        description=(
            "Calls the bundled simulated ABI 7500 run (each deletion type, a mixed sample, a "
            "not-detected sample, a DNA failure and a late-only signal) and prints the calls "
            "next to the simulator's truth; then links them to a SIMULATED cohort of 142 "
            "patients and runs the cohort analysis. -o OUTDIR also writes every output "
            "(OUTDIR/cohort/report.html for the cohort)."
        ),
    )
    demo.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="also write outputs")
    demo.set_defaults(handler=_demo)
