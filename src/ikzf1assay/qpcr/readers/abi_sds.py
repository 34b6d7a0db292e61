"""ABI 7500 SDS Software v1.4-style exports (the SDS layout also used by the 7900HT).

Layout: a first line such as ``SDS v1.4  AQ Results  1.0``; ``Key<TAB>Value`` lines
(Filename, Assay Type, Run DateTime, Operator); then, after a ``Sample Information`` line or
directly, a table whose header starts with ``Well`` and names a ``Detector`` (or ``Detector
Name``): Well (a number), Sample Name, Detector, Reporter, Task, Ct (``Undetermined`` when
none), Qty, Baseline Start/Stop, Threshold Type (Manual/Auto), Threshold.

Curves, where exported in the same file, come as a wide table after a title line (``Delta
Rn`` or ``Rn``): ``Well``, ``Detector`` and one column per cycle (``1``, ``2``, ... or
``Cycle 1``, ...). A Delta Rn export fills both ``rn`` and ``delta_rn`` with the exported
signal.

Both tables are handed to the section reader of :mod:`ikzf1assay.qpcr.readers.abi_sections`, so
the columns mean what they mean there. Well numbers are placed on a 96-well plate, or a
384-well plate when a number exceeds 96. No real v1.4 file was available when this reader was
written: the layout follows the published descriptions of SDS exports.
"""

from __future__ import annotations

import re

from ikzf1assay._text import guess_delimiter, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Plate, Skipped
from ikzf1assay.qpcr.readers.abi_sections import read_sections
from ikzf1assay.qpcr.readers.abi_table import Section

__all__ = ["FORMAT", "looks_like", "read"]

FORMAT = "abi-sds"
_CYCLE = re.compile(r"^(?:cycle\s*)?(\d{1,3})$", re.I)


def looks_like(text: str) -> bool:
    """True for the SDS layout: an ``SDS`` first line or a Well/Detector table header."""
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    if first.strip().upper().startswith("SDS"):
        return True
    for line in text.split("\n")[:200]:
        fields = [f.strip().lower() for f in split_line(line, guess_delimiter(line))]
        if fields and fields[0] == "well" and ("detector" in fields or "detector name" in fields):
            return True
    return False


def _is_header(fields: list[str]) -> bool:
    lowered = [f.lower() for f in fields]
    return bool(lowered) and lowered[0] == "well" and any(f.startswith("detector") for f in lowered)


def read(text: str, source: str, sha256: str) -> Plate:
    """Read an SDS v1.4-style export."""
    lines = text.split("\n")
    settings: dict[str, str] = {}
    skipped: list[Skipped] = []
    results: Section | None = None
    curves: Section | None = None
    curve_title = ""
    current: Section | None = None
    title = ""
    for i, line in enumerate(lines):
        lineno = i + 1
        if not line.strip():
            current = None
            continue
        delimiter = guess_delimiter(line)
        fields = split_line(line, delimiter)
        while fields and not fields[-1]:
            fields.pop()
        if current is not None:
            current.rows.append((Loc(lineno), fields))
            continue
        if _is_header(fields):
            cycle_columns = [f for f in fields[2:] if _CYCLE.match(f)]
            if cycle_columns and len(cycle_columns) == len(fields) - 2:
                if curves is not None:
                    raise InputFormatError("a second curve table", source=source, line=lineno)
                curves = current = Section("Amplification Data", fields, Loc(lineno))
                curve_title = title
            else:
                if results is not None:
                    raise InputFormatError("a second results table", source=source, line=lineno)
                results = current = Section("Results", fields, Loc(lineno))
            continue
        if lineno == 1 and fields[0].upper().startswith("SDS"):
            settings["Software Version"] = " ".join(fields)
        elif len(fields) == 2:
            settings[fields[0]] = fields[1]
        elif len(fields) == 1:
            title = fields[0]
        else:
            skipped.append(Skipped(f"line {lineno}", "text outside the tables"))
    if results is None and curves is None:
        raise InputFormatError(
            "no table with a Well and Detector header; expected an SDS results export",
            source=source,
        )
    wells = [
        row[0] for t in (results, curves) if t for _, row in t.rows if row and row[0].isdigit()
    ]
    settings["Block Type"] = "384-Well" if any(int(w) > 96 for w in wells) else "96-Well"
    if "Run DateTime" in settings:
        settings["Experiment Run End Time"] = settings["Run DateTime"]
    sections = []
    if results is not None:
        sections.append(_results(results))
    if curves is not None:
        sections.append(_long_curves(curves, "delta" in curve_title.lower(), source))
    return read_sections(settings, sections, skipped, source, sha256, FORMAT)


def _results(section: Section) -> Section:
    """SDS names -> the section reader's names; Threshold Type Manual/Auto -> true/false."""
    rename = {"detector": "Target Name", "detector name": "Target Name", "qty": "Quantity",
              "baseline stop": "Baseline End", "threshold": "Ct Threshold"}  # fmt: skip
    header = [rename.get(h.strip().lower(), h) for h in section.header]
    kind = next((i for i, h in enumerate(header) if h.strip().lower() == "threshold type"), None)
    if kind is None:
        return Section(section.name, header, section.header_loc, section.rows)
    header = [*header, "Automatic Ct Threshold"]
    rows = []
    for loc, row in section.rows:
        auto = row[kind].strip().lower() if kind < len(row) else ""
        flag = "true" if auto.startswith("auto") else ("false" if auto else "")
        rows.append((loc, [*row, *[""] * (len(header) - 1 - len(row)), flag]))
    return Section(section.name, header, section.header_loc, rows)


def _long_curves(section: Section, delta: bool, source: str) -> Section:
    """The wide curve table (one column per cycle) as the long Amplification Data table."""
    cycles = [re.sub(r"\D", "", h) for h in section.header[2:]]
    header = ["Well", "Cycle", "Target Name", "Rn", "Delta Rn"]
    rows = []
    for loc, row in section.rows:
        if len(row) < len(section.header):
            raise InputFormatError(
                f"curve row has {len(row)} of {len(section.header)} fields; is the file truncated?",
                source=source,
                line=loc.line,
            )
        for cycle, value in zip(cycles, row[2:], strict=False):
            rows.append((loc, [row[0], cycle, row[1], value, value if delta else ""]))
    return Section(section.name, header, section.header_loc, rows)
