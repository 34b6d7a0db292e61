"""Roche LightCycler 480 text exports: raw fluorescence with its Abs Quant Cp table.

LCS480 writes a run's data as separate text exports:

- the raw data (:mod:`._lc480_raw`): a ``Raw Data`` title line with the experiment name and
  software version, then SamplePos, SampleName, Prog#, Seg#, Cycle#, Time, Temp and one column
  per channel (``483-533``); the amplification and the melt program are in the one file, told
  apart by their readings (one per cycle; many within a cycle at rising temperature);
- the Abs Quant table (:mod:`._lc480_cp`): Cp by the second-derivative maximum of each curve
  (not a threshold Ct) for the selected filter's channel.

The raw-data file is the export to give. Its Cp table, named ``<name>_Cq.txt`` (or
``<name> Cq.txt``, ``<name>-Cq.txt``, ``Cp`` for ``Cq``; spaces, hyphens and underscores
alike) beside it, is read with it and its hash recorded in ``RunInfo.settings``; a folder
batch takes the run once, through the raw-data file (:func:`read_through`). Given the Cp table,
its raw-data file beside it is read the same way; without one, the table is a results-only
export. The two must name the same experiment, samples and channel, or the pairing is refused.

The export names no target: each channel stands for its target (``skipped`` says so).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ikzf1assay._io import read_file_bytes, read_file_head
from ikzf1assay._text import decode_text
from ikzf1assay.errors import IkzfAssayError, InputFormatError
from ikzf1assay.qpcr.plate import Plate, Reaction, RunInfo, Skipped, build_plate
from ikzf1assay.qpcr.readers import _lc480_cp, _lc480_raw, limits

__all__ = ["FORMAT", "cp_partner", "looks_like", "partners", "raw_partner", "read", "read_through"]

FORMAT = "lightcycler480"
INSTRUMENT = "LightCycler 480"
CT_METHOD = "second-derivative maximum"
_CP_NAME = re.compile(r"^(?P<base>.*?)[\s_-]*C[qp]$", re.IGNORECASE)


def _kind(text: str) -> str | None:
    lines = text[:8192].split("\n", 3)[:3]
    if _lc480_raw.header_line(lines) is not None:
        return "raw"
    if _lc480_cp.header_line(lines) is not None:
        return "cp"
    return None


def looks_like(text: str) -> bool:
    """True for a LightCycler 480 raw-data export or Abs Quant Cp table."""
    return _kind(text) is not None


def _same_run(name: str) -> str:
    """A run name compared with spaces, hyphens and underscores alike, case ignored."""
    return re.sub(r"[\s_-]+", "_", name.strip(" _-")).lower()


def cp_partner(path: Path) -> Path | None:
    """The Cp table named after the raw-data file ``path`` in its folder, if there is one.

    Parameters
    ----------
    path
        A raw-data export.

    Returns
    -------
    Path or None
        ``<name>_Cq.txt`` (any of the spellings in the module documentation).

    Raises
    ------
    InputFormatError
        More than one file fits: the candidates are listed.
    """
    base = _same_run(path.stem)
    found = []
    for other in sorted(path.parent.iterdir()):
        m = _CP_NAME.match(other.stem)
        if (
            other != path
            and other.suffix.lower() == path.suffix.lower()
            and m
            and _same_run(m.group("base")) == base
            and other.is_file()
        ):
            found.append(other)
    if len(found) > 1:
        raise InputFormatError(
            "more than one Cp table fits this raw-data file: "
            + ", ".join(p.name for p in found)
            + "; keep one beside it",
            source=str(path),
        )
    return found[0] if found else None


def raw_partner(path: Path) -> Path | None:
    """The raw-data export the Cp table ``path`` is named after, if it is beside it.

    Parameters
    ----------
    path
        A file named like a Cp table (``<name>_Cq.txt``).

    Returns
    -------
    Path or None
        The file ``<name>.txt`` (spaces, hyphens and underscores alike) whose content is a
        LightCycler 480 raw-data export; None when the name does not fit or there is none.
    """
    m = _CP_NAME.match(path.stem)
    if m is None or not path.parent.is_dir():
        return None
    base = _same_run(m.group("base"))
    for other in sorted(path.parent.iterdir()):
        if (
            other != path
            and other.suffix.lower() == path.suffix.lower()
            and _same_run(other.stem) == base
            and other.is_file()
        ):
            try:
                head = decode_text(read_file_head(other, "a LightCycler 480 export"), str(other))
            except (IkzfAssayError, UnicodeDecodeError):
                continue
            if _kind(head) == "raw":
                return other
    return None


def partners(path: Path) -> list[Path]:
    """The other file of ``path``'s run beside it: its Cp table, or its raw-data export.

    Parameters
    ----------
    path
        A raw-data export or a Cp table.

    Returns
    -------
    list of Path
        The partner file found (none, or one).
    """
    return [p for p in (cp_partner(path), raw_partner(path)) if p is not None]


def read_through(path: Path) -> str | None:
    """Why ``path`` is not an export of its own, or None when it may be one.

    A Cp table with its raw-data file beside it is read with that file, so a folder's run is
    taken once, through the raw-data file.

    Parameters
    ----------
    path
        A file found in a folder of exports.

    Returns
    -------
    str or None
        The reason to report when the file is not taken on its own.
    """
    if _CP_NAME.match(path.stem) is None:
        return None
    raw = raw_partner(path)
    if raw is None:
        return None
    return f"LightCycler 480 Cp table: read with its raw-data file {raw.name}"


def _partner_text(path: Path, settings: dict[str, str]) -> str:
    raw = read_file_bytes(
        path,
        "a LightCycler 480 export of the same run",
        limits.MAX_TEXT_BYTES,
        "see ikzf1assay.qpcr.readers.limits",
    )
    settings[f"file {path.name}"] = hashlib.sha256(raw).hexdigest()
    return decode_text(raw, str(path))


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a LightCycler 480 run from its raw-data export or its Cp table.

    Parameters
    ----------
    text
        The decoded content of the file given.
    source
        Its path: the run's other export is looked for beside it.
    sha256
        The hash of the file given.

    Returns
    -------
    Plate
        Curves and melt readings per well and channel (from the raw data), Cp as
        ``instrument_ct`` with ``RunInfo.ct_method`` "second-derivative maximum" (from the Cp
        table); the partner file read and its hash are in ``RunInfo.settings``.

    Raises
    ------
    InputFormatError
        Malformed content (naming the file and line), or a Cp table that does not belong to
        the raw data beside it.
    """
    kind = _kind(text)
    path = Path(source)
    settings: dict[str, str] = {}
    raw_text = cp_text = None
    raw_source = cp_source = source
    if kind == "raw":
        raw_text = text
        partner = cp_partner(path) if path.parent.is_dir() and path.exists() else None
        if partner is not None:
            cp_text, cp_source = _partner_text(partner, settings), str(partner)
    elif kind == "cp":
        cp_text = text
        partner = raw_partner(path) if path.exists() else None
        if partner is not None:
            raw_text, raw_source = _partner_text(partner, settings), str(partner)
    else:
        raise InputFormatError(
            "not a LightCycler 480 export; expected a raw-data export (SamplePos, Prog#, Seg#, "
            "Cycle#, Temp, channels) or an Abs Quant table (Include, Pos, Name, Cp)",
            source=source,
        )
    run = _lc480_raw.parse_raw(raw_text, raw_source) if raw_text is not None else None
    table = _lc480_cp.parse_cp(cp_text, cp_source) if cp_text is not None else None
    return _plate(run, table, source, sha256, settings)


