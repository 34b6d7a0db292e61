"""The ``ikzf1assay`` command. Thin: parse, call a workflow or the library, print.

One module per command group, each with ``register(commands, common)`` declaring its parsers
and handlers. Every error ends here, in :func:`main`, as one line on stderr and an exit code:
2 for bad input or parameters (:class:`~ikzf1assay.errors.IkzfAssayError` and usage errors),
1 for files that cannot be read or written, 130 when interrupted. ``--debug`` adds the
traceback. Heavy libraries are imported by the handlers, so that ``--help`` and ``--version``
start at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from ikzf1assay import __version__
from ikzf1assay.cli import call, cohort, curves, demo, primers, reference, registry, simulate
from ikzf1assay.cli._common import Handler
from ikzf1assay.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, IkzfAssayError

__all__ = ["build_parser", "main"]

# in the order of the command list of --help
_GROUPS = (primers, reference, curves, call, demo, simulate, cohort, registry)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ikzf1assay`` command.

    Returns
    -------
    argparse.ArgumentParser
        Each sub-command's parser sets ``handler``, the function that runs it.
    """
    common = _common()
    parser = argparse.ArgumentParser(
        prog="ikzf1assay",
        description="IKZF1 deletion assay: primer checks, qPCR deletion calls, survival analysis.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in _GROUPS:
        group.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code (also callable from tests).

    Parameters
    ----------
    argv
        The arguments after the command name; None: ``sys.argv[1:]``.
    out
        Where results are printed; None: stdout.

    Returns
    -------
    int
        0, or the exit code of the error (2 bad input, 1 file access, 130 interrupted).
    """
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
    except OSError as exc:  # a file the library opened itself: name it
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", EXIT_IO, debug)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED, debug)


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc(file=sys.stderr)
    print(f"ikzf1assay: error: {message}", file=sys.stderr)
    return code
