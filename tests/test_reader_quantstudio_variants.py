"""QuantStudio Design & Analysis variants: key/value rows after Results, Crt, Diomni, melt.

SYNTHETIC fixtures in tests/data/qpcr/quantstudio_variants (written by generate.py there);
the real exports in ../shared/validation/qpcr/quantstudio_da_more when present.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import read_run
from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves

HERE = Path(__file__).parent / "data" / "qpcr" / "quantstudio_variants"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "validation" / "qpcr"
REAL = SHARED / "quantstudio_da_more"


def _real(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real export {name} not present (../shared/validation/qpcr is absent)")
    return path


def test_key_value_rows_after_results_are_settings() -> None:
    plate = read_run(HERE / "SYNTHETIC_qs_da_v1_5_key_value_after_results.xlsx")
    settings = plate.info.settings
    assert settings["Analysis Type"] == "Singleplex"
    assert settings["Endogenous Control"] == "IKZF1 del4-7"
    assert settings["Reference Sample"] == "SYNTHETIC patient 1"
    assert plate.info.ct_method == "threshold"
    w = plate.wells.set_index("well")
    assert list(w.index) == ["A1", "A2", "B1", "B2"]
    assert w["instrument_ct"].isna().tolist() == [False, False, True, False]
    assert w.loc["A1", "threshold"] == pytest.approx(0.2)


def test_melt_sheet_is_read_after_the_settling_readings() -> None:
    plate = read_run(HERE / "SYNTHETIC_qs_da_v1_5_key_value_after_results.xlsx")
    melt = plate.melt
    assert plate.summary()["melt_reactions"] == 4
    assert set(melt["target"]) == {"IKZF1 del4-7"}
    per_well = melt.groupby("well")["temperature"]
    assert per_well.size().eq(101).all()  # 102 readings, the first (block settling) not read
    assert per_well.min().eq(60.1).all()
    assert any("before the temperature rose steadily" in s.reason for s in plate.skipped)


def test_instrument_ct_agrees_with_our_analysis() -> None:
    plate = read_run(HERE / "SYNTHETIC_qs_da_v1_5_key_value_after_results.xlsx")
    calls = analyse_curves(plate, CurveSettings(threshold="instrument")).table
    both = calls.merge(plate.wells, on=["run", "well", "target"], suffixes=("", "_in"))
    diff = (both["ct"] - both["instrument_ct_in"]).abs().dropna()
    assert len(diff) == 3
    assert float(diff.max()) < 0.1  # measured 0.052 (our baseline fit on Rn vs the exact dRn)


def test_relative_threshold_crt_export() -> None:
    plate = read_run(HERE / "SYNTHETIC_qs7flex_relative_threshold_crt.xlsx")
    assert plate.info.ct_method == "relative threshold"
    assert plate.info.settings["Crt Threshold"] == "0.2"
    w = plate.wells.set_index("well")
    assert w["instrument_ct"].notna().sum() == 3
    assert w.loc["A1", "instrument_ct"] == pytest.approx(24.0 - 1.6 * math.log(1 / 0.15 - 1))
    # a relative threshold is no fluorescence level: not the wells' threshold
    assert w["threshold"].isna().all()


def test_diomni_primary_result_sheet() -> None:
    plate = read_run(HERE / "SYNTHETIC_qs_diomni_primary_result.xlsx")
    w = plate.wells.set_index("well")
    assert list(w.index) == ["A1", "A2", "B1", "B2"]
    assert bool(w["has_result"].all())
    assert bool(w["has_curve"].all())
    assert w["instrument_ct"].notna().sum() == 3
    assert set(w["threshold"]) == {0.2}
    assert w.loc["B2", "task"] == "POSITIVE_CONTROL"
    assert any(s.where == "sheet 'Target Call'" for s in plate.skipped)


def test_well_record_after_the_key_value_rows_is_an_error() -> None:
    path = HERE / "SYNTHETIC_qs_bad_well_after_key_value_rows.xlsx"
    with pytest.raises(InputFormatError) as exc:
        read_run(path)
    message = str(exc.value)
    assert path.name in message
    assert "cell A10" in message
    assert "row 9" in message


def _agreement(path: Path) -> tuple[float, dict[tuple[str, str], int]]:
    plate = read_run(path)
    calls = analyse_curves(plate, CurveSettings(threshold="instrument")).table
    wells = plate.wells.rename(columns={"instrument_ct": "ct_in", "instrument_amp": "amp_in"})
    both = calls.merge(
        wells[["run", "well", "target", "ct_in", "amp_in"]], on=["run", "well", "target"]
    )
    diff = (both["ct"] - both["ct_in"]).abs().dropna()
    pairs = zip(both["amp_in"].str.upper(), both["amplification"], strict=True)
    table: dict[tuple[str, str], int] = {}
    for amp, ours in pairs:
        table[(str(amp), str(ours))] = table.get((str(amp), str(ours)), 0) + 1
    return float(diff.median()), table


def test_real_v1_5_2_key_value_rows() -> None:
    path = _real("appbio_quantstudio_design_and_analysis_example15_v1.5.2.xlsx")
    plate = read_run(path)
    s = plate.summary()
    assert (s["reactions"], s["cycles"], s["instrument_ct_values"]) == (232, 40, 228)
    assert plate.info.settings["Analysis Type"] == "Singleplex"
    assert plate.info.settings["Endogenous Control"] == "MYGENE"
    assert plate.info.ct_method == "threshold"
    median, table = _agreement(path)
    assert median < 0.05  # measured 0.026
    assert table == {("AMP", "yes"): 228, ("NO AMP", "no"): 4}


def test_real_relative_threshold_export() -> None:
    path = _real("appbio_quantstudio_example08.xlsx")
    plate = read_run(path)
    s = plate.summary()
    assert (s["reactions"], s["cycles"], s["instrument_ct_values"]) == (36, 50, 36)
    assert plate.info.ct_method == "relative threshold"
    assert plate.info.settings["Crt Threshold"] == "0.2"
    median, _ = _agreement(path)
    assert median < 1.0  # measured 0.71: Crt is not a threshold cycle


def test_real_diomni_export() -> None:
    plate = read_run(
        _real("appbio_quantstudio_designandanalysis_Diomni_v4.3_Presence_Absence.xlsx")
    )
    s = plate.summary()
    assert (s["reactions"], s["cycles"], s["reactions_with_result"]) == (8, 40, 8)
    assert s["thresholds"] == [0.03, 0.04]
    ct = plate.wells.set_index(["well", "target"])["instrument_ct"].dropna()
    assert ct.to_dict() == {("A1", "T4"): pytest.approx(39.54)}
