"""Real-world harness: our amplification calls and Ct against the instruments' own, on real runs.

Run from the repository root::

    .venv/bin/python benchmarks/validate_realworld.py [--shared DIR] [--max-lines N]
                                                       [--json FILE] [--full-tracebacks]

It reads every run export under ``../shared/validation/qpcr`` (beside the repository; another
folder with ``--shared``) with :func:`ikzf1assay.qpcr.read_run` and analyses its curves with
:func:`ikzf1assay.qpcr.curves.analyse_curves`, at the instrument's threshold when the export
gives a threshold or a Ct for every target (the rule ``ikzf1assay call`` uses), else at the
automatic one. Documentation, licences and reference tables (:data:`NOT_RUN_FILES`) are skipped
silently. For each run file it prints:

* ``not read: <message>`` when the package refuses the file with an ``IkzfAssayError`` (a
  format it does not read yet), or ``TRACEBACK: <type>: <message>`` for any other exception:
  a bug, counted, and the exit code is 1;
* the number of reactions with a curve ("curves read");
* a table of OUR amplification (``yes`` / ``no`` / ``review``: the curve table's
  ``amplification`` column where it exists, else ``amplified`` as yes/no) against the
  INSTRUMENT's status: its Amp Status (AMP / NO_AMP, any case) where the export has one for the
  well, otherwise "Cq present" (a finite Cq below the run's last cycle; a Cq at or beyond the
  last cycle is how some software writes Undetermined, e.g. StepOne RDML NTCs and ``.eds``
  files, and is counted as not amplified, which the output says). Wells without any instrument
  result form a third column "no instrument call";
* the median |ΔCt| between our ``ct`` and the instrument's Cq over the wells that both call
  amplified, at the instrument's threshold (with n). Where the file was analysed at the
  automatic threshold, or the instrument's Cq is not a threshold crossing (its
  ``RunInfo.ct_method``: a LightCycler Cp is the second-derivative maximum, a QuantStudio Crt
  a relative threshold; such files are always analysed at the automatic threshold), the
  Pearson correlation of our Ct with theirs and the median offset (ours - theirs) instead:
  different definitions are compared by correlation and offset;
* ``read: holds no amplification data`` for a file with melt curves only (counted apart);
* ``not evaluated on its own`` for a file read through another file of its run (a LightCycler
  Cp table beside its raw data, a CFX Cq file's partners): its run is evaluated once;
* one line per disagreement (a definite instrument call against our other call, ``review``
  included): well, sample, target, the instrument's status and Cq, our call with our Ct and raw
  crossing, our flags and ``amplification_reason``. UNSAFE marks an instrument-amplified well
  with Cq <= 35 that we call ``no``.

It ends with one ``SUMMARY:`` line: files read / not read / tracebacks, wells with an instrument
call, how the instrument-amplified and instrument-not-amplified wells split into our yes /
review / no (with the share of review), and UNSAFE. The exit code is 1 when UNSAFE > 0 or any
file ended in a traceback, else 0. ``--json FILE`` writes the per-file figures and the summary.

The logic is importable (``evaluate_file``, ``summarise``); ``tests/test_realworld.py`` uses it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ikzf1assay.errors import IkzfAssayError
from ikzf1assay.qpcr import (
    UNSAFE_CQ,
    CurveCalls,
    CurveSettings,
    Plate,
    analyse_curves,
    compare_with_instrument,
    comparison_threshold,
    ct_agreement,
    read_run,
)
from ikzf1assay.qpcr.readers import read_through

__all__ = [
    "DEFAULT_SHARED",
    "NOT_RUN_FILES",
    "UNSAFE_CQ",
    "Disagreement",
    "FileResult",
    "Summary",
    "evaluate_file",
    "is_run_file",
    "main",
    "run_files",
    "summarise",
]

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "validation" / "qpcr"

# Files in the shared folder that are no run export: documentation, licences, reference tables.
NOT_RUN_NAMES = frozenset({"README.md", "data_vermeulen_methods_cq.tsv"})
NOT_RUN_PREFIXES = ("LICENSE", "LICENCE")
NOT_RUN_SUFFIXES = frozenset({".rd", ".md"})
NOT_RUN_FILES = (
    "README.md (folder documentation)",
    "LICENSE, LICENSE.md, LICENSE.txt (licences)",
    "*.rd (qpcR data set descriptions)",
    "data_vermeulen_methods_cq.tsv (published Cq per method: a reference table)",
)

OURS = ("yes", "review", "no")
INSTRUMENT = ("amp", "not_amp", "none")
INSTRUMENT_LABEL = {
    "amp": "instrument amp",
    "not_amp": "instrument not amp",
    "none": "no instrument call",
}

Outcome = Literal["read", "not read", "traceback", "no amplification data", "read with its run"]


@dataclass(frozen=True)
class Disagreement:
    """One well where the instrument's definite call and ours differ."""

    run: str
    well: str
    sample: str
    target: str
    instrument: str  # "amp" or "not_amp"
    instrument_status: str  # e.g. "AMP", "No Amp", "Cq present", "Cq 40.0 >= last cycle"
    instrument_ct: float | None
    ours: str  # yes / review / no
    our_ct: float | None
    crossing: float | None
    flags: str
    reason: str
    unsafe: bool

    def line(self) -> str:
        """The disagreement as one printed line."""
        where = f"{self.well}" if self.run in ("", "1") else f"run {self.run} {self.well}"
        return (
            f"  {'UNSAFE ' if self.unsafe else ''}{where} sample {self.sample!r} target "
            f"{self.target!r}: instrument {self.instrument_status} Cq {_num(self.instrument_ct)}"
            f" | ours {self.ours} ct {_num(self.our_ct)} crossing {_num(self.crossing)}"
            f" | flags {self.flags or '-'}" + (f" | reason: {self.reason}" if self.reason else "")
        )


