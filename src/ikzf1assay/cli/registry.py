"""``ikzf1assay registry ...``: runs, reviews, sign-offs, the audit trail, exports, control QC.

Every sub-command takes ``--db URL`` (a SQLite file path or ``postgresql://...``; default the
environment variable ``IKZF1ASSAY_DB``); those that change something take ``--user NAME``
(default the operating-system login).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from ikzf1assay.cli._common import add_command
from ikzf1assay.errors import ParameterError

__all__ = ["add_db", "register"]


def add_db(parser: argparse.ArgumentParser, user: bool = False) -> None:
    """``--db URL`` (and ``--user NAME``) on a command that reads or writes the registry."""
    parser.add_argument(
        "--db", metavar="URL",
        help="registry: a SQLite file path or postgresql://user@host/db (default: $IKZF1ASSAY_DB)",
    )  # fmt: skip
    if user:
        parser.add_argument("--user", metavar="NAME", help="who does it (default: your login)")


def _url(args: argparse.Namespace) -> str:
    from ikzf1assay.workflows.registry import database_url

    url = database_url(args.db)
    assert url is not None
    return url


def _table(df: Any, format: str, out: TextIO) -> None:
    if format == "json":
        out.write(df.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    elif format == "tsv":
        from ikzf1assay._tsv import tsv_text

        out.write(tsv_text(df))
    else:
        out.write(("(none)" if df.empty else df.to_string(index=False)) + "\n")


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database

    with open_database(_url(args), create=False) as reg:
        _table(reg.runs(), args.format, out)
    return 0


def _show(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database

    with open_database(_url(args), create=False) as reg:
        shown = reg.show(args.run_id)
    if args.format == "json":
        doc = {
            k: (json.loads(v.to_json(orient="records", force_ascii=False)) if hasattr(v, "to_json")
                else v)
            for k, v in shown.items()
        }  # fmt: skip
        out.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
        return 0
    run = shown["run"]
    out.write("\n".join(f"{k}: {v}" for k, v in run.items()) + "\n")
    for key in ("analyses", "calls", "reviews"):
        out.write(f"\n{key}:\n")
        _table(shown[key], "table", out)
    return 0


def _review(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database, user_name

    with open_database(_url(args), create=False) as reg:
        done = reg.review(args.run, args.sample, args.call, args.reason, user_name(args.user))
    out.write(f"review {done} stored: run {args.run}, sample {args.sample}: {args.call}\n")
    return 0


def _amend(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database, user_name

    with open_database(_url(args), create=False) as reg:
        done = reg.amend(args.run, args.sample, args.call, args.reason, user_name(args.user))
    out.write(f"amendment {done} stored: run {args.run}, sample {args.sample}: {args.call}\n")
    return 0


def _signoff(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database, user_name

    with open_database(_url(args), create=False) as reg:
        head = reg.signoff(args.run, user_name(args.user))
    out.write(
        f"run {args.run} released.\naudit chain head: {head}\n"
        "(keep this hash outside the database: it proves later that no entry up to here was "
        "removed or rewritten)\n"
    )
    return 0


def _audit(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.errors import RegistryError
    from ikzf1assay.workflows.registry import open_database

    with open_database(_url(args), create=False) as reg:
        trail = reg.audit()
        problems = reg.verify_audit() if args.verify else []
        head = reg.head_hash()
    if args.output is not None:
        _write_tsv(trail, args.output)
    else:
        _table(trail, "tsv", out)
    if args.verify:
        if problems:
            raise RegistryError(
                f"the audit chain is broken ({len(problems)} entries): " + "; ".join(problems[:5])
            )
        out.write(f"audit chain intact: {len(trail)} entries, head {head}\n")
    return 0


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database

    with open_database(_url(args), create=False) as reg:
        calls = reg.export_calls(include_draft=args.include_draft)
    if args.format == "parquet":
        _parquet(calls, args.output)
    else:
        _write_tsv(calls, args.output)
    out.write(f"{len(calls)} calls written to {args.output}\n")
    return 0


def _write_tsv(df: Any, path: Path) -> None:
    from ikzf1assay._io import write_file_atomic
    from ikzf1assay._tsv import write_tsv

    with write_file_atomic(path) as tmp:
        write_tsv(df, tmp)


def _parquet(calls: Any, path: Path) -> None:
    from ikzf1assay._io import write_file_atomic
    from ikzf1assay._tsv import neutralise_frame

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ParameterError("--format parquet needs pyarrow: pip install pyarrow") from None
    with write_file_atomic(path) as tmp:
        neutralise_frame(calls).to_parquet(tmp, index=False)


def _qc(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database, registry_qc

    with open_database(_url(args), create=False) as reg:
        result, files = registry_qc(reg, args.output, args.baseline_runs)
    _table(result.limits, "table", out)
    rejected = result.runs[result.runs["rejected"]]
    out.write(f"\n{len(rejected)} run/reaction(s) break a rejection rule\n")
    if len(rejected):
        _table(rejected[["run_id", "reaction", "ct", "violations"]], "table", out)
    for note in result.notes:
        out.write(f"note: {note}\n")
    if files:
        out.write(f"written: {args.output}\n")
    return 0


def _migrate(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.registry import migrate
    from ikzf1assay.workflows.registry import database_url

    url = database_url(args.db)
    assert url is not None
    before, after = migrate(url)
    said = "already at" if before == after else f"migrated from {before} to"
    out.write(f"registry schema {said} {after}\n")
    return 0


def _settings(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.workflows.registry import open_database, user_name

    with open_database(_url(args), create=False) as reg:
        for text in args.set or ():
            key, sep, value = text.partition("=")
            if not sep or not key.strip():
                raise ParameterError(f"--set {text!r}: give KEY=VALUE")
            reg.set_setting(key.strip(), value.strip(), user_name(args.user))
        for key in ("allow_self_signoff", "qc_limits"):
            out.write(f"{key} = {reg.get_setting(key, '') or ''}\n")
    return 0


def _roles(args: argparse.Namespace, out: TextIO) -> int:
    from ikzf1assay.registry.roles import create_roles

    create_roles(_url(args))
    out.write(
        "roles ikzf1assay_technician, ikzf1assay_reviewer, ikzf1assay_readonly are in place; "
        "grant them to login roles (GRANT ikzf1assay_reviewer TO alice)\n"
    )
    return 0


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    """Declare ``registry`` and its sub-commands under the top-level ``commands``."""
    group = add_command(
        commands, common, "registry",
        help="the lab's registry of runs, calls, reviews and sign-offs (SQLite or PostgreSQL)",
        description="Runs enter with `ikzf1assay call ... --db URL`; these commands list, "
        "review, release, amend, audit and export them, and chart the controls.",
    )  # fmt: skip
    sub = group.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", required=True)

    p = add_command(sub, common, "list", help="runs with status, samples and calls by kind")
    add_db(p)
    p.add_argument("--format", choices=["table", "tsv", "json"], default="table")
    p.set_defaults(handler=_list)

    p = add_command(sub, common, "show", help="one run: analyses, wells, calls, reviews")
    p.add_argument("run_id", type=int, metavar="RUN_ID")
    add_db(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(handler=_show)

    for name, handler, what in (
        ("review", _review, "a reviewed call beside the machine call (draft runs)"),
        ("amend", _amend, "a corrected call of a released run (a new version; the old stays)"),
    ):
        p = add_command(sub, common, name, help=what)
        add_db(p, user=True)
        p.add_argument("--run", type=int, required=True, metavar="RUN_ID")
        p.add_argument("--sample", required=True)
        p.add_argument("--call", required=True, help="e.g. 'not detected', 'Δ4-7', inconclusive")
        p.add_argument("--reason", required=True)
        p.set_defaults(handler=handler)

    p = add_command(sub, common, "signoff", help="release a run (draft -> released)")
    add_db(p, user=True)
    p.add_argument("--run", type=int, required=True, metavar="RUN_ID")
    p.set_defaults(handler=_signoff)

    p = add_command(sub, common, "audit", help="who, when, what, why: the audit trail (TSV)")
    add_db(p)
    p.add_argument("--verify", action="store_true", help="check the hash chain")
    p.add_argument("-o", "--output", type=Path, metavar="FILE")
    p.set_defaults(handler=_audit)

    p = add_command(sub, common, "export", help="the calls (reviewed where reviewed)")
    add_db(p)
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    p.add_argument("--format", choices=["tsv", "parquet"], default="tsv")
    p.add_argument("--include-draft", action="store_true", help="also runs not released yet")
    p.set_defaults(handler=_export)

    p = add_command(sub, common, "qc", help="positive controls across runs: Levey-Jennings")
    add_db(p)
    p.add_argument("-o", "--output", type=Path, metavar="DIR", help="charts and qc.html")
    p.add_argument("--baseline-runs", type=int, default=20,
                   help="released runs the limits come from (default 20)")  # fmt: skip
    p.set_defaults(handler=_qc)

    p = add_command(sub, common, "migrate", help="upgrade an older registry's schema")
    add_db(p)
    p.set_defaults(handler=_migrate)

    p = add_command(sub, common, "settings", help="the lab's settings (allow_self_signoff...)")
    add_db(p, user=True)
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.set_defaults(handler=_settings)

    p = add_command(sub, common, "roles", help="PostgreSQL: create the three lab roles")
    add_db(p)
    p.set_defaults(handler=_roles)
