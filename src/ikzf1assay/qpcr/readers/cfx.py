"""Bio-Rad CFX Manager / CFX Maestro CSV exports.

CFX writes each result as its own file, named ``<run> -  Quantification <what>.csv``:

- ``Quantification Amplification Results_<FLUOR>.csv``: a blank first column, ``Cycle``,
  then one column per well (``A1`` .. ``H12``) of RFU, one file per fluorophore;
- ``Quantification Cq Results.csv`` (``_0`` in some versions): a blank first column, Well
  (``A01``), Fluor, Target, Content (Unkn, NTC, Std, Pos Ctrl, Neg Ctrl, with replicate
  numbers like ``Unkn-01``), Sample, Biological Set Name, Cq (``NaN`` when none), Starting
  Quantity (SQ), ...

Give either file: the other files of the same run are found beside it by CFX's own naming,
and recorded in ``RunInfo.settings``. The fluorophore of an amplification file is taken from
its name; curves are matched to targets through the Cq file's Well and Fluor. Without a Cq
file the fluorophore stands in for the target. European exports (``;`` and decimal commas)
are read as such.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ikzf1assay._io import read_file_bytes
from ikzf1assay._text import (
    Numbers,
    decode_text,
    guess_delimiter,
    split_line,
    split_rows,
)
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
    normalise_task,
    normalise_well,
)
from ikzf1assay.qpcr.readers import limits

__all__ = ["FORMAT", "looks_like", "read", "read_through"]

FORMAT = "cfx-csv"
_AMP_NAME = re.compile(
    r"^(?P<base>.*?)\s*-\s*Quantification Amplification Results_(?P<fluor>[^.]+)\.csv$", re.I
)
_CQ_NAME = re.compile(r"^(?P<base>.*?)\s*-\s*Quantification Cq Results(_\d+)?\.csv$", re.I)
_WELL_HEADER = re.compile(r"^[A-P]\d{1,2}$")
# Looser than _AMP_NAME (no " - " needed): any file named like an amplification file is left
# to its run's Cq results file when a folder is searched for exports.
_PARTNER_FILE = re.compile(r"Quantification Amplification Results_[^.]+\.csv$", re.IGNORECASE)


def _header(text: str) -> list[str]:
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    return [f.strip().lower() for f in split_line(first, guess_delimiter(first))]


def _kind(text: str) -> str | None:
    header = _header(text)
    if "cycle" in header[:2] and sum(1 for h in header if _WELL_HEADER.match(h.upper())) >= 1:
        return "amplification"
    if {"well", "fluor", "cq"} <= set(header):
        return "cq"
    return None


def looks_like(text: str) -> bool:
    """True for a CFX amplification or Cq results CSV."""
    return _kind(text) is not None


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.strip())
    delimiter = guess_delimiter(lines[start])
    header = split_line(lines[start], delimiter)
    rows = [
        (i + 1, fields)
        for i, ln in enumerate(lines[start + 1 :], start=start + 1)
        if ln.strip()
        for fields in split_rows([ln], delimiter)
    ]
    return header, rows


def _partners(path: Path) -> tuple[list[Path], Path | None]:
    """Amplification files and the Cq file of the run ``path`` belongs to."""
    m = _AMP_NAME.match(path.name) or _CQ_NAME.match(path.name)
    if m is None:
        return ([path], None) if path.suffix.lower() == ".csv" else ([], None)
    base = m.group("base")
    amps, cq = [], None
    for other in sorted(path.parent.iterdir()):
        for pattern in (_AMP_NAME, _CQ_NAME):
            om = pattern.match(other.name)
            if om and om.group("base") == base:
                if pattern is _AMP_NAME:
                    amps.append(other)
                else:
                    cq = other
    return amps, cq


def read_through(path: Path) -> str | None:
    """Why ``path`` is not an export of its own, or None when it may be one.

    An amplification file is read with its run's Cq results file (which finds it by name),
    so a folder's run is taken once, through its Cq results file.

    Parameters
    ----------
    path
        A file found in a folder of exports.

    Returns
    -------
    str or None
        The reason to report when the file is not taken on its own.
    """
    if _PARTNER_FILE.search(path.name):
        return "CFX amplification file: read with its Cq results file"
    return None


def _run_texts(
    path: Path, text: str, kind: str | None
) -> tuple[dict[Path, str], list[Path], Path | None, dict[str, str]]:
    """The texts of the run's files, its amplification and Cq files, and their hashes."""
    amp_files, cq_file = _partners(path) if path.exists() else ([], None)
    texts: dict[Path, str] = {path: text}
    settings: dict[str, str] = {}
    for other in [*amp_files, *([cq_file] if cq_file else [])]:
        if other not in texts:
            other_raw = read_file_bytes(
                other,
                "a CFX export file of the same run",
                limits.MAX_TEXT_BYTES,
                "see ikzf1assay.qpcr.readers.limits",
            )
            texts[other] = decode_text(other_raw, str(other))
            settings[f"file {other.name}"] = hashlib.sha256(other_raw).hexdigest()
    if kind == "amplification" and path not in amp_files:
        amp_files = [path]
    if kind == "cq":
        cq_file = path
    return texts, amp_files, cq_file, settings


