"""The Roche LightCycler 480 reader: raw data (curves + melt), the Cp table, their pairing.

Fixtures in tests/data/qpcr/lightcycler480 are SYNTHETIC (written by generate.py beside them).
The real run is read from ../shared/validation/qpcr/lightcycler480/; those tests skip, saying
why, where that folder is absent.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr import Plate, read_run, readers
from ikzf1assay.qpcr.curves import analyse_curves
from ikzf1assay.qpcr.readers import detect_format, find_exports, lightcycler

DATA = Path(__file__).parent / "data" / "qpcr"
HERE = DATA / "lightcycler480"
RAW = HERE / "SYNTHETIC_lc480_run.txt"
CP = HERE / "SYNTHETIC_lc480_run_Cq.txt"
SHARED = Path(__file__).parent.parent.parent / "shared" / "validation" / "qpcr" / "lightcycler480"
REAL_RAW = SHARED / "Edward_qPCR_TxnInhibitors_HS_2018-06-15_plate1.txt"
REAL_CP = SHARED / "Edward_qPCR_TxnInhibitors_HS_2018-06-15_plate1_Cq.txt"
needs_real = pytest.mark.skipif(
    not REAL_RAW.is_file(), reason=f"real LightCycler 480 export not found at {REAL_RAW}"
)
WELLS = ["A1", "A2", "A3", "A4", "A5", "A6"]
CHANNELS = ["483-533", "523-568"]


def _read_text(text: str, name: str = "SYNTHETIC_nowhere.txt") -> Plate:
    """Read text as if from a file that is not on disk (no partner is looked for)."""
    return lightcycler.read(text, name, hashlib.sha256(text.encode()).hexdigest())


# --------------------------------------------------------------------------- detection


def test_both_exports_are_detected_by_content() -> None:
    assert detect_format(RAW.read_bytes(), "x") == lightcycler.FORMAT
    assert detect_format(CP.read_bytes(), "x") == lightcycler.FORMAT


def test_other_formats_are_not_taken_for_lightcycler() -> None:
    texts = [p for p in (DATA / "good").rglob("*") if p.suffix in (".txt", ".csv")]
    assert texts
    for path in texts:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not lightcycler.looks_like(text), path.name


# --------------------------------------------------------------------------- synthetic run


def test_raw_data_with_its_cp_table() -> None:
    plate = read_run(RAW)
    w = plate.wells
    assert plate.info.format == "lightcycler480"
    assert plate.info.instrument == "LightCycler 480"
    assert plate.info.software == "LCS480 1.5.0.39"
    assert plate.info.ct_method == "second-derivative maximum"
    assert plate.info.settings["experiment"] == "SYNTHETIC IKZF1 LC480 run 1"
    assert plate.info.settings["amplification segment"] == "Prog# 2 Seg# 2"
    assert plate.info.settings["melt segment"] == "Prog# 3 Seg# 1"
    assert plate.info.settings[f"file {CP.name}"] == hashlib.sha256(CP.read_bytes()).hexdigest()
    assert sorted(set(w["well"])) == WELLS
    assert sorted(set(w["target"])) == CHANNELS
    assert len(w) == 12
    assert w["has_curve"].all()
    assert plate.cycles == 40
    a1 = w.set_index(["well", "target"])
    assert a1.loc[("A1", "483-533"), "sample"] == "SYNTHETIC-P01"
    assert a1.loc[("A1", "483-533"), "instrument_ct"] == pytest.approx(22.02)
    assert a1.loc[("A1", "483-533"), "reporter"] == "SYBR Green I / HRM Dye"
    assert np.isnan(a1["instrument_ct"].to_dict()[("A3", "483-533")])
    assert a1.loc[("A3", "483-533"), "has_result"]  # empty Cp is a result: no crossing
    assert not a1.loc[("A1", "523-568"), "has_result"]  # the table covers one channel
    first = plate.curves[(plate.curves["well"] == "A1") & (plate.curves["target"] == "483-533")]
    assert first["rn"].iloc[0] == pytest.approx(0.387)


def test_melt_readings_rise_and_settling_readings_are_reported() -> None:
    plate = read_run(RAW)
    melt = plate.melt
    assert set(melt.groupby(["well", "target"]).size()) == {121}  # 1 + 120 ramp readings
    for _, m in melt.groupby(["well", "target"]):
        assert (np.diff(m["temperature"].to_numpy()) > 0).all()
        assert m["temperature"].iloc[0] == pytest.approx(65.02)
    reasons = " | ".join(f"{s.where}: {s.reason}" for s in plate.skipped)
    assert "18 readings not read (melt temperatures must rise" in reasons
    assert "line 44" in reasons
    assert "a hold" in reasons
    assert "cooling" in reasons
    assert "each channel (483-533, 523-568) stands for its target" in reasons
    assert "Color, Concentration not read" in reasons


def test_our_ct_follows_the_cp() -> None:
    plate = read_run(RAW)
    table = analyse_curves(plate).table
    with_cp = table[table["instrument_ct"].notna()]
    assert len(with_cp) == 4
    assert (with_cp["amplification"] == "yes").all()
    r = np.corrcoef(with_cp["ct"], with_cp["instrument_ct"])[0, 1]
    assert r > 0.999
    no_cp = table[(table["target"] == "483-533") & table["instrument_ct"].isna()]
    assert (no_cp["amplification"] == "no").all()


def test_cp_table_alone_is_results_only(tmp_path: Path) -> None:
    alone = tmp_path / CP.name
    shutil.copy(CP, alone)
    plate = read_run(alone)
    w = plate.wells
    assert len(w) == 6
    assert not w["has_curve"].any()
    assert w["has_result"].all()
    assert set(w["target"]) == {"483-533"}
    assert int(w["instrument_ct"].notna().sum()) == 4
    assert plate.info.ct_method == "second-derivative maximum"
    assert plate.info.software is None
    assert any("no raw-data file beside it" in s.reason for s in plate.skipped)


def test_cp_table_given_reads_its_raw_data_too() -> None:
    plate = read_run(CP)
    assert plate.cycles == 40
    assert len(plate.wells) == 12
    assert f"file {RAW.name}" in plate.info.settings


def test_raw_data_alone_has_no_cp(tmp_path: Path) -> None:
    alone = tmp_path / RAW.name
    shutil.copy(RAW, alone)
    plate = read_run(alone)
    assert not plate.wells["has_result"].any()
    assert plate.info.ct_method is None
    assert any("no Cp table" in s.reason for s in plate.skipped)


# --------------------------------------------------------------------------- pairing


@pytest.mark.parametrize(
    ("raw_name", "cp_name"),
    [
        ("run 1.txt", "run 1_Cq.txt"),
        ("run 1.txt", "run 1 Cq.txt"),
        ("run 1.txt", "run 1-Cq.txt"),
        ("run_1.txt", "run-1 cp.txt"),
        ("Run 1.TXT", "run_1_Cq.txt"),
    ],
)
def test_pairing_by_name(tmp_path: Path, raw_name: str, cp_name: str) -> None:
    raw, cp = tmp_path / raw_name, tmp_path / cp_name
    shutil.copy(RAW, raw)
    shutil.copy(CP, cp)
    assert lightcycler.cp_partner(raw) == cp
    assert lightcycler.raw_partner(cp) == raw
    assert (
        lightcycler.read_through(cp)
        == f"LightCycler 480 Cp table: read with its raw-data file {raw.name}"
    )
    assert lightcycler.read_through(raw) is None


def test_cp_table_without_raw_data_is_an_export(tmp_path: Path) -> None:
    cp = tmp_path / "run_Cq.txt"
    shutil.copy(CP, cp)
    (tmp_path / "run.txt").write_text("notes, not a raw-data export\n")
    assert lightcycler.raw_partner(cp) is None
    assert lightcycler.read_through(cp) is None
    assert lightcycler.read_through(tmp_path / "other.txt") is None


def test_two_cp_tables_are_ambiguous(tmp_path: Path) -> None:
    raw = tmp_path / "run.txt"
    shutil.copy(RAW, raw)
    shutil.copy(CP, tmp_path / "run_Cq.txt")
    shutil.copy(CP, tmp_path / "run-Cq.txt")
    with pytest.raises(InputFormatError, match=r"more than one Cp table.*run-Cq.txt, run_Cq.txt"):
        read_run(raw)


def test_cp_table_of_another_run_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "run.txt"
    shutil.copy(RAW, raw)
    text = CP.read_text()
    (tmp_path / "run_Cq.txt").write_text(text.replace("LC480 run 1", "LC480 run 2"))
    with pytest.raises(InputFormatError, match="experiment 'SYNTHETIC IKZF1 LC480 run 2'"):
        read_run(raw)
    (tmp_path / "run_Cq.txt").write_text(text.replace("A2\tSYNTHETIC-P01", "A2\tSomeone"))
    with pytest.raises(InputFormatError, match=r"run_Cq.txt:4: well A2 is 'Someone'"):
        read_run(raw)
    (tmp_path / "run_Cq.txt").write_text(text.replace("(483-533)", "(465-510)"))
    with pytest.raises(InputFormatError, match="channel '465-510' is not among"):
        read_run(raw)
    (tmp_path / "run_Cq.txt").write_text(text.split("\n", 1)[1])  # no title line
    with pytest.raises(InputFormatError, match="names no filter channel"):
        read_run(raw)


def test_a_folder_takes_the_run_once_when_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``lightcycler.read_through`` in ``readers._READ_THROUGH`` (the one-line
    registration), a folder's run is taken through its raw-data file."""
    if lightcycler.read_through not in readers._READ_THROUGH:
        monkeypatch.setattr(
            readers, "_READ_THROUGH", (*readers._READ_THROUGH, lightcycler.read_through)
        )
    shutil.copy(RAW, tmp_path / RAW.name)
    shutil.copy(CP, tmp_path / CP.name)
    exports, skipped = find_exports(tmp_path)
    assert exports == [tmp_path / RAW.name]
    assert skipped == [
        (tmp_path / CP.name, f"LightCycler 480 Cp table: read with its raw-data file {RAW.name}")
    ]


