"""The Applied Biosystems .eds reader: SYNTHETIC fixtures, malformed members, the real file."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.curves import CurveSettings, analyse_curves
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import detect_format, read_run

DATA = Path(__file__).parent / "data" / "qpcr" / "eds"
FULL = DATA / "SYNTHETIC_eds_full.eds"
MULTI = DATA / "SYNTHETIC_eds_multicomponent_only.eds"
RESULTS = DATA / "SYNTHETIC_eds_results_only.eds"
REAL = Path(__file__).parents[1] / ".." / "shared" / "validation" / "qpcr" / "abi_eds"
REAL_FILE = REAL / "DEMO_COVID2020_THERMO.eds"


def _well(plate: Plate, well: str, target: str) -> dict[str, Any]:
    w = plate.wells
    rows = w[(w["well"] == well) & (w["target"] == target)]
    assert len(rows) == 1
    return dict(rows.iloc[0])


def test_full_eds_reads_setup_results_and_curves() -> None:
    plate = read_run(FULL)
    assert plate.info.format == "abi-eds"
    assert plate.info.instrument == "steponeplus"
    assert plate.info.software == "SYNTHETIC writer 0"
    assert plate.info.ct_method == "threshold"
    assert plate.info.plate_size == 96
    assert sorted(set(plate.wells["well"])) == ["A1", "A2", "B1", "B2", "C1", "H12"]
    assert len(plate.wells) == 12
    assert plate.cycles == 40
    a2 = _well(plate, "A2", "IKZF1")
    assert a2["sample"] == "SYNTHETIC S1"
    assert a2["task"] == "UNKNOWN"
    assert (a2["reporter"], a2["quencher"]) == ("FAM", "NFQ-MGB")
    assert 21 < float(a2["instrument_ct"]) < 22  # x0 25 - 3.3
    assert _well(plate, "B2", "ALB")["task"] == "POSITIVE_CONTROL"
    assert _well(plate, "B2", "ALB")["reporter"] == "VIC"
    ntc = _well(plate, "A1", "IKZF1")
    assert ntc["task"] == "NTC"
    assert ntc["has_result"]
    assert math.isnan(ntc["instrument_ct"])
    assert _well(plate, "C1", "IKZF1")["omit"]
    assert math.isnan(_well(plate, "B1", "IKZF1")["instrument_ct"])
    curves = plate.curves
    assert curves["delta_rn"].notna().all()
    assert curves["passive_ref"].notna().all()
    # the exported Rn agrees with reporter / ROX of the multicomponent data
    assert "rn check" in plate.info.settings
    assert float(plate.info.settings["rn check"].split("= ")[1].split()[0]) < 1e-5
    assert plate.info.settings["undetermined rule"].endswith("3 reactions")
    assert any("tcprotocol.xml" in s.where for s in plate.skipped)


def test_multicomponent_only_rn_is_reporter_over_rox() -> None:
    plate = read_run(MULTI)
    full = read_run(FULL)
    assert "computed" in plate.info.settings["rn source"]
    assert plate.info.software == "StepOne v2.0"
    assert not plate.wells["has_result"].any()
    assert plate.wells["has_curve"].all()
    assert plate.curves["delta_rn"].isna().all()
    # Rn = reporter / ROX, the same numbers as the analysed file's Rn (cycles from 0 -> 1)
    merged = plate.curves.merge(full.curves, on=["run", "well", "target", "cycle"])
    assert len(merged) == len(plate.curves) == 12 * 40
    np.testing.assert_allclose(merged["rn_x"], merged["rn_y"], rtol=1e-6)
    np.testing.assert_allclose(merged["passive_ref_x"], merged["passive_ref_y"])
    ratio = plate.curves["rn"] * plate.curves["passive_ref"]
    assert (ratio > 0).all()
    assert sorted(set(plate.curves["cycle"])) == list(range(1, 41))
    assert _well(plate, "H12", "ALB")["sample"] == "SYNTHETIC S3"


def test_results_only_like_the_trimmed_real_file() -> None:
    plate = read_run(RESULTS)
    assert (plate.wells["task"] == "").all()  # Task "Target" names no role
    assert plate.info.settings["plate size"].startswith("96 (assumed")
    assert plate.curves["passive_ref"].isna().all()
    doubt = _well(plate, "A2", "IKZF1")
    assert not doubt["has_result"]
    assert math.isnan(doubt["instrument_ct"])
    assert any("a doubt" in s.reason for s in plate.skipped)
    calls = analyse_curves(plate, CurveSettings(threshold="instrument")).table
    a2 = calls[(calls["well"] == "A2") & (calls["target"] == "IKZF1")].iloc[0]
    assert a2["amplification"] != "no"  # a doubt is never a negative


def test_synthetic_ct_agrees_with_our_analysis() -> None:
    calls = analyse_curves(read_run(FULL), CurveSettings(threshold="instrument")).table
    both = calls.dropna(subset=["ct", "instrument_ct"])
    assert len(both) == 9
    assert float((both["ct"] - both["instrument_ct"]).abs().max()) < 0.05
    assert set(calls.loc[calls["instrument_ct"].isna(), "amplification"]) == {"no"}


def test_detected_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "run.xlsx"
    renamed.write_bytes(FULL.read_bytes())
    assert detect_format(renamed.read_bytes(), str(renamed)) == "abi-eds"
    assert read_run(renamed).info.format == "abi-eds"


def _rewrite(tmp_path: Path, source: Path, changes: dict[str, str | None]) -> Path:
    """A copy of ``source`` with members replaced (text) or removed (None)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            base = name.rsplit("/", 1)[-1]
            if base in changes:
                new = changes[base]
                if new is not None:
                    dst.writestr(name, new)
            else:
                dst.writestr(name, src.read(name))
    out = tmp_path / "SYNTHETIC_malformed.eds"
    out.write_bytes(buf.getvalue())
    return out


