"""ABI 7500 / 7500 Fast Software v2.x and QuantStudio / ViiA 7 text exports.

Layout: optional header lines ``* Key = Value``; then sections, each a ``[Name]`` line, a
header row and data rows, tab or comma separated:

- ``[Sample Setup]``: Well, Well Position, Sample Name, Target Name, Task, Reporter, Quencher,
  Quantity. Rows with no target are empty wells.
- ``[Amplification Data]``: Well, Cycle, Target Name, Rn, Delta Rn.
- ``[Multicomponent Data]``: Well, Cycle and one column per dye; the passive reference's
  column (``* Passive Reference = ROX``) becomes ``passive_ref``.
- ``[Results]``: Well, Well Position, Omit, Sample Name, Target Name, Task, Reporter,
  Quencher, CT (``Undetermined`` when none), Ct Threshold, Automatic Ct Threshold, Automatic
  Baseline, Baseline Start, Baseline End, Quantity, Amp Status where present. ``key = value``
  lines after the table are run settings.
- other sections (Raw Data, Melt Curve Raw Data, ...) are listed as skipped.

Each section may be exported alone or all in one file.
"""

from __future__ import annotations

import re

from ikzf1assay._text import guess_delimiter, split_line
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Loc, Plate, Skipped

# Section and read_sections, shared with the SDS and workbook readers, live in their own
# modules; they are re-exported here, where they were first imported from.
from ikzf1assay.qpcr.readers.abi_sections import KNOWN, read_sections
from ikzf1assay.qpcr.readers.abi_table import Section, TextRows

__all__ = ["FORMAT", "KNOWN", "Section", "TextRows", "looks_like", "read", "read_sections"]

FORMAT = "abi-text"
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_HEADER_LINE = re.compile(r"^\*\s*(.+?)\s*=\s*(.*?)\s*$")
_KEY_VALUE = re.compile(r"^([^\t,;=]+?)\s*=\s*([^\t]*)$")


def looks_like(text: str) -> bool:
    """True for the sectioned ABI / QuantStudio text layout."""
    head = text[:200_000]
    return bool(
        re.search(r"^\s*\[(Results|Amplification Data|Sample Setup)\]\s*$", head, re.M | re.I)
    )


def _sections(lines: list[str], source: str) -> tuple[dict[str, str], list[Section], list[Skipped]]:
    settings: dict[str, str] = {}
    sections: list[Section] = []
    skipped: list[Skipped] = []
    current: Section | None = None
    delimiter = "\t"
    header_start = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        m = _SECTION.match(line)
        if m:
            name = m.group(1).strip()
            # the header row is the next non-blank line
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines) or _SECTION.match(lines[j]):
                skipped.append(Skipped(f"line {lineno}", f"section [{name}] is empty"))
                current = None
                i = j
                continue
            delimiter = guess_delimiter(lines[j])
            header_fields = split_line(lines[j], delimiter)
            current = Section(name, header_fields, Loc(j + 1), text_rows=TextRows(lines, delimiter))
            header_start = header_fields[0][:4] if header_fields else ""
            sections.append(current)
            i = j + 1
            continue
        header = _HEADER_LINE.match(line)
        if header and current is None:
            settings[header.group(1)] = header.group(2)
        elif not line.strip():
            pass  # blank lines separate blocks; data rows resume after them only in a table
        elif current is not None and delimiter not in line and (kv := _KEY_VALUE.match(line)):
            settings[kv.group(1).strip()] = kv.group(2).strip()
        elif current is not None and current.text_rows is not None:
            # exports pasted together repeat the header row (data rows start with a number)
            if header_start in line and split_line(line, delimiter) == current.header:
                skipped.append(Skipped(f"line {lineno}", "the header row again; read as a header"))
            else:
                current.text_rows.numbers.append(i)
        else:
            skipped.append(Skipped(f"line {lineno}", "text outside any [section]"))
        i += 1
    return settings, sections, skipped


def read(text: str, source: str, sha256: str) -> Plate:
    """Read a sectioned ABI / QuantStudio text export.

    Parameters
    ----------
    text
        The decoded export.
    source
        The file's name, for ``RunInfo`` and error messages.
    sha256
        The hash of the file's bytes.

    Returns
    -------
    Plate
        The run, read by :func:`~ikzf1assay.qpcr.readers.abi_sections.read_sections`.
    """
    lines = text.split("\n")
    if text and not text.endswith("\n") and lines[-1].strip():
        # The instrument software ends every export with a line break.
        raise InputFormatError(
            "the file ends in the middle of a line; it looks truncated: export it again",
            source=source,
            line=len(lines),
        )
    settings, sections, skipped = _sections(lines, source)
    return read_sections(settings, sections, skipped, source, sha256, FORMAT)