def test_decimal_commas() -> None:
    lines = RAW.read_text().split("\n")
    european = "\n".join(lines[:2] + [ln.replace(".", ",") for ln in lines[2:]])
    plate = _read_text(european)
    assert plate.melt["temperature"].iloc[0] == pytest.approx(65.02)
    assert plate.curves["rn"].iloc[0] == pytest.approx(0.387)


# --------------------------------------------------------------------------- malformed input


def _raw_with(line_no: int, old: str, new: str) -> str:
    lines = RAW.read_text().split("\n")
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("line", "old", "new", "message"),
    [
        (5, "\t60\t", "\tsixty\t", "Temp: 'sixty' is not a number"),
        (5, "A1", "Z99", "SamplePos: 'Z99'"),
        (5, "\t2\t2\t2\t", "\t2\t2\t2.5\t", "Cycle# '2.5' is not a whole number"),
        (6, "A1\tSYNTHETIC-P01", "A1\tSYNTHETIC-P09", "well A1 is named 'SYNTHETIC-P09'"),
        (6, "\t2\t2\t3\t", "\t2\t2\t2\t", "well A1 is read again in cycle 2"),
    ],
)
def test_malformed_raw_lines_name_the_line(line: int, old: str, new: str, message: str) -> None:
    with pytest.raises(InputFormatError, match=message) as err:
        _read_text(_raw_with(line, old, new))
    assert err.value.line == line


