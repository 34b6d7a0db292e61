"""Line numbers for keys of a TOML document.

:mod:`tomllib` reports the line of a syntax error but forgets positions once a document is
parsed, so a semantic error (a duplicate primer name, a reaction naming an unknown primer)
could not say where it is. This module scans the text once for table headers and keys and
answers "on which line is key K of the n-th ``[[table]]``". It understands the layout people
write by hand -- ``[table]``, ``[[array.of.tables]]``, ``key = value`` with values that may run
over several lines -- and falls back to the table's header line otherwise.
"""

from __future__ import annotations

import re

__all__ = ["KeyLines"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")


def _bracket_delta(line: str) -> int:
    """Net count of [ minus ] outside strings and comments (enough for hand-written arrays)."""
    depth = 0
    quote: str | None = None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
    return depth


class KeyLines:
    """Where keys and tables sit in a TOML text.

    Tables are addressed as ``(name, index)``: ``("primer", 2)`` is the third ``[[primer]]``,
    ``("thresholds", None)`` the ``[thresholds]`` table, ``("", None)`` the top level.
    """

    def __init__(self, text: str) -> None:
        self._keys: dict[tuple[str, int | None, str], int] = {}
        self._tables: dict[tuple[str, int | None], int] = {}
        counts: dict[str, int] = {}
        table: tuple[str, int | None] = ("", None)
        depth = 0
        in_string: str | None = None  # the delimiter of an open multi-line string
        for lineno, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            opened = next((q for q in ('"""', "'''") if line.count(q) % 2 == 1), None)
            if opened is not None:
                in_string = opened  # the rest of the string's lines hold no keys
            if depth > 0:  # inside a value that spans lines
                depth += _bracket_delta(line)
                continue
            header = _HEADER.match(line)
            if header:
                name = header.group(2).strip()
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (name, index)
                else:
                    table = (name, None)
                self._tables.setdefault(table, lineno)
                continue
            key = _KEY.match(line)
            if key:
                name = next(g for g in key.groups() if g is not None)
                self._keys.setdefault((table[0], table[1], name), lineno)
                depth = max(0, _bracket_delta(line[key.end() :]))

    def line_of(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        """Line of ``key`` in the table, else the table's header line, else None."""
        if key is not None:
            found = self._keys.get((table, index, key))
            if found is not None:
                return found
        return self._tables.get((table, index))