def _read_cq(
    cq_file: Path, text: str
) -> tuple[dict[tuple[str, str], Reaction], dict[tuple[str, str], str]]:
    """The reactions of a Cq results file, and the target of each (well, fluor)."""
    reactions: dict[tuple[str, str], Reaction] = {}
    target_of: dict[tuple[str, str], str] = {}
    header, rows = _rows(text)
    numbers = Numbers.infer([f for _, r in rows for f in r])
    col = {h.strip().lower(): i for i, h in enumerate(header)}
    for need in ("well", "fluor", "cq"):
        if need not in col:
            raise InputFormatError(
                f"no {need!r} column in the Cq results header", source=str(cq_file), line=1
            )
    for line, row in rows:

        def get(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else ""

        if len(row) <= col["cq"]:
            raise InputFormatError(
                f"row has {len(row)} fields, Cq is field {col['cq'] + 1}; is the file truncated?",
                source=str(cq_file),
                line=line,
            )
        try:
            well = normalise_well(get("well"))[0]
            cq = numbers.parse(get("cq"))
            sq = numbers.parse(get("starting quantity (sq)"))
        except ValueError as exc:
            raise InputFormatError(str(exc), source=str(cq_file), line=line) from None
        fluor = get("fluor")
        target = get("target") or fluor
        target_of[(well, fluor)] = target
        key = (well, target)
        if key in reactions:
            raise InputFormatError(
                f"well {well} target {target!r} is listed twice; "
                "expected one row per well and target",
                source=str(cq_file),
                line=line,
            )
        reactions[key] = Reaction(
            well=well,
            target=target,
            sample=get("sample"),
            task=normalise_task(get("content")),
            reporter=fluor,
            instrument_ct=cq,
            quantity=sq,
            has_result=True,
            loc=Loc(line=line, file=str(cq_file)),
        )
    return reactions, target_of


def _read_amplification(
    amp: Path, text: str, target_of: dict[tuple[str, str], str]
) -> list[CurvePoint]:
    """The readings of one amplification file, their targets taken from the Cq file."""
    m = _AMP_NAME.match(amp.name)
    fluors = {f for (_, f) in target_of}
    fluor = m.group("fluor") if m else (next(iter(fluors)) if len(fluors) == 1 else "")
    header, rows = _rows(text)
    numbers = Numbers.infer([f for _, r in rows[:50] for f in r])
    lowered = [h.strip().lower() for h in header]
    if "cycle" not in lowered:
        raise InputFormatError(
            "no 'Cycle' column in the amplification header", source=str(amp), line=1
        )
    cycle_col = lowered.index("cycle")
    wells = [(i, h.strip()) for i, h in enumerate(header) if _WELL_HEADER.match(h.strip().upper())]
    points: list[CurvePoint] = []
    for line, row in rows:
        if len(row) < len(header):
            raise InputFormatError(
                f"row has {len(row)} of {len(header)} fields; is the file truncated?",
                source=str(amp),
                line=line,
            )
        try:
            cycle = numbers.parse(row[cycle_col])
        except ValueError as exc:
            raise InputFormatError(f"Cycle: {exc}", source=str(amp), line=line) from None
        for i, well_text in wells:
            well = normalise_well(well_text)[0]
            if not row[i]:
                continue
            try:
                rfu = numbers.parse(row[i])
            except ValueError as exc:
                raise InputFormatError(
                    f"well {well_text}: {exc}",
                    source=str(amp),
                    line=line,
                    where=f"column {i + 1}",
                ) from None
            target = target_of.get((well, fluor), fluor)
            points.append(CurvePoint(well, target, cycle, rfu, loc=Loc(line=line, file=str(amp))))
    return points


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a CFX run from one of its CSV files (the others are found beside it).

    Parameters
    ----------
    text
        The decoded content of the file given.
    source
        Its path: the run's other files are looked for beside it.
    sha256
        The hash of the file given.

    Returns
    -------
    Plate
        The run; the other files read and their hashes are in ``RunInfo.settings``.
    """
    texts, amp_files, cq_file, settings = _run_texts(Path(source), text, _kind(text))
    skipped: list[Skipped] = []
    reactions: dict[tuple[str, str], Reaction] = {}
    target_of: dict[tuple[str, str], str] = {}  # (well, fluor) -> target
    if cq_file is not None:
        reactions, target_of = _read_cq(cq_file, texts[cq_file])
    else:
        skipped.append(
            Skipped(
                source, "no 'Quantification Cq Results' file beside it: no Cq, samples or targets"
            )
        )
    points = [p for amp in amp_files for p in _read_amplification(amp, texts[amp], target_of)]
    if not amp_files:
        skipped.append(
            Skipped(source, "no 'Quantification Amplification Results' file beside it: no curves")
        )
    info = RunInfo(
        format=FORMAT, file_name=source, sha256=sha256, instrument="Bio-Rad CFX", settings=settings
    )
    return build_plate(info, reactions.values(), points, skipped)
