"""Write the SYNTHETIC LightCycler 480 fixtures: a raw-data export and its Abs Quant Cp table.

The readings are generated (logistic amplification, sigmoid melt, seeded noise), not
measured; the experiment and sample names say SYNTHETIC. Layout as LCS480 1.5.0.39 writes it
(tab-separated, CRLF, a trailing tab after the header): a hold read once (Prog# 1), 40 cycles
(Prog# 2 Seg# 2), a melt (Prog# 3) that settles for a few readings near 65 °C before its ramp,
and a cooling step read at falling temperature (Prog# 4). Two channels, 483-533 and 523-568.

The Cp table holds, for channel 483-533, the second-derivative maximum of each generated
logistic, x0 - s * ln(2 + sqrt(3)), to two decimals; empty where the well does not amplify.
Run from the repository root:

    .venv/bin/python tests/data/qpcr/lightcycler480/generate.py

and commit the files it writes (the tests read them; they do not regenerate them).
"""

from __future__ import annotations

import math
import random
from pathlib import Path

HERE = Path(__file__).parent
RAW = HERE / "SYNTHETIC_lc480_run.txt"
CP = HERE / "SYNTHETIC_lc480_run_Cq.txt"
EXPERIMENT = "SYNTHETIC IKZF1 LC480 run 1"
CHANNELS = ("483-533", "523-568")
CYCLES = 40
SLOPE = 1.5  # logistic scale, cycles
# well, sample, logistic midpoint x0 per channel (None: no amplification), melt peak (°C)
WELLS = [
    ("A1", "SYNTHETIC-P01", (24.0, 22.0), 84.0),
    ("A2", "SYNTHETIC-P01", (24.3, 22.1), 84.0),
    ("A3", "SYNTHETIC-P02", (None, 22.4), None),
    ("A4", "SYNTHETIC-P02", (None, 22.2), None),
    ("A5", "SYNTHETIC-NTC", (36.5, None), 76.0),  # a late primer-dimer rise
    ("A6", "SYNTHETIC-PC", (21.0, 21.5), 84.0),
]
# Melt: a few readings while the block settles (not rising), then a 0.25 °C ramp.
SETTLE = (65.02, 64.95, 64.9, 65.0)
RAMP = [round(65.25 + 0.25 * i, 2) for i in range(120)]
COOL = (80.0, 60.0, 40.0)


def second_derivative_max(x0: float) -> float:
    """Where a logistic of scale SLOPE has its largest second derivative."""
    return x0 - SLOPE * math.log(2 + math.sqrt(3))


def amplification(x0: float | None, cycle: int, rng: random.Random) -> float:
    rise = 0.0 if x0 is None else 7.5 / (1 + math.exp(-(cycle - x0) / SLOPE))
    return round(0.4 + 0.002 * cycle + rise + rng.gauss(0, 0.01), 3)


def melt(peak: float | None, temp: float, rng: random.Random) -> float:
    if peak is None:
        value = 1.2 - 0.008 * (temp - 65)
    else:
        value = 0.8 - 0.005 * (temp - 65) + 7.0 / (1 + math.exp((temp - peak) / 0.8))
    return round(value + rng.gauss(0, 0.01), 3)


def raw_lines() -> list[str]:
    rng = random.Random(480)
    lines = [
        f"Raw Data \t\tExperiment - {EXPERIMENT} (Run on LCS480 1.5.0.39)",
        "SamplePos\tSampleName\tProg#\tSeg#\tCycle#\tTime\tTemp\t" + "\t".join(CHANNELS) + "\t",
    ]
    for well, sample, x0s, peak in WELLS:
        # (Prog#, Seg#, Cycle#, Temp, one reading per channel), in the order the run reads them
        readings: list[tuple[int, int, int, float, list[float]]] = [(1, 1, 1, 95.0, [0.3, 0.3])]
        for c in range(1, CYCLES + 1):
            readings.append((2, 2, c, 60.0, [amplification(x0, c, rng) for x0 in x0s]))
        for t in (*SETTLE, *RAMP):
            readings.append((3, 1, 1, t, [melt(peak, t, rng) for _ in CHANNELS]))
        readings += [(4, 1, 1, t, [1.0, 1.0]) for t in COOL]
        for i, (prog, seg, cycle, temp, values) in enumerate(readings):
            time = 1567 + 567 * i  # milliseconds from the start
            cells = [well, sample, prog, seg, cycle, time, f"{temp:g}", *values]
            lines.append("\t".join(str(c) for c in cells))
    return lines


def cp_lines() -> list[str]:
    lines = [
        f"Experiment: {EXPERIMENT}  Selected Filter: SYBR Green I / HRM Dye ({CHANNELS[0]})",
        "Include\tColor\tPos\tName\tCp\tConcentration\tStandard\tStatus",
    ]
    for well, sample, x0s, _ in WELLS:
        x0 = x0s[0]
        cp = "" if x0 is None else f"{second_derivative_max(x0):.2f}"
        color = 65280 if x0 is None else 255
        lines.append(f"True\t{color}\t{well}\t{sample}\t{cp}\t\t0\t")
    return lines


def main() -> None:
    RAW.write_bytes(("\r\n".join(raw_lines()) + "\r\n").encode("ascii"))
    CP.write_bytes(("\r\n".join(cp_lines()) + "\r\n").encode("ascii"))


if __name__ == "__main__":
    main()