def _plate(
    run: _lc480_raw.RawRun | None,
    table: _lc480_cp.CpTable | None,
    source: str,
    sha256: str,
    settings: dict[str, str],
) -> Plate:
    """Join the raw data and the Cp table into one Plate."""
    skipped: list[Skipped] = []
    reactions: dict[tuple[str, str], Reaction] = {}
    experiment = None
    if run is not None:
        experiment = run.experiment
        skipped += run.skipped
        settings.update({f"{k} segment": v for k, v in run.segments.items()})
        for well, (sample, _) in run.samples.items():
            for channel in run.channels:
                reactions[(well, channel)] = Reaction(well, channel, sample=sample)
        skipped.append(
            Skipped(
                "header",
                f"the export names no target: each channel "
                f"({', '.join(run.channels)}) stands for its target",
            )
        )
        if table is None:
            skipped.append(Skipped(source, "no Cp table (<name>_Cq.txt) beside it: no Cp"))
    if table is not None:
        experiment = _check_pairing(run, table, experiment)
        skipped += table.skipped
        for r in table.reactions:
            reactions[(r.well, r.target)] = _joined(reactions.get((r.well, r.target)), r)
        if run is None:
            skipped.append(Skipped(source, "no raw-data file beside it: no curves or melt"))
    if experiment:
        settings["experiment"] = experiment
    info = RunInfo(
        format=FORMAT,
        file_name=source,
        sha256=sha256,
        instrument=INSTRUMENT,
        software=run.software if run is not None else None,
        plate_size=_plate_size(reactions),
        settings=settings,
        ct_method=CT_METHOD if table is not None else None,
    )
    points = run.points if run is not None else []
    melt = run.melt if run is not None else []
    return build_plate(info, reactions.values(), points, skipped, melt=melt)


