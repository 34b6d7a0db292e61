"""``ikzf1assay inspect`` and ``ikzf1assay curves``: what an export holds, and its curves."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command, add_input_format, emit, log, threshold

__all__ = ["register"]


def _inspect(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.report.inspect import melt_summary, render_inspection

    plate = read_run(args.file, format=args.input_format)
    summary = plate.summary()
    summary.setdefault("melt", melt_summary(plate.melt))
    emit(render_inspection(summary, args.format), args.output, out)
    return 0


def _curves(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves
    from ikzf1assay.report.curves import plot_curves, render_curves
    from ikzf1assay.workflows.run import require_amplification

    plate = read_run(args.file, format=args.input_format)
    require_amplification(plate, args.file)
    settings = CurveSettings(threshold=args.threshold, ct_cutoff=args.ct_cutoff)
    calls = analyse_curves(plate, settings)
    emit(render_curves(calls, args.format, plate), args.output, out)
    if args.plot is not None:
        files = plot_curves(calls, plate, args.plot, args.ct_cutoff)
        log.info("wrote %d plots to %s", len(files), args.plot)
    return 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``inspect`` and ``curves`` under the top-level ``commands``."""
    inspect = add_command(
        commands,
        common,
        "inspect",
        help="show what a qPCR run export holds, as read",
        description=(
            "Read a run export (ABI 7500 / QuantStudio text, .xls, .xlsx; Bio-Rad CFX CSV; "
            "RDML; tidy CSV), detecting the format from the content, and print what was read: "
            "format, instrument, wells, samples, targets, cycles, whether instrument Ct and "
            "curves are present, melt curves (reactions, targets, temperature range, readings), "
            "and anything skipped with the reason."
        ),
    )
    inspect.add_argument("file", type=Path, metavar="FILE", help="the run export")
    add_input_format(inspect, help="skip detection (default: auto)")
    inspect.add_argument("--format", choices=("table", "json"), default="table")
    inspect.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    inspect.set_defaults(handler=_inspect)

    curves = add_command(
        commands,
        common,
        "curves",
        help="recompute Ct, amplification and efficiency for every well from the raw curves",
        description=(
            "Baseline (the instrument's range where exported, else automatic), threshold "
            "(auto: per target in the common window of linearity; instrument: the exported "
            "threshold, or the one implied by the instrument's Ct; or a number), Ct by "
            "interpolation at the last upward crossing, a logistic shape check deciding "
            "'amplified', efficiency per well, and flags. One row per well."
        ),
    )
    curves.add_argument("file", type=Path, metavar="FILE", help="the run export")
    curves.add_argument(
        "--threshold", type=threshold, default="auto", metavar="auto|instrument|VALUE"
    )
    curves.add_argument(
        "--ct-cutoff", type=float, default=36.0, metavar="CT", help="LATE at or beyond (36)"
    )
    add_input_format(curves)
    curves.add_argument("--format", choices=("tsv", "json"), default="tsv")
    curves.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here, not stdout")
    curves.add_argument("--plot", type=Path, metavar="DIR", help="one PNG per target into DIR")
    curves.set_defaults(handler=_curves)
