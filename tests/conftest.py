"""Shared fixtures: the bundled assay and the Primer3 witnesses (see primer3_witness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from ikzf1assay.assay import Assay, load_assay
from primer3_witness import Primer3Witness

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
BUNDLED_ASSAY = REPO / "primers" / "ikzf1_breakpoint.toml"


@pytest.fixture(scope="session")
def assay() -> Assay:
    return load_assay(BUNDLED_ASSAY)


@pytest.fixture(scope="session")
def witness(assay: Assay) -> Primer3Witness:
    return Primer3Witness(assay.conditions)


@pytest.fixture(scope="session")
def witness_at() -> type[Primer3Witness]:
    """Build a witness at other conditions: ``witness_at(Conditions(...))``."""
    return Primer3Witness


# Deterministic property tests: the same examples on every run, no example database.
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.load_profile("deterministic")


# --- The executed notebooks (issue 18) -------------------------------------------------------
# Every notebook in notebooks/ runs once per session, in parallel, into a temporary folder
# (docs_build.py holds the logic, shared with scripts/docs.sh); test_notebooks.py checks each ran
# and test_docs_site.py builds the site from these executed copies, so nothing runs twice.

import os  # noqa: E402

from docs_build import Executed, docs_tools_missing, execute_all  # noqa: E402


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Executed]:
    """Notebook file name -> its execution (``.ok``, ``.log``, ``.copy`` in a notebooks/ folder)."""
    why = docs_tools_missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {why}")
        pytest.skip(why)
    out = tmp_path_factory.mktemp("executed") / "notebooks"
    return {e.source.name: e for e in execute_all(out)}
