"""The ``ikzf1assay`` command. Thin: parse, call the library, print.

Every error ends here, in :func:`main`, as one line on stderr and an exit code: 2 for bad input
or parameters (:class:`~ikzf1assay.errors.IkzfAssayError` and usage errors), 1 for files that
cannot be read or written, 130 when interrupted. ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from ikzf1assay import __version__
from ikzf1assay.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_IO,
    FileAccessError,
    IkzfAssayError,
    ParameterError,
)

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, TextIO], int]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    return common


def _primers_check(args: argparse.Namespace, out: TextIO) -> int:
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
    text = render_primer_check(check_primers(assay, conditions), args.format)
    _emit(text, args.output, out)
    return 0


def _inspect(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.report.inspect import render_inspection

    plate = read_run(args.file, format=args.input_format)
    _emit(render_inspection(plate.summary(), args.format), args.output, out)
    return 0


def _threshold(text: str) -> str | float:
    if text in ("auto", "instrument", "prefer-instrument"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give auto, instrument or a number (the threshold on the "
            "baseline-corrected fluorescence)"
        ) from None
    if not (value > 0 and value == value and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r}: a threshold must be a positive number")
    return value


def _curves(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves
    from ikzf1assay.report.curves import plot_curves, render_curves

    plate = read_run(args.file, format=args.input_format)
    settings = CurveSettings(threshold=args.threshold, ct_cutoff=args.ct_cutoff)
    calls = analyse_curves(plate, settings)
    _emit(render_curves(calls, args.format, plate), args.output, out)
    if args.plot is not None:
        try:
            files = plot_curves(calls, plate, args.plot, args.ct_cutoff)
        except OSError as exc:
            raise FileAccessError(f"cannot write plots: {exc.strerror}", source=args.plot) from None
        log.info("wrote %d plots to %s", len(files), args.plot)
    return 0


def _omit(text: str) -> tuple[str, str]:
    """``WELL=REASON`` of ``--omit``, the well normalised (``a05`` -> ``A5``)."""
    from ikzf1assay.qpcr.plate import normalise_well

    well, _, reason = text.partition("=")
    try:
        name = normalise_well(well.strip())[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: {exc}; give WELL=REASON, e.g. A5=bubble"
        ) from None
    return name, reason.strip() or "no reason given"


def _call_settings(args: argparse.Namespace, batch: bool) -> Any:
    from ikzf1assay.calling import CallSettings

    omit: dict[str, str] = {}
    for well, reason in args.omit or ():
        if omit.get(well, reason) != reason:
            raise ParameterError(f"--omit names well {well} twice ({omit[well]!r}, {reason!r})")
        omit[well] = reason
    if omit and batch:
        raise ParameterError(
            "--omit applies to a single export; for several exports or a folder, give the "
            "wells to omit in an `omit` column of the layout file (--layout)"
        )
    return CallSettings(threshold=args.threshold, omit=omit, layout_strict=args.layout_strict)


def _call(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay._outdir import atomic_output
    from ikzf1assay.assay import load_assay
    from ikzf1assay.calling import read_layout

    assay = load_assay(args.assay)
    layout = read_layout(args.layout, assay) if args.layout else None
    exports: list[Path] = args.export
    batch = len(exports) > 1 or exports[0].is_dir()
    settings = _call_settings(args, batch)
    if batch:
        return _call_batch(args, out, assay, layout, settings)
    if args.output is None:
        return _call_one(args, out, assay, layout, settings, None)
    try:
        # the lock is held from here: a second run into the same folder stops at once
        inputs = [p for p in (exports[0], args.assay, args.layout) if p is not None]
        with atomic_output(args.output, inputs) as stage:
            return _call_one(args, out, assay, layout, settings, stage)
    except OSError as exc:
        raise FileAccessError(
            f"cannot write outputs: {exc.strerror or exc}", source=args.output
        ) from None


def _call_one(
    args: argparse.Namespace,
    out: TextIO,
    assay: Any,
    layout: Any,
    settings: Any,
    folder: Path | None,
) -> int:
    """Call the single export ``args.export[0]``; write its files into ``folder`` as it is."""
    import json

    from ikzf1assay.calling import call_run
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.report.calls import calls_document
    from ikzf1assay.report.run import write_run_files

    plate = read_run(args.export[0], format=args.input_format)
    calls = call_run(plate, assay, layout, settings)
    if folder is not None:
        write_run_files(calls, plate, assay, folder, settings)
    if args.format == "json":
        document = calls_document(calls, plate, assay, settings)
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        table = calls.samples[["sample", "call", "status", "reason"]]
        out.write(table.to_string(index=False) + "\n\n" + _controls_text(calls.controls))
    return 0


def _controls_text(controls: Any) -> str:
    """The wells taken as controls of each reaction, and its validity, as a text table."""
    table = controls.assign(
        status=["valid" if v else ("INVALID" if p else "not on plate")
                for v, p in zip(controls["valid"], controls["present"], strict=True)],
    )[["reaction", "status", "ntc_wells", "negative_control_wells", "positive_control_wells",
       "reason", "flags"]].replace("", "-")  # fmt: skip
    table.columns = ["reaction", "status", "NTC", "negative control", "positive control",
                     "reason", "flags"]  # fmt: skip
    return "controls per reaction:\n" + str(table.to_string(index=False)) + "\n"


def _call_batch(
    args: argparse.Namespace, out: TextIO, assay: Any, layout: Any, settings: Any
) -> int:
    from rich.progress import Progress

    from ikzf1assay.calling.batch import call_batch, expand_exports

    if args.output is None:
        raise ParameterError("several exports or a folder need -o OUTDIR (one folder per export)")
    exports, skipped = expand_exports(args.export)
    for path, reason in skipped:
        log.warning("%s: not called: %s", path, reason)
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("calling runs", total=len(exports))
            result = call_batch(
                exports,
                assay,
                args.output,
                layout,
                settings,
                lambda _: progress.advance(task),
                skipped=skipped,
            )
    except OSError as exc:
        raise FileAccessError(
            f"cannot write outputs: {exc.strerror or exc}", source=args.output
        ) from None
    if not result.calls.empty:
        out.write(
            result.calls[["export", "sample", "call", "status"]].to_string(index=False) + "\n"
        )
    for row in result.errors.itertuples(index=False):
        print(f"ikzf1assay: error: {row.error}", file=sys.stderr)
    for sample, rows in result.conflicts.groupby("sample", sort=False):
        calls = "; ".join(f"{r.call} ({r.export})" for r in rows.itertuples(index=False))
        out.write(f"CONFLICT: sample {sample} has different valid calls: {calls}\n")
    out.write(
        f"{len(exports) - len(result.errors)} of {len(exports)} exports called; "
        f"combined table: {args.output / 'calls_combined.tsv'}\n"
    )
    return EXIT_BAD_INPUT if len(result.errors) else 0


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay._outdir import atomic_output

    if args.output is None:
        with tempfile.TemporaryDirectory() as tmp:
            _demo_call(Path(tmp), out)
            _demo_cohort(Path(tmp), out)
        out.write("(a temporary folder, removed now; pass -o OUTDIR to keep the outputs)\n")
        return 0
    try:
        # the run's outputs replace OUTDIR as a whole (an earlier demo's cohort goes with it);
        # the cohort is then written into it, so that its provenance names the final paths
        with atomic_output(args.output) as stage:
            _demo_call(stage, out)
        _demo_cohort(args.output, out)
    except OSError as exc:
        raise FileAccessError(
            f"cannot write outputs: {exc.strerror or exc}", source=args.output
        ) from None
    out.write(f"\noutputs written to {args.output}\n")
    return 0


def _demo_call(base: Path, out: TextIO) -> None:
    """Call the bundled run, its files written into ``base`` as it is."""
    from importlib import resources

    from ikzf1assay.assay import load_assay
    from ikzf1assay.calling import CallSettings

    data = resources.files("ikzf1assay") / "data"
    export = Path(str(data / "demo_run_abi7500.txt"))
    out.write(
        f"ikzf1assay demo: calling the bundled SIMULATED run {export.name} "
        "(ABI 7500 Software v2 text; ikzf1assay simulate run --seed 1)\n\n"
    )
    call_args = argparse.Namespace(export=[export], input_format="auto", format="table")
    _call_one(call_args, out, load_assay(None), None, CallSettings(), base)
    truth = Path(str(data / "demo_run_truth.tsv")).read_text(encoding="utf-8").splitlines()
    out.write("\nexpected (the simulator's truth):\n" + "\n".join(truth) + "\n")


def _demo_cohort(base: Path, out: TextIO) -> None:
    """Link ``base/calls.tsv`` to a simulated cohort, outputs in ``base/cohort``."""
    out.write(
        "\nikzf1assay demo: linking these calls to a SIMULATED cohort of 142 patients "
        "(ikzf1assay simulate cohort --seed 1) and running the cohort analysis\n\n"
    )
    clinical, other_calls = _write_simulated_cohort(1, base / "cohort_input")
    cohort_args = argparse.Namespace(
        clinical=clinical,
        calls=[base / "calls.tsv", other_calls],
        output=base / "cohort",
        **COHORT_DEFAULTS,
    )
    _cohort(cohort_args, out)


def _simulate(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.assay import load_assay
    from ikzf1assay.simulate import simulate_run

    sim = simulate_run(
        load_assay(args.assay), seed=args.seed, contaminated_ntc=args.contaminated_ntc
    )
    _emit(sim.text, args.output, out)
    if args.truth is not None:
        try:
            sim.truth.to_csv(args.truth, sep="\t", index=False, lineterminator="\n")
        except OSError as exc:
            raise FileAccessError(
                f"cannot write truth: {exc.strerror}", source=args.truth
            ) from None
    return 0


COHORT_DEFAULTS: dict[str, Any] = {
    "strict": False,
    "date_order": "auto",
    "time_unit": "days",
    "origin": "diagnosis",
    "no_remission": "event-at-zero",
    "close_date": None,
    "covariates": None,
    "baseline": None,
    "entry_p": 0.05,
    "landmark_days": 180.0,
    "rates": "1,3",
    "conf_type": "log-log",
    "numeric_summary": "mean_sd",
}


def _names(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(n.strip() for n in text.split(",") if n.strip())


def _cohort(args: argparse.Namespace, out: TextIO) -> int:
    import datetime as dt

    from ikzf1assay.cohort.analysis import CohortSettings, run_cohort
    from ikzf1assay.cohort.endpoints import EndpointDefinitions
    from ikzf1assay.report.cohort import write_cohort_outputs

    try:
        years = tuple(float(x) for x in args.rates.split(",") if x.strip())
        close = dt.date.fromisoformat(args.close_date) if args.close_date else None
    except ValueError as exc:
        raise ParameterError(f"--rates or --close-date: {exc}") from None
    settings = CohortSettings(
        rate_years=years,
        conf_type=args.conf_type,
        entry_p=args.entry_p,
        landmark_days=args.landmark_days,
        covariates=_names(args.covariates),
        baseline=_names(args.baseline),
        numeric_summary=args.numeric_summary,
    )
    definitions = EndpointDefinitions(
        origin=args.origin, no_remission=args.no_remission, close_date=close
    )
    analysis = run_cohort(
        args.clinical,
        list(args.calls),
        settings,
        definitions,
        strict=args.strict,
        date_order=args.date_order,
        time_unit=args.time_unit,
    )
    written = write_cohort_outputs(
        analysis, args.output, {"clinical": [args.clinical], "calls": list(args.calls)}
    )
    for comment in analysis.clinical.comments:
        out.write(f"# {comment}\n")
    kept, dropped = len(analysis.clinical.data), len(analysis.clinical.excluded)
    links = analysis.linked.table["link"].value_counts().to_dict()
    out.write(
        f"{kept} patients analysed, {dropped} rows excluded (see excluded_rows.tsv); calls: "
        + ", ".join(f"{k} {v}" for k, v in links.items())
        + "\n"
    )
    for (ep, grouping), km in analysis.km.items():
        if grouping != "deletion":
            continue
        lr = analysis.logrank.get((ep, grouping))
        rates = "; ".join(
            f"{name} " + " / ".join(g["text"]) for name, g in km.at.groupby("group", sort=False)
        )
        p = f", log-rank P {lr.p:.3g}" if lr else ""
        out.write(f"{ep.upper()} at {' / '.join(f'{y:g}' for y in years)} y: {rates}{p}\n")
    for ep, screen in analysis.cox.items():
        if screen.multivariable is not None:
            rows = screen.multivariable.table
            terms = "; ".join(
                f"{r['term']} HR {r['hr']:.3f} ({r['lower']:.3f}-{r['upper']:.3f})"
                for r in rows.to_dict("records")
            )
            out.write(f"{ep.upper()} multivariable Cox: {terms}\n")
    out.write(f"report: {written['report']}\n")
    return 0


def _write_simulated_cohort(seed: int, folder: Path) -> tuple[Path, Path]:
    from ikzf1assay.cohort.simulate import SIMULATED_NOTE, simulate_cohort

    sim = simulate_cohort(seed)
    note = f"# {SIMULATED_NOTE}, seed {seed}\n"
    clinical = folder / "clinical_SIMULATED.csv"
    calls = folder / "calls_other_runs_SIMULATED.tsv"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clinical.write_text(note + sim.clinical.to_csv(index=False, lineterminator="\n"), "utf-8")
        calls.write_text(
            note + sim.calls.to_csv(sep="\t", index=False, lineterminator="\n"), "utf-8"
        )
        sim.truth.to_csv(folder / "truth_SIMULATED.tsv", sep="\t", index=False, lineterminator="\n")
    except OSError as exc:
        raise FileAccessError(f"cannot write the cohort: {exc.strerror}", source=folder) from None
    return clinical, calls


def _simulate_cohort(args: argparse.Namespace, out: TextIO) -> int:
    clinical, calls = _write_simulated_cohort(args.seed, args.output)
    out.write(
        f"SIMULATED cohort (seed {args.seed}): {clinical}, {calls} and truth_SIMULATED.tsv; "
        "its samples SIM-01..SIM-08 are those of the bundled example run\n"
    )
    return 0


def _emit(text: str, output: Path | None, out: TextIO) -> None:
    if output is None:
        out.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FileAccessError(f"cannot write output: {exc.strerror}", source=output) from None
    log.info("wrote %s", output)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ikzf1assay`` command."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="ikzf1assay",
        description="IKZF1 deletion assay: primer checks, qPCR deletion calls, survival analysis.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def sub(group: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """A sub-command that also accepts --debug."""
        parser_: argparse.ArgumentParser = group.add_parser(name, parents=[common], **kwargs)
        return parser_

    primers = sub(commands, "primers", help="check, validate and design the assay's primers")
    primer_commands = primers.add_subparsers(
        dest="primers_command", metavar="ACTION", required=True
    )
    check = sub(
        primer_commands,
        "check",
        help="thermodynamic checks of every primer, primer combination and reaction (primer3)",
        description=(
            "Tm, GC, hairpins, self- and cross-dimers (also 3'-anchored), 3'-end stability, "
            "runs and GC clamp of every primer of the assay file, computed with primer3-py at "
            "the stated conditions and flagged against the file's [thresholds]. Conditions "
            "default to the file's [conditions] (bundled file: 50 mM monovalent, 3 mM Mg2+, "
            "0.8 mM dNTP, 250 nM oligo)."
        ),
    )
    check.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
    check.add_argument("--na", type=float, metavar="MM", help="monovalent cations, mM")
    check.add_argument("--mg", type=float, metavar="MM", help="Mg2+, mM")
    check.add_argument("--dntp", type=float, metavar="MM", help="total dNTP, mM")
    check.add_argument("--oligo", type=float, metavar="NM", help="each oligo, nM")
    check.add_argument("--temp", type=float, metavar="C", help="temperature for dG, C (37)")
    check.add_argument("--format", choices=("table", "tsv", "json"), default="table")
    check.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    check.set_defaults(handler=_primers_check)

    from ikzf1assay.cli_primers import add_primer_commands

    add_primer_commands(primer_commands, sub)

    from ikzf1assay.cli_reference import add_reference_commands
    from ikzf1assay.qpcr.readers import FORMATS

    add_reference_commands(commands, sub)

    inspect = sub(
        commands,
        "inspect",
        help="show what a qPCR run export holds, as read",
        description=(
            "Read a run export (ABI 7500 / QuantStudio text, .xls, .xlsx; Bio-Rad CFX CSV; "
            "RDML; tidy CSV), detecting the format from the content, and print what was read: "
            "format, instrument, wells, samples, targets, cycles, whether instrument Ct and "
            "curves are present, and anything skipped with the reason."
        ),
    )
    inspect.add_argument("file", type=Path, metavar="FILE", help="the run export")
    inspect.add_argument(
        "--input-format", choices=FORMATS, default="auto", help="skip detection (default: auto)"
    )
    inspect.add_argument("--format", choices=("table", "json"), default="table")
    inspect.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    inspect.set_defaults(handler=_inspect)

    curves = sub(
        commands,
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
        "--threshold", type=_threshold, default="auto", metavar="auto|instrument|VALUE"
    )
    curves.add_argument(
        "--ct-cutoff", type=float, default=36.0, metavar="CT", help="LATE at or beyond (36)"
    )
    curves.add_argument("--input-format", choices=FORMATS, default="auto")
    curves.add_argument("--format", choices=("tsv", "json"), default="tsv")
    curves.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here, not stdout")
    curves.add_argument("--plot", type=Path, metavar="DIR", help="one PNG per target into DIR")
    curves.set_defaults(handler=_curves)

    call = sub(
        commands,
        "call",
        help="call IKZF1 deletions from a run export: one call per sample, with its evidence",
        description=(
            "Reads the export, recomputes the curves, checks the run's controls per reaction and "
            "each sample's DNA (reference gene), applies the replicate rule and calls each sample: "
            "a deletion, mixed, not detected (no recurrent IKZF1 intragenic deletion detected), "
            "invalid or inconclusive, each with a reason. Writes calls.tsv, wells.tsv, "
            "provenance.json and report.html into OUTDIR (for several exports: a folder each, "
            "calls_combined.tsv, errors.tsv, skipped.tsv and batch.log). OUTDIR must be new, "
            "empty or written by ikzf1assay before; it is replaced as a whole when complete."
        ),
    )
    call.add_argument(
        "export", type=Path, nargs="+", metavar="EXPORT", help="run export(s), or a folder of them"
    )
    call.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="folder for the outputs")
    call.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
    call.add_argument("--layout", type=Path, metavar="CSV", help="well, sample, reaction, role")
    call.add_argument(
        "--threshold",
        type=_threshold,
        default="prefer-instrument",
        metavar="auto|instrument|VALUE",
        help="default: the instrument's threshold where exported, else auto",
    )
    call.add_argument(
        "--omit",
        type=_omit,
        action="append",
        metavar="WELL=REASON",
        help="leave a well out of calling, with the reason (repeatable; single export only)",
    )
    call.add_argument(
        "--layout-strict", action="store_true", help="the layout must name every well"
    )
    call.add_argument("--input-format", choices=FORMATS, default="auto")
    call.add_argument("--format", choices=("table", "json"), default="table", help="stdout format")
    call.set_defaults(handler=_call)

    demo = sub(
        commands,
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

    simulate = sub(commands, "simulate", help="simulate runs (SYNTHETIC)")
    sim_commands = simulate.add_subparsers(dest="simulate_command", metavar="WHAT", required=True)
    sim_run = sub(
        sim_commands,
        "run",
        help="an ABI 7500 v2 text export of a simulated IKZF1 run, with its truth",
        description=(
            "Writes a SYNTHETIC 96-well run of the assay (each deletion type, a mixed sample, a "
            "not-detected sample, a DNA failure, a late-only signal, controls) in ABI 7500 "
            "Software v2 text format; --truth writes the call each sample must receive."
        ),
    )
    sim_run.add_argument("--seed", type=int, default=1)
    sim_run.add_argument("--assay", type=Path, metavar="FILE", help="assay file (default: bundled)")
    sim_run.add_argument(
        "--contaminated-ntc", metavar="DELETION", help="e.g. Δ2-7: its NTC amplifies"
    )
    sim_run.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="the export (default stdout)"
    )
    sim_run.add_argument("--truth", type=Path, metavar="TSV", help="write the expected calls here")
    sim_run.set_defaults(handler=_simulate)
    sim_cohort = sub(
        sim_commands,
        "cohort",
        help="a SIMULATED clinical cohort shaped like the study, with calls",
        description=(
            "Writes clinical_SIMULATED.csv (142 patients shaped like the study: 50 deleted, "
            "groups A 24, B 26, C 47, D 45), calls_other_runs_SIMULATED.tsv (the calls of the "
            "other simulated runs and two retests) and truth_SIMULATED.tsv into OUTDIR. Sample "
            "ids SIM-01..SIM-08 are the bundled example run's."
        ),
    )
    sim_cohort.add_argument("--seed", type=int, default=1)
    sim_cohort.add_argument("-o", "--output", type=Path, metavar="OUTDIR", required=True)
    sim_cohort.set_defaults(handler=_simulate_cohort)

    cohort = sub(
        commands,
        "cohort",
        help="link calls to clinical records; survival analyses, tables, figures, report",
        description=(
            "Validates the clinical table (CSV/XLSX; see the README for its columns), links "
            "calls by sample_id (latest valid call), derives OS, EFS, DFS, CIR and NRM, and "
            "writes every table as TSV, figures as PNG and SVG, and report.html to OUTDIR."
        ),
    )
    cohort.add_argument("clinical", type=Path, metavar="CLINICAL", help="clinical table")
    cohort.add_argument(
        "--calls", type=Path, nargs="+", required=True, metavar="CALLS",
        help="calls table(s) (calls.tsv of ikzf1assay call, or sample_id + call); later wins",
    )  # fmt: skip
    cohort.add_argument("-o", "--output", type=Path, metavar="OUTDIR", required=True)
    cohort.add_argument("--strict", action="store_true", help="reject the table on any row problem")
    cohort.add_argument("--date-order", choices=["auto", "day-first", "month-first"])
    cohort.add_argument("--time-unit", choices=["days", "weeks", "months", "years"],
                        help="unit of ready-made times (default days)")  # fmt: skip
    cohort.add_argument("--origin", choices=["diagnosis", "transplant"])
    cohort.add_argument(
        "--no-remission",
        choices=["event-at-zero", "exclude"],
        help="EFS for patients never in remission (default event-at-zero)",
    )
    cohort.add_argument("--close-date", metavar="YYYY-MM-DD", help="follow-up closure")
    cohort.add_argument("--covariates", metavar="A,B", help="Cox candidates (default: all)")
    cohort.add_argument("--baseline", metavar="A,B", help="baseline-table rows (default: all)")
    cohort.add_argument("--entry-p", type=float, help="univariable P to enter (default 0.05)")
    cohort.add_argument("--landmark-days", type=float, help="landmark time (default 180)")
    cohort.add_argument("--rates", metavar="YEARS", help="rates at these years (default 1,3)")
    cohort.add_argument("--conf-type", choices=["log-log", "log", "plain"])
    cohort.add_argument("--numeric-summary", choices=["mean_sd", "median_iqr", "median_range"])
    cohort.set_defaults(handler=_cohort, **COHORT_DEFAULTS)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code (also callable from tests)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    debug = getattr(args, "debug", False)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="ikzf1assay: %(message)s",
        )
    handler: Handler = args.handler
    try:
        return handler(args, out if out is not None else sys.stdout)
    except IkzfAssayError as exc:
        return _fail(str(exc), exc.exit_code, debug)
    except BrokenPipeError:  # the reader (e.g. `| head`) left: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_IO
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", EXIT_IO, debug)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED, debug)


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc(file=sys.stderr)
    print(f"ikzf1assay: error: {message}", file=sys.stderr)
    return code
