"""The public API: the entry points exported from the package and its subpackages (issue 13).

Each name of ``ikzf1assay.__all__`` resolves, is the object its subpackage exports, and (for
functions) carries numpydoc Parameters and Returns sections; the API reference (docs/reference/*.md)
renders each from its module and uses it in an example.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import ikzf1assay
from docs_build import rendered_modules

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference"
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


def test_api_reference_renders_and_exemplifies_every_export() -> None:
    rendered = rendered_modules()
    examples = "\n".join(
        "\n".join(re.findall(r"```python\n(.*?)```", p.read_text(encoding="utf-8"), re.S))
        for p in REFERENCE.glob("*.md")
    )
    for name in NAMES:
        obj = getattr(ikzf1assay, name)
        shown = [
            m
            for m in rendered
            if name in getattr(importlib.import_module(m), "__all__", [])
            and getattr(importlib.import_module(m), name) is obj
        ]
        assert shown, f"no page of docs/reference renders a module exporting {name}"
        assert re.search(rf"\b{name}\b", examples), f"no example in docs/reference uses {name}"


def test_rendered_modules_exist_and_declare_their_api() -> None:
    for module in rendered_modules():
        assert isinstance(getattr(importlib.import_module(module), "__all__", None), list), module
