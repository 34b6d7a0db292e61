"""The notebooks (issue 18): committed clean, and each runs top to bottom without error.

Every notebook in notebooks/ is executed once per session with nbclient (``executed_notebooks``,
in docs_build.py); test_docs_site.py builds the site from the same executed copies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docs_build import NOTEBOOKS, Executed, notebooks

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
