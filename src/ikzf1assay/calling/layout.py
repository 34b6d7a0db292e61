"""The plate layout file: which sample, reaction and role each well holds.

A CSV (comma, semicolon or tab separated; UTF-8 or the encodings the run readers accept) with
the columns ``well, sample, reaction, role``. ``reaction`` takes any name of the assay file
(``Δ4-7``, ``D4-7``, ``F4R7``, ``ALB`` ...); ``role`` is ``sample``, ``ntc`` or
``positive_control``. A layout overrides the export's sample names, targets and tasks for the
wells it lists; wells it does not list keep what the export says.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ikzf1assay.assay import Assay
from ikzf1assay.errors import FileAccessError, InputFormatError
from ikzf1assay.qpcr.plate import normalise_well
from ikzf1assay.qpcr.readers._text import decode_text, guess_delimiter, split_line

__all__ = ["LAYOUT_COLUMNS", "read_layout"]

LAYOUT_COLUMNS = ("well", "sample", "reaction", "role")
ROLES = {"sample": "sample", "unknown": "sample", "ntc": "ntc", "no template control": "ntc",
         "positive_control": "positive_control", "positive control": "positive_control",
         "pc": "positive_control"}  # fmt: skip


def read_layout(path: str | Path, assay: Assay) -> pd.DataFrame:
    """Read and check a layout file: columns well, sample_layout, reaction_layout, role_layout."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise FileAccessError("layout file not found", source=file) from None
    except OSError as exc:
        raise FileAccessError(f"cannot read layout file: {exc.strerror}", source=file) from None
    lines = decode_text(raw, str(file)).split("\n")
    start = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if start is None:
        raise InputFormatError(
            "the layout file is empty; expected columns well, sample, reaction, role", source=file
        )
    delimiter = guess_delimiter(lines[start])
    header = [h.strip().lower() for h in split_line(lines[start], delimiter)]
    missing = [c for c in LAYOUT_COLUMNS if c not in header]
    if missing:
        raise InputFormatError(
            f"missing column(s) {', '.join(missing)}; a layout needs well, sample, reaction, role",
            source=file, line=start + 1,
        )  # fmt: skip
    col = {name: header.index(name) for name in LAYOUT_COLUMNS}
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for i in range(start + 1, len(lines)):
        fields = split_line(lines[i], delimiter)
        if not fields:
            continue
        line = i + 1
        if len(fields) < len(header):
            raise InputFormatError(
                f"row has {len(fields)} of {len(header)} fields", source=file, line=line
            )
        try:
            well = normalise_well(fields[col["well"]])[0]
        except ValueError as exc:
            raise InputFormatError(f"well: {exc}", source=file, line=line) from None
        if well in seen:
            raise InputFormatError(
                f"well {well} is listed twice (also line {seen[well]})", source=file, line=line
            )
        seen[well] = line
        reaction = fields[col["reaction"]]
        if assay.resolve_target(reaction) is None:
            raise InputFormatError(
                f"reaction {reaction!r} is not a name of the assay; known names: "
                + ", ".join(assay.known_target_names()),
                source=file, line=line,
            )  # fmt: skip
        role = ROLES.get(fields[col["role"]].strip().lower().replace("-", " "))
        if role is None:
            raise InputFormatError(
                f"role {fields[col['role']]!r}; allowed: sample, ntc, positive_control",
                source=file,
                line=line,
            )
        rows.append(
            {
                "well": well,
                "sample_layout": fields[col["sample"]],
                "reaction_layout": reaction,
                "role_layout": role,
            }
        )
    return pd.DataFrame(rows, columns=["well", "sample_layout", "reaction_layout", "role_layout"])
