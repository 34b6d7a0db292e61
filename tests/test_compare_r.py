"""benchmarks/compare_r.py as a test: every statistic beside its R peer on R's own data sets
(aml, ovarian, colon, pbc, rotterdam, kidney, bladder, mgus2, exported from R at run time),
to 1e-6 relative (values under 1e-10 in R compared absolutely), with no value NA on one side
only and no row one side lacks."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_r.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_r_under_test", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_statistic_equals_r_on_rs_data_sets(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: install Debian's r-base-core r-cran-survival r-cran-cmprsk")
    cmp = _load()
    r = cmp.run_r(tmp_path)
    for step in (cmp.survival_pairs, cmp.cox_pairs, cmp.competing_pairs, cmp.table_pairs):
        step(r)
    pairs = list(cmp.LEDGER.values())
    assert len(pairs) >= 20
    for p in pairs:
        assert p.n > 0, p.r_name
        assert p.unmatched == 0, f"{p.r_name} ~ {p.ours}: {p.unmatched} unmatched"
        assert p.rel <= 1e-6, f"{p.r_name} ~ {p.ours}: {p.rel:.2e} at {p.rel_at}"
        assert p.abs <= 1e-6 or p.rel <= 1e-6, p.r_name
    places = " ".join(f"{p.rel_at} {p.abs_at}" for p in pairs)
    assert "rotterdam" in places
