"""The documented tidy CSV, for any instrument without a reader of its own.

One row per well, target and cycle; comma, semicolon or tab separated; a header row with
these columns (any order, case ignored):

==============  =========  ================================================================
well            required   A1 .. P24 (A01 and a1 accepted)
cycle           required   cycle number, increasing within a well and target
fluorescence    required   the reporter signal (Rn or RFU)
sample          optional   sample name (repeat it on every row of the well)
target          optional   target name, e.g. an alias of the assay file (Δ4-7, ALB)
instrument_ct   optional   the instrument's Ct; empty or ``Undetermined`` for none
task            optional   unknown, ntc, standard, positive control ...
delta_rn        optional   baseline-corrected signal
run             optional   run id when the file holds several runs
==============  =========  ================================================================

Sample, target, task and instrument_ct must agree on every row of one well and target.
"""

from __future__ import annotations

import math

from ikzf1assay._text import Numbers, guess_delimiter, split_line, split_rows
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    build_plate,
    normalise_task,
    normalise_well,
)

__all__ = ["COLUMNS", "FORMAT", "looks_like", "read"]

FORMAT = "tidy-csv"
COLUMNS = (
    "well",
    "cycle",
    "fluorescence",
    "sample",
    "target",
    "instrument_ct",
    "task",
    "delta_rn",
    "run",
)
_REQUIRED = ("well", "cycle", "fluorescence")


def _header(text: str) -> tuple[int, list[str], str]:
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    delimiter = guess_delimiter(lines[start]) if lines else ","
    header = [h.strip().lower() for h in split_line(lines[start], delimiter)] if lines else []
    return start, header, delimiter


def looks_like(text: str) -> bool:
    """True when the first line is a header with well, cycle and fluorescence."""
    _, header, _ = _header(text)
    return all(c in header for c in _REQUIRED)


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a tidy CSV (see the module documentation for the columns)."""
    start, header, delimiter = _header(text)
    col = {name: i for i, name in enumerate(header)}
    missing = [c for c in _REQUIRED if c not in col]
    if missing:
        raise InputFormatError(
            f"missing column(s) {', '.join(missing)}; a tidy CSV needs well, cycle, fluorescence "
            f"and may have {', '.join(COLUMNS[3:])}",
            source=source,
            line=start + 1,
        )
    lines = text.split("\n")
    rows = [
        (i + 1, r)
        for i in range(start + 1, len(lines))
        if lines[i].strip()
        for r in split_rows([lines[i]], delimiter)
    ]
    numbers = Numbers.infer([f for _, r in rows[:2000] for f in r])
    reactions: dict[tuple[str, str, str], Reaction] = {}
    points: list[CurvePoint] = []
    for line, row in rows:

        def get(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else ""

        if len(row) < len(header):
            raise InputFormatError(
                f"row has {len(row)} of {len(header)} fields; is the file truncated?",
                source=source,
                line=line,
            )
        try:
            well = normalise_well(get("well"))[0]
        except ValueError as exc:
            raise InputFormatError(f"well: {exc}", source=source, line=line) from None
        values = {}
        for name in ("cycle", "fluorescence", "delta_rn"):
            try:
                values[name] = numbers.parse(get(name))
            except ValueError as exc:
                raise InputFormatError(f"{name}: {exc}", source=source, line=line) from None
        ct_text = get("instrument_ct")
        try:
            ct = (
                math.nan if ct_text.lower() in ("undetermined", "no ct") else numbers.parse(ct_text)
            )
        except ValueError as exc:
            raise InputFormatError(f"instrument_ct: {exc}", source=source, line=line) from None
        run, target = get("run") or "1", get("target")
        r = Reaction(
            well=well,
            target=target,
            run=run,
            sample=get("sample"),
            task=normalise_task(get("task")) if get("task") else "",
            instrument_ct=ct,
            has_result=bool(ct_text),
            loc=Loc(line=line),
        )
        known = reactions.setdefault((run, well, target), r)
        if (known.sample, known.task, known.has_result) != (r.sample, r.task, r.has_result) or not (
            known.instrument_ct == r.instrument_ct
            or (math.isnan(known.instrument_ct) and math.isnan(r.instrument_ct))
        ):
            raise InputFormatError(
                f"well {well} target {target!r} changes its sample, task or instrument_ct "
                f"(first given at {known.loc}); repeat the same values on every row of a well",
                source=source,
                line=line,
            )
        points.append(
            CurvePoint(
                well,
                target,
                values["cycle"],
                values["fluorescence"],
                values["delta_rn"],
                run=run,
                loc=Loc(line=line),
            )
        )
    info = RunInfo(format=FORMAT, file_name=source, sha256=sha256)
    return build_plate(info, reactions.values(), points)
