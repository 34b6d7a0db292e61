"""Cells of the workbook readers (openpyxl, xlrd) as the text a text export would hold."""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["cell_text"]


def cell_text(value: Any) -> str:
    """A cell's value as text: "" for empty, whole floats without ".0", dates in ISO form.

    Parameters
    ----------
    value : Any
        The value openpyxl or xlrd returns for a cell.

    Returns
    -------
    str
        The text, stripped.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value).strip()
