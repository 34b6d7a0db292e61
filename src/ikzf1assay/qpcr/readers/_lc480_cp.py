"""The LightCycler 480 Abs Quant results table (Cp by the second-derivative maximum).

Layout (LCS480 1.5, *Abs Quant/2nd Derivative Max*, exported as text, tab-separated)::

    Experiment: <name>  Selected Filter: SYBR Green I / HRM Dye (483-533)
    Include  Color  Pos  Name      Cp     Concentration  Standard  Status
    True     255    A1   Sample 1  14.98                 0

Cp is empty where the software found no crossing. The filter's channel (in parentheses)
names the curves the table belongs to; ``Standard`` holds a standard's given concentration
(0 otherwise); ``Concentration`` is the software's own estimate and ``Color`` the display
colour: neither is read, and the plate's ``skipped`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ikzf1assay._text import Numbers, guess_delimiter, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Reaction, Skipped, normalise_well

__all__ = ["CpTable", "header_line", "parse_cp"]

_TITLE = re.compile(
    r"^\s*Experiment:\s*(?P<name>.*?)\s*(?:Selected Filter:\s*(?P<filter>.*?))?\s*$", re.I
)
_CHANNEL = re.compile(r"\((?P<channel>[^()]*)\)\s*$")
_NOT_READ = ("color", "concentration")


@dataclass
class CpTable:
    """The Cp table's reactions (target: the filter's channel, "" when not named)."""

    experiment: str | None
    filter_name: str | None
    channel: str | None
    source: str = ""
    reactions: list[Reaction] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def header_line(lines: list[str]) -> int | None:
    """0-based index of the ``Include Color Pos Name Cp ...`` header among the first lines."""
    for i, line in enumerate(lines[:3]):
        fields = {f.strip().lower() for f in line.split("\t" if "\t" in line else ",")}
        if {"pos", "cp"} <= fields and ("name" in fields or "include" in fields):
            return i
    return None


def _title(lines: list[str], header: int) -> tuple[str | None, str | None, str | None]:
    for line in lines[:header]:
        m = _TITLE.match(line)
        if m:
            filt = m.group("filter") or None
            ch = _CHANNEL.search(filt) if filt else None
            channel = ch.group("channel").strip() if ch else filt
            name = filt[: ch.start()].strip() if filt and ch else filt
            return m.group("name") or None, name, channel
    return None, None, None


def parse_cp(text: str, source: str) -> CpTable:
    """Read an Abs Quant Cp table.

    Parameters
    ----------
    text
        The decoded table.
    source
        Its file name, for error messages and locations.

    Returns
    -------
    CpTable
        One reaction per row: Cp as ``instrument_ct`` (NaN when empty), ``has_result``,
        ``omit`` from Include, a standard's given concentration as ``quantity``.

    Raises
    ------
    InputFormatError
        No header, a row without a Cp field, a well or number that is not one, an Include
        other than True/False, a well listed twice; each naming the line.
    """
    lines = text.split("\n")
    h = header_line(lines)
    if h is None:
        raise InputFormatError(
            "no 'Include Color Pos Name Cp ...' header in the first lines; expected a "
            "LightCycler 480 Abs Quant (Cp) table",
            source=source,
        )
    experiment, filter_name, channel = _title(lines, h)
    table = CpTable(experiment, filter_name, channel, source)
    delimiter = guess_delimiter(lines[h])
    header = split_line(lines[h], delimiter)
    col = {name.lower(): i for i, name in enumerate(header) if name}
    numbers = Numbers.infer([f for ln in lines[h + 1 : h + 201] for f in split_line(ln, delimiter)])
    seen: dict[str, int] = {}
    status: list[str] = []
    for n, line in enumerate(lines[h + 1 :], start=h + 2):
        if not line.strip():
            continue
        f = split_line(line, delimiter)
        reaction = _row(f, col, numbers, source, n)
        if reaction.well in seen:
            raise InputFormatError(
                f"well {reaction.well} is listed twice (first at line {seen[reaction.well]}); "
                "expected one row per well",
                source=source,
                line=n,
            )
        seen[reaction.well] = n
        reaction.target = channel or ""
        reaction.reporter = filter_name or ""
        table.reactions.append(reaction)
        if "status" in col and col["status"] < len(f) and f[col["status"]]:
            status.append(f"line {n}: {f[col['status']]}")
    table.skipped += _notes(header, col, status, source, h + 1)
    return table


def _notes(
    header: list[str], col: dict[str, int], status: list[str], source: str, line: int
) -> list[Skipped]:
    """What the table holds and the Plate does not: display colour, estimates, status notes."""
    notes = []
    not_read = [header[col[c]] for c in _NOT_READ if c in col]
    if not_read:
        notes.append(
            Skipped(
                f"{source} line {line}",
                f"column(s) {', '.join(not_read)} not read "
                "(display colour; the software's own concentration estimate)",
            )
        )
    if status:
        notes.append(
            Skipped(
                f"{source} column Status",
                f"{len(status)} status note(s) not read: "
                + "; ".join(status[:5])
                + (" ..." if len(status) > 5 else ""),
            )
        )
    return notes


def _row(f: list[str], col: dict[str, int], numbers: Numbers, source: str, n: int) -> Reaction:
    """One row of the table as a Reaction (target filled in by the caller)."""

    def get(name: str) -> str:
        i = col.get(name)
        return f[i] if i is not None and i < len(f) else ""

    if len(f) <= col["cp"]:
        raise InputFormatError(
            f"row has {len(f)} fields, Cp is field {col['cp'] + 1}; is the file truncated?",
            source=source,
            line=n,
        )
    try:
        well = normalise_well(get("pos"))[0]
    except ValueError as exc:
        raise InputFormatError(f"Pos: {exc}", source=source, line=n) from None
    try:
        cp = numbers.parse(get("cp"))
        standard = numbers.parse(get("standard"))
    except ValueError as exc:
        raise InputFormatError(f"Cp or Standard: {exc}", source=source, line=n) from None
    include = get("include").lower()
    if include not in ("true", "false", ""):
        raise InputFormatError(
            f"Include {get('include')!r}; expected True or False", source=source, line=n
        )
    is_standard = standard == standard and standard > 0
    return Reaction(
        well=well,
        sample=get("name"),
        task="STANDARD" if is_standard else "",
        instrument_ct=cp,
        quantity=standard if is_standard else float("nan"),
        omit=include == "false",
        has_result=True,
        loc=Loc(line=n, file=source),
    )
