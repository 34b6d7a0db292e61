"""The public API: the entry points exported from the package and its subpackages (issue 13).

Each name of ``ikzf1assay.__all__`` resolves, is the object its subpackage exports, and (for
functions) carries numpydoc Parameters and Returns sections; ``docs/api.md`` lists every one.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import ikzf1assay

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
NAMES = [n for n in ikzf1assay.__all__ if n != "__version__"]


def test_all_lists_exactly_the_lazy_exports() -> None:
    exports = ikzf1assay._EXPORTS
    assert sorted(ikzf1assay.__all__) == sorted(["__version__", *exports])
    assert "read_run" in dir(ikzf1assay)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = ikzf1assay.nonexistent


@pytest.mark.parametrize("name", NAMES)
def test_export_resolves_to_its_subpackage_object(name: str) -> None:
    module = importlib.import_module(ikzf1assay._EXPORTS[name])
    assert getattr(ikzf1assay, name) is getattr(module, name)
    assert name in getattr(module, "__all__", [name]), f"{module.__name__}.__all__ lacks {name}"


@pytest.mark.parametrize("name", [n for n in NAMES if inspect.isfunction(getattr(ikzf1assay, n))])
def test_function_has_numpydoc_sections(name: str) -> None:
    doc = inspect.getdoc(getattr(ikzf1assay, name)) or ""
    for section in ("Parameters", "Returns"):
        assert re.search(rf"^{section}\n-{{3,}}$", doc, re.M), f"{name}: no {section} section"


def test_api_doc_lists_every_export_with_an_example() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in NAMES:
        assert re.search(rf"^#+ .*`{name}`", text, re.M), f"docs/api.md has no heading for {name}"
    assert text.count("```python") >= len(NAMES) // 2
