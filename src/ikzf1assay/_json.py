"""JSON-ready values from pandas and numpy (NaN becomes null, numpy scalars plain Python)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["json_records", "json_value"]


def json_value(value: Any) -> Any:
    """A value json.dumps writes as the reader expects: NaN as null, numpy scalars unwrapped."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a DataFrame as JSON-ready dicts."""
    return [{str(k): json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]