@dataclass(frozen=True)
class FileResult:
    """What the harness found for one run file."""

    name: str  # path relative to the shared folder
    outcome: Outcome
    stage: str = ""  # "read" or "analyse": where an error happened
    message: str = ""  # the IkzfAssayError's message or "<type>: <message>"
    where: str = ""  # innermost frame of a traceback, "file:line in function"
    traceback_text: str = ""
    format: str = ""
    threshold_mode: str = ""
    reactions: int = 0
    curves_read: int = 0
    cycles: int = 0
    amplification_column: str = ""  # "amplification" or "amplified"
    status_sources: dict[str, int] = field(default_factory=dict)
    undetermined_as_last_cycle: int = 0
    # counts[instrument][ours]; instrument in INSTRUMENT, ours in OURS
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    median_abs_delta_ct: float | None = None
    n_delta_ct: int = 0
    # the instrument's Ct method (RunInfo.ct_method), and, where it is not a threshold Ct on a
    # threshold we can use (LightCycler Cp = second-derivative maximum, QuantStudio Crt) or the
    # file was analysed at the automatic threshold: Pearson r and the median of (ours - theirs)
    ct_method: str = ""
    ct_r: float | None = None
    median_ct_offset: float | None = None
    disagreements: tuple[Disagreement, ...] = ()
    warnings: tuple[str, ...] = ()  # distinct warnings the package raised on this file

    @property
    def unsafe(self) -> int:
        """Instrument-amplified wells with Cq <= 35 that we call ``no``."""
        return sum(d.unsafe for d in self.disagreements)

    def count(self, instrument: str, ours: str) -> int:
        """Wells of one cell of the table."""
        return self.counts.get(instrument, {}).get(ours, 0)

    @property
    def has_instrument_call(self) -> bool:
        """Whether any well carries the instrument's own call (status or result)."""
        return any(self.count(i, o) for i in ("amp", "not_amp") for o in OURS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        out = asdict(self)
        out["unsafe"] = self.unsafe
        out["disagreements"] = [asdict(d) for d in self.disagreements]
        return out


@dataclass(frozen=True)
class Summary:
    """Totals over all files."""

    files_read: int
    files_not_read: int
    files_without_amplification: int
    files_read_with_their_run: int
    tracebacks: int
    wells_with_call: int
    amp: dict[str, int]  # ours -> wells the instrument calls amplified
    not_amp: dict[str, int]  # ours -> wells the instrument calls not amplified
    unsafe: int
    unsafe_without_curve: int

    @property
    def exit_code(self) -> int:
        """1 when any well is UNSAFE or any file ended in a traceback."""
        return 1 if self.unsafe > 0 or self.tracebacks > 0 else 0

    def line(self) -> str:
        """The one ``SUMMARY:`` line."""
        n_amp = sum(self.amp.values())
        n_not = sum(self.not_amp.values())
        return (
            f"SUMMARY: files read {self.files_read}"
            + (
                f" (+{self.files_without_amplification} without amplification data)"
                if self.files_without_amplification
                else ""
            )
            + (
                f" (+{self.files_read_with_their_run} read with another file of their run)"
                if self.files_read_with_their_run
                else ""
            )
            + f", not read {self.files_not_read}, "
            f"tracebacks {self.tracebacks}; wells with an instrument call {self.wells_with_call}; "
            f"instrument-amp {n_amp}: yes {self.amp['yes']} / review {self.amp['review']} / "
            f"no {self.amp['no']} (review {_pct(self.amp['review'], n_amp)}); "
            f"instrument-not-amp {n_not}: no {self.not_amp['no']} / review "
            f"{self.not_amp['review']} / yes {self.not_amp['yes']} "
            f"(review {_pct(self.not_amp['review'], n_not)}); "
            f"UNSAFE {self.unsafe} (instrument-amp, Cq <= {UNSAFE_CQ:g}, ours no"
            f"; {self.unsafe_without_curve} of them without a curve)"
        )


# --------------------------------------------------------------------------- files


def is_run_file(path: Path) -> bool:
    """False for the documentation, licences and reference tables of :data:`NOT_RUN_FILES`."""
    name = path.name
    return not (
        name in NOT_RUN_NAMES
        or name.upper().startswith(NOT_RUN_PREFIXES)
        or path.suffix.lower() in NOT_RUN_SUFFIXES
    )


def run_files(shared: Path) -> list[Path]:
    """Every run file under ``shared``, sorted; hidden files and folders are ignored."""
    return sorted(
        p
        for p in shared.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(shared).parts)
        and is_run_file(p)
    )


