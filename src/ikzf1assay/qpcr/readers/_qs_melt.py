"""Melt curves of the ABI / QuantStudio layouts: the ``[Melt Curve Raw Data]`` section.

QuantStudio Real-Time PCR Software writes it per well (Well, Well Position, Reading,
Temperature, Fluorescence, Derivative); Design & Analysis per well and target (sheet
``Melt Curve Raw``: Well, Well Position, Target, Temperature, Fluorescence, Derivative). The
fluorescence is read (the derivative is the instrument's own -dF/dT, recomputed by the melt
analysis); a section without a target column gives each well's melt curve to the well's only
target, or to target "" when the well has none or several.

:func:`settled` is shared by the melt readers (also RDML): instruments record the measured
block temperature with each reading, and the first few readings of a melt step are taken
while the block still settles (64.91, 64.85, 64.73, 64.67, 64.82, 65.12 ... °C in a real
RDML file). Those leading readings are not read, and listed in ``skipped``; a curve whose
temperature falls later than its first :data:`SETTLING_MAX` readings is kept whole, for
:func:`~ikzf1assay.qpcr.plate.build_plate` to refuse with the place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ikzf1assay.qpcr.plate import Loc, MeltPoint, Skipped
from ikzf1assay.qpcr.readers.abi_table import Table

__all__ = ["SETTLING_MAX", "melt_points", "settled"]

SETTLING_MAX = 10  # leading readings of a melt curve that may precede a steady rise


def settled(points: list[MeltPoint], where: str, skipped: list[Skipped]) -> list[MeltPoint]:
    """The readings without the leading ones taken before the temperature rose steadily.

    Parameters
    ----------
    points
        Melt readings in file order (reactions may interleave).
    where
        Where they were read, for the ``skipped`` entry.
    skipped
        Receives one entry counting the readings not read, when there are any.

    Returns
    -------
    list of MeltPoint
        The readings kept, grouped by reaction, each reaction's in file order.
    """
    by_reaction: dict[tuple[str, str, str], list[MeltPoint]] = {}
    for p in points:
        by_reaction.setdefault((p.run, p.well, p.target), []).append(p)
    kept: list[MeltPoint] = []
    dropped: dict[str, int] = {}
    for (_, well, target), readings in by_reaction.items():
        start = 0
        for i in range(1, len(readings)):
            if readings[i].temperature <= readings[i - 1].temperature:
                start = i  # the steady rise starts here at the earliest
        if 0 < start <= SETTLING_MAX:
            dropped[f"{well} {target}".strip()] = start
            readings = readings[start:]
        kept.extend(readings)
    if dropped:
        first = next(iter(dropped))
        skipped.append(
            Skipped(
                where,
                f"{sum(dropped.values())} melt readings at the start of {len(dropped)} curves "
                f"(at most {max(dropped.values())} per curve; e.g. {first}: "
                f"{dropped[first]}) taken before the temperature rose steadily: not read",
            )
        )
    return kept


def melt_points(
    t: Table,
    well_of: Callable[[Table, Loc, list[str]], str],
    targets: Mapping[str, list[str]],
    skipped: list[Skipped],
) -> list[MeltPoint]:
    """The readings of a melt section, in file order.

    Parameters
    ----------
    t
        The section's table.
    well_of
        The row's normalised well (``A1``), raising a located error when it is none.
    targets
        The targets of each well already read (setup and results), for sections without a
        target column.
    skipped
        Where rows of empty wells, or a section without the needed columns, are recorded.

    Returns
    -------
    list of MeltPoint
        One per reading; :func:`~ikzf1assay.qpcr.plate.build_plate` checks them.
    """
    section = t.section
    missing = [name for name in ("Temperature", "Fluorescence") if not t.has(name)]
    if missing or not t.has("Well", "Well Position"):
        skipped.append(
            Skipped(
                str(section.header_loc),
                f"[{section.name}] has no {' or '.join(missing) or 'Well'} column; expected "
                "Well, Temperature, Fluorescence: melt curves not read",
            )
        )
        return []
    with_target = t.has("Target Name")
    points: list[MeltPoint] = []
    empty = 0
    for loc, row in section.data():
        fluorescence = t.text(row, "Fluorescence")
        if not fluorescence:
            empty += 1
            continue
        well = well_of(t, loc, row)
        if with_target:
            target = t.text(row, "Target Name")
        else:
            known = targets.get(well, [])
            target = known[0] if len(known) == 1 else ""
        points.append(
            MeltPoint(
                well=well,
                target=target,
                temperature=t.number(loc, row, "Temperature", required=True),
                fluorescence=t.number(loc, row, "Fluorescence", required=True),
                loc=loc,
            )
        )
    if empty:
        skipped.append(
            Skipped(f"[{section.name}] {section.header_loc}+", f"{empty} rows without fluorescence")
        )
    return settled(points, f"[{section.name}] {section.header_loc}+", skipped)
