"""The plate layout file: which sample, reaction and role each well holds, and which to omit.

A CSV (comma, semicolon or tab separated; UTF-8 or the encodings the run readers accept) with
the columns ``well, sample, reaction, role`` and optionally ``omit``. Header names ignore case,
spaces and underscores, and the ABI names are accepted: ``Well Position`` (or ``Well``) for
well, ``Sample Name`` for sample, ``Target Name`` for reaction, ``Task`` for role. Leading
``* key = value`` lines and a ``[Sample Setup]`` line, as in an ABI sample-setup export, are
skipped; the table ends at the next ``[Section]`` line.

- ``well``: a position (``A1``, ``a01``); each well at most once.
- ``reaction``: any name of the assay file (``Δ4-7``, ``D4-7``, ``F4R7``, ``ALB`` ...).
- ``role``: ``sample`` (``unknown``), ``ntc`` (``no template control``), ``positive_control``
  (``positive control``, ``pc``, ``pos``, ``pos ctrl``) or ``negative_control`` (wild-type
  DNA: ``negative control``, ``neg``, ``neg ctrl``, ``wt``, ``wild type``); the ABI tasks
  UNKNOWN, NTC, POSITIVE_CONTROL and NEGATIVE_CONTROL map onto these, STANDARD is refused.
- ``omit``: empty, ``no``, ``false`` or ``0`` keeps the well; ``yes``, ``true`` or ``1`` omits it
  ("omitted in the layout"); any other text omits it with that text as the reason.

A row giving only a well (an empty well of an ABI sample setup) lists nothing. Every problem of
the file is reported in one :class:`~ikzf1assay.errors.InputFormatError`, each with its line.

:func:`apply_layout` then lays the file over a run's wells: the layout's sample, reaction, role
and omit reason replace the export's for the wells it lists; wells it does not list keep the
export's sample and target names (a note says which), or are an error under ``strict``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ikzf1assay._text import decode_text, guess_delimiter, split_line
from ikzf1assay.assay import Assay
from ikzf1assay.errors import FileAccessError, InputFormatError
from ikzf1assay.qpcr.plate import normalise_well

__all__ = ["LAYOUT_COLUMNS", "ROLES", "Layout", "apply_layout", "read_layout"]

LAYOUT_COLUMNS = ("well", "sample", "reaction", "role", "omit")
ROLES = ("sample", "ntc", "positive_control", "negative_control")
_REQUIRED = ("well", "sample", "reaction", "role")
# Header aliases after _header_key, in order of preference: an ABI sample setup has both
# ``Well`` (a number) and ``Well Position``; the position is the one a layout means.
_HEADERS = {
    "well": ("wellposition", "well"),
    "sample": ("sample", "samplename"),
    "reaction": ("reaction", "targetname"),
    "role": ("role", "task"),
    "omit": ("omit",),
}
_ROLE_WORDS = {
    "sample": "sample", "unknown": "sample",
    "ntc": "ntc", "no template control": "ntc",
    "positive control": "positive_control", "pc": "positive_control",
    "pos": "positive_control", "pos ctrl": "positive_control",
    "negative control": "negative_control", "neg": "negative_control",
    "neg ctrl": "negative_control", "wt": "negative_control", "wild type": "negative_control",
}  # fmt: skip
_ALLOWED_ROLES = (
    "allowed: sample, ntc, positive_control, negative_control "
    "(or unknown, no template control, positive control, pc, pos, "
    "negative control, neg, neg ctrl, wt, wild type)"
)
_KEEP = {"", "no", "false", "0"}
_OMIT = {"yes", "true", "1"}
OMITTED_IN_LAYOUT = "omitted in the layout"
_MAX_LISTED = 50  # problems listed in one message; a wrong file should not print 10 000 lines


@dataclass(frozen=True, eq=False)  # eq=False: a DataFrame field has no truth value to compare
class Layout:
    """A checked layout file.

    Attributes
    ----------
    table
        One row per listed well, columns :data:`LAYOUT_COLUMNS`: ``well`` (``A1``), ``sample``,
        ``reaction`` (as written: an assay name of the reaction), ``role`` (one of
        :data:`ROLES`) and ``omit`` (the reason text, ``""`` when the well is used).
    path
        The file it was read from.
    sha256
        SHA-256 of the file's bytes, for provenance.
    """

    table: pd.DataFrame
    path: str
    sha256: str


def read_layout(path: str | Path, assay: Assay) -> Layout:
    """Read and check a layout file (see the module documentation for the format).

    Parameters
    ----------
    path
        The CSV file.
    assay
        The assay whose reaction names the ``reaction`` column must use.

    Returns
    -------
    Layout
        The table, the path and the SHA-256 of the file.

    Raises
    ------
    FileAccessError
        The file is missing or unreadable.
    InputFormatError
        Anything wrong in the file: every bad well, duplicate well, unknown reaction, unknown
        role and short row, each with its line number, in one message.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise FileAccessError("layout file not found", source=file) from None
    except IsADirectoryError:
        raise FileAccessError("the layout is a folder, not a CSV file", source=file) from None
    except OSError as exc:
        raise FileAccessError(f"cannot read layout file: {exc.strerror}", source=file) from None
    lines = decode_text(raw, str(file)).split("\n")
    start = _header_line(lines)
    if start is None:
        raise InputFormatError(
            "the layout file is empty; expected columns well, sample, reaction, role", source=file
        )
    delimiter = guess_delimiter(lines[start])
    header = _fields(lines[start], delimiter)
    if header is None:
        raise InputFormatError("cannot split the header line", source=file, line=start + 1)
    col = _columns(header, file, start + 1)
    problems: list[tuple[int, str]] = []
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    unknown_reaction = False
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break  # the next section of an ABI export
        line = i + 1
        fields = _fields(lines[i], delimiter)
        if fields is None:
            problems.append((line, "cannot split the row (a field too large or a stray quote)"))
            continue
        if not fields or not any(fields):
            continue
        if len(fields) < len(header):
            problems.append((line, f"row has {len(fields)} of {len(header)} fields"))
            continue
        if any(fields[len(header) :]):
            problems.append(
                (line, f"row has {len(fields)} fields, the header {len(header)} "
                       "(a delimiter inside a name? put the name in double quotes)")
            )  # fmt: skip
            continue
        value = {name: fields[j] for name, j in col.items()}
        empty = not any(value[c] for c in ("sample", "reaction", "role"))
        if empty and not _omit_reason(value.get("omit", "")):
            continue  # an empty well: listed by ABI sample setups, holds nothing
        well, problem = _well(value["well"])
        if problem:
            problems.append((line, problem))
        elif well in seen:
            problems.append((line, f"well {well} is listed twice (also line {seen[well]})"))
        else:
            seen[well] = line
        if not value["sample"]:
            problems.append((line, "sample name is empty; name every listed well, controls too"))
        reaction = value["reaction"]
        if not reaction:
            problems.append((line, "reaction is empty"))
            unknown_reaction = True
        elif assay.resolve_target(reaction) is None:
            problems.append((line, f"reaction {reaction!r} is not a name of the assay"))
            unknown_reaction = True
        role, problem = _role(value["role"])
        if problem:
            problems.append((line, problem))
        rows.append(
            {
                "well": well,
                "sample": value["sample"],
                "reaction": reaction,
                "role": role,
                "omit": _omit_reason(value.get("omit", "")),
            }
        )
    if problems:
        known = "; known names: " + ", ".join(assay.known_target_names())
        _raise(problems, file, known if unknown_reaction else "")
    if not rows:
        raise InputFormatError(
            "the layout lists no wells; expected one row per well under the header",
            source=file,
            line=start + 1,
        )
    return Layout(
        table=pd.DataFrame(rows, columns=list(LAYOUT_COLUMNS)),
        path=str(file),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def apply_layout(
    wells: pd.DataFrame, layout: Layout, *, strict: bool, source: str
) -> tuple[pd.DataFrame, list[str]]:
    """Lay a layout over a run's wells.

    Parameters
    ----------
    wells
        One row per reaction of the plate, with at least the columns ``well, sample, target,
        task``; a well may appear on several rows (targets, runs).
    layout
        From :func:`read_layout`.
    strict
        When true, every well of the plate must be listed in the layout.
    source
        The export's name, for messages.

    Returns
    -------
    tuple[pandas.DataFrame, list[str]]
        A copy of ``wells`` with ``sample`` replaced where the layout lists the well and new
        columns ``reaction_name`` (the layout's reaction, else the export's ``target``),
        ``role`` (the layout's, else ``""``) and ``omit_reason`` (the layout's, else ``""``);
        and the notes to show the user (which wells keep the export's names).

    Raises
    ------
    InputFormatError
        Naming the layout file: layout wells that are not on the plate, layout wells that hold
        more than one target on the plate (one layout row cannot name two reactions), and under
        ``strict`` the plate's wells the layout does not list; all in one message.
    """
    missing = [c for c in ("well", "sample", "target", "task") if c not in wells.columns]
    if missing:
        raise ValueError(f"apply_layout needs the wells' column(s) {', '.join(missing)}")
    table = layout.table.set_index("well")
    out = wells.copy()
    plate_wells = list(dict.fromkeys(str(w) for w in out["well"]))
    on_plate = set(plate_wells)
    problems: list[str] = []
    absent = [w for w in table.index if w not in on_plate]
    if absent:
        problems.append(
            f"well(s) {_well_list(absent)} of the layout are not on the plate of {source} "
            f"(its wells: {_plate_range(plate_wells)}); correct the wells or use the layout "
            "made for this plate"
        )
    listed = out["well"].astype(str).isin(table.index)
    targets = out.loc[listed].groupby(out.loc[listed, "well"].astype(str))["target"].nunique()
    multiplexed = [str(w) for w, n in targets.items() if n > 1]
    if multiplexed:
        problems.append(
            f"well(s) {_well_list(multiplexed)} hold more than one target on the plate of "
            f"{source}; a layout row names one reaction, so leave these wells out of the layout"
        )
    uncovered = [w for w in plate_wells if w not in table.index]
    if uncovered and strict:
        problems.append(
            f"a strict layout must list every well of the plate; it lists "
            f"{len(plate_wells) - len(uncovered)} of the {len(plate_wells)} wells of {source}, "
            f"not {_well_list(uncovered)}"
        )
    if problems:
        raise InputFormatError("; ".join(problems), source=layout.path)
    key = out["well"].astype(str)
    out["sample"] = key.map(table["sample"]).where(listed, out["sample"])
    out["reaction_name"] = key.map(table["reaction"]).where(listed, out["target"])
    out["role"] = key.map(table["role"]).where(listed, "")
    out["omit_reason"] = key.map(table["omit"]).where(listed, "")
    notes = []
    if uncovered:
        notes.append(
            f"layout covers {len(plate_wells) - len(uncovered)} of {len(plate_wells)} wells; "
            f"wells {_well_list(uncovered)} keep the export's sample and target names"
        )
    return out, notes


def _header_key(text: str) -> str:
    return re.sub(r"[\s_]+", "", text).lower()


def _header_line(lines: list[str]) -> int | None:
    """Index of the header: the first line that is not blank, ``* key = value`` or a
    ``[Sample Setup]`` marker."""
    for i, ln in enumerate(lines):
        text = ln.strip()
        if text and not text.startswith("*") and _header_key(text) != "[samplesetup]":
            return i
    return None


def _fields(line: str, delimiter: str) -> list[str] | None:
    try:
        return split_line(line, delimiter)
    except csv.Error:
        return None


def _columns(header: list[str], file: Path, line: int) -> dict[str, int]:
    keys = [_header_key(h) for h in header]
    col: dict[str, int] = {}
    problems = []
    for name, aliases in _HEADERS.items():
        found = [(a, j) for a in aliases for j, k in enumerate(keys) if k == a]
        if not found:
            continue
        if len(found) > 1 and (name != "well" or found[0][0] == found[1][0]):
            problems.append(
                f"columns {' and '.join(repr(header[j]) for _, j in found)} both give the {name}"
            )
        col[name] = found[0][1]
    missing = [c for c in _REQUIRED if c not in col]
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)}; a layout needs well, sample, reaction, "
            "role (or the ABI Well Position, Sample Name, Target Name, Task)"
        )
    if problems:
        raise InputFormatError("; ".join(problems), source=file, line=line)
    return col


