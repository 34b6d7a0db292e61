"""Bio-Rad CFX exports as labs keep them: renamed files, melt files, xlsx workbooks.

The fixtures in ``data/qpcr/cfx_variants`` are SYNTHETIC, written by the ``generate.py``
beside them from the run of ``data/qpcr/good/cfx``: every variant must read as that run.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ikzf1assay.cli import main
from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.readers import detect_format, find_exports, read_run
from ikzf1assay.qpcr.readers._cfx_names import name_of, run_key

DATA = Path(__file__).parent / "data" / "qpcr"
VARIANTS = DATA / "cfx_variants"
ORIGINAL = next((DATA / "good" / "cfx").glob("*Cq Results.csv"))
AMP = "Quantification Amplification Results"


def _copy(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(VARIANTS / n, folder / n)) for n in names]


@pytest.fixture(scope="module")
def original() -> pd.DataFrame:
    return read_run(ORIGINAL).wells


@pytest.mark.parametrize(
    ("name", "kind", "key", "fluor"),
    [
        (f"run 1 -  {AMP}_SYBR.csv", "amplification", "run 1", "SYBR"),
        ("Run_1_Quantification_Amplification_Results_FAM.csv", "amplification", "run 1", "FAM"),
        ("run-1-Quantification-Cq-Results.csv", "cq", "run 1", ""),
        ("RUN 1 - QUANTIFICATION CQ RESULTS_0.CSV", "cq", "run 1", ""),
        ("run 1 -  Melt Curve RFU Results_HEX.csv", "melt", "run 1", "HEX"),
        ("run 1 -  Quantification Amplification Results.xlsx", "amplification", "run 1", ""),
        ("run 1 -  Melt Curve Derivative Results_SYBR.csv", "other", "run 1", "SYBR"),
        # real names (CFX Connect runs shared by RobertsLab/project-gigas-carryover)
        (
            "sam_2024-12-10-11-46-04_Connect-GAPDH-01-Quantification-Amplification-Results_SYBR.csv",
            "amplification",
            "sam 2024 12 10 11 46 04 connect gapdh 01",
            "SYBR",
        ),
        (
            "sam_2024-12-10-11-46-04_Connect-GAPDH-01-Quantification-Cq-Results.csv",
            "cq",
            "sam 2024 12 10 11 46 04 connect gapdh 01",
            "",
        ),
    ],
)
def test_the_run_name_is_what_is_left_without_the_table(
    name: str, kind: str, key: str, fluor: str
) -> None:
    found = name_of(Path(name))
    assert found is not None
    assert (found.kind, found.key, found.fluor) == (kind, key, fluor)


def test_names_that_are_no_cfx_table() -> None:
    assert name_of(Path("run.txt")) is None
    assert name_of(Path("Quantification Amplification Results_FAM.pdf")) is None
    assert run_key(" A_b--c  D ") == "a b c d"


@pytest.mark.parametrize(
    "name",
    [
        "SYNTHETIC_hyphens-Quantification-Cq-Results.csv",
        "SYNTHETIC_hyphens-Quantification-Amplification-Results_HEX.csv",
        "synthetic_UNDERSCORES_quantification_cq_results.csv",
        "SYNTHETIC_underscores_Quantification_Amplification_Results_FAM.csv",
        "SYNTHETIC_xlsx -  Quantification Cq Results.xlsx",
        "SYNTHETIC_xlsx -  Quantification Amplification Results.xlsx",
        "SYNTHETIC_cfx_tables_in_one_workbook.xlsx",
    ],
)
def test_every_variant_reads_as_the_original_run(name: str, original: pd.DataFrame) -> None:
    plate = read_run(VARIANTS / name)
    pd.testing.assert_frame_equal(plate.wells, original)
    assert plate.info.instrument == "Bio-Rad CFX"
    assert not [s for s in plate.skipped if "Quantification" in s.reason]  # partners found


def test_a_renamed_pair_keeps_the_instruments_cq(original: pd.DataFrame) -> None:
    plate = read_run(VARIANTS / "SYNTHETIC_hyphens-Quantification-Amplification-Results_FAM.csv")
    assert plate.wells["instrument_ct"].notna().sum() == original["instrument_ct"].notna().sum()
    assert set(plate.wells["target"]) == {"IK4-7", "ALB"}  # targets, not dyes
    assert sum(k.startswith("file ") for k in plate.info.settings) == 2


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("synthetic_UNDERSCORES_quantification_cq_results.csv", "cfx-csv"),
        ("SYNTHETIC_xlsx -  Quantification Cq Results.xlsx", "cfx-xlsx"),
        ("SYNTHETIC_cfx_tables_in_one_workbook.xlsx", "cfx-xlsx"),
    ],
)
def test_melt_files_beside_the_run_fill_the_melt_table(name: str, form: str) -> None:
    plate = read_run(VARIANTS / name)
    assert plate.info.format == form
    melt = plate.melt
    assert melt[["well", "target"]].drop_duplicates().shape[0] == 12
    # targets come from the Cq table through well and dye, as for the curves
    assert set(melt["target"]) == {"IK4-7", "ALB"}
    a1 = melt[melt["well"] == "A1"].sort_values("temperature")
    assert a1["temperature"].iloc[0] == pytest.approx(65.0)
    assert len(a1) == 61
    # the synthetic product melts at 81.5 °C: the steepest fall of RFU is there
    fall = -a1["fluorescence"].diff() / a1["temperature"].diff()
    assert a1["temperature"].iloc[int(fall.to_numpy()[1:].argmax()) + 1] == pytest.approx(
        81.5, abs=0.5
    )


def test_a_run_without_cq_file_reads_its_curves_and_says_so() -> None:
    plate = read_run(VARIANTS / "SYNTHETIC_no_cq_Quantification_Amplification_Results_FAM.csv")
    assert set(plate.wells["target"]) == {"FAM", "HEX"}  # the dyes stand in for targets
    assert plate.wells["instrument_ct"].isna().all()
    assert any("no 'Quantification Cq Results'" in s.reason for s in plate.skipped)


def test_workbooks_are_told_apart_by_their_sheets() -> None:
    for name in (
        "SYNTHETIC_xlsx -  Quantification Cq Results.xlsx",
        "SYNTHETIC_xlsx -  Melt Curve RFU Results.xlsx",
        "SYNTHETIC_cfx_tables_in_one_workbook.xlsx",
    ):
        assert detect_format((VARIANTS / name).read_bytes(), name) == "cfx-xlsx"
    qs = DATA / "good" / "quantstudio_da.xlsx"
    assert detect_format(qs.read_bytes(), qs.name) == "quantstudio-xlsx"


def test_a_workbooks_other_sheets_are_listed_as_skipped() -> None:
    plate = read_run(VARIANTS / "SYNTHETIC_cfx_tables_in_one_workbook.xlsx")
    assert [s.reason for s in plate.skipped] == ["not a CFX table"]
    assert "sheet 'Run Information'" in plate.skipped[0].where


def test_a_bad_cell_in_a_workbook_is_located(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(VARIANTS / "SYNTHETIC_xlsx -  Quantification Cq Results.xlsx")
    book["0"]["H3"] = "twenty"  # the Cq column of the second well
    bad = tmp_path / "SYNTHETIC_bad -  Quantification Cq Results.xlsx"
    book.save(str(bad))
    with pytest.raises(InputFormatError, match=r"'twenty' is not a number") as info:
        read_run(bad)
    assert info.value.where == "sheet '0', row 3"
    assert str(info.value).startswith(str(bad))


def test_two_cq_files_for_one_run_are_an_error_naming_both(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (amp,) = _copy(runs, "SYNTHETIC_hyphens-Quantification-Amplification-Results_FAM.csv")
    shutil.copyfile(ORIGINAL, runs / "SYNTHETIC_hyphens-Quantification-Cq-Results.csv")
    shutil.copyfile(ORIGINAL, runs / "synthetic hyphens - Quantification Cq Results.csv")
    with pytest.raises(InputFormatError, match="ambiguous CFX run: 2 files fit") as info:
        read_run(amp)
    assert "'SYNTHETIC_hyphens-Quantification-Cq-Results.csv'" in info.value.message
    assert "'synthetic hyphens - Quantification Cq Results.csv'" in info.value.message
    exports, _ = find_exports(runs)  # both Cq files are taken: reading each says why
    assert len(exports) == 2


def test_csv_and_xlsx_forms_of_one_run_do_not_pair(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _copy(runs, "SYNTHETIC_xlsx -  Quantification Amplification Results.xlsx")
    shutil.copyfile(ORIGINAL, runs / "SYNTHETIC_xlsx -  Quantification Cq Results.csv")
    exports, skipped = find_exports(runs)
    assert sorted(p.suffix for p in exports) == [".csv", ".xlsx"]  # two runs, one form each
    assert skipped == []


def test_a_truncated_workbook_is_refused(tmp_path: Path) -> None:
    raw = (VARIANTS / "SYNTHETIC_cfx_tables_in_one_workbook.xlsx").read_bytes()
    bad = tmp_path / "SYNTHETIC_cut.xlsx"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputFormatError, match="damaged or truncated"):
        read_run(bad)
    assert openpyxl.load_workbook(io.BytesIO(raw)).sheetnames[0] == "Run Information"


def test_call_on_a_folder_of_mixed_files_finds_every_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for run in ("synthetic_hyphens", "synthetic_underscores", "synthetic_xlsx"):
        _copy(runs, *(p.name for p in VARIANTS.iterdir() if p.name.lower().startswith(run)))
    (runs / "notes.txt").write_text("not an export\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["call", str(runs), "-o", str(out)], out=io.StringIO())
    assert code == 0
    calls = pd.read_csv(out / "calls_combined.tsv", sep="\t", dtype=str)
    assert set(calls["export"]) == {
        "SYNTHETIC_hyphens-Quantification-Cq-Results.csv",
        "synthetic_UNDERSCORES_quantification_cq_results.csv",
        "SYNTHETIC_xlsx -  Quantification Cq Results.xlsx",
    }
    skipped = pd.read_csv(out / "skipped.tsv", sep="\t", dtype=str)
    reasons = dict(zip(skipped["path"].map(lambda p: Path(p).name), skipped["reason"], strict=True))
    assert len(reasons) == 10
    assert "not a qPCR export" in reasons["notes.txt"]
    assert (
        "a table not read" in reasons["SYNTHETIC_underscores_Melt_Curve_Derivative_Results_FAM.csv"]
    )


def test_a_partner_file_given_alone_is_called_not_dropped(tmp_path: Path) -> None:
    """Batch: an amplification file named alone (its Cq file beside it) is one run, called
    once; naming both files of the run also calls it once."""
    run = tmp_path / "run"
    run.mkdir()
    files = [run / p.name for p in (DATA / "good" / "cfx").iterdir()]
    for p in (DATA / "good" / "cfx").iterdir():
        shutil.copy(p, run / p.name)
    amp = next(p for p in files if "Amplification Results_FAM" in p.name)
    cq = next(p for p in files if "Cq Results" in p.name)
    other = next(p for p in files if "Amplification Results_HEX" in p.name)
    out = tmp_path / "out"
    assert main(["call", str(amp), str(other), "-o", str(out)], out=io.StringIO()) == 0
    called = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(called) == 1  # both name the same run: called once, not dropped
    out2 = tmp_path / "out2"
    assert main(["call", str(amp), str(cq), "-o", str(out2)], out=io.StringIO()) == 0
    called = [p for p in out2.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(called) == 1
    out3 = tmp_path / "out3"
    assert main(["call", str(amp), str(tmp_path / "nothing.csv"), "-o", str(out3)]) == 2
    called = [p for p in out3.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(called) == 1  # the amplification file alone: its run is called
