"""Wall time of the main job, ``ikzf1assay call``, against a peer measured in the same run.

The peer is ``python -c "import numpy, pandas"``: the least any command that reads a table
pays. Each command runs in a fresh process ``--repeat`` times (default 5) and the median wall
time is kept; the machines are small and noisy, so compare ratios, not seconds.

- ``call`` on the bundled 96-well run, with its outputs (calls.tsv, wells.tsv, provenance.json,
  report.html): at most 3.5x the peer;
- ``call`` on a SYNTHETIC 384-well plate (the bundled run's wells four times, as a tidy CSV,
  samples renamed per quadrant): at most 5x;
- ``ikzf1assay --version`` and ``--help``: at most 0.6x (no numerical library at start-up).

    .venv/bin/python benchmarks/bench_call.py [--repeat 5]

Prints one line per command (median seconds, ratio, target, PASS/FAIL) and a summary line;
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

TARGETS = {"call 96": 3.5, "call 384": 5.0, "--version": 0.6, "--help": 0.6}


def _median_wall(argv: list[str], repeat: int, before: list[str] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            shutil.rmtree(before[0], ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_384(path: Path) -> Path:
    """The bundled run's wells four times over as a SYNTHETIC 384-well tidy CSV."""
    from ikzf1assay.qpcr import read_run

    export = Path(str(resources.files("ikzf1assay") / "data" / "demo_run_abi7500.txt"))
    plate = read_run(export)
    wells = {(str(r["well"]), str(r["target"])): r for r in plate.wells.to_dict("records")}
    lines = ["well,sample,target,task,cycle,fluorescence,instrument_ct"]
    for q, (dr, dc) in enumerate(((0, 0), (0, 12), (8, 0), (8, 12))):
        for (well, target), c in plate.curves.groupby(["well", "target"], sort=False):
            w = wells[(str(well), str(target))]
            row = chr(ord(str(well)[0]) + dr)
            name = f"{row}{int(str(well)[1:]) + dc}"
            sample = str(w["sample"])
            if q and w["task"] == "UNKNOWN":
                sample = f"{sample}-Q{q + 1}"
            ct = "" if w["instrument_ct"] != w["instrument_ct"] else f"{w['instrument_ct']:.3f}"
            task = {"NTC": "ntc", "UNKNOWN": "unknown"}.get(str(w["task"]), str(w["task"]))
            lines.extend(
                f"{name},{sample},{target},{task},{int(cy)},{rn:.5f},{ct}"
                for cy, rn in zip(c["cycle"], c["rn"], strict=True)
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("ikzf1assay")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "ikzf1assay"]
    bundled = Path(str(resources.files("ikzf1assay") / "data" / "demo_run_abi7500.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        big = write_384(Path(tmp) / "SYNTHETIC_384.csv")
        out = str(Path(tmp) / "out")
        peer = _median_wall([sys.executable, "-c", "import numpy, pandas"], args.repeat)
        measured = {
            "call 96": _median_wall(
                [*command, "call", str(bundled), "-o", out], args.repeat, [out]
            ),
            "call 384": _median_wall([*command, "call", str(big), "-o", out], args.repeat, [out]),
            "--version": _median_wall([*command, "--version"], args.repeat),
            "--help": _median_wall([*command, "--help"], args.repeat),
        }
    print(f"peer  python -c 'import numpy, pandas'  {peer:.3f} s (median of {args.repeat})")
    failed = []
    for name, seconds in measured.items():
        ratio = seconds / peer
        ok = ratio <= TARGETS[name]
        failed += [] if ok else [name]
        print(
            f"{name:10s} {seconds:6.3f} s  {ratio:5.2f}x peer  target <= {TARGETS[name]}x  "
            f"{'PASS' if ok else 'FAIL'}"
        )
    print(
        "SUMMARY: "
        + "; ".join(f"{k} {v / peer:.2f}x" for k, v in measured.items())
        + f"; {len(TARGETS) - len(failed)} of {len(TARGETS)} targets met"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
