"""``ikzf1assay cohort``: link calls to clinical records, analyse, write tables and a report.

Only the options the user gave are passed on: everything else takes the defaults of
:class:`~ikzf1assay.cohort.analysis.CohortSettings` and
:class:`~ikzf1assay.cohort.endpoints.EndpointDefinitions`.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command
from ikzf1assay.errors import ParameterError

__all__ = ["register"]


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}


def _references(given: list[str] | None) -> dict[str, str] | None:
    """``--reference VAR=LEVEL`` (repeatable) as ``{VAR: LEVEL}``."""
    if not given:
        return None
    out: dict[str, str] = {}
    for text in given:
        var, sep, level = text.partition("=")
        if not sep or not var.strip() or not level.strip():
            raise ParameterError(f"--reference {text!r}: give VAR=LEVEL, e.g. sex=F")
        out[var.strip()] = level.strip()
    return out


@contextmanager
def _calls_from(args: argparse.Namespace) -> Iterator[list[Path]]:
    """The calls tables: --calls as given, then (with --db) the registry's released calls
    written to a temporary table (reviewed calls where reviewed), read last so they win."""
    from ikzf1assay.workflows.registry import database_url

    # $IKZF1ASSAY_DB stands in for --db only when no calls table is given
    url = args.db or (None if args.calls else database_url(None, required=False))
    if url is None:
        if not args.calls:
            raise ParameterError("give the calls: --calls TABLE... or --db URL (the registry)")
        yield list(args.calls)
        return
    from ikzf1assay.workflows.registry import open_database, registry_calls_file

    with tempfile.TemporaryDirectory(prefix="ikzf1assay_registry_") as tmp:
        with open_database(url, create=False) as registry:
            path = registry_calls_file(registry, Path(tmp), args.include_draft)
        yield [*(args.calls or []), path]


def _cohort(args: argparse.Namespace, out: TextIO) -> int:
    import datetime as dt

    from ikzf1assay.cohort.analysis import CohortSettings
    from ikzf1assay.cohort.endpoints import EndpointDefinitions
    from ikzf1assay.report.cohort_summary import cohort_summary
    from ikzf1assay.workflows.cohort import analyse_cohort_files

    options = _given(args, "conf_type", "entry_p", "landmark_days", "numeric_summary")
    options.update({k: _names(v) for k, v in _given(args, "covariates", "baseline").items()})
    endpoints = _given(args, "origin", "no_remission")
    try:
        if args.rates is not None:
            options["rate_years"] = tuple(float(x) for x in args.rates.split(",") if x.strip())
        if args.close_date:
            endpoints["close_date"] = dt.date.fromisoformat(args.close_date)
    except ValueError as exc:
        raise ParameterError(f"--rates or --close-date: {exc}") from None
    with _calls_from(args) as calls:
        run = analyse_cohort_files(
            args.clinical,
            calls,
            args.output,
            CohortSettings(**options),
            EndpointDefinitions(**endpoints),
            args.strict,
            **_given(args, "date_order", "time_unit"),
            reference=_references(args.reference),
        )
    out.write(cohort_summary(run.analysis))
    out.write(f"report: {run.files['report']}\n")
    return 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``cohort`` under the top-level ``commands``."""
    cohort = add_command(
        commands,
        common,
        "cohort",
        help="link calls to clinical records; survival analyses, tables, figures, report",
        description=(
            "Validates the clinical table (CSV/XLSX; columns: docs/statistics.md), links "
            "calls by sample_id (latest valid call), derives OS, EFS, DFS, CIR and NRM, and "
            "writes every table as TSV, figures as PNG and SVG, and report.html to OUTDIR."
        ),
    )
    cohort.add_argument("clinical", type=Path, metavar="CLINICAL", help="clinical table")
    cohort.add_argument(
        "--calls", type=Path, nargs="+", metavar="CALLS",
        help="calls table(s) (calls.tsv of ikzf1assay call, or sample_id + call); later wins",
    )  # fmt: skip
    cohort.add_argument(
        "--db", metavar="URL",
        help="read the calls of the registry's released runs (reviewed where reviewed)",
    )  # fmt: skip
    cohort.add_argument("--include-draft", action="store_true",
                        help="with --db: also runs not released yet")  # fmt: skip
    cohort.add_argument("-o", "--output", type=Path, metavar="OUTDIR", required=True)
    cohort.add_argument("--strict", action="store_true", help="reject the table on any row problem")
    cohort.add_argument(
        "--reference", action="append", metavar="VAR=LEVEL",
        help="reference level of a categorical covariate (repeatable); default: the absent/"
        "negative/no level of a binary factor (female for sex), else the first in order",
    )  # fmt: skip
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
    cohort.set_defaults(handler=_cohort)
