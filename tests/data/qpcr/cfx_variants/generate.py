"""Write the SYNTHETIC Bio-Rad CFX variants: renamed CSV runs, melt files and xlsx workbooks.

Run from anywhere: ``python tests/data/qpcr/cfx_variants/generate.py``. Every file is
SYNTHETIC (its name says so, and so do its sample names): the run of ``../good/cfx`` (12
reactions, FAM and HEX) written again

- under the names file shares give CFX exports (hyphens, underscores for the spaces),
- with ``Melt Curve RFU Results`` per dye (a product peak per target, a primer-dimer in the
  wells without Cq) and a ``Melt Curve Derivative Results`` file (a table not read),
- without its Cq results file (amplification files only),
- as CFX Maestro ``.xlsx`` workbooks, one per table (sheets per dye, Cq in sheet ``0``), and
  as one workbook holding several tables as sheets named like the CSV files.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
SOURCE = HERE.parent / "good" / "cfx"
RUN = "SYNTHETIC_ikzf1 2026-03-02 10-15-00_CT012345 -  "
TM = {"IK4-7": 81.5, "ALB": 84.0}  # product melting temperatures of the synthetic targets
DIMER_TM = 74.0
TEMPERATURES = [65.0 + 0.5 * i for i in range(61)]


def _table(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((SOURCE / (RUN + name)).read_text(encoding="utf-8"))))


def _write_csv(name: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (HERE / name).write_text(out.getvalue(), encoding="utf-8")


def _melt(amp: list[list[str]], cq: list[list[str]], derivative: bool = False) -> list[list[str]]:
    """A melt table for the wells of an amplification table (Tm by target, dimer if no Cq)."""
    header = cq[0]
    target = {r[header.index("Well")]: r[header.index("Target")] for r in cq[1:]}
    has_cq = {r[header.index("Well")]: r[header.index("Cq")] != "NaN" for r in cq[1:]}
    wells = amp[0][2:]
    rows = [["", "Temperature", *wells]]
    for t in TEMPERATURES:
        row = ["", f"{t:.1f}"]
        for well in wells:
            key = f"{well[0]}{int(well[1:]):02d}"
            tm = TM[target[key]] if has_cq[key] else DIMER_TM
            height = 2000.0 if has_cq[key] else 400.0
            s = 1.0 / (1.0 + math.exp((t - tm) / 0.6))
            rfu = 300.0 * (1.0 - 0.005 * (t - 65.0)) + height * s
            value = height * s * (1.0 - s) / 0.6 if derivative else rfu
            row.append(f"{value:.2f}")
        rows.append(row)
    return rows


def _number(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text or None


def _sheet(book: openpyxl.Workbook, title: str, rows: list[list[str]]) -> None:
    ws = book.create_sheet(title)
    for row in rows:
        ws.append([_number(c) for c in row])


def _workbook(name: str, sheets: dict[str, list[list[str]]]) -> None:
    book = openpyxl.Workbook()
    assert book.active is not None
    book.remove(book.active)
    for title, rows in sheets.items():
        _sheet(book, title, rows)
    book.save(str(HERE / name))


def main() -> None:
    cq = _table("Quantification Cq Results.csv")
    amp = {dye: _table(f"Quantification Amplification Results_{dye}.csv") for dye in ("FAM", "HEX")}
    melt = {dye: _melt(rows, cq) for dye, rows in amp.items()}
    for old in HERE.glob("SYNTHETIC*"):
        old.unlink()
    # renamed the way file shares rename them
    _write_csv("SYNTHETIC_hyphens-Quantification-Cq-Results.csv", cq)
    for dye, rows in amp.items():
        _write_csv(f"SYNTHETIC_hyphens-Quantification-Amplification-Results_{dye}.csv", rows)
        _write_csv(f"SYNTHETIC_underscores_Quantification_Amplification_Results_{dye}.csv", rows)
        _write_csv(f"SYNTHETIC_underscores_Melt_Curve_RFU_Results_{dye}.csv", melt[dye])
        _write_csv(f"SYNTHETIC_no_cq_Quantification_Amplification_Results_{dye}.csv", rows)
    _write_csv("synthetic_UNDERSCORES_quantification_cq_results.csv", cq)
    _write_csv(
        "SYNTHETIC_underscores_Melt_Curve_Derivative_Results_FAM.csv",
        _melt(amp["FAM"], cq, derivative=True),
    )
    # CFX Maestro workbooks: one per table ...
    _workbook("SYNTHETIC_xlsx -  Quantification Cq Results.xlsx", {"0": cq})
    _workbook("SYNTHETIC_xlsx -  Quantification Amplification Results.xlsx", amp)
    _workbook("SYNTHETIC_xlsx -  Melt Curve RFU Results.xlsx", melt)
    # ... and several tables in one workbook, sheets named like the CSV files
    _workbook(
        "SYNTHETIC_cfx_tables_in_one_workbook.xlsx",
        {
            "Run Information": [["File Name", "SYNTHETIC run"], ["Run Ended", "2026-03-02"]],
            "Quantification Cq Results": cq,
            **{f"Amplification Results_{dye}": rows for dye, rows in amp.items()},
            **{f"Melt Curve RFU Results_{dye}": rows for dye, rows in melt.items()},
        },
    )


if __name__ == "__main__":
    main()
