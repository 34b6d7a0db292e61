"""An instrument Ct that is not a threshold crossing (a LightCycler Cp, a QuantStudio Crt) is
compared by its yes/no only, never cycle for cycle, and sets no threshold (issue 14)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ikzf1assay.assay import Assay
from ikzf1assay.calling.calls import _threshold_mode
from ikzf1assay.qpcr import Plate, read_run
from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves
from ikzf1assay.simulate import simulate_run


@pytest.fixture(scope="module")
def plate(assay: Assay, tmp_path_factory: pytest.TempPathFactory) -> Plate:
    export = tmp_path_factory.mktemp("ct_methods") / "SYNTHETIC_run.txt"
    export.write_text(simulate_run(assay, seed=5).text, encoding="utf-8")
    return read_run(export)


def _with_method(plate: Plate, method: str, shift: float) -> Plate:
    """The plate with its instrument Cts moved by ``shift`` on alternate wells (as a Cp's
    offset to a threshold Ct varies with the curve), no threshold, and ``method``."""
    wells = plate.wells.copy()
    step = np.where(np.arange(len(wells)) % 2 == 0, shift, 0.0)
    wells["instrument_ct"] = wells["instrument_ct"] + step
    wells["threshold"] = np.nan
    info = dataclasses.replace(plate.info, ct_method=method)
    return dataclasses.replace(plate, info=info, wells=wells)


def _disagreeing(plate: Plate) -> int:
    table = analyse_curves(plate, CurveSettings(threshold="auto")).table
    reasons = table["amplification_reason"].astype(str)
    return int(((table["amplification"] == "review") & reasons.str.contains("disagree")).sum())


def test_a_cp_is_not_compared_cycle_for_cycle(plate: Plate) -> None:
    # the wells where the instrument's yes/no differs from ours disagree whatever the method
    base = _disagreeing(_with_method(plate, "threshold", 0.0))
    assert _disagreeing(_with_method(plate, "threshold", -3.0)) > base + 10  # a Ct is compared
    assert _disagreeing(_with_method(plate, "second-derivative maximum", -3.0)) == base
    assert _disagreeing(_with_method(plate, "relative threshold", -3.0)) == base


def test_a_cp_sets_no_threshold(plate: Plate) -> None:
    assert _threshold_mode(_with_method(plate, "threshold", 0.0), "prefer-instrument") == (
        "instrument"
    )
    sdm = _with_method(plate, "second-derivative maximum", 0.0)
    assert _threshold_mode(sdm, "prefer-instrument") == "auto"
    assert _threshold_mode(sdm, 0.2) == 0.2  # the user's choice stands
