"""``ikzf1assay call``: one export, or a batch of exports, called into an output folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command, add_input_format, log, threshold
from ikzf1assay.cli.registry import add_db
from ikzf1assay.errors import EXIT_BAD_INPUT, ParameterError

__all__ = ["print_run", "register"]


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
    from ikzf1assay.assay import load_assay
    from ikzf1assay.calling import read_layout
    from ikzf1assay.workflows.run import call_export, predicted_tm_from_locus

    assay = load_assay(args.assay)
    predicted = (
        None if args.locus is None else predicted_tm_from_locus(assay, args.locus, args.build)
    )
    layout = read_layout(args.layout, assay) if args.layout else None
    exports: list[Path] = args.export
    batch = len(exports) > 1 or exports[0].is_dir()
    settings = _call_settings(args, batch)
    if batch:
        return _call_batch(args, out, assay, layout, settings, predicted)
    inputs = [p for p in (args.assay, args.layout, args.locus) if p is not None]
    url = _registry_url(args)
    if url is None:
        called = call_export(
            exports[0], assay, args.output, layout, settings, args.input_format, inputs, predicted
        )
        print_run(called, args.format, out)
        return 0
    from ikzf1assay.workflows.registry import call_and_register, user_name

    called, where = call_and_register(
        exports[0], assay, args.output, url, user_name(args.user), layout, settings,
        args.input_format, inputs, predicted,
    )  # fmt: skip
    print_run(called, args.format, out)
    print(where.message(_masked(url)), file=sys.stderr)
    return 0


def _registry_url(args: argparse.Namespace) -> str | None:
    """``--db`` or $IKZF1ASSAY_DB; with a registry the run needs -o OUTDIR."""
    from ikzf1assay.workflows.registry import database_url

    url = database_url(args.db, required=False)
    if url is not None and args.output is None:
        raise ParameterError("storing a run in the registry (--db) needs -o OUTDIR")
    return url


def _masked(url: str) -> str:
    from ikzf1assay.registry import display_url

    return display_url(url)


def print_run(called: Any, format: str, out: TextIO) -> None:
    """Print a :class:`~ikzf1assay.workflows.CalledRun`: JSON, or the calls and controls."""
    from ikzf1assay.report.calls import calls_document

    if format == "json":
        document = calls_document(called.calls, called.plate, called.assay, called.settings)
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        table = called.calls.samples[["sample", "call", "status", "reason"]]
        out.write(table.to_string(index=False) + "\n\n" + _controls_text(called.calls.controls))


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
    args: argparse.Namespace,
    out: TextIO,
    assay: Any,
    layout: Any,
    settings: Any,
    predicted: Any = None,
) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from ikzf1assay.qpcr.readers import find_exports
    from ikzf1assay.workflows.batch import call_batch

    if args.output is None:
        raise ParameterError("several exports or a folder need -o OUTDIR (one folder per export)")
    exports, skipped = find_exports(args.export)
    for path, reason in skipped:
        log.warning("%s: not called: %s", path, reason)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("calling runs", total=len(exports))
        result = call_batch(
            exports, assay, args.output, layout, settings,
            lambda _: progress.advance(task), skipped=skipped, predicted_tm=predicted,
        )  # fmt: skip
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
    url = _registry_url(args)
    if url is not None:
        from ikzf1assay.workflows.registry import register_batch, user_name

        for export, where in register_batch(url, user_name(args.user), result, args.output):
            print(f"{export.name}: {where.message(_masked(url))}", file=sys.stderr)
    return EXIT_BAD_INPUT if len(result.errors) else 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``call`` under the top-level ``commands``."""
    call = add_command(
        commands,
        common,
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
        type=threshold,
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
    call.add_argument(
        "--locus",
        type=Path,
        metavar="FILE",
        help="a reference locus (ikzf1assay reference fetch): the report shows each product's "
        "predicted Tm beside the measured melt peaks (never used to decide)",
    )
    call.add_argument("--build", default="GRCh38", help="the locus's build: GRCh38 or GRCh37")
    add_input_format(call)
    call.add_argument("--format", choices=("table", "json"), default="table", help="stdout format")
    add_db(call, user=True)
    call.set_defaults(handler=_call)
