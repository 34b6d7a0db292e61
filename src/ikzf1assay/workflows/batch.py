"""Calling several run exports in one go: one output folder each and a combined calls table.

The whole batch is one output folder, written by :func:`ikzf1assay._outdir.atomic_output`
(complete or absent, never a mix of two batches): a folder per export (calls.tsv, wells.tsv,
provenance.json, report.html), ``calls_combined.tsv``, ``errors.tsv`` (export, error),
``skipped.tsv`` (path, reason) and ``batch.log`` (what happened to each export, with the
traceback of any unexpected error).
"""

from __future__ import annotations

import datetime as dt
import shutil
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from ikzf1assay._outdir import MARKER, atomic_output, safe_name
from ikzf1assay._tsv import write_tsv
from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, call_run
from ikzf1assay.calling.layout import Layout
from ikzf1assay.errors import FileAccessError, IkzfAssayError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import partner_files, read_run
from ikzf1assay.report.run import write_run_files
from ikzf1assay.workflows.run import require_amplification

__all__ = [
    "BATCH_FILES",
    "CONFLICT",
    "BatchResult",
    "call_batch",
    "flag_conflicts",
]

BATCH_FILES = ("calls_combined.tsv", "errors.tsv", "skipped.tsv", "batch.log")
CONFLICT = "CONFLICT"


@dataclass(frozen=True)
class BatchResult:
    """What a batch produced.

    ``calls``: the combined calls, ``export`` (the export's file name) first, then the columns
    of a run's calls; ``flags`` carries CONFLICT where a sample's valid calls differ between
    exports. ``errors``: export, error. ``skipped``: path, reason. ``conflicts``: sample,
    export, call, one row per valid call of a sample whose valid calls differ. ``folders``:
    each export called and the name of its folder in the batch's output folder.
    """

    calls: pd.DataFrame
    errors: pd.DataFrame
    skipped: pd.DataFrame
    conflicts: pd.DataFrame
    folders: dict[Path, str] = field(default_factory=dict)


def _folder_name(export: Path, taken: set[str]) -> str:
    stem = safe_name(export.stem)
    name, i = stem, 2
    while name.casefold() in taken:
        name, i = f"{stem}_{i}", i + 1
    taken.add(name.casefold())
    return name


