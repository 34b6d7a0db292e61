"""Write the SYNTHETIC wide curve tables of tests/test_reader_wide_csv.py.

A wide table has the cycles in its first column and one column per curve, as the R package
qpcR's data sets and pivoted instrument exports do. The curves are generated (logistic plus
seeded noise), not measured; headers and file names say SYNTHETIC. Files written:

``SYNTHETIC_wide_curves.csv``
    comma, decimal point, header ``Cycles``; 14 curves x 40 cycles; curve 13 ends after
    cycle 35 (empty cells), curve 14 after cycle 30 (``NA`` cells, as R writes them).
``SYNTHETIC_wide_semicolon_decimal_comma.csv``
    semicolon, decimal comma, header ``Cycle#``, CRLF line ends; 3 curves x 30 cycles.

Run from the repository root and commit the files:

    .venv/bin/python tests/data/qpcr/wide_csv/generate.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

HERE = Path(__file__).parent


def value(rng: random.Random, cycle: int, ct: float | None) -> float:
    """Background-subtracted fluorescence of a curve with threshold cycle ``ct``."""
    signal = 0.0 if ct is None else 10.0 / (1 + math.exp(-(cycle - ct) / 1.5))
    return signal + rng.gauss(0, 0.01)


def curves_csv(rng: random.Random) -> str:
    names = [f"SYNTHETIC.{i}" for i in range(1, 15)]
    cts = [20.0 + i for i in range(12)] + [24.0, None]
    ends = {12: 35, 13: 30}  # curve index -> last cycle
    lines = ["Cycles," + ",".join(names)]
    for cycle in range(1, 41):
        cells = []
        for i, ct in enumerate(cts):
            if cycle > ends.get(i, 40):
                cells.append("NA" if i == 13 else "")
            else:
                cells.append(f"{value(rng, cycle, ct):.6f}")
        lines.append(f"{cycle}," + ",".join(cells))
    return "\n".join(lines) + "\n"


def semicolon_csv(rng: random.Random) -> str:
    lines = ["Cycle#;SYNTHETIC A;SYNTHETIC B;SYNTHETIC NTC"]
    for cycle in range(1, 31):
        cells = [f"{value(rng, cycle, ct) + 1:.4f}".replace(".", ",") for ct in (18.0, 19.0, None)]
        lines.append(f"{cycle};" + ";".join(cells))
    return "\r\n".join(lines) + "\r\n"


def main() -> None:
    rng = random.Random(14)
    files = {
        "SYNTHETIC_wide_curves.csv": curves_csv(rng),
        "SYNTHETIC_wide_semicolon_decimal_comma.csv": semicolon_csv(rng),
    }
    for name, text in files.items():
        (HERE / name).write_bytes(text.encode("utf-8"))


if __name__ == "__main__":
    main()
