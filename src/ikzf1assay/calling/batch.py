"""Calling several run exports in one go: one output folder each and a combined calls table."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import CallSettings, call_run
from ikzf1assay.errors import IkzfAssayError
from ikzf1assay.qpcr.readers import detect_format, read_run
from ikzf1assay.qpcr.readers.cfx import FORMAT as CFX

__all__ = ["BatchResult", "call_batch", "expand_exports"]

_CFX_PARTNER = re.compile(r"Quantification Amplification Results_[^.]+\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class BatchResult:
    """Combined calls (with the export's name in ``export``) and the exports that failed."""

    calls: pd.DataFrame
    errors: pd.DataFrame  # export, error


def expand_exports(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files given, and the run exports inside given folders (not recursive).

    In a folder, a file is taken when its content is a run export; a Bio-Rad CFX run is taken
    once, through its Cq results file (its amplification files are found from there).
    Everything else is returned with the reason, to be reported, not dropped.
    """
    exports: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            exports.append(path)
            continue
        for file in sorted(p for p in path.iterdir() if p.is_file()):
            if _CFX_PARTNER.search(file.name):
                skipped.append((file, "CFX amplification file: read with its Cq results file"))
                continue
            try:
                detect_format(file.read_bytes(), str(file))
            except IkzfAssayError as exc:
                skipped.append((file, exc.message))
                continue
            exports.append(file)
    return exports, skipped


def _folder_name(export: Path, taken: set[str]) -> str:
    stem = re.sub(r"[^\w.-]+", "_", export.stem).strip("_") or "run"
    name, i = stem, 2
    while name in taken:
        name, i = f"{stem}_{i}", i + 1
    taken.add(name)
    return name


def call_batch(
    exports: list[Path],
    assay: Assay,
    outdir: Path,
    layout: pd.DataFrame | None = None,
    settings: CallSettings | None = None,
    advance: Callable[[Path], None] | None = None,
) -> BatchResult:
    """Call each export into ``outdir/<export name>/``; combine the calls.

    An export that cannot be read or called is recorded in ``errors`` with its message and
    the others go on; the caller decides the exit code.
    """
    from ikzf1assay.report.calls import write_run_outputs

    frames: list[pd.DataFrame] = []
    errors: list[dict[str, str]] = []
    taken: set[str] = set()
    for export in exports:
        try:
            plate = read_run(export)
            if plate.info.format == CFX and _CFX_PARTNER.search(export.name):
                continue  # the same run is read through its Cq results file
            calls = call_run(plate, assay, layout, settings)
            write_run_outputs(calls, plate, assay, outdir / _folder_name(export, taken))
            frames.append(calls.samples.assign(export=export.name))
        except IkzfAssayError as exc:
            errors.append({"export": str(export), "error": str(exc)})
        finally:
            if advance is not None:
                advance(export)
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not combined.empty:
        combined = combined[["export", *[c for c in combined.columns if c != "export"]]]
    return BatchResult(
        calls=combined,
        errors=pd.DataFrame(errors, columns=["export", "error"]),
    )