def flag_conflicts(calls: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add CONFLICT to the flags of every valid call of a sample whose valid calls differ.

    An invalid or inconclusive result beside a valid one is a retest, not a conflict. The
    calls themselves are left as they are.

    Returns
    -------
    calls, conflicts
        ``calls`` with the flags added; ``conflicts``: sample, export, call of those rows.
    """
    columns = ["sample", "export", "call"]
    if calls.empty:
        return calls, pd.DataFrame(columns=columns)
    valid = calls[calls["status"] == "valid"]
    calls_per_sample = valid.groupby("sample")["call"].nunique()
    disputed = set(calls_per_sample[calls_per_sample > 1].index)
    rows = (calls["status"] == "valid") & calls["sample"].isin(disputed)
    out = calls.copy()
    flags = out["flags"].fillna("").astype(str)
    out["flags"] = flags.where(~rows, flags.map(lambda f: f"{f},{CONFLICT}" if f else CONFLICT))
    return out, out.loc[rows, columns].reset_index(drop=True)


def _run_files(export: Path, plate: Plate) -> set[Path]:
    """The files of ``export``'s run (itself and, for multi-file formats, its partners), so
    that a run given through several of its files is called once, and never dropped."""
    return {p.resolve() for p in (export, *partner_files(export, plate.info.format))}


def _call_each(
    exports: list[Path],
    assay: Assay,
    stage: Path,
    layout: Layout | None,
    settings: CallSettings | None,
    advance: Callable[[Path], None] | None,
    log_file: TextIO,
    predicted_tm: pd.DataFrame | None = None,
    folders: dict[Path, str] | None = None,
) -> tuple[list[pd.DataFrame], list[dict[str, str]]]:
    frames: list[pd.DataFrame] = []
    errors: list[dict[str, str]] = []
    folders = {} if folders is None else folders
    taken = {name.casefold() for name in (*BATCH_FILES, MARKER)}
    seen_runs: set[Path] = set()
    for export in exports:
        folder: Path | None = None
        try:
            plate = read_run(export)
            require_amplification(plate, export)
            run = _run_files(export, plate)
            if run & seen_runs:  # another file of this run was given and called
                log_file.write(f"called already through another file of its run: {export}\n")
                continue
            seen_runs |= run
            calls = call_run(plate, assay, layout, settings)
            folder = stage / _folder_name(export, taken)
            write_run_files(calls, plate, assay, folder, settings, predicted_tm)
            frames.append(calls.samples.assign(export=export.name))
            folders[export] = folder.name
            log_file.write(f"called: {export} -> {folder.name}/\n")
        except Exception as exc:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)  # no half-written folder
            if isinstance(exc, IkzfAssayError):
                message = str(exc)
                log_file.write(f"error: {export}: {message}\n")
            else:
                message = (
                    f"{export}: unexpected error ({type(exc).__name__}: {exc}); the traceback "
                    "is in batch.log: please report it"
                )
                log_file.write(f"unexpected error: {export}\n{traceback.format_exc()}\n")
            errors.append({"export": str(export), "error": message})
        finally:
            log_file.flush()
            if advance is not None:
                advance(export)
    return frames, errors


def call_batch(
    exports: list[Path],
    assay: Assay,
    outdir: Path,
    layout: Layout | None = None,
    settings: CallSettings | None = None,
    advance: Callable[[Path], None] | None = None,
    skipped: Sequence[tuple[Path, str]] = (),
    predicted_tm: pd.DataFrame | None = None,
) -> BatchResult:
    """Call each export into ``outdir/<export name>/``; combine the calls; write the batch.

    An export that cannot be read or called, for whatever reason, is a row of ``errors`` and
    the others go on; the caller decides the exit code. ``outdir`` is replaced as a whole when
    the batch is complete (see :func:`ikzf1assay._outdir.atomic_output`).

    Parameters
    ----------
    exports
        The run exports, e.g. from :func:`ikzf1assay.qpcr.readers.find_exports`.
    assay, layout, settings
        As for :func:`ikzf1assay.calling.call_run`.
    outdir
        The batch's output folder: absent, empty or an earlier output folder of this package.
    advance
        Called with each export when it is done (a progress bar).
    skipped
        Files not called and why (from :func:`ikzf1assay.qpcr.readers.find_exports`),
        written to skipped.tsv.
    predicted_tm
        Products' predicted Tm, shown in each run report's melt section (see
        :func:`ikzf1assay.workflows.run.predicted_tm_from_locus`).

    Returns
    -------
    BatchResult
        The combined calls, the errors, the skipped files and the conflicts.

    Raises
    ------
    FileAccessError
        The batch's folder cannot be written (an error of one export is a row, not this).
    """
    try:
        with atomic_output(outdir, inputs=exports) as stage:
            return _write_batch(
                exports, assay, stage, layout, settings, advance, skipped, predicted_tm
            )
    except OSError as exc:
        raise FileAccessError(
            f"cannot write outputs: {exc.strerror or exc}", source=outdir
        ) from None


def _write_batch(
    exports: list[Path],
    assay: Assay,
    stage: Path,
    layout: Layout | None,
    settings: CallSettings | None,
    advance: Callable[[Path], None] | None,
    skipped: Sequence[tuple[Path, str]],
    predicted_tm: pd.DataFrame | None = None,
) -> BatchResult:
    with (stage / "batch.log").open("w", encoding="utf-8") as log_file:
        log_file.write(f"batch of {len(exports)} exports, started {dt.datetime.now():%c}\n")
        folders: dict[Path, str] = {}
        frames, errors = _call_each(
            exports, assay, stage, layout, settings, advance, log_file, predicted_tm, folders
        )
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not combined.empty:
        combined = combined[["export", *[c for c in combined.columns if c != "export"]]]
    combined, conflicts = flag_conflicts(combined)
    result = BatchResult(
        calls=combined,
        errors=pd.DataFrame(errors, columns=["export", "error"]),
        skipped=pd.DataFrame([(str(p), r) for p, r in skipped], columns=["path", "reason"]),
        conflicts=conflicts,
        folders=folders,
    )
    write_tsv(result.calls, stage / "calls_combined.tsv")
    write_tsv(result.errors, stage / "errors.tsv")
    write_tsv(result.skipped, stage / "skipped.tsv")
    return result