# --------------------------------------------------------------------------- one file


def evaluate_file(path: Path, shared: Path | None = None) -> FileResult:
    """Read and analyse one run file and compare with the instrument; never raises.

    ``shared`` only shortens the printed name (path relative to it). Warnings raised by the
    package are recorded in the result (and printed), not raised, whatever the warning filters.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _evaluate(path, _relative(path, shared))
    if not caught:
        return result
    seen = dict.fromkeys(
        f"{w.category.__name__}: {w.message} ({Path(w.filename).name}:{w.lineno})" for w in caught
    )
    return replace(result, warnings=tuple(seen))


def _evaluate(path: Path, name: str) -> FileResult:
    # a file of a multi-file run (a LightCycler Cp table, a CFX Cq file ...) whose run is
    # evaluated through another file beside it: counted once, as `ikzf1assay call FOLDER` does
    through = read_through(path)
    if through is not None:
        return FileResult(name=name, outcome="read with its run", stage="read", message=through)
    try:
        plate = read_run(path)
    except IkzfAssayError as exc:
        return FileResult(name=name, outcome="not read", stage="read", message=str(exc))
    except Exception as exc:  # a bug: report it, go on with the next file
        return _traceback_result(name, "read", exc)
    if not plate.has_amplification:
        n = int(plate.melt[["run", "well", "target"]].drop_duplicates().shape[0])
        return FileResult(
            name=name, outcome="no amplification data", stage="read", format=plate.info.format,
            message=f"holds no amplification data (melt curves of {n} reactions)",
            reactions=len(plate.wells), ct_method=plate.info.ct_method or "",
        )  # fmt: skip
    mode = comparison_threshold(plate)  # their own threshold where they have one
    try:
        calls = analyse_curves(plate, CurveSettings(threshold=mode))
    except IkzfAssayError as exc:
        return FileResult(
            name=name, outcome="not read", stage="analyse", message=str(exc),
            format=plate.info.format, threshold_mode=mode,
        )  # fmt: skip
    except Exception as exc:
        return _traceback_result(name, "analyse", exc, plate.info.format, mode)
    return _compare(name, plate, calls, mode)


def _traceback_result(
    name: str, stage: str, exc: BaseException, fmt: str = "", mode: str = ""
) -> FileResult:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        ours = [f for f in frames if "ikzf1assay" in f.filename]
        own = ours[-1] if ours else last
        where = f"{Path(own.filename).name}:{own.lineno} in {own.name}"
        if own is not last:
            where += f" (raised in {Path(last.filename).name}:{last.lineno})"
    return FileResult(
        name=name,
        outcome="traceback",
        stage=stage,
        message=f"{type(exc).__name__}: {exc}",
        where=where,
        traceback_text="".join(traceback.format_exception(exc)),
        format=fmt,
        threshold_mode=mode,
    )


def _relative(path: Path, shared: Path | None) -> str:
    if shared is not None:
        try:
            return path.resolve().relative_to(shared.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def our_calls(table: pd.DataFrame) -> tuple[list[str], list[str], str]:
    """Our yes/no/review per row, the reason per row, and the column used.

    The three-valued ``amplification`` column (with ``amplification_reason``) where the curve
    table has it; else the boolean ``amplified`` as yes/no.
    """
    if "amplification" in table:
        values = [str(v).strip().lower() for v in table["amplification"]]
        unknown = sorted(set(values) - set(OURS))
        if unknown:
            raise ValueError(f"amplification values {unknown} are not yes/no/review")
        if "amplification_reason" in table:
            reasons = ["" if _missing(r) else str(r) for r in table["amplification_reason"]]
        else:
            reasons = [""] * len(values)
        return values, reasons, "amplification"
    amplified = table["amplified"].astype(bool).tolist()
    return ["yes" if a else "no" for a in amplified], [""] * len(amplified), "amplified"


def _compare(name: str, plate: Plate, calls: CurveCalls, mode: str) -> FileResult:
    table = compare_with_instrument(plate, calls)
    ours, _, column = our_calls(table)
    counts = {i: dict.fromkeys(OURS, 0) for i in INSTRUMENT}
    for i, o in zip(table["instrument"], ours, strict=True):
        counts[i][o] += 1
    if not any(counts["none"].values()):
        del counts["none"]
    sources = {
        str(k): int(v) for k, v in table["instrument_source"].value_counts(sort=False).items()
    }

    agreement = ct_agreement(table, mode)
    disagreements = tuple(
        Disagreement(
            run=str(row["run"]),
            well=str(row["well"]),
            sample=str(row["sample"]),
            target=str(row["target"]),
            instrument=str(row["instrument"]),
            instrument_status=str(row["instrument_status"]),
            instrument_ct=_opt(float(row["instrument_ct"])),
            ours=str(row["amplification"]),
            our_ct=_opt(float(row["ct"])),
            crossing=_opt(float(row["crossing"])),
            flags=str(row["flags"]),
            reason=str(row["amplification_reason"]),
            unsafe=bool(row["unsafe"]),
        )
        for row in table[~table["agree"]].to_dict("records")
    )
    return FileResult(
        name=name,
        outcome="read",
        format=plate.info.format,
        threshold_mode=mode,
        reactions=len(plate.wells),
        curves_read=int(plate.wells["has_curve"].sum()),
        cycles=plate.cycles,
        amplification_column=column,
        status_sources=sources,
        undetermined_as_last_cycle=int(table["undetermined_as_last_cycle"].sum()),
        counts=counts,
        median_abs_delta_ct=agreement.median_abs_delta,
        n_delta_ct=agreement.n,
        ct_method=plate.info.ct_method or "",
        ct_r=agreement.r,
        median_ct_offset=agreement.median_offset,
        disagreements=disagreements,
    )


# --------------------------------------------------------------------------- totals, output


def summarise(results: Iterable[FileResult]) -> Summary:
    """Totals over the files: see :class:`Summary`."""
    results = list(results)
    amp = dict.fromkeys(OURS, 0)
    not_amp = dict.fromkeys(OURS, 0)
    for r in results:
        for o in OURS:
            amp[o] += r.count("amp", o)
            not_amp[o] += r.count("not_amp", o)
    unsafe = [d for r in results for d in r.disagreements if d.unsafe]
    return Summary(
        files_read=sum(r.outcome == "read" for r in results),
        files_not_read=sum(r.outcome == "not read" for r in results),
        files_without_amplification=sum(r.outcome == "no amplification data" for r in results),
        files_read_with_their_run=sum(r.outcome == "read with its run" for r in results),
        tracebacks=sum(r.outcome == "traceback" for r in results),
        wells_with_call=sum(amp.values()) + sum(not_amp.values()),
        amp=amp,
        not_amp=not_amp,
        unsafe=len(unsafe),
        unsafe_without_curve=sum("NO_CURVE" in d.flags.split(",") for d in unsafe),
    )


def report(result: FileResult, max_lines: int = 40, full_tracebacks: bool = False) -> list[str]:
    """The printed lines of one file."""
    lines = _report(result, max_lines, full_tracebacks)
    return lines + [f"warning: {w}" for w in result.warnings]


def _report(result: FileResult, max_lines: int, full_tracebacks: bool) -> list[str]:
    head = f"== {result.name}"
    if result.outcome == "read with its run":
        return [head, f"not evaluated on its own: {result.message}"]
    if result.outcome == "no amplification data":
        return [head + f"  [{result.format}]", f"read: {result.message}"]
    if result.outcome == "not read":
        verb = "not read" if result.stage == "read" else "not analysed"
        return [head, f"{verb}: {result.message}"]
    if result.outcome == "traceback":
        lines = [
            head + (f"  [{result.format}]" if result.format else ""),
            f"TRACEBACK: {result.message}",
            f"  ({'reading' if result.stage == 'read' else 'analysing curves'}; at {result.where})",
        ]
        if full_tracebacks:
            lines += ["  " + x for x in result.traceback_text.rstrip().splitlines()]
        return lines
    lines = [
        f"{head}  [{result.format}, threshold {result.threshold_mode}, our call from "
        f"'{result.amplification_column}']",
        f"curves read: {result.curves_read} of {result.reactions} reactions "
        f"({result.cycles} cycles)",
        "instrument status from: "
        + ", ".join(f"{k} ({v} wells)" for k, v in sorted(result.status_sources.items())),
    ]
    if result.undetermined_as_last_cycle:
        lines.append(
            f"note: {result.undetermined_as_last_cycle} wells have a whole-number Cq at or beyond"
            " the last cycle, as this software writes Undetermined: counted as instrument not"
            " amplified"
        )
    columns = [i for i in INSTRUMENT if i in result.counts]
    width = 20
    lines.append(f"{'':<12}" + "".join(f"{INSTRUMENT_LABEL[i]:>{width}}" for i in columns))
    for o in OURS:
        lines.append(
            f"{'ours ' + o:<12}" + "".join(f"{result.count(i, o):>{width}}" for i in columns)
        )
    method = f" ({result.ct_method})" if result.ct_method else ""
    if result.median_ct_offset is not None:
        lines.append(
            f"our Ct (auto threshold) vs the instrument's Cq{method}: r = "
            f"{'n/a' if result.ct_r is None else f'{result.ct_r:.4f}'}, median offset "
            f"(ours - theirs) {result.median_ct_offset:+.2f} cycles (n={result.n_delta_ct}); "
            "different definitions: compare by correlation and offset"
        )
    elif result.threshold_mode != "instrument":
        lines.append("median |ΔCt| at the instrument threshold: n/a (analysed at auto threshold)")
    elif result.median_abs_delta_ct is None:
        lines.append("median |ΔCt| at the instrument threshold: n/a (n=0)")
    else:
        lines.append(
            f"median |ΔCt| at the instrument threshold: {result.median_abs_delta_ct:.3f} "
            f"(n={result.n_delta_ct})"
        )
    n = len(result.disagreements)
    lines.append(f"disagreements: {n}" + (f" (UNSAFE {result.unsafe})" if result.unsafe else ""))
    # UNSAFE lines first, so a limit never hides them
    shown = sorted(result.disagreements, key=lambda d: not d.unsafe)[: max(max_lines, 0)]
    lines += [d.line() for d in shown]
    if n > len(shown):
        lines.append(f"  ... and {n - len(shown)} more")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the harness; returns the exit code."""
    parser = argparse.ArgumentParser(
        description="Our amplification calls and Ct against the instruments', on real runs."
    )
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the qpcr folder")
    parser.add_argument("--max-lines", type=int, default=40, help="disagreement lines per file")
    parser.add_argument("--json", type=Path, default=None, help="write per-file figures here")
    parser.add_argument(
        "--full-tracebacks", action="store_true", help="print whole tracebacks, not one line"
    )
    args = parser.parse_args(argv)
    shared: Path = args.shared
    if not shared.is_dir():
        print(f"no shared validation folder at {shared}", file=sys.stderr)
        return 2
    results = []
    for path in run_files(shared):
        result = evaluate_file(path, shared)
        results.append(result)
        print("\n".join(report(result, args.max_lines, args.full_tracebacks)), flush=True)
        print()
    summary = summarise(results)
    if args.json is not None:
        payload = {
            "shared": str(shared),
            "not_run_files": list(NOT_RUN_FILES),
            "files": [r.to_dict() for r in results],
            "summary": {**asdict(summary), "line": summary.line()},
        }
        args.json.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    print(summary.line())
    return summary.exit_code


# --------------------------------------------------------------------------- helpers


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _opt(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


if __name__ == "__main__":
    sys.exit(main())
