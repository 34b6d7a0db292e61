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
