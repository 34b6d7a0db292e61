"""The one check every cohort function makes first: are the named columns there?"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ikzf1assay.errors import ParameterError

__all__ = ["require_columns"]


def require_columns(
    df: pd.DataFrame, names: Iterable[str], label: str = "column(s)", quote: bool = False
) -> None:
    """Raise a ParameterError naming the missing columns and the ones the table has."""
    missing = [n for n in names if n not in df]
    if missing:
        shown = ", ".join(repr(m) if quote else str(m) for m in missing)
        present = ", ".join(map(str, df.columns))
        raise ParameterError(f"{label} {shown} not in the table; columns: {present}")
