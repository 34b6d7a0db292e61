"""qPCR export readers: every format into the same Plate, real files, awkward and broken input.

Fixtures in tests/data/qpcr are SYNTHETIC (written by tests/data/qpcr/generate.py): one run of
12 reactions in every format. Real exports are read from ../shared/validation/qpcr/ and those
tests skip, saying why, where that folder is absent.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ikzf1assay._text import Numbers
from ikzf1assay.errors import FileAccessError, IkzfAssayError, InputFormatError
from ikzf1assay.qpcr import CURVE_COLUMNS, WELL_COLUMNS, Plate, read_run
from ikzf1assay.qpcr.plate import normalise_task, normalise_well

DATA = Path(__file__).parent / "data" / "qpcr"
GOOD = DATA / "good"
BAD = DATA / "bad"
SHARED = Path(__file__).parent.parent.parent / "shared" / "validation" / "qpcr"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real exports not found at {SHARED} (../shared absent)"
)

CFX = next((GOOD / "cfx").glob("*Cq Results.csv"))
CFX_EU = next((GOOD / "cfx_european").glob("*Amplification Results_FAM.csv"))
FULL = [
    ("abi7500_v2_tab.txt", "abi-text"),
    ("abi7500_v2_comma.csv", "abi-text"),
    ("abi7500_v2_bom_crlf.txt", "abi-text"),
    ("abi7500_v2_utf16.txt", "abi-text"),
    ("abi7500_v2_decimal_comma.txt", "abi-text"),
    ("abi7500_v2_repeated_header.txt", "abi-text"),
    ("abi7500_sds_v1_4.txt", "abi-sds"),
    ("abi7500_v2.xls", "abi-xls"),
    ("quantstudio_da.xlsx", "quantstudio-xlsx"),
    ("run_v1_0.rdml", "rdml"),
    ("run_v1_4.rdml", "rdml"),
    ("tidy.csv", "tidy-csv"),
    (str(CFX.relative_to(GOOD)), "cfx-csv"),
    (str(CFX_EU.relative_to(GOOD)), "cfx-csv"),
]
# The synthetic run's truth (generate.py): Ct per well, None = no amplification.
TRUTH = {"A1": 28.4, "A2": 28.6, "A3": None, "A4": None, "A5": None, "A6": 25.1,
         "B1": 24.2, "B2": 24.3, "B3": 23.9, "B4": 24.0, "B5": None, "B6": 23.5}  # fmt: skip


@pytest.fixture(scope="module")
def reference() -> Plate:
    return read_run(GOOD / "abi7500_v2_tab.txt")


@pytest.mark.parametrize(("name", "fmt"), FULL)
def test_every_format_gives_the_same_plate(name: str, fmt: str, reference: Plate) -> None:
    plate = read_run(GOOD / name)
    assert plate.info.format == fmt
    assert list(plate.wells.columns) == WELL_COLUMNS
    assert list(plate.curves.columns) == CURVE_COLUMNS
    w = plate.wells.set_index("well")
    assert sorted(w.index) == sorted(TRUTH)
    cts = w["instrument_ct"].to_dict()
    for well, ct in TRUTH.items():
        got = cts[well]
        if ct is None:
            assert math.isnan(got), (name, well)
        else:
            assert got == pytest.approx(ct, abs=0.006), (name, well)
    assert set(w["target"]) == {"IK4-7", "ALB"}
    assert w.loc["A5", "task"] == "NTC"
    assert w.loc["A1", "sample"] == "SYNTHETIC-P01"
    assert bool(w["has_curve"].all())
    assert plate.cycles == 40
    assert len(plate.curves) == 12 * 40
    cycles = plate.curves.groupby("well")["cycle"].apply(lambda c: list(c))
    assert all(c == [float(i) for i in range(1, 41)] for c in cycles)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [f for f in FULL if f[1] in ("abi-text", "abi-xls", "quantstudio-xlsx", "rdml", "tidy-csv")],
)
def test_rn_is_the_same_number_in_every_format(name: str, fmt: str, reference: Plate) -> None:
    ours = read_run(GOOD / name).curves.sort_values(["well", "cycle"])["rn"].to_numpy()
    theirs = reference.curves.sort_values(["well", "cycle"])["rn"].to_numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_abi_text_details(reference: Plate) -> None:
    info = reference.info
    assert info.instrument == "7500 Fast (SYNTHETIC fixture)"
    assert info.plate_size == 96
    assert info.passive_reference == "ROX"
    assert info.run_date == "2026-03-02 10:15:00 AM CET"
    assert len(info.sha256) == 64
    assert info.settings["Analysis Type"] == "Singleplex"  # trailing metadata block
    w = reference.wells.set_index("well")
    assert w.loc["A1", "threshold"] == pytest.approx(0.2)
    assert w.loc["A1", "auto_threshold"] is False or w.loc["A1", "auto_threshold"] == False  # noqa: E712
    assert (w.loc["A1", "baseline_start"], w.loc["A1", "baseline_end"]) == (3.0, 15.0)
    assert w.loc["B1", "reporter"] == "VIC"
    curves = reference.curves
    assert curves["delta_rn"].notna().all()
    assert curves["passive_ref"].notna().all()  # from [Multicomponent Data], ROX column
    assert any("empty well" in s.reason for s in reference.skipped)


def test_sds_v1_4_layout(reference: Plate) -> None:
    plate = read_run(GOOD / "abi7500_sds_v1_4.txt")
    assert plate.info.software == "SDS v1.4 AQ Results 1.0"
    w = plate.wells.set_index("well")
    assert w.loc["A1", "auto_threshold"] == False  # noqa: E712  Threshold Type Manual
    assert w.loc["B1", "threshold"] == pytest.approx(0.15)
    ours = plate.curves.sort_values(["well", "cycle"])["delta_rn"].to_numpy()
    theirs = reference.curves.sort_values(["well", "cycle"])["delta_rn"].to_numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-9)  # the wide Delta Rn table


def test_chinese_sample_names_from_gb18030() -> None:
    plate = read_run(GOOD / "abi7500_v2_gb18030.txt")
    assert "合成样本-甲" in set(plate.wells["sample"])


def test_sections_alone() -> None:
    results = read_run(GOOD / "abi7500_v2_results_only.txt")
    assert results.curves.empty
    assert bool(results.wells["has_result"].all())
    assert not results.wells["has_curve"].any()
    amp = read_run(GOOD / "abi7500_v2_amplification_only.txt")
    assert not amp.wells["has_result"].any()
    assert bool(amp.wells["has_curve"].all())
    assert set(amp.wells["well"]) == set(TRUTH)  # well numbers placed by the block type


def test_curves_without_results_and_the_reverse() -> None:
    plate = read_run(GOOD / "abi7500_v2_unpaired.txt")
    w = plate.wells.set_index("well")
    assert (bool(w.loc["A6", "has_curve"]), bool(w.loc["A6", "has_result"])) == (True, False)
    assert (bool(w.loc["B6", "has_curve"]), bool(w.loc["B6", "has_result"])) == (False, True)
    assert w.loc["B6", "instrument_ct"] == pytest.approx(23.5)
    summary = plate.summary()
    assert (summary["curve_without_result"], summary["result_without_curve"]) == (1, 1)


def test_repeated_header_row_is_reported() -> None:
    plate = read_run(GOOD / "abi7500_v2_repeated_header.txt")
    assert any("header row again" in s.reason for s in plate.skipped)


def test_cfx_joins_its_files_and_keeps_provenance() -> None:
    plate = read_run(CFX)
    assert plate.info.format == "cfx-csv"
    assert (
        sum(k.startswith("file ") for k in plate.info.settings) == 2
    )  # the two amplification files
    w = plate.wells.set_index("well")
    assert w.loc["B1", "reporter"] == "HEX"
    assert w.loc["A1", "task"] == "UNKNOWN"  # "Unkn-01"
    assert w.loc["A5", "task"] == "NTC"
    # read from the amplification file instead: the same plate
    amp = next((GOOD / "cfx").glob("*_FAM.csv"))
    pd.testing.assert_frame_equal(read_run(amp).wells, plate.wells)


def test_rdml_versions_place_wells_alike() -> None:
    a = read_run(GOOD / "run_v1_0.rdml").wells
    b = read_run(GOOD / "run_v1_4.rdml").wells
    assert list(a["well"]) == list(b["well"])
    assert a.set_index("well").loc["A6", "task"] == "POSITIVE_CONTROL"


@pytest.mark.parametrize(
    ("name", "message", "line"),
    [
        ("not_qpcr.txt", r"not a qPCR export this version reads; expected one of: abi-text", None),
        ("truncated.txt", r"ends in the middle of a line; it looks truncated", 998),
        (
            "duplicate_well.txt",
            r"well A1 target 'IK4-7' is listed twice with different data \(first at line 992\)",
            993,
        ),
        (
            "cycles_not_monotonic.txt",
            r"cycles of well A1 target 'IK4-7' are not increasing: cycle 4 after cycle 5",
            30,
        ),
        ("fluorescence_not_numeric.txt", r"Rn '0\.6x1' is not a number", 34),
        ("truncated.rdml", r"RDML XML is not well-formed .*is the file truncated\?", 15),
        ("truncated_zip.rdml", r"damaged or truncated zip archive", None),
    ],
)
def test_bad_exports_raise_located_errors(name: str, message: str, line: int | None) -> None:
    with pytest.raises(InputFormatError, match=message) as info:
        read_run(BAD / name)
    assert info.value.line == line
    assert str(info.value).startswith(str(BAD / name))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError, match="file not found"):
        read_run(tmp_path / "nope.txt")
    with pytest.raises(FileAccessError, match="is a directory"):
        read_run(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputFormatError, match="the file is empty"):
        read_run(empty)


def test_xlsx_cell_is_named(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(GOOD / "quantstudio_da.xlsx")
    book["Amplification Data"]["E12"] = "n/a?"
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(
        InputFormatError, match=r"sheet 'Amplification Data', cell E12: Rn 'n/a\?' is not a number"
    ):
        read_run(bad)


def test_well_and_task_normalisation() -> None:
    assert normalise_well("a01") == ("A1", 1, 1)
    assert normalise_well(" H 12 ") == ("H12", 8, 12)
    assert normalise_well(13, 96) == ("B1", 2, 1)
    assert normalise_well("384", 384) == ("P24", 16, 24)
    for bad in ("Z99", "", "well", "A0"):
        with pytest.raises(ValueError, match=r"well|plate"):
            normalise_well(bad)
    assert normalise_task("Unkn-01") == "UNKNOWN"
    assert normalise_task("Pos Ctrl") == "POSITIVE_CONTROL"
    assert normalise_task("NTC") == "NTC"
    assert normalise_task("weird") == "OTHER"


def test_number_conventions() -> None:
    point = Numbers.infer(["0.627", "100,000,000.000"])
    assert not point.decimal_comma
    assert point.parse("100,000,000.000") == 100_000_000.0
    comma = Numbers.infer(["0,627", "30,155"])
    assert comma.decimal_comma
    assert comma.parse("1.234,5") == 1234.5
    assert comma.parse("0,627") == pytest.approx(0.627)
    assert math.isnan(point.parse(""))
    with pytest.raises(ValueError, match="not a number"):
        point.parse("12abc")


# --------------------------------------------------------------------------- real exports


@needs_shared
@pytest.mark.parametrize(
    "path",
    sorted((SHARED / "quantstudio_text").glob("*.txt")) if SHARED.is_dir() else [],
    ids=lambda p: p.name,
)
def test_real_quantstudio_text_exports_read(path: Path) -> None:
    plate = read_run(path)
    assert plate.info.format == "abi-text"
    assert len(plate.wells) > 0


@needs_shared
def test_real_quantstudio_text_values() -> None:
    """Values as printed in the file: example05 [Results], well D1 (line 85), A1 Undetermined."""
    plate = read_run(SHARED / "quantstudio_text" / "appbio_quantstudio_example05.txt")
    w = plate.wells.set_index(["well", "target"])
    assert w.loc[("D1", "TGF-B"), "instrument_ct"] == pytest.approx(30.155)
    assert w.loc[("D1", "TGF-B"), "sample"] == "Lung"
    assert math.isnan(w["instrument_ct"].to_dict()[("A1", "TGF-B")])
    assert w.loc[("A1", "TGF-B"), "task"] == "NTC"
    assert w.loc[("A7", "GAPDH"), "threshold"] == pytest.approx(0.060)
    thousands = read_run(SHARED / "quantstudio_text" / "example_quantsudio_results_only.txt")
    assert thousands.wells.set_index("well").loc["A1", "quantity"] == 100_000_000.0


@needs_shared
def test_real_quantstudio_xlsx() -> None:
    plate = read_run(
        SHARED
        / "quantstudio_xlsx"
        / "appbio_quantstudio_designandanalysis_QS1_Standard_Curve_example01.xlsx"
    )
    w = plate.wells
    assert plate.info.instrument == "QuantStudio™ 1 System"
    assert len(w) == 96
    assert w["instrument_amp"].value_counts().to_dict() == {"AMP": 92, "NO_AMP": 4}
    assert int(w["instrument_ct"].notna().sum()) == 92
    assert plate.cycles == 40
    assert set(w["threshold"]) == {0.1}
    a1 = w.set_index("well").loc["A1"]
    assert a1["instrument_ct"] == pytest.approx(28.037617264150633)


@needs_shared
def test_real_rdml_files() -> None:
    stepone = read_run(SHARED / "abi_stepone" / "stepone_std.rdml")
    w = stepone.wells
    assert len(w) == 24
    assert w["task"].value_counts().to_dict() == {"STANDARD": 15, "UNKNOWN": 6, "NTC": 3}
    assert w.loc[w["task"] == "NTC", "instrument_ct"].isna().all()  # written as 40.0 = last cycle
    assert any("last cycle" in s.reason for s in stepone.skipped)
    vermeulen = read_run(SHARED / "rdml_vermeulen" / "data_vermeulen_std_150000_15.rdml")
    v = vermeulen.wells
    assert len(v) == 960
    assert v["run"].nunique() == 64
    assert vermeulen.cycles == 50
    assert sorted(v["quantity"].unique()) == [1.875, 18.75, 187.5, 1875.0, 18750.0]


# --------------------------------------------------------------------------- the CLI


def test_readers_raise_only_our_errors_on_a_directory_of_junk(tmp_path: Path) -> None:
    (tmp_path / "x.rdml").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "y.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1garbage")
    for f in tmp_path.iterdir():
        with pytest.raises(IkzfAssayError):
            read_run(f)