def test_truncated_raw_row_and_missing_column() -> None:
    text = RAW.read_text().rstrip("\r\n") + "\nA6\tSYNTHETIC-PC\t4\n"
    with pytest.raises(InputFormatError, match="truncated") as err:
        _read_text(text)
    assert err.value.line == len(text.rstrip("\n").split("\n"))
    with pytest.raises(InputFormatError, match="no 'temp' column") as err:
        _read_text(RAW.read_text().replace("\tTemp\t", "\tTemperature\t"))
    assert err.value.line == 2


def test_empty_reading_is_reported_not_dropped_silently() -> None:
    plate = _read_text(_raw_with(4, "\t0.387\t", "\t\t"))
    assert any("1 empty reading(s)" in s.reason and "line 4" in s.where for s in plate.skipped)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("True\t255\tA2", "Yes\t255\tA2", "Include 'Yes'; expected True or False"),
        ("\t22.32\t", "\tlate\t", "'late' is not a number"),
        ("\tA2\t", "\tA1\t", "well A1 is listed twice"),
        ("\tA2\t", "\tQ77\t", "Pos: 'Q77'"),
    ],
)
def test_malformed_cp_lines_name_the_line(old: str, new: str, message: str) -> None:
    with pytest.raises(InputFormatError, match=message) as err:
        _read_text(CP.read_text().replace(old, new, 1), "SYNTHETIC_nowhere_Cq.txt")
    assert err.value.line == 4


