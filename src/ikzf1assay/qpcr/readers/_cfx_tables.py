"""The tables of a Bio-Rad CFX run, whether read from CSV files or from workbook sheets.

Each table is a header row and data rows of text cells (a workbook's numbers written as text),
with where each row was read. Three tables are read:

- amplification (``Quantification Amplification Results``): a blank first column, ``Cycle``,
  then one column per well (``A1`` .. ``P24``) of RFU;
- Cq results (``Quantification Cq Results``): Well (``A01``), Fluor, Target, Content (Unkn,
  NTC, Std, Pos Ctrl, Neg Ctrl, with replicate numbers like ``Unkn-01``), Sample, Cq (``NaN``
  when none), Starting Quantity (SQ), ...;
- melt (``Melt Curve RFU Results``): a blank first column, ``Temperature``, then one column
  per well of RFU.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ikzf1assay._text import Numbers
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import (
    CurvePoint,
    Loc,
    MeltPoint,
    Reaction,
    normalise_task,
    normalise_well,
)

__all__ = ["Table", "kind_of", "read_amplification", "read_cq", "read_melt"]

_WELL_HEADER = re.compile(r"^[A-P]\d{1,2}$")
_AXIS = {"cycle": "amplification", "temperature": "melt"}


def kind_of(header: list[str]) -> str | None:
    """``"amplification"``, ``"melt"`` or ``"cq"`` for a CFX table's header row; else None."""
    lowered = [h.strip().lower() for h in header]
    wells = sum(1 for h in lowered if _WELL_HEADER.match(h.upper()))
    for axis, kind in _AXIS.items():
        if axis in lowered[:2] and wells >= 1:
            return kind
    if {"well", "fluor", "cq"} <= set(lowered):
        return "cq"
    return None


@dataclass
class Table:
    """One CFX table: its header, its rows with where each was read, and its fluorophore."""

    file: str
    header: list[str]
    header_loc: Loc
    rows: list[tuple[Loc, list[str]]] = field(default_factory=list)
    fluor: str = ""  # from the file or sheet name; "" when it does not say

    @property
    def kind(self) -> str | None:
        """The table's kind (see :func:`kind_of`)."""
        return kind_of(self.header)

    def error(self, message: str, loc: Loc, column: int | None = None) -> InputFormatError:
        """An error located at a row (and column) of this table."""
        where = loc.cell(column) if loc.sheet is not None else None
        if loc.sheet is None and column is not None:
            where = f"column {column + 1}"
        return InputFormatError(message, source=self.file, line=loc.line, where=where)


def _numbers(table: Table, rows: int | None = None) -> Numbers:
    return Numbers.infer([f for _, r in table.rows[:rows] for f in r])


def read_cq(
    table: Table,
) -> tuple[dict[tuple[str, str], Reaction], dict[tuple[str, str], str]]:
    """The reactions of a Cq results table, and the target of each (well, fluor)."""
    reactions: dict[tuple[str, str], Reaction] = {}
    target_of: dict[tuple[str, str], str] = {}
    numbers = _numbers(table)
    col = {h.strip().lower(): i for i, h in enumerate(table.header)}
    for need in ("well", "fluor", "cq"):
        if need not in col:
            raise table.error(f"no {need!r} column in the Cq results header", table.header_loc)
    for loc, row in table.rows:

        def get(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else ""

        if len(row) <= col["cq"]:
            raise table.error(
                f"row has {len(row)} fields, Cq is field {col['cq'] + 1}; is the file truncated?",
                loc,
            )
        try:
            well = normalise_well(get("well"))[0]
            cq = numbers.parse(get("cq"))
            sq = numbers.parse(get("starting quantity (sq)"))
        except ValueError as exc:
            raise table.error(str(exc), loc) from None
        fluor = get("fluor")
        target = get("target") or fluor
        target_of[(well, fluor)] = target
        if (well, target) in reactions:
            raise table.error(
                f"well {well} target {target!r} is listed twice; "
                "expected one row per well and target",
                loc,
            )
        reactions[(well, target)] = Reaction(
            well=well,
            target=target,
            sample=get("sample"),
            task=normalise_task(get("content")),
            reporter=fluor,
            instrument_ct=cq,
            quantity=sq,
            has_result=True,
            loc=Loc(line=loc.line, sheet=loc.sheet, row=loc.row, file=table.file),
        )
    return reactions, target_of


def _readings(table: Table, axis: str) -> Iterator[tuple[Loc, float, str, float]]:
    """(where, axis value, well, RFU) for every filled well cell of a wide table."""
    numbers = _numbers(table, 50)
    lowered = [h.strip().lower() for h in table.header]
    if axis not in lowered:
        raise table.error(f"no {axis.title()!r} column in the header", table.header_loc)
    axis_col = lowered.index(axis)
    wells = [
        (i, h.strip()) for i, h in enumerate(table.header) if _WELL_HEADER.match(h.strip().upper())
    ]
    for loc, row in table.rows:
        if len(row) < len(table.header) and any(i >= len(row) for i, _ in wells):
            raise table.error(
                f"row has {len(row)} of {len(table.header)} fields; is the file truncated?", loc
            )
        try:
            x = numbers.parse(row[axis_col])
        except ValueError as exc:
            raise table.error(f"{axis.title()}: {exc}", loc, axis_col) from None
        for i, well_text in wells:
            if not row[i]:
                continue  # an empty well column: CFX writes every well of the plate
            try:
                rfu = numbers.parse(row[i])
            except ValueError as exc:
                raise table.error(f"well {well_text}: {exc}", loc, i) from None
            yield loc, x, normalise_well(well_text)[0], rfu


def _fluor(table: Table, target_of: dict[tuple[str, str], str]) -> str:
    """The table's fluorophore; the Cq file's only one when the name does not say."""
    if table.fluor:
        return table.fluor
    fluors = {f for (_, f) in target_of}
    return next(iter(fluors)) if len(fluors) == 1 else ""


def _point_loc(table: Table, loc: Loc) -> Loc:
    return Loc(line=loc.line, sheet=loc.sheet, row=loc.row, file=table.file)


def read_amplification(table: Table, target_of: dict[tuple[str, str], str]) -> list[CurvePoint]:
    """The readings of one amplification table, their targets taken from the Cq table."""
    fluor = _fluor(table, target_of)
    return [
        CurvePoint(
            well, target_of.get((well, fluor), fluor), cycle, rfu, loc=_point_loc(table, loc)
        )
        for loc, cycle, well, rfu in _readings(table, "cycle")
    ]


def read_melt(table: Table, target_of: dict[tuple[str, str], str]) -> list[MeltPoint]:
    """The readings of one melt RFU table, their targets taken from the Cq table."""
    fluor = _fluor(table, target_of)
    return [
        MeltPoint(well, target_of.get((well, fluor), fluor), temp, rfu, loc=_point_loc(table, loc))
        for loc, temp, well, rfu in _readings(table, "temperature")
    ]