def _check_pairing(
    run: _lc480_raw.RawRun | None, table: _lc480_cp.CpTable, experiment: str | None
) -> str | None:
    """The experiment's name; an error when the Cp table is not of the raw data's run."""
    where = table.source
    if run is None:
        return table.experiment
    if (
        run.experiment
        and table.experiment
        and _same_run(run.experiment) != _same_run(table.experiment)
    ):
        raise InputFormatError(
            f"the Cp table is of experiment {table.experiment!r}, the raw data of "
            f"{run.experiment!r}; expected the two exports of one run",
            source=where,
        )
    if not table.channel and len(run.channels) == 1:
        for r in table.reactions:  # a table without its title line: the only channel
            r.target = run.channels[0]
    elif not table.channel:
        raise InputFormatError(
            "the Cp table names no filter channel (no 'Selected Filter: ... (483-533)' title) "
            f"and the raw data has several ({', '.join(run.channels)})",
            source=where,
        )
    elif table.channel not in run.channels:
        raise InputFormatError(
            f"the Cp table's filter channel {table.channel!r} is not among the raw data's "
            f"channels ({', '.join(run.channels)})",
            source=where,
        )
    for r in table.reactions:
        sample = run.samples.get(r.well, (r.sample, 0))
        if r.sample and sample[0] and r.sample != sample[0]:
            raise InputFormatError(
                f"well {r.well} is {r.sample!r} in the Cp table but {sample[0]!r} in the raw "
                f"data (line {sample[1]}); expected the two exports of one run",
                source=r.loc.file,
                line=r.loc.line,
            )
    return experiment or table.experiment


def _joined(curve: Reaction | None, result: Reaction) -> Reaction:
    """The Cp table's reaction, with the raw data's sample name where the table has none."""
    if curve is not None and not result.sample:
        result.sample = curve.sample
    return result


def _plate_size(reactions: dict[tuple[str, str], Reaction]) -> int | None:
    """384 when a well lies beyond A1-H12; otherwise not known (the 96 block or a part)."""
    for well, _ in reactions:
        m = re.match(r"([A-Z]+)(\d+)$", well)
        if m and (m.group(1) > "H" or len(m.group(1)) > 1 or int(m.group(2)) > 12):
            return 384
    return None
