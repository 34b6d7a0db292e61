"""Tab-separated tables that a spreadsheet cannot turn into formulas, and back.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection); OWASP's advice is to prefix such a cell
with an apostrophe, which the spreadsheet shows as plain text. :func:`write_tsv` does so for
every text cell and leaves numbers (columns of a numeric dtype) alone. :func:`restore_cell`
undoes it for our own readers, so a sample named ``-12`` is ``-12`` again.

The mapping is one to one: a text that already begins with apostrophes followed by one of
those characters gets one more apostrophe, so restoring always gives back the original text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = [
    "TRIGGERS",
    "neutralise_cell",
    "neutralise_frame",
    "restore_cell",
    "tsv_text",
    "write_tsv",
]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_PREFIX = re.compile(r"'*[=+\-@\t\r]")
_PREFIXED = re.compile(r"'+[=+\-@\t\r]")


def neutralise_cell(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would evaluate.

    Anything that is not a ``str`` (numbers, missing values) is returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=1+1"), neutralise_cell("-12"), neutralise_cell(-12), neutralise_cell("a")
    ("'=1+1", "'-12", -12, 'a')
    """
    if isinstance(value, str) and _NEEDS_PREFIX.match(value):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The original text of a cell written by :func:`neutralise_cell`.

    Examples
    --------
    >>> restore_cell("'-12"), restore_cell("-12"), restore_cell("'quoted")
    ('-12', '-12', "'quoted")
    """
    return text[1:] if _PREFIXED.match(text) else text


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (columns of object, string or category dtype) are
    neutralised; cells that are not ``str`` stay as they are."""
    out = df.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
            cells = series.astype(object).map(neutralise_cell, na_action="ignore")
            out.isetitem(i, cells.to_numpy(dtype=object))
    return out


def tsv_text(df: pd.DataFrame) -> str:
    """``df`` as :func:`write_tsv` writes it, as text (for printing).

    Parameters
    ----------
    df
        The table.

    Returns
    -------
    str
        Tab-separated, a header line first, text cells neutralised.
    """
    text: str = neutralise_frame(df).to_csv(sep="\t", index=False, lineterminator="\n")
    return text


def write_tsv(df: pd.DataFrame, path: Path, float_format: str | None = None) -> Path:
    """Write ``df`` as a tab-separated table (no index, ``\\n`` line ends), text neutralised.

    Parameters
    ----------
    df
        The table; column names are written as they are.
    path
        The file to write (replaced when present).
    float_format
        A ``%``-format for floats, e.g. ``"%.4f"``; default: as pandas writes them.

    Returns
    -------
    Path
        ``path``.
    """
    neutralise_frame(df).to_csv(
        path, sep="\t", index=False, lineterminator="\n", float_format=float_format
    )
    return path
