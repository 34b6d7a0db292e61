"""Our calls beside the instrument's (ikzf1assay.qpcr.agreement), on SYNTHETIC fixtures.

The harness over the real runs (benchmarks/validate_realworld.py, tests/test_realworld.py)
and the notebook 04_real_runs use these functions; here their rules are pinned one by one.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay.qpcr import (
    UNSAFE_CQ,
    CurveSettings,
    analyse_curves,
    compare_with_instrument,
    comparison_threshold,
    ct_agreement,
    instrument_calls,
    read_run,
)
from ikzf1assay.qpcr.agreement import COMPARISON_COLUMNS

DATA = Path(__file__).parent / "data" / "qpcr"
QUANTSTUDIO = DATA / "good" / "quantstudio_da.xlsx"
LIGHTCYCLER = DATA / "lightcycler480" / "SYNTHETIC_lc480_run.txt"


def test_instrument_status_normalised() -> None:
    wells = pd.DataFrame(
        {
            "instrument_amp": ["Amp", "No Amp", "AMP", "NO_AMP", "Inconclusive", "", "", "", ""],
            "instrument_ct": [20.0, math.nan, 21.0, 39.0, 34.0, 25.5, 40.0, math.nan, math.nan],
            "has_result": [True, True, True, True, True, True, True, True, False],
        }
    )
    calls = instrument_calls(wells, 40.0)
    assert calls["instrument"].tolist() == [
        "amp", "not_amp", "amp", "not_amp", "amp", "amp", "not_amp", "not_amp", "none",
    ]  # fmt: skip
    assert calls["instrument_source"].tolist()[:4] == ["Amp Status"] * 4
    assert calls["instrument_source"].iloc[4] == "Cq present / absent (status Inconclusive)"
    # 40.0 written for Undetermined; 25.5 beyond 3 exported cycles is a real Cq
    assert calls["undetermined_as_last_cycle"].tolist() == [False] * 6 + [True, False, False]
    assert instrument_calls(wells.iloc[[5]], 3.0)["instrument"].tolist() == ["amp"]


def test_comparison_threshold_is_the_instruments_where_it_has_one() -> None:
    plate = read_run(QUANTSTUDIO)
    assert comparison_threshold(plate) == "instrument"
    # a target without a threshold or a Ct anywhere: nothing of the instrument's to use
    wells = plate.wells.copy()
    alb = wells["target"] == "ALB"
    wells.loc[alb, ["threshold", "instrument_ct"]] = math.nan
    assert comparison_threshold(dataclasses.replace(plate, wells=wells)) == "auto"
    # a LightCycler Cp is no threshold crossing
    assert comparison_threshold(read_run(LIGHTCYCLER)) == "auto"


def test_compare_marks_disagreements_and_unsafe_calls() -> None:
    plate = read_run(QUANTSTUDIO)
    calls = analyse_curves(plate, CurveSettings(threshold=comparison_threshold(plate)))
    table = compare_with_instrument(plate, calls)
    assert list(table.columns) == COMPARISON_COLUMNS
    assert len(table) == len(plate.wells)
    assert table["agree"].all()
    assert not table["unsafe"].any()

    early = table.index[(table["instrument"] == "amp") & (table["instrument_ct"] <= UNSAFE_CQ)]
    assert len(early) >= 2
    forced = calls.table.copy()
    forced.loc[early[0], "amplification"] = "no"  # the one error that must never happen
    forced.loc[early[1], "amplification"] = "review"  # a doubt: a disagreement, not unsafe
    again = compare_with_instrument(plate, dataclasses.replace(calls, table=forced))
    assert again.loc[early[0], ["agree", "unsafe"]].tolist() == [False, True]
    assert again.loc[early[1], ["agree", "unsafe"]].tolist() == [False, False]
    assert int((~again["agree"]).sum()) == 2


def test_ct_agreement_by_the_definition_of_the_instruments_ct() -> None:
    table = pd.DataFrame(
        {
            "instrument": ["amp", "amp", "amp", "amp", "not_amp"],
            "amplification": ["yes", "yes", "yes", "review", "no"],
            "ct": [20.1, 25.3, 30.0, math.nan, math.nan],
            "instrument_ct": [20.0, 25.0, 30.5, 33.0, math.nan],
        }
    )
    same = ct_agreement(table, "instrument")  # one threshold: cycle for cycle
    assert (same.n, same.r, same.median_offset) == (3, None, None)
    assert same.median_abs_delta == pytest.approx(0.3)
    other = ct_agreement(table, "auto")  # different definitions: correlation and offset
    assert other.median_abs_delta is None
    assert other.median_offset == pytest.approx(0.1)
    assert other.r == pytest.approx(float(np.corrcoef([20.1, 25.3, 30.0], [20, 25, 30.5])[0, 1]))
    assert ct_agreement(table.iloc[:2], "auto").r is None  # fewer than 3 wells
    assert ct_agreement(table.iloc[3:], "instrument").n == 0
