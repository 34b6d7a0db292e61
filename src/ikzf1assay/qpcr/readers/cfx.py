"""Bio-Rad CFX Manager / CFX Maestro exports: CSV files, or the same tables as ``.xlsx``.

CFX writes each table of a run as its own file, named ``<run> -  <table>[_<FLUOR>].csv``:

- ``Quantification Amplification Results_<FLUOR>``: ``Cycle`` then RFU per well, one file per
  fluorophore;
- ``Quantification Cq Results`` (``_0`` in some versions): per well and fluor the target,
  content, sample and Cq (``NaN`` when none);
- ``Melt Curve RFU Results_<FLUOR>``: ``Temperature`` then RFU per well, read into the
  Plate's ``melt`` table.

(:mod:`._cfx_tables` gives the columns.) CFX Maestro can write the same tables as ``.xlsx``
workbooks, one per table with a sheet per fluorophore, or several tables in one workbook; a
sheet is recognised by its header row (:mod:`._cfx_xlsx`).

Give any file of a run: the others are found beside it by the pairing rule of
:mod:`._cfx_names` (the run name left when the table's name is removed; spaces, hyphens,
underscores and case alike; CSV with CSV, workbook with workbook), read by
:func:`ikzf1assay.qpcr.readers.read_run` and handed to :func:`read` / :func:`read_xlsx` as
``partners``; their hashes are recorded in ``RunInfo.settings`` (``file <name>``). A table's
kind comes from its content, its fluorophore from its file or sheet name; curves are matched
to targets through the Cq table's Well and Fluor. Without a Cq table the fluorophore stands in
for the target, and the Plate's ``skipped`` says so. European exports (``;`` and decimal
commas) are read as such. The Cq file does not say how Cq was determined (CFX's single
threshold or its regression mode), so ``RunInfo.ct_method`` is left unset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from ikzf1assay._io import read_file_bytes
from ikzf1assay._text import decode_text, guess_delimiter, split_line, split_rows
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    MeltPoint,
    Plate,
    Reaction,
    RunInfo,
    Skipped,
    build_plate,
)
from ikzf1assay.qpcr.readers import _cfx_names, _cfx_xlsx, limits
from ikzf1assay.qpcr.readers._cfx_tables import (
    Table,
    kind_of,
    read_amplification,
    read_cq,
    read_melt,
)

__all__ = [
    "FORMAT",
    "XLSX",
    "looks_like",
    "looks_like_workbook",
    "partners",
    "read",
    "read_through",
    "read_xlsx",
]

FORMAT = "cfx-csv"
XLSX = "cfx-xlsx"
INSTRUMENT = "Bio-Rad CFX"


def _header(text: str) -> list[str]:
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    return split_line(first, guess_delimiter(first))


def looks_like(text: str) -> bool:
    """True for a CFX amplification, Cq results or melt RFU CSV (by its header row)."""
    return kind_of(_header(text)) is not None


def looks_like_workbook(raw: bytes) -> bool:
    """True for an ``.xlsx`` workbook with a sheet holding a CFX table (by its header row)."""
    return _cfx_xlsx.looks_like(raw)


def partners(path: Path) -> list[Path]:
    """The other files of the run ``path`` belongs to, found beside it by name.

    Parameters
    ----------
    path
        A file of a CFX run.

    Returns
    -------
    list of Path
        The run's other files (none when the name is no CFX table name).

    Raises
    ------
    InputFormatError
        When the pairing is ambiguous: two files fit one place of the run (both named).
    """
    return [p for p in _cfx_names.run_files(path).all() if p != path]


def read_through(path: Path) -> str | None:
    """Why ``path`` is not an export of its own in a folder, or None when it may be one.

    A run is taken once, through its Cq results file (or, without one, its first
    amplification file); its other files are read with it. Tables this reader does not read
    (melt derivative, end point, ...) are named as such.

    Parameters
    ----------
    path
        A file found in a folder of exports.

    Returns
    -------
    str or None
        The reason to report when the file is not taken on its own.
    """
    return _cfx_names.read_through(path)


def _csv_table(path: str, text: str, fluor: str) -> Table:
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    delimiter = guess_delimiter(lines[start] if lines else "")
    header = split_line(lines[start], delimiter) if lines else []
    table = Table(path, header, Loc(line=start + 1), fluor=fluor)
    for i, ln in enumerate(lines[start + 1 :], start=start + 2):
        if ln.strip():
            table.rows.extend((Loc(line=i), fields) for fields in split_rows([ln], delimiter))
    return table


def _fluor_of(path: Path) -> str:
    name = _cfx_names.name_of(path)
    return name.fluor if name is not None else ""


def _own_partners(source: str) -> dict[Path, bytes]:
    """The partner files' bytes, when the reader is called without them (not by read_run)."""
    path = Path(source)
    if not path.exists():
        return {}
    return {
        p: read_file_bytes(
            p, "a CFX export file of the same run", limits.MAX_TEXT_BYTES, "see limits"
        )
        for p in partners(path)
    }


