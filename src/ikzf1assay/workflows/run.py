"""Calling one run export and writing its outputs: ``ikzf1assay call EXPORT -o OUTDIR``.

The outputs (calls.tsv, wells.tsv, provenance.json, report.html) form one folder written by
:func:`ikzf1assay._outdir.atomic_output`: complete or absent, never a mix of two runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ikzf1assay._outdir import atomic_output
from ikzf1assay.assay import Assay
from ikzf1assay.calling import CallSettings, RunCalls
from ikzf1assay.calling.layout import Layout
from ikzf1assay.errors import FileAccessError, InputFormatError
from ikzf1assay.qpcr.plate import Plate

__all__ = ["CalledRun", "call_export", "require_amplification", "write_run_outputs"]


@dataclass(frozen=True)
class CalledRun:
    """A called export: what was read, the calls, and the files written (if any).

    Attributes
    ----------
    plate
        The export as read.
    calls
        The calls of its samples, with the wells and controls behind them.
    assay, settings
        What it was called with (``settings`` None: the defaults).
    files
        calls.tsv, wells.tsv, provenance.json and report.html in the output folder; empty
        when no folder was given.
    """

    plate: Plate
    calls: RunCalls
    assay: Assay
    settings: CallSettings | None = None
    files: list[Path] = field(default_factory=list)


def require_amplification(plate: Plate, export: Path | str) -> None:
    """Stop, in one line, when an export holds no amplification data (melt curves only...).

    Parameters
    ----------
    plate
        The export as read.
    export
        The export's path as the user gave it, named in the message.

    Raises
    ------
    InputFormatError
        When ``plate.has_amplification`` is False: no curve and no result in any reaction.
    """
    if plate.has_amplification:
        return
    n = int(plate.melt[["run", "well", "target"]].drop_duplicates().shape[0])
    if n:
        message = (
            f"holds no amplification data (melt curves only: {n} reactions); "
            "use `ikzf1assay inspect` to see them"
        )
    else:
        message = (
            "holds no amplification data (no fluorescence curve and no Ct in any well); "
            "use `ikzf1assay inspect` to see what it holds"
        )
    raise InputFormatError(message, source=export)


def cannot_write(exc: OSError, outdir: Path) -> FileAccessError:
    """The error a user sees when an output folder cannot be written."""
    return FileAccessError(f"cannot write outputs: {exc.strerror or exc}", source=outdir)


def call_into(
    export: Path,
    assay: Assay,
    folder: Path | None,
    layout: Layout | None = None,
    settings: CallSettings | None = None,
    input_format: str = "auto",
    predicted_tm: pd.DataFrame | None = None,
) -> CalledRun:
    """Read and call ``export``; write its files into ``folder`` as it is (a staging folder).

    Parameters
    ----------
    export, assay, layout, settings, input_format, predicted_tm
        As for :func:`call_export`.
    folder
        A folder of its own, e.g. one handed out by :func:`ikzf1assay._outdir.atomic_output`;
        None to write nothing.

    Returns
    -------
    CalledRun
        Its ``files`` lie in ``folder``.
    """
    # looked up at call time, through their modules, so that tests can replace them
    from ikzf1assay import calling
    from ikzf1assay.qpcr import read_run
    from ikzf1assay.report.run import write_run_files

    plate = read_run(export, format=input_format)
    require_amplification(plate, export)
    calls = calling.call_run(plate, assay, layout, settings)
    files = (
        []
        if folder is None
        else write_run_files(calls, plate, assay, folder, settings, predicted_tm)
    )
    return CalledRun(plate, calls, assay, settings, files)


def call_export(
    export: Path,
    assay: Assay,
    outdir: Path | None = None,
    layout: Layout | None = None,
    settings: CallSettings | None = None,
    input_format: str = "auto",
    inputs: Iterable[Path] = (),
    predicted_tm: pd.DataFrame | None = None,
) -> CalledRun:
    """Read one run export, call its samples and, with ``outdir``, write the run's outputs.

    The output folder is locked before the export is read, so a second run into the same
    folder stops at once, and replaced as a whole only when every file is complete.

    Parameters
    ----------
    export
        The run export (any format :func:`ikzf1assay.qpcr.read_run` reads).
    assay
        The assay, from :func:`ikzf1assay.assay.load_assay`.
    outdir
        Folder for calls.tsv, wells.tsv, provenance.json and report.html: absent, empty or an
        earlier output folder of this package. None: call only.
    layout, settings
        As for :func:`ikzf1assay.calling.call_run`.
    input_format
        A name of :data:`ikzf1assay.qpcr.FORMATS`; ``auto`` detects it from the content.
    predicted_tm
        Products' predicted Tm (:func:`predicted_tm_from_locus`), shown in the report's melt
        section; None: not shown.
    inputs
        Other files the run reads (the assay and layout files as given): like ``export``,
        refused when inside ``outdir``, which is replaced as a whole.

    Returns
    -------
    CalledRun
        The plate, the calls and the files written, inside ``outdir``.

    Raises
    ------
    FileAccessError
        The outputs cannot be written (or the export cannot be read).
    """
    if outdir is None:
        return call_into(export, assay, None, layout, settings, input_format, predicted_tm)
    try:
        with atomic_output(outdir, [export, *inputs]) as stage:
            called = call_into(export, assay, stage, layout, settings, input_format, predicted_tm)
    except OSError as exc:
        raise cannot_write(exc, outdir) from None
    return CalledRun(
        called.plate, called.calls, assay, settings, [outdir / p.name for p in called.files]
    )


def predicted_tm_from_locus(assay: Assay, locus: Path, build: str = "GRCh38") -> pd.DataFrame:
    """Each reaction's products on the wild type and deletion alleles of a reference locus,
    with their predicted Tm, for the run report's melt section (shown, never used to decide).

    Parameters
    ----------
    assay
        The assay (primers, reactions, salt conditions).
    locus
        A locus file (``ikzf1assay reference fetch``) or an indexed genome FASTA holding it.
    build
        The genome build of its coordinates (GRCh38 or GRCh37).

    Returns
    -------
    DataFrame
        :data:`ikzf1assay.primers.product_tm.PREDICTED_TM_COLUMNS`, the default breakpoints
        of each deletion.
    """
    from ikzf1assay.primers.product_tm import predicted_product_tms
    from ikzf1assay.reference import all_alleles, load_locus

    return predicted_product_tms(assay, all_alleles(load_locus(locus, build)))


def write_run_outputs(
    calls: RunCalls,
    plate: Plate,
    assay: Assay,
    outdir: Path,
    settings: CallSettings | None = None,
) -> list[Path]:
    """Write calls.tsv, wells.tsv, provenance.json and report.html as the folder ``outdir``.

    The files are written into a new folder beside ``outdir`` that replaces it only when all
    are complete; ``outdir`` must be absent, empty or an earlier output folder of this package
    (see :func:`ikzf1assay._outdir.atomic_output` for the lock and the rules).

    Parameters
    ----------
    calls, plate, assay, settings
        A called run and what it was called with.
    outdir
        The output folder.

    Returns
    -------
    list of Path
        The four files, inside ``outdir``.
    """
    from ikzf1assay.report.run import write_run_files

    with atomic_output(outdir) as stage:
        written = write_run_files(calls, plate, assay, stage, settings)
    return [outdir / p.name for p in written]
