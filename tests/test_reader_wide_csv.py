"""The wide curve table reader (cycles in the first column, one column per curve).

SYNTHETIC fixtures in tests/data/qpcr/wide_csv (written by generate.py there); the qpcR data
sets in ../shared/validation/qpcr/qpcR_curves when that folder is present (skipped otherwise).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ikzf1assay.errors import InputFormatError
from ikzf1assay.qpcr.plate import Plate
from ikzf1assay.qpcr.readers import detect_format, read_run, wide_csv

DATA = Path(__file__).parent / "data" / "qpcr" / "wide_csv"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "validation" / "qpcr"
QPCR = SHARED / "qpcR_curves"

# Curves per data set, from qpcR_datasets.rd beside the files.
QPCR_CURVES = {
    "competimer.csv": 7 * 7 * 3,  # 7 inhibitor concentrations x 7 dilutions (incl. NTC) x 3
    "dil4reps94.csv": 4 * 94 - 1,  # 4 dilutions x 94 replicates; the data set lacks one F150
    "guescini1.csv": 7 * 12,
    "karlen1.csv": 4 * 4 * 5,  # 4 samples x 4 dilutions x 5 replicates
    "karlen2.csv": 4 * (4 * 5 + 4),  # ... plus a 1000-fold dilution in 4 replicates
    "karlen3.csv": 4 * (4 * 5 + 4),
    "lievens1.csv": 5 * 18,
    "reps.csv": 7 * 4,
    "reps384.csv": 379,
    "rutledge.csv": 6 * 5 * 4,  # 6 dilutions x 5 batches x 4 replicates
}


def _read_text(text: str, name: str = "SYNTHETIC_inline.csv") -> Plate:
    return wide_csv.read(text, name, "0" * 64)


def _table(curves: int, cycles: int = 5, first: str = "Cycles") -> str:
    names = [f"SYNTHETIC.{i}" for i in range(1, curves + 1)]
    rows = [",".join([first, *names])]
    rows += [",".join([str(c)] + [f"{0.1 * c:.2f}"] * curves) for c in range(1, cycles + 1)]
    return "\n".join(rows) + "\n"


def test_reads_the_comma_fixture() -> None:
    plate = read_run(DATA / "SYNTHETIC_wide_curves.csv")
    assert plate.info.format == "wide-csv"
    assert plate.info.plate_size == 96
    assert plate.info.ct_method is None
    w = plate.wells
    assert list(w["well"]) == [f"A{i}" for i in range(1, 13)] + ["B1", "B2"]
    assert list(w["sample"]) == [f"SYNTHETIC.{i}" for i in range(1, 15)]
    assert set(w["target"]) == {""}
    assert not w["has_result"].any()
    assert w["instrument_ct"].isna().all()
    lengths = plate.curves.groupby("well").size()
    assert lengths["A1"] == 40
    assert lengths["B1"] == 35
    assert lengths["B2"] == 30
    first = plate.curves.iloc[0]
    assert (first["well"], first["cycle"], first["rn"]) == ("A1", 1.0, 0.012226)
    # the two shorter curves are noted where they end, not dropped and not an error
    assert [s.where for s in plate.skipped] == ["line 37, column N", "line 32, column O"]
    assert "ends after cycle 35" in plate.skipped[0].reason


def test_reads_semicolons_and_decimal_commas() -> None:
    plate = read_run(DATA / "SYNTHETIC_wide_semicolon_decimal_comma.csv")
    assert plate.info.format == "wide-csv"
    assert list(plate.wells["sample"]) == ["SYNTHETIC A", "SYNTHETIC B", "SYNTHETIC NTC"]
    assert plate.cycles == 30
    assert plate.curves["rn"].iloc[0] == pytest.approx(0.9813)
    assert plate.skipped == ()


def test_detection_by_content() -> None:
    raw = (DATA / "SYNTHETIC_wide_curves.csv").read_bytes()
    assert detect_format(raw, "any.name") == "wide-csv"
    for first in ("cycle", "CYCLES", "Cycle#", "Cycle No.", "cycle number"):
        assert wide_csv.looks_like(_table(2, first=first)), first
    assert not wide_csv.looks_like("Cycles,A\n")  # no data row
    assert not wide_csv.looks_like("Cycles\n1\n")  # no curve column
    assert not wide_csv.looks_like("Cycles,A\nfoo,1\n")  # the row is not numeric
    assert not wide_csv.looks_like("Time,A\n1,2\n")
    assert not wide_csv.looks_like("cycle,well,fluorescence\n1,A1,0.5\n")  # tidy CSV


def test_tidy_csv_is_not_taken() -> None:
    tidy = Path(__file__).parent / "data" / "qpcr" / "good" / "tidy.csv"
    assert not wide_csv.looks_like(tidy.read_text(encoding="utf-8"))


def test_well_position_headers_place_the_curves() -> None:
    plate = _read_text("cycle,A1,B3,H12\n1,0.1,0.2,0.3\n2,0.2,0.3,0.4\n")
    assert list(plate.wells["well"]) == ["A1", "B3", "H12"]
    assert list(plate.wells["sample"]) == ["A1", "B3", "H12"]


def test_more_than_96_curves_go_on_a_384_well_plate() -> None:
    plate = _read_text(_table(100))
    wells = list(plate.wells["well"])
    assert plate.info.plate_size == 384
    assert wells[:2] == ["A1", "A2"]
    assert wells[24] == "B1"
    assert wells[99] == "E4"


def test_more_than_384_curves_are_refused() -> None:
    with pytest.raises(InputFormatError, match=r"385 curve columns.*at most 384") as exc:
        _read_text(_table(385))
    assert exc.value.line == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Cycles,A,B\n1,0.1,0.2\n2,0.2,x\n", 3, r"curve 'B' \(column C\): 'x' is not a number"),
        ("Cycles,A,B\n1,0.1,0.2\nfoo,0.2,0.3\n", 3, r"cycle 'foo' \(column A\) is not a number"),
        ("Cycles,A,B\n1,0.1,\n2,0.2,0.3\n", 3, r"curve 'B' \(column C\) has a value after"),
        ("Cycles,A,,C\n1,0.1,0.2,0.3\n", 1, "column C has no name"),
        ("Cycles,A\n1,0.1,0.5\n", 2, "row has 3 fields, the header 2"),
        ("Cycles,A\n2,0.1\n1,0.2\n", 3, "not increasing"),
        ("Cycles,A\n", 1, "no rows"),
        ("Time,A\n1,2\n", 1, "first cell is Cycle"),
    ],
)
def test_malformed_input_names_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(InputFormatError, match=message) as exc:
        _read_text(text)
    assert exc.value.line == line
    assert exc.value.source == "SYNTHETIC_inline.csv"


def test_a_column_without_readings_is_noted() -> None:
    plate = _read_text("Cycles,A,B\n1,0.1,\n2,0.2,\n")
    assert list(plate.wells["sample"]) == ["A"]
    assert [s.reason for s in plate.skipped] == [
        "curve 'B' (well A2) has no readings: its cells from here on are empty"
    ]


def test_trailing_delimiters_are_ignored() -> None:
    plate = _read_text("Cycles;A;B;\n1;0,1;0,2;\n2;0,2;0,3;\n")
    assert plate.cycles == 2
    assert plate.curves["rn"].tolist() == [0.1, 0.2, 0.2, 0.3]


@pytest.mark.skipif(not QPCR.is_dir(), reason=f"real qpcR data sets not found at {QPCR}")
@pytest.mark.parametrize("name", sorted(QPCR_CURVES))
def test_every_qpcr_data_set(name: str) -> None:
    path = QPCR / name
    plate = read_run(path)
    assert plate.info.format == "wide-csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    assert len(plate.wells) == QPCR_CURVES[name] == len(header) - 1
    assert list(plate.wells["sample"]) == header[1:]  # wells in column order
    assert plate.info.plate_size == (96 if QPCR_CURVES[name] <= 96 else 384)
    assert plate.wells["has_curve"].all()
    assert plate.skipped == ()
    assert not math.isnan(plate.curves["rn"].sum())


def test_every_real_wide_file_is_listed() -> None:
    if not QPCR.is_dir():
        pytest.skip(f"real qpcR data sets not found at {QPCR}")
    assert {p.name for p in QPCR.glob("*.csv")} == set(QPCR_CURVES)