def _settings(given: Mapping[Path, bytes]) -> dict[str, str]:
    return {f"file {p.name}": hashlib.sha256(raw).hexdigest() for p, raw in given.items()}


def read(
    text: str, source: str, sha256: str, partners: Mapping[Path, bytes] | None = None
) -> Plate:
    """Read a CFX run from one of its CSV files and the run's other files.

    Parameters
    ----------
    text
        The decoded content of the file given.
    source
        Its path.
    sha256
        The hash of the file given.
    partners
        The bytes of the run's other files (:func:`partners`), as read by ``read_run``; when
        None, they are found and read here.

    Returns
    -------
    Plate
        The run; the other files read and their hashes are in ``RunInfo.settings``.
    """
    given = _own_partners(source) if partners is None else partners
    tables = [_csv_table(source, text, _fluor_of(Path(source)))]
    for path, raw in given.items():
        tables.append(_csv_table(str(path), decode_text(raw, str(path)), _fluor_of(path)))
    info = RunInfo(
        format=FORMAT,
        file_name=source,
        sha256=sha256,
        instrument=INSTRUMENT,
        settings=_settings(given),
    )
    return _assemble(info, tables, [])


def read_xlsx(
    raw: bytes, source: str, sha256: str, partners: Mapping[Path, bytes] | None = None
) -> Plate:
    """Read a CFX run from one of its ``.xlsx`` workbooks and the run's other workbooks.

    Parameters
    ----------
    raw
        The workbook given.
    source
        Its path.
    sha256
        Its hash.
    partners
        The bytes of the run's other workbooks, as for :func:`read`.

    Returns
    -------
    Plate
        The run; sheets that hold no CFX table are listed in ``skipped``.
    """
    given = _own_partners(source) if partners is None else partners
    tables, skipped = _cfx_xlsx.tables(raw, source, _fluor_of(Path(source)))
    for path, other in given.items():
        more, more_skipped = _cfx_xlsx.tables(other, str(path), _fluor_of(path))
        tables += more
        skipped += more_skipped
    info = RunInfo(
        format=XLSX,
        file_name=source,
        sha256=sha256,
        instrument=INSTRUMENT,
        software="CFX Maestro",
        settings=_settings(given),
    )
    return _assemble(info, tables, skipped)


def _assemble(info: RunInfo, tables: list[Table], skipped: list[Skipped]) -> Plate:
    """The Plate of a run's tables: Cq first (it names the targets), then curves and melt."""
    source = info.file_name
    by_kind: dict[str | None, list[Table]] = {}
    for table in tables:
        by_kind.setdefault(table.kind, []).append(table)
    for table in by_kind.pop(None, []):
        skipped.append(Skipped(table.file, "not a CFX amplification, Cq or melt RFU table"))
    reactions: list[Reaction] = []  # build_plate refuses a reaction listed twice, differently
    target_of: dict[tuple[str, str], str] = {}  # (well, fluor) -> target
    cq_tables = by_kind.get("cq", [])
    for table in cq_tables:
        more, more_targets = read_cq(table)
        reactions += more.values()
        target_of.update(more_targets)
    if not cq_tables:
        skipped.append(
            Skipped(source, "no 'Quantification Cq Results' beside it: no Cq, samples or targets")
        )
    points: list[CurvePoint] = [
        p for t in by_kind.get("amplification", []) for p in read_amplification(t, target_of)
    ]
    melt: list[MeltPoint] = [m for t in by_kind.get("melt", []) for m in read_melt(t, target_of)]
    if not by_kind.get("amplification"):
        skipped.append(
            Skipped(source, "no 'Quantification Amplification Results' beside it: no curves")
        )
    return build_plate(info, reactions, points, skipped, melt=melt)
