"""The notebooks (issue 18): committed clean, and each runs top to bottom without error.

Every notebook in notebooks/ is executed once per session with nbclient (``executed_notebooks``,
in docs_build.py); test_docs_site.py builds the site from the same executed copies.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from docs_build import NOTEBOOKS, Executed, notebooks, rendered_modules

NONE = "notebooks/ holds no *.ipynb: nothing to check"
PARAMS = [pytest.param(p, id=p.name) for p in notebooks()] or [
    pytest.param(None, id="no-notebooks", marks=pytest.mark.skip(reason=NONE))
]


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    dirty = [
        i
        for i, cell in enumerate(cells, 1)
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.relative_to(NOTEBOOKS.parent)}: cells {dirty} hold outputs or execution counts; "
        "clear them before committing (jupyter nbconvert --clear-output --inplace)"
    )


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_runs_top_to_bottom(path: Path, executed_notebooks: dict[str, Executed]) -> None:
    run = executed_notebooks[path.name]
    assert run.ok, f"{path.name} did not run top to bottom:\n{run.log}"


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_uses_the_public_api_only(path: Path) -> None:
    """Every name a notebook imports from the package is in the ``__all__`` of a module the
    API reference renders (or of the package itself); no logging or warnings are switched off."""
    code = "\n".join(
        "".join(cell["source"])
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
    )
    code = "\n".join(line for line in code.splitlines() if not line.startswith("%"))
    public = rendered_modules() | {"ikzf1assay"}
    problems = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ikzf1assay"):
            module = node.module or ""
            exported = getattr(importlib.import_module(module), "__all__", [])
            problems += [
                f"from {module} import {alias.name}"
                for alias in node.names
                if module not in public or alias.name not in exported
            ]
        elif isinstance(node, ast.Import):
            problems += [f"import {a.name}" for a in node.names if a.name.startswith("ikzf1assay.")]
    assert not problems, f"{path.name} imports outside the documented API: {problems}"
    for switch_off in ("setLevel(", "filterwarnings(", "simplefilter(", "disable("):
        assert switch_off not in code, f"{path.name} turns logging or warnings off: {switch_off}"
