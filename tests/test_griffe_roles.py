"""scripts/griffe_sphinx_roles.py: the docstrings' Sphinx markup as the site shows it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "griffe_sphinx_roles.py"
_spec = importlib.util.spec_from_file_location("griffe_sphinx_roles", SCRIPT)
assert _spec is not None
assert _spec.loader is not None
roles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roles)


def test_roles_become_code_spans_as_sphinx_would_show_them() -> None:
    text = (
        ":func:`read_run` and :class:`~ikzf1assay.qpcr.plate.Plate`, "
        ":meth:`the table <RunCalls.table>`, :py:data:`.FORMATS`"
    )
    assert roles.markdown_roles(text) == "`read_run` and `Plate`, `the table`, `FORMATS`"


def test_literal_block_markers_end_as_a_colon() -> None:
    text = "each with::\n\n    plot(x)\n\nor this ::\n\n    y\nand a::b stays"
    assert roles.markdown_roles(text) == (
        "each with:\n\n    plot(x)\n\nor this\n\n    y\nand a::b stays"
    )
