"""``apldbio/sds/multicomponent_data.txt`` of an ``.eds`` run file: raw signal per dye.

The layout, as documented for the 7500 / StepOne software (tab-separated)::

    StepOne v2.0 MulticomponentData              title: the software that wrote it
    WELL  CYCLE  DYE LIST  MSE  SIGNAL DATA  PURE_DYE_DATA
    0     0      FAM       ...  1234.5       ...  one row per well x cycle x dye; wells from 0
                                     ...          indented rows (first field empty): the rest
                                                  of the pure-dye matrix, not read
    0     0      812.3                            a well x cycle summary (WELL CYCLE MSE),
                                                  not read; it may open the next record's line

Cycles are numbered from 0 in these files (as the RDML R package reads them): when the
smallest cycle is 0, every cycle is shifted by one so that cycle 1 is the first reading, as
in ``analysis_result.txt``. The signal is the dye's multicomponent (spectrally separated)
signal; Rn = reporter signal / passive reference signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Skipped

__all__ = ["Multicomponent", "parse_multicomponent"]


@dataclass
class Multicomponent:
    """Signal per (well index, dye): cycle -> value; cycles from 1."""

    signal: dict[tuple[int, str], dict[int, float]] = field(default_factory=dict)
    lines: dict[tuple[int, str], int] = field(default_factory=dict)  # first line, for errors
    title: str = ""
    shifted: bool = False
    skipped: list[Skipped] = field(default_factory=list)

    def dyes(self) -> list[str]:
        """Dye names in the order first met."""
        return list(dict.fromkeys(d for _, d in self.signal))


def _is_int(text: str) -> bool:
    return text.strip().isdigit()


def _record_start(fields: list[str]) -> int | None:
    """Index of WELL in a record line, or None for a line holding no record."""
    for start in (0, 3):  # 3: a well x cycle summary (WELL CYCLE MSE) opens the line
        part = fields[start:]
        dye = part[2].strip() if len(part) >= 5 else ""
        if dye and _is_int(part[0]) and _is_int(part[1]) and not _number_like(dye):
            return start
    return None


def _number_like(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_multicomponent(text: str, where: str) -> Multicomponent:
    """Parse the multicomponent data (``where`` names the member in errors).

    Raises
    ------
    InputFormatError
        No ``WELL CYCLE DYE ...`` header; a signal that is not a number; a well x cycle x dye
        listed twice; a line that is neither a record, a summary nor a pure-dye row.
    """
    out = Multicomponent()
    header = False
    pure = summaries = 0
    raw: dict[tuple[int, str, int], float] = {}
    for line, raw_line in enumerate(text.split("\n"), start=1):
        fields = raw_line.rstrip("\r").split("\t")
        if not "".join(fields).strip():
            continue
        first = fields[0].strip()
        if not header:
            if first.upper() == "WELL":
                if len(fields) < 5 or not fields[2].strip().upper().startswith("DYE"):
                    raise InputFormatError(
                        "the header is not WELL, CYCLE, DYE LIST, MSE, SIGNAL DATA, ...",
                        source=where,
                        line=line,
                    )
                header = True
            elif not out.title:
                out.title = raw_line.strip()
            continue
        if not first:
            pure += 1
            continue
        start = _record_start(fields)
        if start is None:
            if len([f for f in fields if f.strip()]) == 3 and _is_int(first):
                summaries += 1
                continue
            raise InputFormatError(
                f"line {raw_line.strip()[:60]!r} is not a record; expected WELL, CYCLE, DYE, "
                "MSE, SIGNAL, ... (tab-separated)",
                source=where,
                line=line,
            )
        summaries += start > 0
        well, cycle, dye = int(fields[start]), int(fields[start + 1]), fields[start + 2].strip()
        text_value = fields[start + 4].strip()
        value = float(text_value) if _number_like(text_value) else math.nan
        if not math.isfinite(value):
            raise InputFormatError(
                f"signal {text_value!r} of well {well} cycle {cycle} dye {dye} is not a "
                "number; expected a decimal number",
                source=where,
                line=line,
            )
        if (well, dye, cycle) in raw:
            raise InputFormatError(
                f"well {well} cycle {cycle} dye {dye} is listed twice; expected one row per "
                "well, cycle and dye",
                source=where,
                line=line,
            )
        raw[(well, dye, cycle)] = value
        out.lines.setdefault((well, dye), line)
    if not header:
        raise InputFormatError(
            "no WELL, CYCLE, DYE LIST, ... header; expected the multicomponent data table",
            source=where,
        )
    out.shifted = bool(raw) and min(c for _, _, c in raw) == 0
    shift = 1 if out.shifted else 0
    for (well, dye, cycle), value in raw.items():
        out.signal.setdefault((well, dye), {})[cycle + shift] = value
    if pure or summaries:
        out.skipped.append(Skipped(where, f"{pure} pure-dye matrix rows and {summaries} "
                                   "well x cycle summaries (MSE): not read"))  # fmt: skip
    return out