def _well(text: str) -> tuple[str, str]:
    """``(well, "")`` or ``(text, problem)``."""
    if not text:
        return text, "well is empty"
    if text.strip().isdigit():
        return text, (
            f"well {text!r} is a number; give positions like A1 (the ABI Well Position column)"
        )
    try:
        return normalise_well(text)[0], ""
    except ValueError as exc:
        return text, f"well {exc}"


def _role(text: str) -> tuple[str, str]:
    """``(role, "")`` or ``(text, problem)``."""
    word = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    if word == "standard":
        return text, (
            f"role {text!r} is not a role of this assay (it makes no standard curve); "
            + _ALLOWED_ROLES
        )
    role = _ROLE_WORDS.get(word)
    if role is None:
        return text, f"role {text!r}; {_ALLOWED_ROLES}"
    return role, ""


def _omit_reason(text: str) -> str:
    word = text.strip().lower()
    if word in _KEEP:
        return ""
    return OMITTED_IN_LAYOUT if word in _OMIT else text.strip()


def _raise(problems: list[tuple[int, str]], file: Path, tail: str) -> None:
    if len(problems) == 1:
        line, text = problems[0]
        raise InputFormatError(text + tail, source=file, line=line)
    shown = "; ".join(f"line {line}: {text}" for line, text in problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    if more > 0:
        shown += f"; and {more} more"
    raise InputFormatError(f"{len(problems)} problems: {shown}{tail}", source=file)


def _sort_key(well: str) -> tuple[int, int, str]:
    try:
        _, row, col = normalise_well(well)
    except ValueError:
        return (10**6, 0, well)
    return (row, col, well)


def _well_list(wells: Iterable[str]) -> str:
    """``A1-A12, B3, C1-C2``: runs of neighbouring columns in a row joined by a dash."""
    ordered = sorted(set(wells), key=_sort_key)
    parts: list[str] = []
    run: list[tuple[str, int, int]] = []

    def flush() -> None:
        if run:
            parts.append(run[0][0] if len(run) == 1 else f"{run[0][0]}-{run[-1][0]}")
            run.clear()

    for well in ordered:
        row, col, _ = _sort_key(well)
        if run and (row != run[-1][1] or col != run[-1][2] + 1):
            flush()
        run.append((well, row, col))
    flush()
    return ", ".join(parts)


def _plate_range(wells: list[str]) -> str:
    keys = [k for k in (_sort_key(w) for w in wells) if k[0] < 10**6]
    if not keys:
        return f"{len(wells)} wells"
    rows = [r for r, _, _ in keys]
    cols = [c for _, c, _ in keys]
    return (
        f"rows {_row_letters(min(rows))}-{_row_letters(max(rows))}, "
        f"columns {min(cols)}-{max(cols)}, {len(wells)} wells"
    )


def _row_letters(row: int) -> str:
    return chr(64 + row) if row <= 26 else "A" + chr(64 + row - 26)