def test_not_lightcycler_text_is_refused() -> None:
    with pytest.raises(InputFormatError, match="not a LightCycler 480 export"):
        _read_text("Well,Cycle,Fluorescence\nA1,1,0.5\n")


# --------------------------------------------------------------------------- the real run


@pytest.fixture(scope="module")
def real() -> Plate:
    if not REAL_RAW.is_file():
        pytest.skip(f"real LightCycler 480 export not found at {REAL_RAW}")
    return read_run(REAL_RAW)


@needs_real
def test_real_raw_data_and_cp(real: Plate) -> None:
    plate = real
    w = plate.wells
    assert plate.info.software == "LCS480 1.5.0.39"
    assert plate.info.settings["experiment"] == "Edward qPCR Txn Inhibitors HS 2018-06-15 plate 1"
    assert len(w) == 384
    assert set(w["target"]) == {"483-533"}
    assert plate.cycles == 40
    assert int(w["instrument_ct"].notna().sum()) == 323
    assert w.set_index("well").loc["A1", "instrument_ct"] == pytest.approx(14.98)
    assert w.set_index("well").loc["A1", "sample"] == "Sample 1"
    melt = plate.melt
    assert set(melt.groupby("well").size()) == {177}  # 181 read, 4 while settling
    assert any("1536 readings not read" in s.reason for s in plate.skipped)


@needs_real
def test_real_ct_against_cp(real: Plate) -> None:
    """A threshold Ct against the second-derivative maximum: measured r 0.9851, median
    offset +0.99 cycles over the 147 wells we call yes (all have a Cp). A Cp is no threshold
    crossing, so its value is not compared well by well (RunInfo.ct_method; only its yes/no
    is): the 22 wells whose offset departs more than a cycle from the median are yes, not
    review, and widen the scatter (r was 0.9978 over the 125 others)."""
    table = analyse_curves(real).table
    cp = table["instrument_ct"]
    yes = table["amplification"] == "yes"
    assert yes.sum() >= 140
    assert cp[yes].notna().all()  # every yes has a Cp
    assert cp[table["amplification"] == "no"].isna().all()  # every no has none
    r = np.corrcoef(table.loc[yes, "ct"], cp[yes])[0, 1]
    offset = float(np.median(table.loc[yes, "ct"] - cp[yes]))
    assert r > 0.98
    assert 0.5 < offset < 1.5


@needs_real
def test_real_cp_alone_and_read_through(tmp_path: Path) -> None:
    alone = tmp_path / REAL_CP.name
    shutil.copy(REAL_CP, alone)
    plate = read_run(alone)
    assert len(plate.wells) == 384
    assert not plate.wells["has_curve"].any()
    assert int(plate.wells["instrument_ct"].notna().sum()) == 323
    assert lightcycler.read_through(REAL_CP) is not None
    assert lightcycler.read_through(REAL_RAW) is None
