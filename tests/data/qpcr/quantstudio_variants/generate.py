"""Write the SYNTHETIC QuantStudio Design & Analysis workbook variants of this folder.

Run from the repository root: ``.venv/bin/python tests/data/qpcr/quantstudio_variants/generate.py``.
Every file is SYNTHETIC (its name and its first rows say so); the layouts follow real D&A
exports (v1.5.2 key/value rows after the Results table, a QuantStudio 7 Flex relative-threshold
(Crt) export, a Diomni v4.3 export with sheet ``Primary_result``), the numbers are made up:
logistic curves whose instrument Ct is where dRn crosses the threshold (linear interpolation),
so a reader that misplaces a column is caught by the Ct check.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl

HERE = Path(__file__).parent
CYCLES = 40
THRESHOLD = 0.2
# well number, position, sample, target, task, reporter, curve midpoint (None: no amplification)
WELLS = [
    (1, "A1", "SYNTHETIC patient 1", "IKZF1 del4-7", "UNKNOWN", "FAM", 24.0),
    (2, "A2", "SYNTHETIC patient 1", "IKZF1 del4-7", "UNKNOWN", "FAM", 24.2),
    (13, "B1", "SYNTHETIC NTC", "IKZF1 del4-7", "NTC", "FAM", None),
    (14, "B2", "SYNTHETIC positive", "IKZF1 del4-7", "POSITIVE_CONTROL", "FAM", 27.5),
]
META = [
    ("Block Type", "96-Well Block (SYNTHETIC fixture)"),
    ("Instrument Type", "QuantStudio 5 System (SYNTHETIC fixture)"),
    ("Passive Reference", "ROX"),
    ("Quantification Cycle Method", "Ct"),
]


def curve(mid: float | None) -> tuple[list[float], list[float]]:
    """Rn and dRn per cycle: a flat 1.0 baseline plus a logistic rise of 2.0."""
    drn = [0.0 if mid is None else 2.0 / (1.0 + math.exp(-(c - mid) / 1.6)) for c in range(1, 41)]
    return [1.0 + d for d in drn], drn


def crossing(drn: list[float], threshold: float) -> float | None:
    """The first upward crossing of the threshold, interpolated linearly (cycle numbers)."""
    for i in range(1, len(drn)):
        if drn[i - 1] < threshold <= drn[i]:
            return i + (threshold - drn[i - 1]) / (drn[i] - drn[i - 1])
    return None


class Book:
    """A workbook whose sheets all start with the SYNTHETIC label and the same run settings."""

    def __init__(self, meta: Iterable[tuple[str, str]]) -> None:
        self.wb = openpyxl.Workbook()
        stamp = datetime.datetime(2026, 3, 2, 10, 15)
        self.wb.properties.created = self.wb.properties.modified = stamp
        self.wb.remove(self.wb.active)
        self.meta = list(meta)

    def save(self, path: Path) -> None:
        self.wb.save(path)


def sheet(wb: Book, title: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    ws = wb.wb.create_sheet(title)
    ws.append(["SYNTHETIC", "made-up data for the ikzf1assay tests, not a real run"])
    for key, value in wb.meta:
        ws.append([key, value])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)


def amplification(wb: Book, drn_name: str = "Delta Rn") -> None:
    rows = []
    for number, pos, _, target, _, _, mid in WELLS:
        rn, drn = curve(mid)
        rows += [[number, pos, c + 1, target, rn[c], drn[c]] for c in range(CYCLES)]
    sheet(wb, "Amplification Data", ["Well", "Well Position", "Cycle", "Target Name", "Rn",
                                     drn_name], rows)  # fmt: skip


def ct_of(mid: float | None) -> float | None:
    return crossing(curve(mid)[1], THRESHOLD)


def key_value_after_results(path: Path) -> None:
    """D&A v1.5.2: Analysis Type, Endogenous Control ... below the Results table; a melt sheet."""
    wb = Book(META)
    header = ["Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter",
              "Quencher", "CT", "Automatic Ct Threshold", "Ct Threshold", "Automatic Baseline",
              "Baseline Start", "Baseline End", "Amp Status"]  # fmt: skip
    rows: list[list[Any]] = []
    for number, pos, sample, target, task, dye, mid in WELLS:
        ct = ct_of(mid)
        rows.append([number, pos, "false", sample, target, task, dye, "NFQ-MGB",
                     "Undetermined" if ct is None else ct, "false", THRESHOLD, "true", 3, 15,
                     "No Amp" if ct is None else "Amp"])  # fmt: skip
    rows += [
        [],
        ["Analysis Type", "Singleplex"],
        ["Endogenous Control", "IKZF1 del4-7"],
        ["RQ Min/Max Confidence Level", "95.0"],
        ["Reference Sample", "SYNTHETIC patient 1"],
    ]
    sheet(wb, "Results", header, rows)
    amplification(wb)
    melt: list[list[Any]] = []
    for number, pos, _, target, _, _, mid in WELLS:
        # two readings while the block settles (falling), then a steady rise of 0.3 °C
        temps = [60.2, 60.1] + [60.0 + 0.3 * i for i in range(1, 101)]
        tm = 84.0 if mid is not None else 76.0
        for i, temp in enumerate(temps):
            fluor = 1.0 + 3.0 / (1.0 + math.exp((temp - tm) / 0.8))
            melt.append([number, pos, i + 1, target, temp, fluor, 0.0])
    sheet(wb, "Melt Curve Raw", ["Well", "Well Position", "Reading", "Target", "Temperature",
                                 "Fluorescence", "Derivative"], melt)  # fmt: skip
    wb.save(path)


def relative_threshold(path: Path) -> None:
    """QuantStudio 7 Flex, relative-threshold method: CRT and Crt Threshold, no CT column."""
    meta = [(k, "Crt" if k == "Quantification Cycle Method" else v) for k, v in META]
    wb = Book(meta)
    header = ["Well", "Well Position", "Omit", "Sample Name", "Target Name", "Task", "Reporter",
              "Quencher", "CRT", "Crt Mean", "Automatic Crt Threshold", "Crt Threshold",
              "Automatic Baseline", "Baseline Start", "Baseline End", "Amp Score"]  # fmt: skip
    rows: list[list[Any]] = []
    for number, pos, sample, target, task, dye, mid in WELLS:
        # a relative threshold: a point on the curve's own rise (here its 15 % point)
        crt = None if mid is None else mid - 1.6 * math.log(1 / 0.15 - 1)
        rows.append([number, pos, False, sample, target, task, dye, "NFQ-MGB",
                     "Undetermined" if crt is None else crt, crt, True, 0.2, True, 1, 40, 1.2])  # fmt: skip
    rows += [["Analysis Type", "Multiplex"], ["Reference Sample", "SYNTHETIC patient 1"]]
    sheet(wb, "Results", header, rows)
    amplification(wb)
    wb.save(path)


def diomni(path: Path) -> None:
    """Diomni (D&A v4.3): Cq and threshold in sheet Primary_result; wells as A01."""
    wb = Book([("Software name", "Diomni (SYNTHETIC fixture)"), ("Software version", "4.3.0"),
               ("Quantification Cycle Method", "CT")])  # fmt: skip
    header = [
        "Well",
        "Omit",
        "Sample",
        "Target",
        "Task",
        "Reporter",
        "Quencher",
        "Cq",
        "Auto Threshold",
        "Threshold",
        "Auto Baseline",
        "Baseline Start",
        "Baseline End",
    ]
    rows: list[list[Any]] = []
    amp: list[list[Any]] = []
    for _, pos, sample, target, task, dye, mid in WELLS:
        ct = ct_of(mid)
        well = f"{pos[0]}{int(pos[1:]):02d}"
        rows.append([well, "FALSE", sample, target, task, dye, "NFQ-MGB",
                     "UNDETERMINED" if ct is None else ct, "FALSE", THRESHOLD, "TRUE", 3, 15])  # fmt: skip
        rn, drn = curve(mid)
        amp += [[well, c + 1, target, rn[c], drn[c], sample, "FALSE"] for c in range(CYCLES)]
    sheet(wb, "Primary_result", header, rows)
    sheet(wb, "Amplification Data", ["Well", "Cycle Number", "Target", "Rn", "dRn", "Sample",
                                     "Omit"], amp)  # fmt: skip
    sheet(wb, "Target Call", ["Well", "Omit", "Sample", "Target", "Call"],
          [[r[0], "FALSE", r[2], r[3], "POSITIVE"] for r in rows])  # fmt: skip
    wb.save(path)


def well_after_end(path: Path) -> None:
    """BROKEN on purpose: a well record below the key/value rows that end the Results table."""
    wb = Book(META)
    rows: list[list[Any]] = [[1, "A1", "SYNTHETIC patient 1", "IKZF1 del4-7", 24.5],
                             ["Analysis Type", "Singleplex"],
                             [2, "A2", "SYNTHETIC patient 1", "IKZF1 del4-7", 24.7]]  # fmt: skip
    sheet(wb, "Results", ["Well", "Well Position", "Sample Name", "Target Name", "CT"], rows)
    wb.save(path)


def main() -> None:
    key_value_after_results(HERE / "SYNTHETIC_qs_da_v1_5_key_value_after_results.xlsx")
    relative_threshold(HERE / "SYNTHETIC_qs7flex_relative_threshold_crt.xlsx")
    diomni(HERE / "SYNTHETIC_qs_diomni_primary_result.xlsx")
    well_after_end(HERE / "SYNTHETIC_qs_bad_well_after_key_value_rows.xlsx")


if __name__ == "__main__":
    main()
