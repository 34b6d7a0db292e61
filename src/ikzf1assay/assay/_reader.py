"""Typed access to the tables of a parsed TOML document, with errors that name file and line.

:class:`TableReader` is the loader's toolbox: each getter checks one value's type and range
and, when it is wrong, raises :class:`~ikzf1assay.errors.AssayDefinitionError` located through
:class:`~ikzf1assay._tomlpos.KeyLines` (tomllib forgets positions once parsed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ikzf1assay._tomlpos import KeyLines
from ikzf1assay.errors import AssayDefinitionError

__all__ = ["TableReader"]


class TableReader:
    """A parsed TOML document with its text, answering typed values or located errors."""

    def __init__(self, doc: dict[str, Any], text: str, source: str | Path) -> None:
        self.doc = doc
        self.lines = KeyLines(text)
        self.source = source
        # What is allowed but worth a look, collected by the sections as they are read.
        self.warnings: list[str] = []

    def fail(
        self, message: str, table: str = "", index: int | None = None, key: str | None = None
    ) -> AssayDefinitionError:
        """The error to raise, located at ``key`` of the table (else at its header)."""
        where = (
            f"[[{table}]] #{index + 1}" if index is not None else (f"[{table}]" if table else None)
        )
        return AssayDefinitionError(
            message, source=self.source, line=self.lines.line_of(table, index, key), where=where
        )

    def table(self, name: str) -> dict[str, Any]:
        """An optional table; empty when absent."""
        value = self.doc.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(
                f"{name} must be a table [{name}], not a {type(value).__name__}", key=name
            )
        return value

    def array(self, name: str) -> list[dict[str, Any]]:
        """A required array of tables ``[[name]]``."""
        value = self.doc.get(name)
        if value is None:
            raise self.fail(f"no [[{name}]] entries; the assay needs at least one")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{name} must be written as [[{name}]] tables", key=name)
        return value

    def check_keys(
        self, data: Mapping[str, Any], allowed: set[str], table: str, index: int | None = None
    ) -> None:
        """Reject a key outside ``allowed``, listing the allowed ones."""
        for key in data:
            if key not in allowed:
                raise self.fail(
                    f"unknown key {key!r}; allowed keys: {', '.join(sorted(allowed))}",
                    table,
                    index,
                    key,
                )

    def get_str(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        index: int | None = None,
        *,
        default: str | None = None,
    ) -> str:
        """A non-empty text, stripped; required unless ``default`` is given."""
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"missing required key {key!r}", table, index)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                f"{key} must be a non-empty text in quotes, got {value!r}", table, index, key
            )
        return value.strip()

    def get_number(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        default: float,
        low: float,
        high: float,
        *,
        integer: bool = False,
    ) -> Any:
        """A finite number within ``low``..``high`` (an int when ``integer``)."""
        value = data.get(key, default)
        kind = "a whole number" if integer else "a number"
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type:
            shown = f"the text {value!r}" if isinstance(value, str) else repr(value)
            raise self.fail(f"{key} must be {kind} (e.g. {default}), got {shown}", table, None, key)
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(
                f"{key} = {value} is out of range; allowed {low:g} to {high:g}", table, None, key
            )
        return value if integer else float(value)

    def get_bool(self, data: Mapping[str, Any], key: str, table: str, default: bool) -> bool:
        """A TOML boolean (not a number or a text)."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key} must be true or false, got {value!r}", table, None, key)
        return value

    def get_str_list(
        self,
        data: Mapping[str, Any],
        key: str,
        table: str,
        index: int | None = None,
        default: tuple[str, ...] = (),
    ) -> tuple[str, ...]:
        """A list of non-empty texts, each stripped."""
        value = data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(
                f'{key} must be a list of non-empty texts, e.g. ["a", "b"]', table, index, key
            )
        return tuple(v.strip() for v in value)