def _member(name: str, source: Path = FULL) -> str:
    with zipfile.ZipFile(source) as z:
        return z.read("apldbio/sds/" + name).decode()


def test_neither_results_nor_multicomponent_is_refused(tmp_path: Path) -> None:
    path = _rewrite(tmp_path, FULL, {"analysis_result.txt": None, "multicomponent_data.txt": None})
    with pytest.raises(InputFormatError, match="must hold the analysis results or the multi"):
        read_run(path)


@pytest.mark.parametrize(
    ("member", "old", "new", "message"),
    [
        (
            "analysis_result.txt",
            "\tUNKNOWN\t21.",
            "\tUNKNOWN\tabc21.",
            r"analysis_result.txt:\d+.*Ct .abc21",
        ),
        (
            "analysis_result.txt",
            "Delta Rn values\t",
            "Delta Rn values\t1\t",
            r"40 Rn values but 41",
        ),
        (
            "multicomponent_data.txt",
            "\tFAM\t12.5\t",
            "\tFAM\t12.5\tx",
            r"multicomponent_data.txt:\d+",
        ),
        (
            "plate_setup.xml",
            "<Index>95</Index>",
            "<Index>1</Index>",
            r"plate_setup.xml.*listed twice",
        ),
        ("plate_setup.xml", "</Plate>", "", r"plate_setup.xml.*not well-formed"),
        ("analysis_result.txt", "95\tSYNTHETIC", "96\tSYNTHETIC", r"well index 96 is outside"),
    ],
)
def test_malformed_member_names_member_and_line(
    tmp_path: Path, member: str, old: str, new: str, message: str
) -> None:
    text = _member(member)
    assert old in text
    path = _rewrite(tmp_path, FULL, {member: text.replace(old, new, 1)})
    with pytest.raises(InputFormatError, match=message):
        read_run(path)


def test_duplicate_well_row(tmp_path: Path) -> None:
    text = _member("analysis_result.txt")
    lines = text.split("\r\n")
    path = _rewrite(tmp_path, FULL, {"analysis_result.txt": "\r\n".join(lines + lines[2:6])})
    with pytest.raises(InputFormatError, match=r"analysis_result.txt:\d+.*listed twice"):
        read_run(path)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("eds_generate", DATA / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    setattr(module, "HERE", tmp_path)  # noqa: B010  (write there, not over the fixtures)
    module.main()
    for name in (FULL.name, MULTI.name, RESULTS.name):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.skipif(
    not REAL_FILE.exists(), reason="../shared/validation/qpcr/abi_eds is absent (real file)"
)
def test_real_trimmed_eds() -> None:
    plate = read_run(REAL_FILE)
    w = plate.wells
    assert plate.info.format == "abi-eds"
    assert plate.info.ct_method == "threshold"
    assert len(w) == 24
    assert w[["run", "well"]].drop_duplicates().shape[0] == 12
    assert plate.cycles == 40
    assert w["has_curve"].all()
    assert w["has_result"].all()
    assert sorted(set(w["target"])) == ["N", "ORF1ab", "RNAsaP", "S"]
    assert set(w["well"]) >= {"A1", "C1", "D3"}  # wells from 0: 24 -> C1, 38 -> D3
    # Ct 40.0 wells are Undetermined: all 17 of them, and their Delta Rn stays low
    assert int(w["instrument_ct"].notna().sum()) == 7
    undetermined = w.loc[w["instrument_ct"].isna(), ["well", "target"]]
    low = plate.curves.merge(undetermined).groupby(["well", "target"])["delta_rn"].max()
    assert len(low) == 17
    assert (low < 0.03).all()
    assert _well(plate, "D3", "RNAsaP")["instrument_ct"] == pytest.approx(36.90654)
    calls = analyse_curves(plate, CurveSettings(threshold="instrument")).table
    both = calls.dropna(subset=["ct", "instrument_ct"])
    delta = (both["ct"] - both["instrument_ct"]).abs()
    # measured: 6 Cts, median 0.002, max 0.033 cycles
    assert len(both) == 6
    assert float(delta.median()) < 0.01
    assert float(delta.max()) < 0.05
    # yes/no against Ct present: every Undetermined is "no", every Ct "yes" or "review"
    assert set(calls.loc[calls["instrument_ct"].isna(), "amplification"]) == {"no"}
    assert set(calls.loc[calls["instrument_ct"].notna(), "amplification"]) <= {"yes", "review"}
